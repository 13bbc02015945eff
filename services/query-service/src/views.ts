// How the read models look to a reader (API.md: Query service). Pure functions of a ledger, the date that "now"
// means and the register's names (register.ts: as known at the view's asAt); the figures come from the domain.
// Every list view costs time linear in the ledger, whatever its page.
import {
  compareMonths,
  compareQuarters,
  isOverdue,
  lastDayOfMonth,
  monthOfDate,
  performanceView,
  responseDeadline,
  quarterMoneyOf,
  quarterSettlementView,
  settlementQuarters,
  settlementStatement,
  termsAt,
  whatIf,
  breakNoticeEffect,
  grossPence,
  paymentDueBy,
  reconcile,
  type WhatIfAssumptions,
  type AgreedContract,
  type ContractLedger,
  type IsoDate,
  type MonthId,
  type QuarterId,
  type QuarterMoney,
} from '@csu-ledger/domain';
import { HttpError } from '@csu-ledger/http';
import { comparePositions, pageByKey, pageByPlace, type Page } from './paging.ts';
import type { Names } from './register.ts';
import { summarySource, type SummarySource } from './summaries.ts';

export type Agreed = ContractLedger & { contract: AgreedContract };

/** DOMAIN.md: a contract may name organisations not in the register (or not yet): views then show the code alone. */
export const party = (code: string, names: Names, on: IsoDate): { code: string; name?: string } => {
  const name = names(code, on);
  return name === undefined ? { code } : { code, name };
};

export const contractStatus = (
  c: { firstMonth: MonthId; termEndMonth: MonthId; breakNoticeServed: boolean },
  today: IsoDate,
): 'not-started' | 'active' | 'notice-served' | 'ended' => {
  const month = monthOfDate(today);
  if (compareMonths(month, c.firstMonth) < 0) return 'not-started';
  if (compareMonths(month, c.termEndMonth) > 0) return 'ended';
  return c.breakNoticeServed ? 'notice-served' : 'active';
};

/** The month whose terms a view shows: today's, or the term's first or last month when today lies outside it. */
const shownMonth = (c: { firstMonth: MonthId; termEndMonth: MonthId }, today: IsoDate): MonthId => {
  const month = monthOfDate(today);
  if (compareMonths(month, c.firstMonth) < 0) return c.firstMonth;
  return compareMonths(month, c.termEndMonth) > 0 ? c.termEndMonth : month;
};

/** A contract as `/contracts` lists it, from its summary row (summaries.ts) or its ledger. */
export const contractSummary = (s: SummarySource, names: Names, today: IsoDate) => {
  const current = shownMonth(s, today);
  let fee = s.fees[0]!.annualFeePence;
  for (const f of s.fees) if (compareMonths(f.from, current) <= 0) fee = f.annualFeePence;
  return {
    contractId: s.contractId,
    ccg: party(s.ccg, names, today),
    csu: party(s.csu, names, today),
    vehicle: s.vehicle,
    firstMonth: s.firstMonth,
    lastMonth: s.lastMonth,
    termEndMonth: s.termEndMonth,
    termEnd: lastDayOfMonth(s.termEndMonth),
    status: contractStatus(s, today),
    annualFeePence: fee,
    position: s.position,
  };
};

export const contractDetail = (l: Agreed, names: Names, today: IsoDate) => {
  const c = l.contract;
  const current = shownMonth(c, today);
  return {
    ...contractSummary(summarySource(l), names, today),
    agreedOn: c.agreedOn,
    terms: termsAt(c, current),
    termsInForceFrom: [...c.versions].reverse().find((v) => compareMonths(v.from, current) <= 0)?.from ?? c.firstMonth,
    variations: c.versions.slice(1).map((v) => ({ effectiveFrom: v.from, terms: v.terms })),
    breakNotice: c.breakNotice
      ? {
          servedOn: c.breakNotice.businessDate,
          servedBy: c.breakNotice.servedBy,
          termEndMonth: c.breakNotice.termEndMonth,
        }
      : null,
    approvedQuarters: Object.values(c.approvals).map((a) => ({
      quarter: a.quarter,
      netPayablePence: a.netPayablePence,
      approvedOn: a.businessDate,
    })),
  };
};

/** Where each extra's or challenge's last money item landed, indexed once per view (not searched per item). */
export const landingQuarters = (l: ContractLedger, kind: 'extra' | 'challenge'): Map<string, QuarterId> => {
  const landed = new Map<string, QuarterId>();
  for (const i of l.moneyItems) if (i.kind === kind && i.state !== 'superseded') landed.set(i.id, i.landingQuarter);
  return landed;
};

