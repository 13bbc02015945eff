// `/contracts/{id}/settlements/{quarter}`: the quarter's statement line by line (F, R, W with each KPI, G with each
// recovery, queried ones shown and not counted, X with each extra, N), each line with the events behind it, as of a
// past date or instant too; a waterfall F → −W → +G → +X → N; downloads of the statement as CSV and XLSX (and a
// print stylesheet); the what-if preview; late items (money recorded after an approval, returns recorded late); and
// for CCG finance the approval form showing the figure being approved. A stale approval comes back here with the new
// figure and asks again.
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { formatQuarter, isQuarterId, lastDayOfQuarter } from '@csu-ledger/domain';
import { query, ServiceProblem } from '../api.ts';
import { actionForm, roleMay } from '../actions.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { waterfallChart } from '../charts.ts';
import { money } from '../format.ts';
import { formView } from '../forms.ts';
import { randomToken, receiptKey, type Flash } from '../session.ts';
import { contractPath, travelQuery, type Challenge, type Extra, type LateItems, type Performance, type Settlement, type Statement, type WhatIfAnswer } from '../views.ts';
import { fieldOfRefusal, readWhatIf } from '../what-if.ts';
import { actionContext, contractFrame, loadContract, termQuarters, timeTravelOf } from './common.ts';

const notAQuarter = (res: Response): void => {
  res.status(404).render('error.njk', { title: 'Page not found', message: 'A quarter looks like 2025-26-Q1.' });
};

/** The what-if's answer for the page, or the refusal as errors on its fields. */
const askWhatIf = async (ctx: PageContext, req: Request, id: string, q: string, form: ReturnType<typeof readWhatIf>) => {
  if (!form.asked || form.errors.length > 0) return undefined;
  try {
    return await ctx.api.get<WhatIfAnswer>(
      userOf(req).token,
      query(contractPath(id, `/settlements/${q}/what-if`), { extras: form.extras, challenges: form.challenges }),
      readOpts(req),
    );
  } catch (err) {
    if (!(err instanceof ServiceProblem) || (err.status !== 400 && err.status !== 409)) throw err;
    form.errors.push({ field: fieldOfRefusal(form, err.detail), message: sentence(err.detail ?? err.title) });
    return undefined;
  }
};

const sentence = (s: string): string => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

