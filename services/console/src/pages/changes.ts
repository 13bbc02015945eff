// `/contracts/{id}/settlements/{quarter}/changes?from=<instant>[&to=<instant>]` (issue 14): why a quarter's figures
// moved between two moments, from the query service's settlement diff. Both settlements side by side, then each event
// recorded between them that changed a figure (when, business date, who, what) with each figure before and after,
// and first what the passing of time alone changed. Reached from the settlement page seen as at a past moment.
import type { Request, Response } from 'express';
import { formatQuarter, isQuarterId } from '@csu-ledger/domain';
import { query } from '../api.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { count, date, money, percent, statusText } from '../format.ts';
import { contractPath } from '../views.ts';
import { contractFrame, loadContract } from './common.ts';

type Value = bigint | number | string | null;

interface Change {
  cause: 'event' | 'elapsed';
  from?: string;
  to?: string;
  type?: string;
  position?: string;
  businessDate?: string;
  recordedAt?: string;
  actor?: { sub: string; name?: string; org: string; role: string };
  figures: { figure: string; before: Value; after: Value }[];
}

interface SettlementDiff {
  from: { asAt: string; settlement: unknown };
  to: { asAt: string; settlement: unknown };
  figures: { figure: string; from: Value; to: Value; difference: Value }[];
  changes: Change[];
  eventsExamined: number;
}

/** What each figure is called on the settlement page. */
const LABELS: Record<string, string> = {
  status: 'Status',
  feePence: 'Fee (F)',
  atRiskPence: 'At risk (R)',
  performanceScoreBp: 'Performance score (S)',
  withheldPence: 'Withheld (W)',
  recoveredPence: 'Recovered from trusts (V)',
  gainSharePence: 'Gain share (G)',
  extrasPence: 'Agreed extras (X)',
  netPayablePence: 'Net payable (N)',
  'disputedExtras.count': 'Extras in dispute',
  'disputedExtras.valuePence': 'Value of extras in dispute',
  'openChallenges.count': 'Open challenges',
  'openChallenges.valuePence': 'Value of open challenges',
};

/** A figure's value as the settlement page writes it; a dash where the quarter had no settlement yet. */
export const figureText = (figure: string, v: Value): string => {
  if (v === null) return '–';
  if (figure === 'status') return statusText(String(v));
  if (typeof v === 'string') return v;
  if (figure.endsWith('Pence')) return money(v);
  if (figure.endsWith('Bp')) return percent(v);
  return count(v);
};

const differenceText = (figure: string, d: Value): string => {
  if (d === null || typeof d === 'string' || d === 0 || d === 0n) return '';
  const sign = d > 0 ? '+' : '−';
  const size = typeof d === 'bigint' ? (d < 0n ? -d : d) : Math.abs(Number(d));
  return `${sign}${figureText(figure, size)}`;
};

const figuresView = (list: { figure: string; before: Value; after: Value }[]) =>
  list.map((f) => ({ label: LABELS[f.figure] ?? f.figure, before: figureText(f.figure, f.before), after: figureText(f.figure, f.after) }));

/** An instant from the address, loosely checked (the query service checks it and answers 400 otherwise). */
const instantParam = (v: unknown): string | undefined => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(v) ? v : undefined);

export const changesPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const q = String(req.params.quarter);
  const from = instantParam(req.query.from);
  if (!isQuarterId(q) || from === undefined) {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'Open a settlement as at a past moment, then follow "What changed since then".' });
    return;
  }
  // Until now by default: a second ago, so that a clock a little ahead of the ledger's is not in its future.
  const to = instantParam(req.query.to) ?? new Date(ctx.now().getTime() - 1_000).toISOString();
  const c = await loadContract(ctx.api, req);
  const id = c.contractId;
  const diff = await ctx.api.get<SettlementDiff>(userOf(req).token, query(contractPath(id, `/settlements/${q}/diff`), { from, to }), readOpts(req));
  res.render('changes.njk', {
    ...contractFrame(c, 'settlements', {}, req),
    quarter: q,
    title: `What changed in ${formatQuarter(q)}`,
    fromAt: diff.from.asAt,
    toAt: diff.to.asAt,
    thenHref: contractPath(id, `/settlements/${q}`, { asAt: diff.from.asAt }),
    nowHref: contractPath(id, `/settlements/${q}`),
    figures: diff.figures.map((f) => ({
      label: LABELS[f.figure] ?? f.figure,
      from: figureText(f.figure, f.from),
      to: figureText(f.figure, f.to),
      difference: f.figure === 'status' ? (f.from === f.to ? '' : 'changed') : differenceText(f.figure, f.difference),
    })),
    changes: diff.changes.map((ch) => ({
      ...ch,
      text: ch.cause === 'elapsed' ? `Time passed from ${date(ch.from)} to ${date(ch.to)}: deliverables fell due` : ch.type,
      figures: figuresView(ch.figures),
    })),
    eventsExamined: diff.eventsExamined,
  });
};
