// `/`: the caller's contracts and what needs them now (issue 11), all from the query service's answers: deliverables
// due in the next 5 working days, overdue deliverables, extras awaiting the CCG, trust responses overdue, quarters
// that have ended and await approval, and invoices awaiting CCG finance.
import type { Request, Response } from 'express';
import { addWorkingDays, dueDate, firstDayOfQuarter, lastDayOfQuarter } from '@csu-ledger/domain';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { contractPath, deliveryRecords, type Challenge, type ContractDetail, type ContractSummary, type Extra, type Invoice, type Performance, type Settlement } from '../views.ts';
import { termQuarters } from './common.ts';

/** At most this many contracts are looked into for "needs you now"; all are listed. */
const ATTENTION_LIMIT = 25;

export interface Attention {
  dueSoon: { contractId: string; kpi: string; month: string; due: string }[];
  overdue: { contractId: string; kpi: string; month: string; due: string; note: string }[];
  extrasAwaiting: { contractId: string; extra: Extra }[];
  responsesOverdue: { contractId: string; challenge: Challenge }[];
  quartersAwaiting: { contractId: string; settlement: Settlement }[];
  /** Invoices CCG finance has neither disputed nor paid (issue 13), earliest due first. */
  invoicesAwaiting: { contractId: string; invoice: Invoice; overdue: boolean }[];
}

const attentionFor = async (ctx: PageContext, req: Request, summary: ContractSummary, today: string, a: Attention): Promise<void> => {
  const { token } = userOf(req);
  const opts = readOpts(req);
  const id = summary.contractId;
  const detail = await ctx.api.get<ContractDetail>(token, contractPath(id), opts);
  const quarters = termQuarters(detail);
  const [settlements, extras, challenges, invoices] = await Promise.all([
    ctx.api.all<Settlement>(token, contractPath(id, '/settlements'), 'settlements', opts),
    ctx.api.all<Extra>(token, contractPath(id, '/extras'), 'extras', opts),
    ctx.api.all<Challenge>(token, contractPath(id, '/challenges'), 'challenges', opts),
    ctx.api.all<Invoice>(token, contractPath(id, '/invoices'), 'invoices', opts),
  ]);
  for (const i of invoices) if (i.status === 'submitted') a.invoicesAwaiting.push({ contractId: id, invoice: i, overdue: i.kind !== 'credit-note' && i.dueBy < today });
  const approved = new Set(settlements.filter((s) => s.status === 'approved').map((s) => s.quarter));
  for (const s of settlements) if (s.status === 'open' && lastDayOfQuarter(s.quarter) < today && quarters.includes(s.quarter)) a.quartersAwaiting.push({ contractId: id, settlement: s });
  for (const x of extras) if (x.status === 'awaiting-ccg') a.extrasAwaiting.push({ contractId: id, extra: x });
  for (const c of challenges) if (c.overdue) a.responsesOverdue.push({ contractId: id, challenge: c });

  // Deliverables: open quarters that have begun (a closed quarter accepts nothing more).
  const deliverables = detail.terms.kpis.filter((k) => k.kind === 'deliverable');
  if (deliverables.length === 0) return;
  const open = quarters.filter((q) => !approved.has(q) && firstDayOfQuarter(q) <= today);
  const horizon = addWorkingDays(today, 5);
  const [perf, deliveries] = await Promise.all([
    Promise.all(open.map((q) => ctx.api.get<Performance>(token, contractPath(id, `/performance/${q}`), opts))),
    deliveryRecords(ctx.api, token, id, {}, opts),
  ]);
  for (const p of perf) {
    for (const k of p.kpis) {
      const kpi = deliverables.find((d) => d.id === k.kpiId);
      if (!kpi) continue;
      for (const m of k.months) {
        const due = dueDate(m.month, kpi.dueWorkingDay ?? 1);
        const label = `${kpi.id} ${kpi.name}`;
        if (m.status === 'pending' && due >= today && due <= horizon) a.dueSoon.push({ contractId: id, kpi: label, month: m.month, due });
        if (m.status === 'missed') {
          const d = deliveries.get(`${kpi.id}|${m.month}`);
          if (!d) a.overdue.push({ contractId: id, kpi: label, month: m.month, due, note: 'Not delivered' });
          else if (d.rejected) a.overdue.push({ contractId: id, kpi: label, month: m.month, due, note: 'Rejected, not delivered again' });
        }
      }
    }
  }
};

export const homePage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token } = userOf(req);
  const today = ctx.today();
  const contracts = await ctx.api.all<ContractSummary>(token, '/contracts', 'contracts', readOpts(req));
  const a: Attention = { dueSoon: [], overdue: [], extrasAwaiting: [], responsesOverdue: [], quartersAwaiting: [], invoicesAwaiting: [] };
  const looked = contracts.slice(0, ATTENTION_LIMIT);
  await Promise.all(looked.map((c) => attentionFor(ctx, req, c, today, a)));
  const byDue = (x: { due: string }, y: { due: string }) => (x.due < y.due ? -1 : x.due > y.due ? 1 : 0);
  a.dueSoon.sort(byDue);
  a.overdue.sort(byDue);
  a.invoicesAwaiting.sort((x, y) => (x.invoice.dueBy < y.invoice.dueBy ? -1 : x.invoice.dueBy > y.invoice.dueBy ? 1 : 0));
  res.render('home.njk', {
    contracts,
    attention: a,
    today,
    horizon: addWorkingDays(today, 5),
    lookedAt: looked.length,
    total: contracts.length,
    nothing: Object.values(a).every((list: unknown[]) => list.length === 0),
  });
};
