// `/contracts/{id}`: terms in force, term end and KPIs; a month grid per KPI (due date, delivered on, met / missed /
// pending, measured value against target and floor); the forms to record a delivery or a measurement (CSU) and to
// reject a delivery (CCG); a trend chart per KPI. As of a past date or instant when the address asks.
import type { Request, Response } from 'express';
import { dueDate, formatMonth, parseMonthId } from '@csu-ledger/domain';
import { actionForm, roleMay, type ActionName } from '../actions.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { kpiTrendChart } from '../charts.ts';
import { formView } from '../forms.ts';
import { randomToken, type Flash } from '../session.ts';
import { contractPath, deliveryRecords, type Performance, type Settlement } from '../views.ts';
import { actionContext, contractFrame, loadContract, termQuarters, timeTravelOf } from './common.ts';

export const contractPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token, role } = userOf(req);
  const t = timeTravelOf(req);
  const opts = readOpts(req);
  const c = await loadContract(ctx.api, req, t);
  const id = c.contractId;
  const quarters = termQuarters(c);
  const [perf, deliveries, settlements] = await Promise.all([
    Promise.all(quarters.map((q) => ctx.api.get<Performance>(token, contractPath(id, `/performance/${q}`, t), opts))),
    deliveryRecords(ctx.api, token, id, t, opts),
    ctx.api.all<Settlement>(token, contractPath(id, '/settlements', t), 'settlements', opts),
  ]);

  const kpis = c.terms.kpis.map((kpi) => {
    const rows = perf.flatMap((p) => {
      const k = p.kpis.find((x) => x.kpiId === kpi.id);
      return (k?.months ?? []).map((m) => {
        const d = deliveries.get(`${kpi.id}|${m.month}`);
        return {
          month: m.month,
          quarter: p.quarter,
          quarterStatus: p.status,
          status: m.status,
          achievedBp: m.achievedBp ?? null,
          due: kpi.kind === 'deliverable' ? dueDate(m.month, kpi.dueWorkingDay ?? 1) : null,
          deliveredOn: d?.deliveredOn ?? null,
          reference: d?.reference ?? null,
          rejected: d?.rejected ?? null,
        };
      });
    });
    const targetBp = kpi.targetBp;
    const floorBp = kpi.floorBp ?? kpi.targetBp;
    const points = rows.map((r) => ({
      label: `M${parseMonthId(r.month).m}`,
      bp: r.status === 'met' ? 10_000 : r.status === 'missed' ? 0 : r.status === 'reported' ? r.achievedBp : null,
    }));
    const quarterly = perf.map((p) => {
      const k = p.kpis.find((x) => x.kpiId === kpi.id);
      return { quarter: p.quarter, status: p.status, achievementBp: k?.achievementBp ?? null, scoreBp: k?.scoreBp ?? null };
    });
    return {
      ...kpi,
      floorBp,
      rows,
      quarterly,
      chart: kpiTrendChart(`trend-${kpi.id.replace(/[^A-Za-z0-9_-]/g, '-')}`, `${kpi.id} ${kpi.name}`, points, targetBp, floorBp),
      points: points.map((p, i) => ({ ...p, month: formatMonth(rows[i]!.month) })),
    };
  });

  const flash = res.locals.flash as Flash | undefined;
  const ac = actionContext(c, ctx.today());
  const offered: ActionName[] = t.asOf || t.asAt ? [] : (['record-delivery', 'record-measurement', 'reject-delivery'] as const).filter((a) => roleMay(role, a));
  const forms = offered
    .filter((a) => a !== 'record-measurement' || c.terms.kpis.some((k) => k.kind === 'measured'))
    .filter((a) => a === 'record-measurement' || c.terms.kpis.some((k) => k.kind === 'deliverable'))
    .map((a) => formView(actionForm(a, ac), flash, randomToken()));

  res.render('contract.njk', { ...contractFrame(c, 'overview', t, req), kpis, forms, settlements, quarters });
};
