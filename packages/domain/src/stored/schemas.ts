// The shape of every event as the log stores it, in its current version (issue 12: one decode step). Each schema is
// checked against the domain's own type (`satisfies`), so an event type and its stored form cannot drift apart.
import { z } from 'zod';
import * as E from '../events.ts';

// Shapes only, cheaply: every stored value passed the full rules when it was recorded, and the decode step runs for
// every event read (rebuilds read 100,000 a second), so it checks that a value is of its kind, not the calendar.
const DASH = 45; // '-'
const dateShaped = (s: string): boolean => s.length === 10 && s.charCodeAt(4) === DASH && s.charCodeAt(7) === DASH;
const date = z.string().refine(dateShaped, 'a date YYYY-MM-DD');
const month = z.string().refine((s) => s.length === 11 && s.charCodeAt(7) === DASH && s[8] === 'M', 'a financial month such as 2025-26-M01');
const quarter = z.string().refine((s) => s.length === 10 && s.charCodeAt(7) === DASH && s[8] === 'Q', 'a financial quarter such as 2025-26-Q1');
const code = z.string().min(1).max(16);
/** One amount: whole pence, a safe integer (DOMAIN.md: Limits keep new ones within £1bn). */
const pence = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A stored sum (money.ts StoredPence): a safe integer, or its digits beyond 2^53. */
const storedPence = z.union([z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^-?(0|[1-9][0-9]*)$/)]);
const bp = z.number().int().min(0).max(10_000);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(200);
const text = z.string().max(100_000);
const opt = <T extends z.ZodType>(s: T) => s.optional();

const kpi = z.strictObject({
  id,
  name: text,
  serviceLine: text,
  weightBp: bp,
  targetBp: bp,
  floorBp: opt(bp),
  kind: z.enum(E.KPI_KINDS),
  dueWorkingDay: opt(z.number().int().min(1).max(31)),
}) satisfies z.ZodType<E.Kpi>;

const terms = {
  annualFeePence: pence,
  feeAtRiskBp: bp,
  gainShareBp: bp,
  gainShareCapPence: pence,
  breakNoticeMonths: count,
  trustResponseWorkingDays: count,
  kpis: z.array(kpi),
};

const kpiMonth = z.strictObject({
  month,
  status: z.enum(['met', 'missed', 'pending', 'reported', 'not-reported']),
  dueOn: opt(date),
  deliveredOn: opt(date),
  rejected: opt(z.boolean()),
  achievedBp: opt(bp),
  reportedOn: opt(date),
  recordedAt: opt(z.string()),
  recordedLate: opt(z.boolean()),
}) satisfies z.ZodType<E.KpiMonth>;

const kpiPerformance = z.strictObject({
  kpiId: id,
  kind: z.enum(E.KPI_KINDS),
  weightBp: bp,
  targetBp: bp,
  floorBp: bp,
  months: z.array(kpiMonth),
  achievementBp: bp.nullable(),
  scoreBp: bp.nullable(),
}) satisfies z.ZodType<E.KpiPerformance>;

const figures = z.strictObject({
  feePence: storedPence,
  atRiskPence: storedPence,
  performanceScoreBp: bp,
  withheldPence: storedPence,
  recoveredPence: storedPence,
  gainSharePence: storedPence,
  extrasPence: storedPence,
  netPayablePence: storedPence,
  disputedExtras: z.strictObject({ count, valuePence: storedPence }),
  openChallenges: z.strictObject({ count, valuePence: storedPence }),
  kpis: z.array(kpiPerformance),
}) satisfies z.ZodType<E.RecordedSettlementFigures>;

const dated = { businessDate: date };
const onContract = { ...dated, contractId: id };
const onExtra = { ...onContract, extraId: id };
const onChallenge = { ...onContract, challengeId: id };
const onInvoice = { ...onContract, invoiceId: id };

