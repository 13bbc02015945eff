// Request bodies (API.md: Command service). Strict objects: an unknown field is an error, not silently dropped, so
// a typo never records a different fact than the user meant. The same schemas generate the OpenAPI document
// (openapi.ts): the `.meta()` descriptions and examples here are what /docs shows.
// DOMAIN.md Limits: amounts 0..£1bn in whole pence (judged from the request's text by the body parser, jsonBody),
// text at most 2,000 characters, nothing dated before 2000-04-01 (financial year 2000-01) and no impossible date.
// Business and delivered-on dates after today are refused by the domain (business-date-in-future), which knows today.
import { z } from 'zod';
import {
  EARLIEST_DATE,
  EARLIEST_MONTH,
  EARLIEST_QUARTER,
  INVOICE_KINDS,
  isContractId,
  isInvoiceNumber,
  isIsoDate,
  isLedgerDate,
  isLedgerMonth,
  isLedgerQuarter,
  isMonthId,
  isOrgCode,
  isQuarterId,
  MAX_AMOUNT_PENCE,
  MAX_TEXT_LENGTH,
} from '@csu-ledger/domain';

const text = (max = 500) =>
  z.string().trim().min(1, 'must not be empty').max(Math.min(max, MAX_TEXT_LENGTH));

/** A string of a calendar shape that must also lie in the ledger's years: two messages, so the user knows which. */
const calendarString = (shape: (s: string) => boolean, shapeMessage: string, inRange: (s: string) => boolean, earliest: string) =>
  z
    .string()
    .refine(shape, shapeMessage)
    .refine((s) => !shape(s) || inRange(s), `must not be before ${earliest}`);

export const isoDate = calendarString(isIsoDate, 'must be a real date YYYY-MM-DD', isLedgerDate, EARLIEST_DATE).meta({
  format: 'date',
  description: `A real date, YYYY-MM-DD, not before ${EARLIEST_DATE}.`,
  examples: ['2025-05-15'],
});
export const monthId = calendarString(isMonthId, 'must be a financial month such as 2025-26-M01', isLedgerMonth, EARLIEST_MONTH).meta({
  pattern: '^\\d{4}-\\d{2}-M(0[1-9]|1[0-2])$',
  description: `A financial month: 2025-26-M01 is April 2025 (not before ${EARLIEST_MONTH}).`,
  examples: ['2025-26-M01'],
});
export const quarterId = calendarString(isQuarterId, 'must be a financial quarter such as 2025-26-Q1', isLedgerQuarter, EARLIEST_QUARTER).meta({
  pattern: '^\\d{4}-\\d{2}-Q[1-4]$',
  description: `A financial quarter: 2025-26-Q1 is April to June 2025 (not before ${EARLIEST_QUARTER}).`,
  examples: ['2025-26-Q1'],
});
export const orgCode = z
  .string()
  .refine(isOrgCode, 'must be an ODS-style code: 3 to 5 capital letters or digits')
  .meta({ pattern: '^[A-Z0-9]{3,5}$', description: 'An ODS code: 3 to 5 capital letters or digits.', examples: ['08J'] });
/** Whole pence: integers only (a fraction of a penny is refused, never rounded), at most £1bn. */
export const pence = z
  .number()
  .int('must be whole pence')
  .min(0)
  .max(MAX_AMOUNT_PENCE, `must be at most ${MAX_AMOUNT_PENCE} pence (£1bn)`)
  .meta({
    description: 'Whole pence as a plain JSON integer (100.0, 1e2 and "100" are refused), at most 100,000,000,000 (£1bn).',
    examples: [1_850_000],
  });
export const positivePence = pence.min(1, 'must be more than 0').meta({
  description: 'Whole pence as a plain JSON integer, more than 0 and at most 100,000,000,000 (£1bn).',
  examples: [1_850_000],
});
export const bp = z
  .number()
  .int('must be whole basis points')
  .min(0)
  .max(10_000)
  .meta({ description: 'Basis points: 9500 is 95%.', examples: [9500] });

const dated = { businessDate: isoDate };

export const kpi = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'letters, digits, . _ - (up to 32)'),
  name: text(200),
  serviceLine: text(100),
  weightBp: bp,
  targetBp: bp,
  floorBp: bp.optional(),
  kind: z.enum(['deliverable', 'measured']),
  dueWorkingDay: z.number().int().min(1).max(23).optional(),
});

const terms = {
  annualFeePence: pence,
  feeAtRiskBp: bp,
  gainShareBp: bp,
  gainShareCapPence: pence,
  breakNoticeMonths: z.number().int().min(0).max(120),
  trustResponseWorkingDays: z.number().int().min(1).max(250),
  kpis: z.array(kpi).min(1).max(50),
};

export const agreeContract = z.strictObject({
  ...dated,
  contractId: z.string().refine(isContractId, 'letters, digits, - and _ (up to 64)').optional(),
  ccg: orgCode,
  csu: orgCode,
  vehicle: z.enum(['SLA', 'LPF-call-off']).optional(),
  firstMonth: monthId,
  lastMonth: monthId,
  ...terms,
});

export const varyContract = z.strictObject({
  ...dated,
  effectiveQuarter: quarterId,
  annualFeePence: terms.annualFeePence.optional(),
  feeAtRiskBp: terms.feeAtRiskBp.optional(),
  gainShareBp: terms.gainShareBp.optional(),
  gainShareCapPence: terms.gainShareCapPence.optional(),
  breakNoticeMonths: terms.breakNoticeMonths.optional(),
  trustResponseWorkingDays: terms.trustResponseWorkingDays.optional(),
  kpis: terms.kpis.optional(),
});

