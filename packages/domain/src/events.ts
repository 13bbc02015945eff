// The facts CSU Ledger records (DOMAIN.md). Event data holds only what the user supplied or the domain decided;
// who did it, when it was recorded and why (correlation/causation) live in the envelope's metadata.
import type { RecordedActor } from './actor.ts';

import type { IsoDate, MonthId, QuarterId } from './calendar.ts';
import type { StoredPence } from './money.ts';
export type { IsoDate, MonthId, QuarterId };

// The closed lists of DOMAIN.md, once: types, request schemas and stored-event schemas all derive from these.
export const KPI_KINDS = ['deliverable', 'measured'] as const;
export const VEHICLES = ['SLA', 'LPF-call-off'] as const;
export const ORGANISATION_KINDS = ['ccg', 'csu', 'trust'] as const;
export const EXTRA_DISPUTE_REASONS = ['covered-by-core-offer', 'not-requested', 'amount-excessive', 'other'] as const;
export const CHALLENGE_CATEGORIES = [
  'emergency-readmission-30d',
  'duplicate-activity',
  'coding-hrg',
  'non-contracted',
  'responsible-commissioner',
  'outpatient-follow-up-ratio',
  'best-practice-tariff',
  'other',
] as const;
export const RECONCILIATION_PHASES = ['first', 'post'] as const;
export const BREAK_NOTICE_PARTIES = ['ccg', 'csu'] as const;
export const INVOICE_KINDS = ['core', 'gain-share', 'extra', 'credit-note'] as const;

export type KpiKind = (typeof KPI_KINDS)[number];
export interface Kpi {
  id: string;
  name: string;
  serviceLine: string;
  weightBp: number;
  targetBp: number;
  floorBp?: number | undefined; // default = target
  kind: KpiKind;
  dueWorkingDay?: number | undefined; // deliverable only: working day N of the month after the month delivered for
}

export type Vehicle = (typeof VEHICLES)[number];

/** The terms that may change by variation (DOMAIN.md: ContractVaried). */
export interface ContractTerms {
  annualFeePence: number;
  feeAtRiskBp: number;
  gainShareBp: number;
  gainShareCapPence: number;
  breakNoticeMonths: number;
  trustResponseWorkingDays: number;
  kpis: Kpi[];
}

export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];
export type ExtraDisputeReason = (typeof EXTRA_DISPUTE_REASONS)[number];
export type ChallengeCategory = (typeof CHALLENGE_CATEGORIES)[number];
export type ReconciliationPhase = (typeof RECONCILIATION_PHASES)[number];
export type InvoiceKind = (typeof INVOICE_KINDS)[number];

/** Every event names its business date: when it happened, as the user says (DOMAIN.md: Time and money). */
interface Dated {
  businessDate: IsoDate;
}

// Organisation register ------------------------------------------------------------------------------------------
export interface OrganisationRegistered extends Dated {
  code: string;
  name: string;
  kind: OrganisationKind;
  population?: number | undefined;
  runningCostAllowancePencePerHead?: number | undefined;
}
export interface OrganisationRenamed extends Dated {
  code: string;
  name: string;
}

// Contract stream ------------------------------------------------------------------------------------------------
export interface ContractAgreed extends Dated, ContractTerms {
  contractId: string;
  ccg: string;
  csu: string;
  vehicle?: Vehicle | undefined;
  firstMonth: MonthId;
  lastMonth: MonthId;
}
export interface ContractVaried extends Dated, Partial<ContractTerms> {
  contractId: string;
  effectiveQuarter: QuarterId;
}
export interface BreakNoticeServed extends Dated {
  contractId: string;
  servedBy: (typeof BREAK_NOTICE_PARTIES)[number];
  termEndMonth: MonthId; // the last month of the term after the notice (DOMAIN.md: BreakNoticeServed)
}
export interface DeliverableDelivered extends Dated {
  contractId: string;
  kpiId: string;
  month: MonthId;
  deliveredOn: IsoDate;
  reference?: string | undefined;
}
export interface DeliverableRejected extends Dated {
  contractId: string;
  kpiId: string;
  month: MonthId;
  reason: string;
}
/**
 * What a measurement rests on (version 2 of MeasurementReported; version 1 had a free-text `note` alone): a note, and
 * the counts behind the percentage with their unit, e.g. 48 of 50 "press queries answered within 2 WD".
 */