export interface PageRequest {
  limit: number;
  /** The key the `after` cursor carried (paging.ts), already decoded. */
  after?: string | undefined;
}

const unknownCursor = (): never => {
  throw new HttpError('validation-failed', 'after does not name an item of this list', {
    errors: [{ path: 'after', message: 'not a cursor of this list: start again without it' }],
  });
};

/** The lists of a contract's items, each in the order its items were raised (or submitted). */
export type ItemKind = 'extra' | 'challenge' | 'invoice';

/** An extra as its list shows it: nothing in it changes with the day it is read. */
export const extraRow = (x: ContractLedger['extras'][string], landed: Map<string, QuarterId>) => ({
  extraId: x.extraId,
  status: x.status,
  raisedOn: x.raisedOn,
  description: x.description,
  serviceLine: x.serviceLine,
  requestedBy: x.requestedBy,
  originalPence: x.originalPence,
  amountPence: x.amountPence,
  payablePence: x.payablePence ?? null,
  disputeReason: x.disputeReason ?? null,
  settledInQuarter: landed.get(x.extraId) ?? null,
  lastChangedOn: x.lastChangedOn,
});

/** A challenge as its list shows it, but for what a read adds (challengeItem): the trust's name, deadline, overdue. */
export const challengeRow = (ch: ContractLedger['challenges'][string], landed: Map<string, QuarterId>) => {
  const latest = ch.responses[ch.responses.length - 1];
  return {
    challengeId: ch.challengeId,
    status: ch.status,
    trust: ch.trust,
    activityMonth: ch.activityMonth,
    category: ch.category,
    activityLines: ch.activityLines,
    phase: ch.phase ?? null,
    raisedOn: ch.raisedOn,
    valuePence: ch.valuePence,
    acceptedPence: latest?.acceptedPence ?? null,
    rejectedPence: latest?.rejectedPence ?? null,
    responses: ch.responses,
    recoveredPence: ch.recoveredPence ?? null,
    creditNoteReference: ch.creditNoteReference ?? null,
    // DOMAIN.md: a recovery CCG finance has queried leaves V until confirmed or recorded again
    recoveryQuery: ch.query ?? null,
    settledInQuarter: landed.get(ch.challengeId) ?? null,
  };
};

/** An invoice as its list shows it, with its gross and its state: nothing in it changes with the day it is read. */
export const invoiceRow = (i: ContractLedger['invoices'][string]) => ({
  invoiceId: i.invoiceId,
  invoiceNumber: i.invoiceNumber,
  status: i.status,
  quarter: i.quarter,
  kind: i.kind,
  extraId: i.extraId ?? null,
  amountPence: i.amountPence,
  vatPence: i.vatPence,
  grossPence: grossPence(i),
  receivedOn: i.receivedOn,
  dueBy: paymentDueBy(i.receivedOn),
  disputed: i.disputed,
  disputeReason: i.disputeReason ?? null,
  paidOn: i.paidOn ?? null,
  paidPence: i.paidPence ?? null,
  lastChangedOn: i.lastChangedOn,
});

export type ExtraRow = ReturnType<typeof extraRow>;
export type ChallengeRow = ReturnType<typeof challengeRow>;
export type InvoiceRow = ReturnType<typeof invoiceRow>;
export interface ItemRows {
  extra: ExtraRow;
  challenge: ChallengeRow;
  invoice: InvoiceRow;
}

/** The ledger's items of a kind, by id, in the order they were raised (or submitted). */
export const itemsOf = (l: ContractLedger, kind: ItemKind): Record<string, unknown> =>
  kind === 'extra' ? l.extras : kind === 'challenge' ? l.challenges : l.invoices;

/** The rows of one item of the ledger, by kind and id (undefined when the ledger holds no such item). */
export const itemRow = <K extends ItemKind>(l: ContractLedger, kind: K, id: string, landed: Map<string, QuarterId>): ItemRows[K] | undefined => {
  const row =
    kind === 'extra'
      ? l.extras[id] && extraRow(l.extras[id], landed)
      : kind === 'challenge'
        ? l.challenges[id] && challengeRow(l.challenges[id], landed)
        : l.invoices[id] && invoiceRow(l.invoices[id]);
  return row as ItemRows[K] | undefined;
};

/**
 * Where the list views find a page of rows: the query service's item rows (item-rows.ts), or the ledger itself (time
 * travel, and any reader without rows). Undefined when `after` names no item of the list.
 */
