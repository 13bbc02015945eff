// What the query service answers, as zod schemas (issue 10): the source of its OpenAPI document (openapi.ts). They
// describe the JSON the views write (views.ts and the domain's settlement, statement, reconciliation, what-if and
// finance views); the tests validate every answer of the int and e2e suites against them, field by field.
import { z } from 'zod';
import {
  BREAK_NOTICE_PARTIES,
  CHALLENGE_CATEGORIES,
  EXTRA_DISPUTE_REASONS,
  INVOICE_KINDS,
  KPI_KINDS,
  ORGANISATION_KINDS,
  RECONCILIATION_PHASES,
  VEHICLES,
  type ChallengeStatus,
  type ExtraStatus,
  type InvoiceStatus,
  type KpiMonth,
  type ReconciliationStatus,
  type StatementFigure,
  type StatementLineKind,
} from '@csu-ledger/domain';
import { wire } from '@csu-ledger/http';
import { HISTORY_TYPES } from './history.ts';
import { FIGURES } from './settlement-diff.ts';

const { bp, count, enumOf, instant, integer, isoDate, monthId, orgCode, page, pence, position, quarterId, recordedActor } = wire;
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const party = z.object({
  code: orgCode(),
  name: z.string().optional().meta({ description: 'The name in force at the date the view is about; absent when the code is not in the register.' }),
});

export const kpi = z.object({
  id: z.string(),
  name: z.string(),
  serviceLine: z.string(),
  weightBp: bp(),
  targetBp: bp(),
  floorBp: bp('Below this, the KPI scores 0 (default: the target).').optional(),
  kind: z.enum(KPI_KINDS),
  dueWorkingDay: integer('Deliverables: due on this working day of the month after the month delivered for.').optional(),
});

export const terms = z.object({
  annualFeePence: pence('The annual core fee.'),
  feeAtRiskBp: bp(),
  gainShareBp: bp(),
  gainShareCapPence: pence('The annual gain-share cap.'),
  breakNoticeMonths: integer(),
  trustResponseWorkingDays: integer(),
  kpis: z.array(kpi),
});

const contractStatus = z.enum(['not-started', 'active', 'notice-served', 'ended']);

export const contractSummary = z.object({
  contractId: z.string(),
  ccg: party,
  csu: party,
  vehicle: z.enum(VEHICLES).nullable(),
  firstMonth: monthId(),
  lastMonth: monthId('The agreed last month.'),
  termEndMonth: monthId('The last month of the term, after any break notice.'),
  termEnd: isoDate('The term’s last day.'),
  status: contractStatus,
  annualFeePence: pence('The annual core fee in force now (or in the term’s first or last month, outside it).'),
  position: position('The log position of the contract’s last change.'),
});

export const contractsPage = page(contractSummary);

export const contractDetail = contractSummary.extend({
  agreedOn: isoDate(),
  terms: terms.meta({ description: 'The terms in force now (or at the term’s first or last month, outside it).' }),
  termsInForceFrom: monthId(),
  variations: z.array(z.object({ effectiveFrom: monthId(), terms })),
  breakNotice: z.object({ servedOn: isoDate(), servedBy: z.enum(BREAK_NOTICE_PARTIES), termEndMonth: monthId() }).nullable(),
  approvedQuarters: z.array(z.object({ quarter: quarterId(), netPayablePence: pence(), approvedOn: isoDate() })),
});

const kpiMonthStatus = enumOf<KpiMonth['status']>()(['met', 'missed', 'pending', 'reported', 'not-reported']);

export const kpiPerformance = z.object({
  kpiId: z.string(),
  kind: z.enum(KPI_KINDS),
  weightBp: bp(),
  targetBp: bp(),
  floorBp: bp(),
  months: z.array(
    z.object({
      month: monthId(),
      status: kpiMonthStatus,
      dueOn: isoDate('Deliverables: the due date.').optional(),
      deliveredOn: isoDate('Deliverables: the latest delivery’s date.').optional(),
      rejected: z.boolean().optional(),
      achievedBp: bp('Measured: the latest report.').optional(),
      reportedOn: isoDate().optional(),
      recordedAt: instant('When the latest delivery or report was recorded.').optional(),
      recordedLate: z.boolean().optional().meta({ description: 'Recorded more than 5 working days after its business date.' }),
    }),
  ),
  achievementBp: bp('Rounded half up for display; null when nothing could be assessed.').nullable(),
  scoreBp: bp().nullable(),
});

export const performance = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  status: z.enum(['open', 'approved']),
  kpis: z.array(kpiPerformance),
  performanceScoreBp: bp('S, rounded half up to a basis point for display (the money uses S exactly).'),
});

const countAndValue = z.object({ count: count(), valuePence: pence() });

export const approvalSummary = z.object({
  businessDate: isoDate('The approval’s business date.'),
  assessedOn: isoDate('The date used as “now” for pending deliverables.'),
  recordedAt: instant().nullable(),
  approvedBy: recordedActor.nullable(),
  eventId: z.string().nullable(),
});