export interface MeasurementEvidence {
  note?: string | undefined;
  achieved?: number | undefined;
  outOf?: number | undefined;
  unit?: string | undefined;
}
export interface MeasurementReported extends Dated {
  contractId: string;
  kpiId: string;
  month: MonthId;
  achievedBp: number;
  evidence?: MeasurementEvidence | undefined;
}
/**
 * One month of a KPI in a quarter's performance. A delivery or measurement recorded more than five working days after
 * its business date is marked `recordedLate`, with both dates, so a back-dated record that moves a score is seen
 * without reading history (issue 10).
 */
export interface KpiMonth {
  month: MonthId;
  status: 'met' | 'missed' | 'pending' | 'reported' | 'not-reported';
  /** Deliverables: when the month's deliverable is due. */
  dueOn?: IsoDate | undefined;
  /** Deliverables: the latest delivery's date, and whether the CCG rejected it. */
  deliveredOn?: IsoDate | undefined;
  rejected?: boolean | undefined;
  /** Measured KPIs: the latest report's value and business date. */
  achievedBp?: number | undefined;
  reportedOn?: IsoDate | undefined;
  /** When the system recorded the latest delivery or report, and whether that was late. */
  recordedAt?: string | undefined;
  recordedLate?: boolean | undefined;
}
export interface KpiPerformance {
  kpiId: string;
  kind: KpiKind;
  weightBp: number;
  targetBp: number;
  floorBp: number;
  months: KpiMonth[];
  achievementBp: number | null; // null: nothing to assess in the quarter
  scoreBp: number | null;
}
/**
 * A quarter's settlement as the domain computes it (DOMAIN.md: Settlement). Money in bigint pence: a figure is a sum
 * of any number of amounts, and no sum may lose a penny or fail (DOMAIN.md: Limits).
 */
export interface SettlementFigures {
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
  kpis: KpiPerformance[];
}
/** The same figures as an event stores them: money as `StoredPence` (see money.ts), so any store keeps it exact. */
export interface RecordedSettlementFigures {
  feePence: StoredPence;
  atRiskPence: StoredPence;
  performanceScoreBp: number;
  withheldPence: StoredPence;
  recoveredPence: StoredPence;
  gainSharePence: StoredPence;
  extrasPence: StoredPence;
  netPayablePence: StoredPence;
  disputedExtras: { count: number; valuePence: StoredPence };
  openChallenges: { count: number; valuePence: StoredPence };
  kpis: KpiPerformance[];
}
export interface SettlementApproved extends Dated {
  contractId: string;
  quarter: QuarterId;
  /** The figure the approver saw: a request amount, so within the Limits and a safe integer. */
  netPayablePence: number;
  /** The date used as "now" for pending deliverables when the figures were computed. */
  assessedOn: IsoDate;
  figures: RecordedSettlementFigures;
}

// Extra streams --------------------------------------------------------------------------------------------------
export interface ExtraRaised extends Dated {
  extraId: string;
  contractId: string;
  amountPence: number;
  description: string;
  serviceLine: string;
  requestedBy: string;
}
export interface ExtraAccepted extends Dated {
  extraId: string;
  contractId: string;
  amountPence: number; // the amount accepted: the latest amount claimed
}
export interface ExtraDisputed extends Dated {
  extraId: string;
  contractId: string;
  reason: ExtraDisputeReason;
  detail?: string | undefined;
}
export interface ExtraRevised extends Dated {
  extraId: string;
  contractId: string;
  amountPence: number;
  detail?: string | undefined;
}
export interface ExtraWithdrawn extends Dated {
  extraId: string;
  contractId: string;
}
export interface ExtraResolved extends Dated {
  extraId: string;
  contractId: string;
  agreedPence: number;
}
export interface ExtraEscalated extends Dated {
  extraId: string;
  contractId: string;
  detail?: string | undefined;
}

// Challenge streams ----------------------------------------------------------------------------------------------
export interface ChallengeRaised extends Dated {
  challengeId: string;
  contractId: string;
  trust: string;
  activityMonth: MonthId;
  category: ChallengeCategory;
  activityLines: number;
  valuePence: number;
  phase?: ReconciliationPhase | undefined;
}
export interface TrustResponded extends Dated {
  challengeId: string;
  contractId: string;
  acceptedPence: number;
  rejectedPence: number;
}
export interface ChallengeEscalated extends Dated {
  challengeId: string;
  contractId: string;
  detail?: string | undefined;
}
export interface ChallengeResolved extends Dated {
  challengeId: string;
  contractId: string;
  recoveredPence: number;
  /** The trust's credit note for the money recovered, as evidence (DOMAIN.md: Acute activity challenges). */
  creditNoteReference?: string | undefined;
}
/** CCG finance questions a recovery: it leaves V until confirmed or resolved again (DOMAIN.md). */
export interface RecoveryQueried extends Dated {
  challengeId: string;
  contractId: string;
  reason: string;
}
export interface RecoveryConfirmed extends Dated {
  challengeId: string;
  contractId: string;
}