export const settlementPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const q = String(req.params.quarter);
  if (!isQuarterId(q)) return notAQuarter(res);
  const { token, role } = userOf(req);
  const t = timeTravelOf(req);
  const travelling = t.asOf !== undefined || t.asAt !== undefined;
  const opts = readOpts(req);
  const c = await loadContract(ctx.api, req, t);
  const id = c.contractId;
  const [s, perf, late, statement, extras, challenges] = await Promise.all([
    ctx.api.get<Settlement>(token, contractPath(id, `/settlements/${q}`, t), opts),
    ctx.api.get<Performance>(token, contractPath(id, `/performance/${q}`, t), opts),
    ctx.api.get<LateItems>(token, contractPath(id, `/settlements/${q}/late-items`, t), opts),
    ctx.api.get<Statement>(token, contractPath(id, `/settlements/${q}/statement`, t), opts),
    // The what-if assumes open extras and challenges resolved now: only for an open quarter, as things stand.
    travelling ? Promise.resolve([]) : ctx.api.all<Extra>(token, contractPath(id, '/extras'), 'extras', opts),
    travelling ? Promise.resolve([]) : ctx.api.all<Challenge>(token, contractPath(id, '/challenges'), 'challenges', opts),
  ]);
  const kpiNames = new Map(c.terms.kpis.map((k) => [k.id, k.name]));
  const today = ctx.today();
  const ended = lastDayOfQuarter(q) < today;
  const flash = res.locals.flash as Flash | undefined;
  const canApprove = !travelling && s.status === 'open' && ended && roleMay(role, 'approve-settlement');
  const figure = s.netPayablePence;
  const approval = canApprove
    ? formView(
        {
          ...actionForm('approve-settlement', actionContext(c, today), q, {
            submit: `Approve ${money(figure)} for ${formatQuarter(q)}`,
          }),
          fields: actionForm('approve-settlement', actionContext(c, today), q).fields.map((f) =>
            f.name === 'netPayablePence' ? { ...f, value: figure.toString() } : f,
          ),
        },
        flash,
        randomToken(),
      )
    : undefined;

  const whatIfForm = !travelling && s.status === 'open' ? readWhatIf(req.query, extras, challenges, lastDayOfQuarter(q)) : undefined;
  const whatIf = whatIfForm ? await askWhatIf(ctx, req, id, q, whatIfForm) : undefined;

  // Returns recorded late (more than the allowed working days after their date): for the auditor's eye.
  const lateReturns = perf.kpis.flatMap((k) =>
    k.months
      .filter((m) => m.recordedLate && m.recordedAt)
      .map((m) => ({ kpiId: k.kpiId, name: kpiNames.get(k.kpiId) ?? '', month: m.month, on: m.deliveredOn ?? m.reportedOn ?? null, recordedAt: m.recordedAt, kind: k.kind })),
  );
  const quarters = termQuarters(c);
  const travel = travelQuery(t);
  res.render('settlement.njk', {
    ...contractFrame(c, 'settlements', t, req),
    quarter: q,
    quarters: quarters.map((x) => ({ quarter: x, href: contractPath(id, `/settlements/${x}`, t), current: x === q })),
    s,
    statement,
    downloads: {
      csv: query(contractPath(id, `/settlements/${q}/statement.csv`), travel),
      xlsx: query(contractPath(id, `/settlements/${q}/statement.xlsx`), travel),
    },
    links: {
      reconciliation: contractPath(id, `/settlements/${q}/reconciliation`, t),
      diff: `${query(contractPath(id, '/history'), { compare: q })}#compare`,
    },
    kpis: perf.kpis.map((k) => ({ ...k, name: kpiNames.get(k.kpiId) ?? '' })),
    late,
    lateReturns,
    ended,
    today,
    approval,
    // Issue 14: the receipt of an approval made in this session, to download and keep outside the ledger.
    // Issue 14: seen as at a past moment, what moved the figures since (the settlement diff).
    changesHref: t.asAt !== undefined && t.asOf === undefined ? query(contractPath(id, `/settlements/${q}/changes`), { from: t.asAt }) : undefined,
    receiptHref: !travelling && s.status === 'approved' && req.session?.receipts?.[receiptKey(id, q)] !== undefined ? contractPath(id, `/settlements/${q}/receipt`) : undefined,
    staleFigure: flash?.staleFigure,
    whatIfForm,
    whatIf,
    chart: waterfallChart('settlement-waterfall', `${formatQuarter(q)}: from the quarter's fee to the net payable`, [
      { label: 'Fee F', pence: s.feePence, kind: 'total' },
      { label: 'Withheld W', pence: s.withheldPence, kind: 'down' },
      { label: 'Gain share G', pence: s.gainSharePence, kind: 'up' },
      { label: 'Extras X', pence: s.extrasPence, kind: 'up' },
      { label: 'Net payable N', pence: s.netPayablePence, kind: 'total' },
    ]),
  });
};

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * GET …/statement.csv and …/statement.xlsx: the query service's statement in that format, streamed to the browser
 * as the attachment the service names (as of a date or instant when the address says so).
 */
export const statementDownload = (ctx: PageContext, format: 'csv' | 'xlsx') => async (req: Request, res: Response): Promise<void> => {
  const q = String(req.params.quarter);
  if (!isQuarterId(q)) return notAQuarter(res);
  const t = timeTravelOf(req);
  const path = query(contractPath(String(req.params.id), `/settlements/${q}/statement`), { ...travelQuery(t), format });
  const answer = await ctx.api.raw(userOf(req).token, path, { ...readOpts(req), accept: format === 'csv' ? 'text/csv' : XLSX });
  await sendDownload(answer, res, `${String(req.params.id)}-${q}-statement.${format}`);
};

/** Streams a service's download on to the browser with its type and file name (or the one given). */
export const sendDownload = async (answer: globalThis.Response, res: Response, fallbackName: string): Promise<void> => {
  res.setHeader('Content-Type', answer.headers.get('content-type') ?? 'application/octet-stream');
  res.setHeader('Content-Disposition', answer.headers.get('content-disposition') ?? `attachment; filename="${fallbackName}"`);
  if (!answer.body) {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const body = Readable.fromWeb(answer.body as WebReadableStream);
    body.on('error', reject);
    res.on('close', resolve);
    body.pipe(res);
  });
};

/**
 * `/contracts/{id}/settlements/{quarter}/receipt`: the receipt the command service answered this session's approval
 * of the quarter with (issue 14), as a JSON file to keep with the CCG's own records. The session holds it; after the
 * session, `pnpm ledger receipt --contract <id>` prints the latest again.
 */
export const receiptDownload = (req: Request, res: Response): void => {
  const id = String(req.params.id);
  const q = String(req.params.quarter);
  const json = isQuarterId(q) ? req.session?.receipts?.[receiptKey(id, q)] : undefined;
  if (json === undefined) {
    res.status(404).render('error.njk', {
      title: 'No receipt to download',
      message: 'The receipt of an approval can be downloaded here in the session that made it. Ask the ledger’s operator for it again: `pnpm ledger receipt --contract <id>` prints the latest.',
    });
    return;
  }
  res.attachment(`receipt-${id}-${q}.json`);
  res.type('application/json').send(json);
};