export interface ListSource {
  page<K extends ItemKind>(kind: K, page: PageRequest): Page<ItemRows[K]> | undefined;
}

const ID_OF: { [K in ItemKind]: (row: ItemRows[K]) => string } = {
  extra: (r) => r.extraId,
  challenge: (r) => r.challengeId,
  invoice: (r) => r.invoiceId,
};
const LIST_OF: Record<ItemKind, 'extras' | 'challenges' | 'invoices'> = { extra: 'extras', challenge: 'challenges', invoice: 'invoices' };

/** The list's rows in raised order; ids of a kind: `ItemRows[K]`'s id field. */
export const itemId = <K extends ItemKind>(kind: K, row: ItemRows[K]): string => ID_OF[kind](row);
export const listName = (kind: ItemKind) => LIST_OF[kind];

export const ledgerLists = (l: ContractLedger): ListSource => ({
  page: <K extends ItemKind>(kind: K, page: PageRequest) => {
    const ids = Object.keys(itemsOf(l, kind));
    const shown = pageByPlace(LIST_OF[kind], ids, (id) => id, page.limit, page.after);
    if (!shown) return undefined;
    const landed = kind === 'invoice' ? new Map<string, QuarterId>() : landingQuarters(l, kind);
    return { items: shown.items.map((id) => itemRow(l, kind, id, landed)!), next: shown.next };
  },
});

/** Extras in the order they were raised. */
export const extrasView = (page: PageRequest, lists: ListSource): Page<ExtraRow> => lists.page('extra', page) ?? unknownCursor();

/** Challenges in the order they were raised, with the trust's name, its response deadline and whether overdue. */
export const challengesView = (c: AgreedContract, names: Names, today: IsoDate, page: PageRequest, lists: ListSource) => {
  const shown = lists.page('challenge', page) ?? unknownCursor();
  // Working days are counted once per raising date (a holiday calendar walk each: most of a long page's cost).
  const deadlines = new Map<IsoDate, IsoDate>();
  const deadlineOf = (ch: ChallengeRow): IsoDate => {
    let d = deadlines.get(ch.raisedOn);
    if (d === undefined) {
      d = responseDeadline(ch, termsAt(c, monthOfDate(ch.raisedOn)).trustResponseWorkingDays);
      deadlines.set(ch.raisedOn, d);
    }
    return d;
  };
  const items = shown.items.map((row) => {
    const deadline = deadlineOf(row);
    const { challengeId, status, trust, ...rest } = row;
    return {
      challengeId,
      status,
      trust,
      // The trust's name when the challenge was raised (DOMAIN.md: names in force at the date a view is about).
      trustName: names(trust, row.raisedOn) ?? null,
      ...rest,
      responseDeadline: deadline,
      overdue: isOverdue(row, deadline, today),
    };
  });
  return { items, next: shown.next };
};

/**
 * Where the settlement views find the quarters a contract settles and each quarter's money: the query service's
 * settlement rows (settlement-rows.ts), or the ledger itself (time travel, and any reader without rows).
 */
export interface SettlementSource {
  quarters(): QuarterId[];
  money(q: QuarterId): QuarterMoney;
}

export const ledgerSettlements = (l: Agreed): SettlementSource => ({
  quarters: () => settlementQuarters(l),
  money: (q) => quarterMoneyOf(l, [q]).get(q)!,
});

/** Quarter q's settlement: approved figures, or its money with the performance as of `today`. */
const settlementOf = (c: AgreedContract, q: QuarterId, today: IsoDate, source: SettlementSource) =>
  quarterSettlementView(c, q, () => source.money(q), today);

/** Every quarter of the term, and any later one a late money item rolled into, in order. */
export const settlementsView = (c: AgreedContract, today: IsoDate, page: PageRequest, source: SettlementSource) => {
  const ordered = source.quarters();
  const shown = pageByKey('settlements', ordered, (q) => q, compareQuarters, page.limit, page.after);
  return { items: shown.items.map((q) => settlementOf(c, q, today, source)), next: shown.next };
};

/**
 * Money items dated in an approved quarter but recorded after its approval, so counted in a later quarter
 * (DOMAIN.md: Settlement, roll-forward): what arrived late, when, for how much, where it landed and who recorded it.
 */
