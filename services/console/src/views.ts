// The shapes of the query service's answers that the console reads (API.md: Query service), and the loaders that
// put several answers together for a page. Nothing here computes a figure: figures come from the services.
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

export interface KpiPerformance {
  kpiId: string;
  kind: 'deliverable' | 'measured';
  weightBp: number;
  targetBp: number;
  floorBp: number;
  months: { month: string; status: 'met' | 'missed' | 'pending' | 'reported' | 'not-reported'; achievedBp?: number }[];
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
  approval?: { businessDate: string; assessedOn: string };
}

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
  status: 'raised' | 'responded' | 'escalated' | 'resolved' | 'withdrawn';
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