export const settlement = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  status: z.enum(['open', 'approved']),
  feePence: pence('F: the quarter’s fee.'),
  atRiskPence: pence('R: the fee at risk.'),
  performanceScoreBp: bp('S, rounded half up for display.'),
  withheldPence: pence('W: withheld for performance.'),
  recoveredPence: pence('V: recovered from trusts in the quarter.'),
  gainSharePence: pence('G: the gain share.'),
  extrasPence: pence('X: agreed extras.'),
  netPayablePence: pence('N = F − W + G + X.'),
  disputedExtras: countAndValue.meta({ description: 'Extras raised by the quarter’s end still awaiting the CCG, disputed or escalated.' }),
  openChallenges: countAndValue.meta({ description: 'Challenges raised by the quarter’s end still open.' }),
  approval: approvalSummary.optional().meta({ description: 'Who approved it and when (approved quarters).' }),
});

export const settlementsPage = page(settlement, { contractId: z.string() });

export const extraItem = z.object({
  extraId: z.string(),
  status: enumOf<ExtraStatus>()(['awaiting-ccg', 'accepted', 'disputed', 'withdrawn', 'resolved', 'escalated']),
  raisedOn: isoDate(),
  description: z.string(),
  serviceLine: z.string(),
  requestedBy: z.string(),
  originalPence: pence('The amount first claimed.'),
  amountPence: pence('The amount claimed now.'),
  payablePence: pence('Accepted or agreed: what counts in X.').nullable(),
  disputeReason: z.enum(EXTRA_DISPUTE_REASONS).nullable(),
  settledInQuarter: quarterId('The quarter it counts in.').nullable(),
  lastChangedOn: isoDate(),
});
export const extrasPage = page(extraItem, { contractId: z.string() });

export const challengeItem = z.object({
  challengeId: z.string(),
  status: enumOf<ChallengeStatus>()(['raised', 'responded', 'escalated', 'resolved', 'queried', 'withdrawn']),
  trust: orgCode(),
  trustName: z.string().nullable().meta({ description: 'The trust’s name when the challenge was raised.' }),
  activityMonth: monthId(),
  category: z.enum(CHALLENGE_CATEGORIES),
  activityLines: integer(),
  phase: z.enum(RECONCILIATION_PHASES).nullable(),
  raisedOn: isoDate(),
  valuePence: pence('The value challenged.'),
  acceptedPence: pence('The trust’s latest reply: accepted.').nullable(),
  rejectedPence: pence('The trust’s latest reply: rejected.').nullable(),
  responses: z.array(z.object({ respondedOn: isoDate(), acceptedPence: pence(), rejectedPence: pence() })),
  recoveredPence: pence().nullable(),
  creditNoteReference: z.string().nullable(),
  recoveryQuery: z.object({ on: isoDate(), reason: z.string() }).nullable().meta({ description: 'CCG finance’s open query of the recovery.' }),
  settledInQuarter: quarterId().nullable(),
  responseDeadline: isoDate('Raised plus the contract’s trust response deadline in working days.'),
  overdue: z.boolean().meta({ description: 'Open, with no trust response, past its deadline.' }),
});
export const challengesPage = page(challengeItem, { contractId: z.string() });

export const lateItems = page(
  z.object({
    kind: z.enum(['extra', 'challenge']),
    id: z.string(),
    eventType: z.string(),
    position: position(),
    businessDate: isoDate(),
    recordedAt: instant(),
    amountPence: pence(),
    landedIn: quarterId('The quarter it counts in instead.'),
    recordedBy: recordedActor,
  }),
  { contractId: z.string(), quarter: quarterId(), status: z.enum(['open', 'approved']), approvedOn: isoDate().nullable() },
);

export const invoiceItem = z.object({
  invoiceId: z.string(),
  invoiceNumber: z.string(),
  status: enumOf<InvoiceStatus>()(['submitted', 'disputed', 'paid', 'withdrawn']),
  quarter: quarterId(),
  kind: z.enum(INVOICE_KINDS),
  extraId: z.string().nullable(),
  amountPence: pence(),
  vatPence: pence(),
  grossPence: pence('Net plus VAT.'),
  receivedOn: isoDate(),
  dueBy: isoDate('30 days after receipt (the Better Payment Practice Code).'),
  disputed: z.boolean(),
  disputeReason: z.string().nullable(),
  paidOn: isoDate().nullable(),
  paidPence: pence().nullable(),
  lastChangedOn: isoDate(),
});
export const invoicesPage = page(invoiceItem, { contractId: z.string() });

export const provenance = z.object({
  eventId: z.string(),
  type: z.string(),
  businessDate: isoDate(),
  position: position(),
  recordedAt: instant(),
  by: recordedActor,
});

