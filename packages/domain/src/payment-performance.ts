// Payment performance (DOMAIN.md: Invoices and payment; the NHS Better Payment Practice Code: pay valid invoices
// within 30 days of receipt). Per commissioner and financial year, over the undisputed invoices it received that year
// (credit notes and withdrawn invoices left out): the share paid within 30 calendar days of their business date, by
// count and by value (gross, what is paid), and the invoices paid late or still unpaid past 30 days. An unpaid invoice
// not yet 30 days old is not yet assessed (our reading; DOMAIN.md is silent).
import { addDays, isFinancialYear, quarterOfDate, financialYearOfQuarter, type IsoDate } from './calendar.ts';
import { grossPence, type SubmittedInvoice } from './invoice/model.ts';
import { ratio, sumPence, toBp } from './money.ts';

/** Calendar days allowed to pay (the Better Payment Practice Code). */
export const PAYMENT_DAYS = 30;

/** The day by which an invoice should be paid: 30 calendar days after its receipt. */
export const paymentDueBy = (receivedOn: IsoDate): IsoDate => addDays(receivedOn, PAYMENT_DAYS);

export interface PaymentRecord {
  invoiceId: string;
  contractId: string;
  csu: string;
  invoiceNumber: string;
  receivedOn: IsoDate;
  dueBy: IsoDate;
  paidOn: IsoDate | null;
  grossPence: bigint;
  /** Days after receipt that it was paid, or (unpaid) that have passed. */
  days: number;
}

export interface PaymentPerformance {
  code: string;
  year: string;
  /** Undisputed invoices whose 30 days have run or that are paid: the ones assessed. */
  assessed: { count: number; valuePence: bigint };
  paidWithinTerms: { count: number; valuePence: bigint };
  /** Shares within 30 days in basis points; null when nothing is assessed yet. */
  shareByCountBp: number | null;
  shareByValueBp: number | null;
  paidLate: PaymentRecord[];
  unpaidOverdue: PaymentRecord[];
  /** Undisputed, unpaid and not yet 30 days old. */
  notYetDue: number;
}

const dayDiff = (from: IsoDate, to: IsoDate): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

export const paymentPerformance = (code: string, year: string, invoices: SubmittedInvoice[], today: IsoDate): PaymentPerformance => {
  if (!isFinancialYear(year)) throw new RangeError(`not a financial year (2025-26): ${JSON.stringify(year)}`);
  const inYear = invoices.filter(
    (i) => i.kind !== 'credit-note' && i.status !== 'withdrawn' && !i.disputed && financialYearOfQuarter(quarterOfDate(i.receivedOn)) === year,
  );
  const record = (i: SubmittedInvoice): PaymentRecord => ({
    invoiceId: i.invoiceId,
    contractId: i.contractId,
    csu: i.csu,
    invoiceNumber: i.invoiceNumber,
    receivedOn: i.receivedOn,
    dueBy: paymentDueBy(i.receivedOn),
    paidOn: i.paidOn ?? null,
    grossPence: BigInt(grossPence(i)),
    days: dayDiff(i.receivedOn, i.paidOn ?? today),
  });
  const records = inYear.map(record).sort((a, b) => (a.receivedOn < b.receivedOn ? -1 : a.receivedOn > b.receivedOn ? 1 : 0));
  const assessed = records.filter((r) => r.paidOn !== null || r.days > PAYMENT_DAYS);
  const onTime = assessed.filter((r) => r.paidOn !== null && r.days <= PAYMENT_DAYS);
  const value = (rs: PaymentRecord[]) => sumPence(rs.map((r) => r.grossPence));
  const share = (part: bigint, whole: bigint) => (whole === 0n ? null : toBp(ratio(part, whole)));
  return {
    code,
    year,
    assessed: { count: assessed.length, valuePence: value(assessed) },
    paidWithinTerms: { count: onTime.length, valuePence: value(onTime) },
    shareByCountBp: share(BigInt(onTime.length), BigInt(assessed.length)),
    shareByValueBp: share(value(onTime), value(assessed)),
    paidLate: assessed.filter((r) => r.paidOn !== null && r.days > PAYMENT_DAYS),
    unpaidOverdue: assessed.filter((r) => r.paidOn === null),
    notYetDue: records.length - assessed.length,
  };
};