export const registerOrganisation = z.strictObject({
  ...dated,
  code: orgCode,
  name: text(200),
  kind: z.enum(['ccg', 'csu', 'trust']),
  population: z.number().int().min(0).max(100_000_000).optional(),
  runningCostAllowancePencePerHead: pence.optional(),
});
export const renameOrganisation = z.strictObject({ ...dated, name: text(200) });

export const breakNotice = z.strictObject({ ...dated });
export const delivery = z.strictObject({
  kpiId: z.string().min(1).max(32),
  month: monthId,
  deliveredOn: isoDate,
  reference: text(200).optional(),
  // The delivery's own date is its business date; a businessDate, if sent, must agree with it.
  businessDate: isoDate.optional(),
});
export const rejection = z.strictObject({ ...dated, kpiId: z.string().min(1).max(32), month: monthId, reason: text(1000) });
/** A count behind a measured percentage (48 of 50 queries): a whole number, at most a billion. */
const count = z.number().int('must be a whole number').min(0).max(1_000_000_000);
/**
 * What a measurement rests on (MeasurementReported version 2). The domain checks that the counts come as a pair and
 * agree with achievedBp (contract/decide.ts).
 */
export const measurementEvidence = z.strictObject({
  note: text(1000).optional(),
  achieved: count.optional(),
  outOf: count.min(1, 'must be at least 1').optional(),
  unit: text(200).optional(),
});
export const measurement = z
  .strictObject({
    ...dated,
    kpiId: z.string().min(1).max(32),
    month: monthId,
    achievedBp: bp,
    evidence: measurementEvidence.optional(),
    /** Version 1's free-text note, still accepted: recorded as the evidence's note. */
    note: text(1000).optional(),
  })
  .refine((b) => b.note === undefined || b.evidence?.note === undefined, {
    message: 'give the note once: as evidence.note (note alone is the older form of it)',
    path: ['note'],
  });
/** Issue 11: a month's KPI returns (deliveries and measurements) recorded together, all or nothing. */
export const MAX_RETURN_ROWS = 1000;
export const returns = z.strictObject({
  rows: z
    .array(
      z.discriminatedUnion('kind', [
        delivery.omit({ businessDate: true }).extend({ kind: z.literal('delivery') }),
        // A spreadsheet row's note is the measurement's evidence note.
        z.strictObject({ kind: z.literal('measurement'), ...dated, kpiId: z.string().min(1).max(32), month: monthId, achievedBp: bp, note: text(1000).optional() }),
      ]),
    )
    .min(1, 'send at least one row')
    .max(MAX_RETURN_ROWS, `at most ${MAX_RETURN_ROWS} rows`),
});
// Net payable is never negative: withheld is at most the fee, gain share and extras are never negative.
export const approval = z.strictObject({ ...dated, netPayablePence: pence });

export const raiseExtra = z.strictObject({
  ...dated,
  amountPence: positivePence,
  description: text(1000),
  serviceLine: text(100),
  requestedBy: text(200),
});
export const acceptExtra = z.strictObject({ ...dated });
export const disputeExtra = z.strictObject({
  ...dated,
  reason: z.enum(['covered-by-core-offer', 'not-requested', 'amount-excessive', 'other']),
  detail: text(1000).optional(),
});
export const reviseExtra = z.strictObject({ ...dated, amountPence: positivePence, detail: text(1000).optional() });
export const withdraw = z.strictObject({ ...dated });
export const resolveExtra = z.strictObject({ ...dated, agreedPence: pence });
export const escalate = z.strictObject({ ...dated, detail: text(1000).optional() });

export const raiseChallenge = z.strictObject({
  ...dated,
  trust: orgCode,
  activityMonth: monthId,
  category: z.enum([
    'emergency-readmission-30d',
    'duplicate-activity',
    'coding-hrg',
    'non-contracted',
    'responsible-commissioner',
    'outpatient-follow-up-ratio',
    'best-practice-tariff',
    'other',
  ]),
  activityLines: z.number().int().min(1).max(10_000_000),
  valuePence: positivePence,
  phase: z.enum(['first', 'post']).optional(),
});
export const trustResponse = z.strictObject({ ...dated, acceptedPence: pence, rejectedPence: pence });
export const resolveChallenge = z.strictObject({ ...dated, recoveredPence: pence, creditNoteReference: text(100).optional() });
export const queryRecovery = z.strictObject({ ...dated, reason: text(MAX_TEXT_LENGTH) });
export const confirmRecovery = z.strictObject({ ...dated });

export const submitInvoice = z.strictObject({
  ...dated,
  invoiceNumber: z.string().refine(isInvoiceNumber, 'letters, digits, space, / . _ - (up to 40), starting with a letter or digit'),
  quarter: quarterId,
  kind: z.enum(INVOICE_KINDS),
  extraId: z.string().min(1).max(100).optional(),
  amountPence: pence,
  vatPence: pence,
});
export const disputeInvoice = z.strictObject({ ...dated, reason: text(MAX_TEXT_LENGTH) });
/** The paid-on date is the payment's business date. */
export const payInvoice = z.strictObject({ paidOn: isoDate, amountPence: pence });