/** The current version of each event type's data. */
export const EVENT_DATA = {
  OrganisationRegistered: z.object({
    ...dated,
    code,
    name: text,
    kind: z.enum(E.ORGANISATION_KINDS),
    population: opt(count),
    runningCostAllowancePencePerHead: opt(pence),
  }) satisfies z.ZodType<E.OrganisationRegistered>,
  OrganisationRenamed: z.object({ ...dated, code, name: text }) satisfies z.ZodType<E.OrganisationRenamed>,
  ContractAgreed: z.object({
    ...onContract,
    ccg: code,
    csu: code,
    vehicle: opt(z.enum(E.VEHICLES)),
    firstMonth: month,
    lastMonth: month,
    ...terms,
  }) satisfies z.ZodType<E.ContractAgreed>,
  ContractVaried: z.object({
    ...onContract,
    effectiveQuarter: quarter,
    annualFeePence: opt(terms.annualFeePence),
    feeAtRiskBp: opt(bp),
    gainShareBp: opt(bp),
    gainShareCapPence: opt(pence),
    breakNoticeMonths: opt(count),
    trustResponseWorkingDays: opt(count),
    kpis: opt(terms.kpis),
  }) satisfies z.ZodType<E.ContractVaried>,
  BreakNoticeServed: z.object({ ...onContract, servedBy: z.enum(E.BREAK_NOTICE_PARTIES), termEndMonth: month }) satisfies z.ZodType<E.BreakNoticeServed>,
  DeliverableDelivered: z.object({ ...onContract, kpiId: id, month, deliveredOn: date, reference: opt(text) }) satisfies z.ZodType<E.DeliverableDelivered>,
  DeliverableRejected: z.object({ ...onContract, kpiId: id, month, reason: text }) satisfies z.ZodType<E.DeliverableRejected>,
  MeasurementReported: z.object({
    ...onContract,
    kpiId: id,
    month,
    achievedBp: bp,
    evidence: opt(z.strictObject({ note: opt(text), achieved: opt(count), outOf: opt(count), unit: opt(text) })),
  }) satisfies z.ZodType<E.MeasurementReported>,
  SettlementApproved: z.object({
    ...onContract,
    quarter,
    netPayablePence: pence,
    assessedOn: date,
    figures,
  }) satisfies z.ZodType<E.SettlementApproved>,
  ExtraRaised: z.object({ ...onExtra, amountPence: pence, description: text, serviceLine: text, requestedBy: text }) satisfies z.ZodType<E.ExtraRaised>,
  ExtraAccepted: z.object({ ...onExtra, amountPence: pence }) satisfies z.ZodType<E.ExtraAccepted>,
  ExtraDisputed: z.object({ ...onExtra, reason: z.enum(E.EXTRA_DISPUTE_REASONS), detail: opt(text) }) satisfies z.ZodType<E.ExtraDisputed>,
  ExtraRevised: z.object({ ...onExtra, amountPence: pence, detail: opt(text) }) satisfies z.ZodType<E.ExtraRevised>,
  ExtraWithdrawn: z.object({ ...onExtra }) satisfies z.ZodType<E.ExtraWithdrawn>,
  ExtraResolved: z.object({ ...onExtra, agreedPence: pence }) satisfies z.ZodType<E.ExtraResolved>,
  ExtraEscalated: z.object({ ...onExtra, detail: opt(text) }) satisfies z.ZodType<E.ExtraEscalated>,
  ChallengeRaised: z.object({
    ...onChallenge,
    trust: code,
    activityMonth: month,
    category: z.enum(E.CHALLENGE_CATEGORIES),
    activityLines: count,
    valuePence: pence,
    phase: opt(z.enum(E.RECONCILIATION_PHASES)),
  }) satisfies z.ZodType<E.ChallengeRaised>,
  TrustResponded: z.object({ ...onChallenge, acceptedPence: pence, rejectedPence: pence }) satisfies z.ZodType<E.TrustResponded>,
  ChallengeEscalated: z.object({ ...onChallenge, detail: opt(text) }) satisfies z.ZodType<E.ChallengeEscalated>,
  ChallengeResolved: z.object({ ...onChallenge, recoveredPence: pence, creditNoteReference: opt(text) }) satisfies z.ZodType<E.ChallengeResolved>,
  ChallengeWithdrawn: z.object({ ...onChallenge }) satisfies z.ZodType<E.ChallengeWithdrawn>,
  RecoveryQueried: z.object({ ...onChallenge, reason: text }) satisfies z.ZodType<E.RecoveryQueried>,
  RecoveryConfirmed: z.object({ ...onChallenge }) satisfies z.ZodType<E.RecoveryConfirmed>,
  InvoiceSubmitted: z.object({
    ...onInvoice,
    csu: code,
    invoiceNumber: text,
    quarter,
    kind: z.enum(E.INVOICE_KINDS),
    extraId: opt(id),
    amountPence: pence,
    vatPence: pence,
  }) satisfies z.ZodType<E.InvoiceSubmitted>,
  InvoiceDisputed: z.object({ ...onInvoice, reason: text }) satisfies z.ZodType<E.InvoiceDisputed>,
  InvoicePaid: z.object({ ...onInvoice, amountPence: pence }) satisfies z.ZodType<E.InvoicePaid>,
  InvoiceWithdrawn: z.object({ ...onInvoice }) satisfies z.ZodType<E.InvoiceWithdrawn>,
} as const satisfies Record<E.LedgerEventType, z.ZodObject>;

/** The fields each event type may hold: the decode step refuses any other (z.object alone would drop them). */
const fieldsOf = <T extends Record<string, z.ZodObject>>(schemas: T): { readonly [K in keyof T]: ReadonlySet<string> } => {
  const fields = {} as { [K in keyof T]: ReadonlySet<string> };
  for (const type in schemas) fields[type] = new Set(Object.keys(schemas[type]!.shape));
  return fields;
};
export const EVENT_FIELDS: Readonly<Record<E.LedgerEventType, ReadonlySet<string>>> = fieldsOf(EVENT_DATA);

/** What every stored event's metadata holds (more may be there, e.g. the integrity chain's links). */
export const EVENT_METADATA = z.looseObject({
  actor: z.object({ sub: z.string().min(1), name: z.string(), org: z.string().min(1), role: z.enum(['admin', 'csu', 'ccg', 'auditor']) }),
  correlationId: z.string().min(1),
  causationId: opt(z.string()),
  idempotency: opt(z.strictObject({ scope: z.string(), requestHash: z.string() })),
  schemaVersion: opt(z.number().int().min(1)),
}) satisfies z.ZodType<E.EventMetadata>;
