// CCG finance reconciling charges (issue 13): the contract's invoices with the forms of each allowed transition (the
// CSU submits and withdraws, CCG finance disputes and pays), the reconciliation of a quarter (what the CSU billed
// against what the ledger settles, per component, mismatches highlighted), and a commissioner's payment performance
// (the Better Payment Practice Code: paid within 30 days). Every figure comes from the query service.
import type { Request, Response } from 'express';
import { isQuarterId } from '@csu-ledger/domain';
import { actionForm, INVOICE_KIND_CHOICES, roleMay, transitionsFor } from '../actions.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { paymentShareChart } from '../charts.ts';
import { financialYear, poundsValue } from '../format.ts';
import { formView } from '../forms.ts';
import { randomToken, type Flash } from '../session.ts';
import {
  contractPath,
  INVOICE_STATUSES,
  type Extra,
  type Invoice,
  type PaymentPerformance,
  type Reconciliation,
} from '../views.ts';
import { actionContext, contractFrame, loadContract, termQuarters, timeTravelOf } from './common.ts';
import { commissionerYears } from './organisation.ts';

/** The Better Payment Practice Code's target: 95% of valid invoices paid within 30 days. */
export const PAYMENT_TARGET_BP = 9500;

const KIND_TEXT: Record<string, string> = { core: 'Core fee', 'credit-note': 'Credit note', 'gain-share': 'Gain share', extra: 'Extra' };

const pick = (req: Request, name: string, allowed: readonly string[]): string =>
  typeof req.query[name] === 'string' && allowed.includes(req.query[name]) ? req.query[name] : '';

export const invoicesPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token, role } = userOf(req);
  const opts = readOpts(req);
  const c = await loadContract(ctx.api, req);
  const id = c.contractId;
  const [invoices, extras] = await Promise.all([
    ctx.api.all<Invoice>(token, contractPath(id, '/invoices'), 'invoices', opts),
    ctx.api.all<Extra>(token, contractPath(id, '/extras'), 'extras', opts),
  ]);
  const today = ctx.today();
  const quarters = termQuarters(c);
  const quarter = pick(req, 'quarter', quarters);
  const status = pick(req, 'status', INVOICE_STATUSES);
  const flash = res.locals.flash as Flash | undefined;
  const ac = actionContext(c, today, extras);
  const extraNames = new Map(extras.map((x) => [x.extraId, x.description]));
  // Overdue (the Better Payment Practice Code): undisputed, unpaid and past 30 days from receipt.
  const overdue = (i: Invoice) => (i.status === 'submitted' || i.status === 'disputed') && !i.disputed && i.dueBy < today && i.kind !== 'credit-note';
  const rows = invoices
    .filter((i) => (!quarter || i.quarter === quarter) && (!status || i.status === status))
    .map((i) => {
      const forms = transitionsFor('invoice', i, role).map((a) => {
        const spec = actionForm(a, ac, i.invoiceId);
        // The payment form starts at the invoice's gross: it is paid in full (or withdrawn and issued again).
        const fields = a === 'pay-invoice' ? spec.fields.map((f) => (f.name === 'amount' ? { ...f, value: poundsValue(i.grossPence) } : f)) : spec.fields;
        return formView({ ...spec, fields }, flash, randomToken());
      });
      return { ...i, kindText: KIND_TEXT[i.kind] ?? i.kind, extraName: i.extraId ? (extraNames.get(i.extraId) ?? i.extraId) : undefined, overdue: overdue(i), forms };
    });
  const billedQuarters = [...new Set(invoices.map((i) => i.quarter))];
  res.render('invoices.njk', {
    ...contractFrame(c, 'invoices', {}, req),
    rows,
    total: invoices.length,
    overdueCount: invoices.filter(overdue).length,
    quarter,
    status,
    quarterChoices: [{ value: '', text: 'All quarters' }, ...quarters.map((q) => ({ value: q, text: q }))],
    statusChoices: [{ value: '', text: 'All' }, ...INVOICE_STATUSES.map((s) => ({ value: s, text: s.charAt(0).toUpperCase() + s.slice(1) }))],
    reconciliations: quarters.filter((q) => billedQuarters.includes(q)).map((q) => ({ quarter: q, href: contractPath(id, `/settlements/${q}/reconciliation`) })),
    actionable: rows.filter((r) => r.forms.length > 0),
    submitForm: roleMay(role, 'submit-invoice') ? formView(actionForm('submit-invoice', ac), flash, randomToken()) : undefined,
    kinds: INVOICE_KIND_CHOICES,
  });
};

const COMPONENT_TEXT = { core: 'Core fee (F − W)', 'gain-share': 'Gain share (G)', extra: 'Extra' } as const;

export const reconciliationPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const q = String(req.params.quarter);
  if (!isQuarterId(q)) {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'A quarter looks like 2025-26-Q1.' });
    return;
  }
  const { token } = userOf(req);
  const t = timeTravelOf(req);
  const c = await loadContract(ctx.api, req, t);
  const id = c.contractId;
  const r = await ctx.api.get<Reconciliation>(token, contractPath(id, `/settlements/${q}/reconciliation`, t), readOpts(req));
  const components = r.components.map((x) => ({
    ...x,
    text: x.component === 'extra' ? `Extra: ${x.description ?? x.extraId ?? ''}` : COMPONENT_TEXT[x.component],
    invoices: x.invoices.map((i) => ({ ...i, kindText: KIND_TEXT[i.kind] ?? i.kind })),
  }));
  res.render('reconciliation.njk', {
    ...contractFrame(c, 'invoices', t, req),
    quarter: q,
    quarters: termQuarters(c).map((x) => ({ quarter: x, href: contractPath(id, `/settlements/${x}/reconciliation`, t), current: x === q })),
    r,
    components,
    mismatches: components.filter((x) => x.status !== 'matched' || x.flag !== undefined).length,
    links: { settlement: contractPath(id, `/settlements/${q}`, t), invoices: contractPath(id, '/invoices') },
  });
};

export const paymentPerformancePage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const found = await commissionerYears(ctx, req, res);
  if (!found) return;
  const { code, token, opts, orgs, org, years: ordered } = found;
  const all = await Promise.all(ordered.map((y) => ctx.api.get<PaymentPerformance>(token, `/organisations/${code}/payment-performance?year=${y}`, opts)));
  // The year shown in detail: the one asked for, else the latest with anything assessed, else the first.
  const asked = pick(req, 'year', ordered);
  const shown = all.find((p) => p.year === asked) ?? [...all].reverse().find((p) => p.assessed.count > 0) ?? all[0]!;
  const name = org?.name ?? code;
  const csuNames = Object.fromEntries(orgs.map((o) => [o.code, o.name]));
  const record = (p: PaymentPerformance['paidLate'][number]) => ({ ...p, csuName: csuNames[p.csu] ?? p.csu, href: contractPath(p.contractId, '/invoices') });
  res.render('payment-performance.njk', {
    code,
    name,
    years: all,
    shown: { ...shown, paidLate: shown.paidLate.map(record), unpaidOverdue: shown.unpaidOverdue.map(record) },
    yearChoices: ordered.map((y) => ({ value: y, text: financialYear(y), selected: y === shown.year })),
    target: PAYMENT_TARGET_BP,
    chart: paymentShareChart(
      'payment-chart',
      `${name}: undisputed invoices paid within 30 days, by count and by value`,
      all.map((p) => ({ label: financialYear(p.year), byCountBp: p.shareByCountBp, byValueBp: p.shareByValueBp })),
      PAYMENT_TARGET_BP,
    ),
  });
};
