// The shapes of the query service's answers that the console reads (API.md: Query service), and the loaders that
// put several answers together for a page. Nothing here computes a figure: figures come from the services.
import type { Reconciliation as DomainReconciliation } from '@csu-ledger/domain';
import type { Api, ReadOptions } from './api.ts';
import { query } from './api.ts';

export interface Party {
  code: string;
  name?: string;
}

export interface ContractSummary {
  contractId: string;
  ccg: Party;
  csu: Party;
  vehicle: string | null;
  firstMonth: string;
  lastMonth: string;
  termEndMonth: string;
  termEnd: string;
  status: string;
  annualFeePence: bigint;
}

export interface Kpi {
  id: string;
  name: string;
  serviceLine: string;
  weightBp: number;
  targetBp: number;
  floorBp?: number;
  kind: 'deliverable' | 'measured';
  dueWorkingDay?: number;
}

export interface ContractDetail extends ContractSummary {
  agreedOn: string;
  terms: {
    annualFeePence: bigint;
    feeAtRiskBp: number;
    gainShareBp: number;
    gainShareCapPence: bigint;
    breakNoticeMonths: number;
    trustResponseWorkingDays: number;
    kpis: Kpi[];
  };
  termsInForceFrom: string;
  breakNotice: { servedOn: string; servedBy: string; termEndMonth: string } | null;
  approvedQuarters: { quarter: string; netPayablePence: bigint; approvedOn: string }[];
}

/** A KPI's month as the performance view gives it (DOMAIN.md: Delivery and performance). */
export interface KpiMonth {
  month: string;
  status: 'met' | 'missed' | 'pending' | 'reported' | 'not-reported';
  /** Deliverables: when due, the latest delivery's date and whether the CCG rejected it. */
  dueOn?: string;
  deliveredOn?: string;
  rejected?: boolean;
  /** Measured KPIs: the latest report's value and business date. */
  achievedBp?: number;
  reportedOn?: string;
  /** When the latest delivery or report was recorded, and whether that was late. */
  recordedAt?: string;
  recordedLate?: boolean;
}

export interface KpiPerformance {
  kpiId: string;
  kind: 'deliverable' | 'measured';
  weightBp: number;
  targetBp: number;
  floorBp: number;
  months: KpiMonth[];
  achievementBp: number | null;
  scoreBp: number | null;
}

export interface Performance {
  quarter: string;
  status: 'open' | 'approved';
  kpis: KpiPerformance[];
  performanceScoreBp: number;
}

export interface Settlement {
  contractId: string;
  quarter: string;
  status: 'open' | 'approved';
  feePence: bigint;
  atRiskPence: bigint;
  performanceScoreBp: number;
  withheldPence: bigint;
  recoveredPence: bigint;
  gainSharePence: bigint;
  extrasPence: bigint;
  netPayablePence: bigint;
  disputedExtras: { count: number; valuePence: bigint };
  openChallenges: { count: number; valuePence: bigint };
  approval?: Approval;
}

export interface RecordedActor {
  sub: string;
  name: string;
  org: string;
  role: string;
}

export interface Approval {
  businessDate: string;
  assessedOn: string;
  recordedAt?: string | null;
  approvedBy?: RecordedActor | null;
  eventId?: string | null;
}

/** An event a statement line rests on. */
export interface Provenance {
  eventId: string;
  type: string;
  businessDate: string | null;
  position: string;
  recordedAt: string;
  by: RecordedActor | null;
}

export interface StatementLine {
  kind: 'fee' | 'at-risk' | 'kpi' | 'withheld' | 'recovery' | 'queried-recovery' | 'gain-share' | 'extra' | 'net';
  figure: 'F' | 'R' | 'W' | 'G' | 'X' | 'N';
  label: string;
  period: string;
  /** Signed amount this line adds to N; null when shown for reading. */
  amountPence: bigint | null;
  valuePence: bigint | null;
  events: Provenance[];
}

export interface Statement {
  contractId: string;
  quarter: string;
  status: 'open' | 'approved';
  assessedOn: string;
  approval: Approval | null;
  lines: StatementLine[];
}

export interface WhatIfAnswer {
  current: Settlement;
  whatIf: Settlement;
  changePence: bigint;
}

export interface BreakClause {
  servedOn: string;
  noticeMonths: number;
  termEndMonth: string;
  termEnd: string;
  remainingFeePence: bigint;
  forgoneFeePence: bigint;
}

export const INVOICE_KINDS = ['core', 'gain-share', 'extra', 'credit-note'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];
export const INVOICE_STATUSES = ['submitted', 'disputed', 'paid', 'withdrawn'] as const;

