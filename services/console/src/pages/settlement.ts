// `/contracts/{id}/settlements/{quarter}`: the quarter's statement (F, R, W with each KPI, G with each recovery, X with
// each extra, N), a waterfall F → −W → +G → +X → N, late items, and for CCG finance the approval form showing the
// figure being approved. A stale approval comes back here with the new figure and asks again.
import type { Request, Response } from 'express';
import { formatQuarter, isQuarterId, lastDayOfQuarter } from '@csu-ledger/domain';
import { actionForm, roleMay } from '../actions.ts';
import { query } from '../api.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { waterfallChart } from '../charts.ts';
import { money } from '../format.ts';
import { formView } from '../forms.ts';
import { randomToken, receiptKey, type Flash } from '../session.ts';
import { contractPath, type Challenge, type Extra, type LateItems, type Performance, type Settlement } from '../views.ts';
import { actionContext, contractFrame, loadContract, termQuarters, timeTravelOf } from './common.ts';

export const settlementPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const q = String(req.params.quarter);
  if (!isQuarterId(q)) {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'A quarter looks like 2025-26-Q1.' });
    return;
  }
  const { token, role } = userOf(req);
  const t = timeTravelOf(req);
  const travelling = t.asOf !== undefined || t.asAt !== undefined;
  const opts = readOpts(req);
  const c = await loadContract(ctx.api, req, t);
  const id = c.contractId;
  const [s, perf, late, extras, challenges] = await Promise.all([
    ctx.api.get<Settlement>(token, contractPath(id, `/settlements/${q}`, t), opts),
    ctx.api.get<Performance>(token, contractPath(id, `/performance/${q}`, t), opts),
    ctx.api.get<LateItems>(token, contractPath(id, `/settlements/${q}/late-items`, t), opts),
    // Items behind G and X: the lists answer only as things stand now (see the README's API gaps).
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
  const quarters = termQuarters(c);
  res.render('settlement.njk', {
    ...contractFrame(c, 'settlements', t, req),
    quarter: q,
    quarters: quarters.map((x) => ({ quarter: x, href: contractPath(id, `/settlements/${x}`, t), current: x === q })),
    s,
    kpis: perf.kpis.map((k) => ({ ...k, name: kpiNames.get(k.kpiId) ?? '' })),
    recoveries: challenges.filter((x) => x.status === 'resolved' && x.settledInQuarter === q),
    agreedExtras: extras.filter((x) => (x.status === 'accepted' || x.status === 'resolved') && x.settledInQuarter === q),
    late,
    ended,
    approval,
    // Issue 14: the receipt of an approval made in this session, to download and keep outside the ledger.
    // Issue 14: seen as at a past moment, what moved the figures since (the settlement diff).
    changesHref: t.asAt !== undefined && t.asOf === undefined ? query(contractPath(id, `/settlements/${q}/changes`), { from: t.asAt }) : undefined,
    receiptHref: !travelling && s.status === 'approved' && req.session?.receipts?.[receiptKey(id, q)] !== undefined ? contractPath(id, `/settlements/${q}/receipt`) : undefined,
    staleFigure: flash?.staleFigure,
    chart: waterfallChart('settlement-waterfall', `${formatQuarter(q)}: from the quarter's fee to the net payable`, [
      { label: 'Fee F', pence: s.feePence, kind: 'total' },
      { label: 'Withheld W', pence: s.withheldPence, kind: 'down' },
      { label: 'Gain share G', pence: s.gainSharePence, kind: 'up' },
      { label: 'Extras X', pence: s.extrasPence, kind: 'up' },
      { label: 'Net payable N', pence: s.netPayablePence, kind: 'total' },
    ]),
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
