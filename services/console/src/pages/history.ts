// `/contracts/{id}/history`: the auditor's timeline, paged, as of a business date and as at a recorded instant; the
// integrity verdict of the whole log (GET /audit/verify) for auditors, with a button to check again. Also the
// time-travel picker's target, which turns date and time fields into `asOf` / `asAt` for any page of the contract.
import type { Request, Response } from 'express';
import { formatMonth, formatQuarter, isQuarterId } from '@csu-ledger/domain';
import { query } from '../api.ts';
import { readOpts, safeReturn, setFlash, userOf, type PageContext } from '../app.ts';
import { date, dateFields, dateFromFields, londonDateTime, londonInstant, money, percent } from '../format.ts';
import type { Flash } from '../session.ts';
import { contractPath, type HistoryEvent, type TimeTravel } from '../views.ts';
import { contractFrame, loadContract, termQuarters, timeTravelOf } from './common.ts';

const PAGE_SIZE = 50;

const pounds = (v: unknown) => (typeof v === 'bigint' || typeof v === 'number' ? money(v) : '');

/**
 * A measurement's evidence (MeasurementReported version 2; the query side lifts a version 1 note into it), e.g.
 * " (48 of 50 press queries answered within 2 working days; press office log, April)".
 */
const evidenceOf = (evidence: unknown): string => {
  if (evidence === null || typeof evidence !== 'object') return '';
  const { note, achieved, outOf, unit } = evidence as { note?: unknown; achieved?: unknown; outOf?: unknown; unit?: unknown };
  const counts = typeof achieved === 'number' && typeof outOf === 'number' ? `${achieved} of ${outOf}${typeof unit === 'string' ? ` ${unit}` : ''}` : '';
  const parts = [counts, typeof note === 'string' ? note : ''].filter((p) => p !== '');
  return parts.length === 0 ? '' : ` (${parts.join('; ')})`;
};

/** One line a person reads for each kind of event. */
export const describe = (e: HistoryEvent): string => {
  const d = e.data;
  const s = (k: string): string => {
    const v = d[k];
    return typeof v === 'string' ? v : '';
  };
  const month = (k: string) => (s(k) ? formatMonth(s(k)) : '');
  switch (e.type) {
    case 'ContractAgreed':
      return `Contract agreed: ${month('firstMonth')} to ${month('lastMonth')}, annual fee ${pounds(d.annualFeePence)}, ${percent(d.feeAtRiskBp as number)} at risk`;
    case 'ContractVaried':
      return `Contract varied from ${s('effectiveQuarter') ? formatQuarter(s('effectiveQuarter')) : ''}`;
    case 'BreakNoticeServed':
      return `Break notice served by the ${s('servedBy').toUpperCase()}: term ends after ${month('termEndMonth')}`;
    case 'DeliverableDelivered':
      return `${s('kpiId')} for ${month('month')} delivered on ${date(s('deliveredOn'))}${s('reference') ? ` (reference ${s('reference')})` : ''}`;
    case 'DeliverableRejected':
      return `${s('kpiId')} for ${month('month')} rejected: ${s('reason')}`;
    case 'MeasurementReported':
      return `${s('kpiId')} for ${month('month')}: ${percent(d.achievedBp as number)} reported${evidenceOf(d.evidence)}`;
    case 'SettlementApproved':
      return `Settlement of ${s('quarter') ? formatQuarter(s('quarter')) : ''} approved at ${pounds(d.netPayablePence)}`;
    case 'ExtraRaised':
      return `Extra raised for ${pounds(d.amountPence)}: ${s('description')}`;
    case 'ExtraAccepted':
      return `Extra accepted at ${pounds(d.amountPence)}`;
    case 'ExtraDisputed':
      return `Extra disputed: ${s('reason').replaceAll('-', ' ')}${s('detail') ? ` (${s('detail')})` : ''}`;
    case 'ExtraRevised':
      return `Extra revised to ${pounds(d.amountPence)}`;
    case 'ExtraWithdrawn':
      return 'Extra withdrawn';
    case 'ExtraResolved':
      return `Extra resolved at ${pounds(d.agreedPence)}`;
    case 'ExtraEscalated':
      return 'Extra escalated to formal dispute resolution';
    case 'ChallengeRaised':
      return `Challenge raised against ${s('trust')} for ${month('activityMonth')}: ${pounds(d.valuePence)}, ${s('category').replaceAll('-', ' ')}`;
    case 'TrustResponded':
      return `Trust responded: accepts ${pounds(d.acceptedPence)}, rejects ${pounds(d.rejectedPence)}`;
    case 'ChallengeEscalated':
      return 'Challenge escalated to formal dispute resolution';
    case 'ChallengeResolved':
      return `Challenge resolved: ${pounds(d.recoveredPence)} recovered`;
    case 'ChallengeWithdrawn':
      return 'Challenge withdrawn';
    case 'RecoveryQueried':
      return `Recovery queried by CCG finance: ${s('reason')}`;
    case 'RecoveryConfirmed':
      return 'Recovery confirmed by CCG finance';
    case 'InvoiceSubmitted':
      return `Invoice ${s('invoiceNumber')} (${s('kind').replaceAll('-', ' ')}) for ${s('quarter') ? formatQuarter(s('quarter')) : ''}: ${pounds(d.amountPence)} before VAT`;
    case 'InvoiceDisputed':
      return `Invoice disputed: ${s('reason')}`;
    case 'InvoicePaid':
      return `Invoice paid: ${pounds(d.amountPence)}`;
    case 'InvoiceWithdrawn':
      return 'Invoice withdrawn';
    default:
      return e.type;
  }
};