// Invoice streams (DOMAIN.md: Invoices and payment) ----------------------------------------------------------------
export interface InvoiceSubmitted extends Dated {
  invoiceId: string;
  contractId: string;
  /** The CSU that issued it: invoice numbers are unique per CSU. */
  csu: string;
  invoiceNumber: string;
  /** The quarter it bills against. */
  quarter: QuarterId;
  kind: InvoiceKind;
  /** For kind `extra`: the extra it bills. */
  extraId?: string | undefined;
  /** Net of VAT; a credit note's amount is what it takes off. */
  amountPence: number;
  vatPence: number;
}
export interface InvoiceDisputed extends Dated {
  invoiceId: string;
  contractId: string;
  reason: string;
}
export interface InvoicePaid extends Dated {
  invoiceId: string;
  contractId: string;
  /** What was paid: the invoice's gross amount (net plus VAT). The business date is the paid-on date. */
  amountPence: number;
}
export interface InvoiceWithdrawn extends Dated {
  invoiceId: string;
  contractId: string;
}
export interface ChallengeWithdrawn extends Dated {
  challengeId: string;
  contractId: string;
}

type Ev<T extends string, D> = { type: T; data: D };

export type OrganisationEvent = Ev<'OrganisationRegistered', OrganisationRegistered> | Ev<'OrganisationRenamed', OrganisationRenamed>;
export type ContractEvent =
  | Ev<'ContractAgreed', ContractAgreed>
  | Ev<'ContractVaried', ContractVaried>
  | Ev<'BreakNoticeServed', BreakNoticeServed>
  | Ev<'DeliverableDelivered', DeliverableDelivered>
  | Ev<'DeliverableRejected', DeliverableRejected>
  | Ev<'MeasurementReported', MeasurementReported>
  | Ev<'SettlementApproved', SettlementApproved>;
export type ExtraEvent =
  | Ev<'ExtraRaised', ExtraRaised>
  | Ev<'ExtraAccepted', ExtraAccepted>
  | Ev<'ExtraDisputed', ExtraDisputed>
  | Ev<'ExtraRevised', ExtraRevised>
  | Ev<'ExtraWithdrawn', ExtraWithdrawn>
  | Ev<'ExtraResolved', ExtraResolved>
  | Ev<'ExtraEscalated', ExtraEscalated>;
export type ChallengeEvent =
  | Ev<'ChallengeRaised', ChallengeRaised>
  | Ev<'TrustResponded', TrustResponded>
  | Ev<'ChallengeEscalated', ChallengeEscalated>
  | Ev<'ChallengeResolved', ChallengeResolved>
  | Ev<'ChallengeWithdrawn', ChallengeWithdrawn>
  | Ev<'RecoveryQueried', RecoveryQueried>
  | Ev<'RecoveryConfirmed', RecoveryConfirmed>;
export type InvoiceEvent =
  | Ev<'InvoiceSubmitted', InvoiceSubmitted>
  | Ev<'InvoiceDisputed', InvoiceDisputed>
  | Ev<'InvoicePaid', InvoicePaid>
  | Ev<'InvoiceWithdrawn', InvoiceWithdrawn>;

export type LedgerEvent = OrganisationEvent | ContractEvent | ExtraEvent | ChallengeEvent | InvoiceEvent;
export type LedgerEventType = LedgerEvent['type'];

/** What the envelope adds to every stored event (the store adds position and recorded time). */
export interface EventMetadata {
  actor: RecordedActor;
  correlationId: string;
  causationId?: string | undefined;
  /** Present when the command carried an Idempotency-Key: who sent it and a hash of the request it answered. */
  idempotency?: { scope: string; requestHash: string } | undefined;
  /** The version of the event's data shape (absent: version 1); see stored/versions.ts. */
  schemaVersion?: number | undefined;
}

/** Where a fact came from: the event that recorded it, when and by whom (statements trace every line to these). */
export interface Provenance {
  eventId: string;
  type: string;
  businessDate: IsoDate;
  position: string;
  recordedAt: string;
  by: RecordedActor;
}

/** An event as the domain sees it once stored: the event, where it sits in the log and when it was recorded. */
export type StoredLedgerEvent = LedgerEvent & {
  eventId: string;
  streamName: string;
  revision: number;
  position: bigint;
  recordedAt: string; // ISO 8601 UTC, assigned by the store
  metadata: EventMetadata;
};