export interface Invoice {
  invoiceId: string;
  invoiceNumber: string;
  status: (typeof INVOICE_STATUSES)[number];
  quarter: string;
  kind: InvoiceKind;
  extraId: string | null;
  amountPence: bigint;
  vatPence: bigint;
  grossPence: bigint;
  receivedOn: string;
  dueBy: string;
  disputed: boolean;
  disputeReason: string | null;
  paidOn: string | null;
  paidPence: bigint | null;
}

// Reconciliation and payment performance as the query service answers them: the domain's own shapes (its money as
// bigint pence, which the console's exact JSON reading keeps), never a second declaration to drift from them.
export type { PaymentPerformance, PaymentRecord, ReconciliationComponent, ReconciliationStatus } from '@csu-ledger/domain';
/** GET …/settlements/{quarter}/reconciliation: the contract and quarter are the page's own. */
export type Reconciliation = Omit<DomainReconciliation, 'contractId' | 'quarter'>;

export interface Extra {
  extraId: string;
  status: 'awaiting-ccg' | 'disputed' | 'escalated' | 'accepted' | 'resolved' | 'withdrawn';
  raisedOn: string;
  description: string;
  serviceLine: string;
  requestedBy: string;
  originalPence: bigint;
  amountPence: bigint;
  payablePence: bigint | null;
  disputeReason: string | null;
  settledInQuarter: string | null;
  lastChangedOn: string;
}

export interface Challenge {
  challengeId: string;
  status: 'raised' | 'responded' | 'escalated' | 'resolved' | 'queried' | 'withdrawn';
  trust: string;
  trustName: string | null;
  activityMonth: string;
  category: string;
  activityLines: number;
  phase: string | null;
  raisedOn: string;
  valuePence: bigint;
  acceptedPence: bigint | null;
  rejectedPence: bigint | null;
  recoveredPence: bigint | null;
  /** The trust's credit-note reference for the recovery, when the CSU gave one. */
  creditNoteReference?: string | null;
  /** CCG finance's open query on the recovery (status `queried`). */
  recoveryQuery?: { on: string; reason: string } | null;
  settledInQuarter: string | null;
  responseDeadline: string;
  overdue: boolean;
}

export interface HistoryEvent {
  position: string;
  eventId: string;
  streamName: string;
  revision: number;
  type: string;
  businessDate: string | null;
  recordedAt: string;
  actor: { sub: string; name: string; org: string; role: string } | null;
  correlationId: string | null;
  causationId: string | null;
  data: Record<string, unknown>;
}

export interface LateItems {
  status: string;
  approvedOn: string | null;
  items: {
    kind: 'extra' | 'challenge';
    id: string;
    eventType: string;
    businessDate: string;
    recordedAt: string;
    amountPence: bigint;
    landedIn: string;
    recordedBy: { name: string; org: string; role: string };
  }[];
}

export interface Organisation {
  code: string;
  kind: string;
  name: string;
  names: { name: string; from?: string; businessDate?: string }[];
}

export interface SupportSpend {
  code: string;
  year: string;
  population: number | null;
  runningCostAllowancePencePerHead: bigint | null;
  contracts: { contractId: string; csu: string; feePence: bigint }[];
  corePence: bigint;
  perHeadPence: bigint | null;
  shareOfRunningCostAllowanceBp: bigint | number | null;
}

/** `asOf` / `asAt` as the contract's pages carry them (API.md: Time travel). */
export interface TimeTravel {
  asOf?: string | undefined;
  asAt?: string | undefined;
}

export const travelQuery = (t: TimeTravel): Record<string, string | undefined> => ({ asOf: t.asOf, asAt: t.asAt });

export const contractPath = (id: string, rest = '', t: TimeTravel = {}): string =>
  query(`/contracts/${encodeURIComponent(id)}${rest}`, travelQuery(t));

/** The latest delivery of each KPI and month, and whether it was rejected since: read from the contract's history. */
export interface DeliveryRecord {
  deliveredOn: string;
  reference?: string;
  rejected?: { reason: string; on: string };
}

export const deliveryRecords = async (api: Api, token: string, id: string, t: TimeTravel, opts: ReadOptions): Promise<Map<string, DeliveryRecord>> => {
  // The whole history, page by page (API.md gives the month grid no delivered-on date: see the README's API gaps).
  const events = await api.all<HistoryEvent>(token, contractPath(id, '/history', t), 'events', opts);
  const records = new Map<string, DeliveryRecord>();
  for (const e of events) {
    const d = e.data as { kpiId?: string; month?: string; deliveredOn?: string; reference?: string; reason?: string; businessDate?: string };
    const key = `${d.kpiId}|${d.month}`;
    if (e.type === 'DeliverableDelivered' && d.deliveredOn) {
      records.set(key, { deliveredOn: d.deliveredOn, ...(d.reference ? { reference: d.reference } : {}) });
    } else if (e.type === 'DeliverableRejected') {
      const r = records.get(key);
      if (r) r.rejected = { reason: d.reason ?? '', on: d.businessDate ?? '' };
    }
  }
  return records;
};