export const lateItemsView = (l: Agreed, q: QuarterId, page: PageRequest) => {
  const approved = l.contract.approvals[q];
  const late = l.moneyItems.filter((i) => i.dueQuarter === q && i.landingQuarter !== q);
  const shown = pageByKey('late-items', late, (i) => i.position, comparePositions, page.limit, page.after);
  return {
    quarter: q,
    status: approved ? 'approved' : 'open',
    approvedOn: approved?.businessDate ?? null,
    items: shown.items.map((i) => ({
      kind: i.kind,
      id: i.id,
      eventType: i.eventType,
      position: i.position,
      businessDate: i.businessDate,
      recordedAt: i.recordedAt,
      amountPence: i.amountPence,
      landedIn: i.landingQuarter,
      recordedBy: i.actor,
    })),
    next: shown.next,
  };
};

/** Invoices in the order they were submitted (DOMAIN.md: Invoices and payment), each with its gross and its state. */
export const invoicesView = (page: PageRequest, lists: ListSource): Page<InvoiceRow> => lists.page('invoice', page) ?? unknownCursor();

/** One view of a contract, by name: what both the current read models and the past (past.ts) answer with. */
export type ViewRequest =
  | { view: 'contract' }
  | { view: 'performance'; quarter: QuarterId }
  | { view: 'settlement'; quarter: QuarterId }
  | { view: 'settlements' | 'extras' | 'challenges'; page: PageRequest }
  | { view: 'late-items'; quarter: QuarterId; page: PageRequest }
  | { view: 'statement' | 'reconciliation'; quarter: QuarterId }
  | { view: 'invoices'; page: PageRequest }
  | { view: 'what-if'; quarter: QuarterId; assumptions: WhatIfAssumptions }
  | { view: 'break-clause'; servedOn: IsoDate };

/**
 * Views answered from rows where the reader has them (SettlementSource, ListSource): their cost is their page's, not
 * the ledger's, so the query service answers them at once whatever the contract's size.
 */
export type RowViewRequest = Extract<ViewRequest, { view: 'settlement' | 'settlements' | 'extras' | 'challenges' | 'invoices' }>;
const ROW_VIEWS: ReadonlySet<ViewRequest['view']> = new Set<RowViewRequest['view']>(['settlement', 'settlements', 'extras', 'challenges', 'invoices']);
export const isRowView = (request: ViewRequest): request is RowViewRequest => ROW_VIEWS.has(request.view);

/** A view answered from rows: it needs the agreed contract (its terms and performance), never its ledger. */
export const renderRowView = (
  c: AgreedContract,
  request: RowViewRequest,
  names: Names,
  today: IsoDate,
  settlements: SettlementSource,
  lists: ListSource,
): unknown => {
  const contractId = c.contractId;
  switch (request.view) {
    case 'settlement':
      return settlementOf(c, request.quarter, today, settlements);
    case 'settlements':
      return { contractId, ...settlementsView(c, today, request.page, settlements) };
    case 'extras':
      return { contractId, ...extrasView(request.page, lists) };
    case 'challenges':
      return { contractId, ...challengesView(c, names, today, request.page, lists) };
    case 'invoices':
      return { contractId, ...invoicesView(request.page, lists) };
    default: {
      const never: never = request;
      return never;
    }
  }
};

export const renderView = (
  l: Agreed,
  request: ViewRequest,
  names: Names,
  today: IsoDate,
  settlements: SettlementSource = ledgerSettlements(l),
  lists: ListSource = ledgerLists(l),
): unknown => {
  const contractId = l.contract.contractId;
  if (isRowView(request)) return renderRowView(l.contract, request, names, today, settlements, lists);
  switch (request.view) {
    case 'contract':
      return contractDetail(l, names, today);
    case 'performance':
      return performanceView(l, request.quarter, today);
    case 'late-items':
      return { contractId, ...lateItemsView(l, request.quarter, request.page) };
    case 'statement':
      return settlementStatement(l, request.quarter, today, names);
    case 'reconciliation':
      return reconcile(l, request.quarter, today);
    case 'what-if':
      return { contractId, ...whatIf(l, request.quarter, today, request.assumptions) };
    case 'break-clause':
      return { contractId, ...breakNoticeEffect(l.contract, request.servedOn) };
    default: {
      const never: never = request;
      return never;
    }
  }
};

/** Codes whose names a view may show: its parties and, for challenges, the trusts. */
export const codesShown = (l: Agreed, request: ViewRequest): string[] => {
  const codes = new Set([l.contract.ccg, l.contract.csu]);
  if (request.view === 'challenges') for (const ch of Object.values(l.challenges)) codes.add(ch.trust);
  return [...codes];
};