/** One millisecond before an instant: "as the ledger stood just before this was recorded". */
export const justBefore = (iso: string): string => new Date(new Date(iso).getTime() - 1).toISOString();

export const historyPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const { token, role } = userOf(req);
  const t = timeTravelOf(req);
  const opts = readOpts(req);
  const c = await loadContract(ctx.api, req, t);
  const after = typeof req.query.after === 'string' && req.query.after.length <= 500 ? req.query.after : undefined;
  const pageNo = typeof req.query.page === 'string' && /^\d{1,6}$/.test(req.query.page) ? Math.max(1, Number(req.query.page)) : 1;
  const answer = await ctx.api.page<HistoryEvent>(token, contractPath(c.contractId, '/history', t), 'events', { ...opts, limit: PAGE_SIZE, after });
  // A paged service answers at most PAGE_SIZE with a cursor; an older one answers everything: page it here.
  const legacy = answer.next === null && answer.items.length > PAGE_SIZE;
  const items = legacy ? answer.items.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE) : answer.items;
  const base = contractPath(c.contractId, '/history', t);
  const next = legacy ? (pageNo * PAGE_SIZE < answer.items.length ? query(base, { page: pageNo + 1 }) : undefined) : answer.next ? query(base, { after: answer.next }) : undefined;
  const previous = legacy ? (pageNo > 1 ? query(base, { page: pageNo - 1 }) : undefined) : after ? base : undefined;

  const events = items.map((e) => ({
    ...e,
    text: describe(e),
    settlementBefore:
      e.type === 'SettlementApproved' && typeof e.data.quarter === 'string' && isQuarterId(e.data.quarter)
        ? {
            quarter: e.data.quarter,
            href: contractPath(c.contractId, `/settlements/${e.data.quarter}`, { asAt: justBefore(e.recordedAt) }),
            // Issue 14: what moved the quarter's figures from just before the approval until now (the settlement diff).
            changesHref: query(contractPath(c.contractId, `/settlements/${e.data.quarter}/changes`), { from: justBefore(e.recordedAt) }),
          }
        : undefined,
    contractBefore: contractPath(c.contractId, '', { asAt: justBefore(e.recordedAt) }),
  }));

  let verdict: { checkedAt: string; body: unknown } | undefined;
  if (role === 'auditor') {
    verdict = req.session!.verdict;
    if (!verdict) verdict = await checkIntegrity(ctx, req);
  }
  const flash = res.locals.flash as Flash | undefined;
  const typed = flash?.form === 'time-travel' ? flash.values : undefined;
  const asAt = t.asAt ? londonDateTime(t.asAt) : undefined;
  const typedCompare = flash?.form === 'compare' ? flash.values : undefined;
  const quarterAsked = typeof req.query.compare === 'string' && isQuarterId(req.query.compare) ? req.query.compare : undefined;
  res.render('history.njk', {
    ...contractFrame(c, 'history', t, req),
    exportHref: contractPath(c.contractId, '/history.csv', t),
    compare: {
      quarters: termQuarters(c).map((q) => ({ value: q, text: formatQuarter(q), selected: q === (typedCompare?.quarter ?? quarterAsked) })),
      open: typedCompare !== undefined || quarterAsked !== undefined,
      from: { day: typedCompare?.['from[day]'] ?? '', month: typedCompare?.['from[month]'] ?? '', year: typedCompare?.['from[year]'] ?? '' },
      fromTime: typedCompare?.fromTime ?? '',
      to: { day: typedCompare?.['to[day]'] ?? '', month: typedCompare?.['to[month]'] ?? '', year: typedCompare?.['to[year]'] ?? '' },
      toTime: typedCompare?.toTime ?? '',
      errors: flash?.form === 'compare' ? (flash.errors ?? []) : [],
    },
    events,
    next,
    previous,
    pageNo: legacy ? pageNo : undefined,
    verdict: verdict ? { checkedAt: verdict.checkedAt, ...(verdict.body as Record<string, unknown>) } : undefined,
    picker: {
      asOf: typed ? { day: typed['asOf[day]'] ?? '', month: typed['asOf[month]'] ?? '', year: typed['asOf[year]'] ?? '' } : dateFields(t.asOf),
      asAt: typed ? { day: typed['asAt[day]'] ?? '', month: typed['asAt[month]'] ?? '', year: typed['asAt[year]'] ?? '' } : dateFields(asAt?.date),
      asAtTime: typed ? (typed.asAtTime ?? '') : (asAt?.time ?? ''),
      errors: flash?.form === 'time-travel' ? (flash.errors ?? []) : [],
    },
  });
};