export const statement = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  period: z.string().meta({ examples: ['2025/26 Q1'] }),
  status: z.enum(['open', 'approved']),
  assessedOn: isoDate(),
  ccg: z.object({ code: orgCode(), name: z.string().nullable() }),
  csu: z.object({ code: orgCode(), name: z.string().nullable() }),
  approval: approvalSummary.nullable(),
  lines: z.array(
    z.object({
      kind: enumOf<StatementLineKind>()(['fee', 'at-risk', 'kpi', 'withheld', 'recovery', 'queried-recovery', 'gain-share', 'extra', 'net']),
      figure: enumOf<StatementFigure>()(['F', 'R', 'W', 'G', 'X', 'N']),
      label: z.string(),
      period: z.string(),
      amountPence: pence('Signed: what the line adds to N; null when shown for reading.').nullable(),
      valuePence: pence('An amount shown for reading, not added again.').nullable(),
      kpi: z
        .object({ kpiId: z.string(), name: z.string(), weightBp: bp(), targetBp: bp(), floorBp: bp(), achievementBp: nullable(bp()), scoreBp: nullable(bp()) })
        .optional(),
      events: z.array(provenance).meta({ description: 'The events the line rests on.' }),
    }),
  ),
  settlement,
});

const reconciliationStatus = enumOf<ReconciliationStatus>()(['matched', 'over-billed', 'under-billed']);

export const reconciliation = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  settlementStatus: z.enum(['open', 'approved']),
  netPayablePence: pence(),
  billedPence: pence('Invoices less credit notes for the quarter, not withdrawn.'),
  differencePence: pence('Billed − N (signed).'),
  status: reconciliationStatus,
  components: z.array(
    z.object({
      component: z.enum(['core', 'gain-share', 'extra']),
      extraId: z.string().optional(),
      description: z.string().optional(),
      expectedPence: pence(),
      billedPence: pence(),
      differencePence: pence(),
      status: reconciliationStatus,
      flag: z.enum(['not-payable', 'counts-in-another-quarter']).optional(),
      invoices: z.array(
        z.object({
          invoiceId: z.string(),
          invoiceNumber: z.string(),
          kind: z.enum(INVOICE_KINDS),
          status: enumOf<InvoiceStatus>()(['submitted', 'disputed', 'paid', 'withdrawn']),
          amountPence: pence('Signed: a credit note takes its amount off.'),
        }),
      ),
    }),
  ),
});

export const whatIf = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  assumptions: z.object({
    extras: z.array(z.object({ extraId: z.string(), agreedPence: pence() })),
    challenges: z.array(z.object({ challengeId: z.string(), recoveredPence: pence() })),
  }),
  current: settlement,
  whatIf: settlement,
  changePence: pence('What-if N − current N (signed).'),
});

export const breakClause = z.object({
  contractId: z.string(),
  servedOn: isoDate(),
  noticeMonths: integer(),
  termEndMonth: monthId(),
  termEnd: isoDate(),
  remainingFeePence: pence('Core fee from the notice’s month to the new term end.'),
  forgoneFeePence: pence('Core fee of the months the notice takes off the term.'),
});

/** An event as history shows it (history.ts's historyItem). */
const eventSeen = {
  position: position(),
  eventId: z.string(),
  streamName: z.string(),
  revision: integer().min(0),
  type: z.enum(HISTORY_TYPES),
  businessDate: isoDate().nullable(),
  recordedAt: instant(),
  actor: recordedActor.nullable(),
};

export const historyPage = page(
  z.object({
    ...eventSeen,
    correlationId: z.string().nullable(),
    causationId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).meta({ description: 'The event’s data as recorded (DOMAIN.md names each field).' }),
  }),
  { contractId: z.string() },
);

/** A figure's value: pence and basis points as integers, `status` as text, null where there was no settlement. */
const figureValue = z.union([integer(), z.string(), z.null()]);
const figureChanges = z.array(z.object({ figure: z.enum(FIGURES), before: figureValue, after: figureValue }));

/** GET …/settlements/{quarter}/diff (settlement-diff.ts). */
export const settlementDiff = z.object({
  contractId: z.string(),
  quarter: quarterId(),
  from: z.object({ asAt: instant(), settlement: settlement.nullable().meta({ description: 'Null when the contract had not been agreed by then.' }) }),
  to: z.object({ asAt: instant(), settlement }),
  figures: z
    .array(z.object({ figure: z.enum(FIGURES), from: figureValue, to: figureValue, difference: integer('to − from, for numbers.').nullable() }))
    .meta({ description: 'Every figure at both instants, side by side.' }),
  changes: z
    .array(
      z.discriminatedUnion('cause', [
        z
          .object({ cause: z.literal('elapsed'), from: isoDate(), to: isoDate(), figures: figureChanges })
          .meta({ description: 'What the passing of time alone changed between the two dates (a deliverable falling due undelivered).' }),
        z.object({ cause: z.literal('event'), ...eventSeen, figures: figureChanges }).meta({ description: 'An event recorded between the instants that moved a figure.' }),
      ]),
    )
    .meta({ description: 'Why the figures moved, in order.' }),
  eventsExamined: count('Events of the contract recorded between the instants.'),
});

export const organisationsPage = page(
  z.object({
    code: orgCode(),
    kind: z.enum(ORGANISATION_KINDS),
    name: z.string().optional().meta({ description: 'The name in force at the view’s date, as known then.' }),
    names: z.array(z.object({ from: isoDate(), name: z.string() })),
  }),
);