const checkIntegrity = async (ctx: PageContext, req: Request) => {
  const body = await ctx.api.get<unknown>(userOf(req).token, '/audit/verify');
  const verdict = { checkedAt: ctx.now().toISOString(), body };
  req.session!.verdict = verdict;
  return verdict;
};

/** POST …/history/verify: check the whole log again now. */
export const verifyAgain = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  await checkIntegrity(ctx, req);
  res.redirect(303, `${contractPath(String(req.params.id), '/history', timeTravelOf(req))}#integrity`);
};

/**
 * GET …/time-travel: the pickers' fields (a date; a date and a time read on a clock in England) as `asOf` and
 * `asAt` on the page the user came from. A GET form: it changes nothing, so it needs no CSRF token.
 */
export const timeTravelPicker = (ctx: PageContext) => (req: Request, res: Response): void => {
  const id = String(req.params.id);
  const q = req.query as Record<string, string | undefined>;
  const back = safeReturn(q.return, contractPath(id, '/history')).split('?')[0]!;
  const travel: TimeTravel = {};
  const errors: Flash['errors'] = [];
  // The design system's date inputs name their fields `asOf[day]`, `asOf[month]`, `asOf[year]`.
  const part = (prefix: string, p: string) => q[`${prefix}[${p}]`];
  const filled = (prefix: string) => ['day', 'month', 'year'].some((p) => (part(prefix, p) ?? '').trim() !== '');
  if (q.clear === 'yes') {
    res.redirect(303, back);
    return;
  }
  if (filled('asOf')) {
    const asOf = dateFromFields(part('asOf', 'day'), part('asOf', 'month'), part('asOf', 'year'));
    if (asOf) travel.asOf = asOf;
    else errors.push({ field: 'asOf-day', message: 'The business date must be a real date, like 30 6 2025' });
  }
  if (filled('asAt') || (q.asAtTime ?? '').trim() !== '') {
    const d = dateFromFields(part('asAt', 'day'), part('asAt', 'month'), part('asAt', 'year'));
    const at = d ? londonInstant(d, (q.asAtTime ?? '').trim() || '23:59:59') : undefined;
    if (!d) errors.push({ field: 'asAt-day', message: 'The recorded date must be a real date, like 21 7 2025' });
    else if (!at) errors.push({ field: 'asAtTime', message: 'The time must be like 14:30 or 14:30:05' });
    else travel.asAt = at;
  }
  // "As at" a moment still to come is now (the services refuse instants in the future).
  const now = ctx.now();
  if (travel.asAt && new Date(travel.asAt) > now) travel.asAt = now.toISOString();
  if (errors.length > 0) {
    setFlash(req, { form: 'time-travel', errors, values: Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string')) });
    res.redirect(303, `${contractPath(id, '/history')}#time-travel`);
    return;
  }
  res.redirect(303, query(back, { asOf: travel.asOf, asAt: travel.asAt }));
};

/**
 * GET …/compare: the history page's "compare a quarter at two moments" fields (dates and times read on a clock in
 * England) as the settlement diff's page, `…/settlements/{quarter}/changes?from=&to=`. A GET form: it changes nothing.
 */
export const comparePicker = (ctx: PageContext) => (req: Request, res: Response): void => {
  const id = String(req.params.id);
  const q = req.query as Record<string, string | undefined>;
  const errors: Flash['errors'] = [];
  const part = (prefix: string, p: string) => q[`${prefix}[${p}]`];
  const instantOf = (prefix: 'from' | 'to', label: string): string | undefined => {
    const filled = ['day', 'month', 'year'].some((p) => (part(prefix, p) ?? '').trim() !== '');
    if (!filled) {
      if (prefix === 'from') errors.push({ field: 'from-day', message: 'Enter the first moment to compare, like 21 7 2025' });
      return undefined;
    }
    const d = dateFromFields(part(prefix, 'day'), part(prefix, 'month'), part(prefix, 'year'));
    const at = d ? londonInstant(d, (q[`${prefix}Time`] ?? '').trim() || '23:59:59') : undefined;
    if (!d) errors.push({ field: `${prefix}-day`, message: `${label} must be a real date, like 21 7 2025` });
    else if (!at) errors.push({ field: `${prefix}Time`, message: 'The time must be like 14:30 or 14:30:05' });
    return at;
  };
  const quarter = q.quarter !== undefined && isQuarterId(q.quarter) ? q.quarter : undefined;
  if (!quarter) errors.push({ field: 'compare-quarter', message: 'Select the quarter to compare' });
  const from = instantOf('from', 'The first moment');
  let to = instantOf('to', 'The second moment');
  const now = ctx.now().toISOString();
  if (to && to > now) to = undefined;
  if (from && to && from >= to) errors.push({ field: 'to-day', message: 'The second moment must come after the first' });
  if (errors.length > 0 || !quarter || !from) {
    setFlash(req, { form: 'compare', errors, values: Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string')) });
    res.redirect(303, `${contractPath(id, '/history')}#compare`);
    return;
  }
  res.redirect(303, query(contractPath(id, `/settlements/${quarter}/changes`), { from: from > now ? now : from, to }));
};

const csvCell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/**
 * GET …/history.csv: the contract's timeline (as of a date or as at an instant when the address says so) as a
 * spreadsheet, one event a row with what a person reads of it. For an export that can be verified offline, the
 * ledger's operator runs `pnpm ledger export` (it carries the signatures).
 */
export const historyDownload = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const t = timeTravelOf(req);
  const c = await loadContract(ctx.api, req, t);
  const events = await ctx.api.all<HistoryEvent>(userOf(req).token, contractPath(c.contractId, '/history', t), 'events', readOpts(req));
  const header = ['Position', 'Recorded at', 'Business date', 'Event', 'What happened', 'Who', 'Role', 'Organisation', 'Event id', 'Correlation id'];
  const rows = events.map((e) => [e.position, e.recordedAt, e.businessDate ?? '', e.type, describe(e), e.actor?.name ?? '', e.actor?.role ?? '', e.actor?.org ?? '', e.eventId, e.correlationId ?? '']);
  const when = t.asAt ? `-as-at-${t.asAt.replaceAll(':', '')}` : t.asOf ? `-as-of-${t.asOf}` : '';
  res.attachment(`${c.contractId}-history${when}.csv`);
  res.type('text/csv; charset=utf-8').send([header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n');
};
