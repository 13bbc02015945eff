// CCG finance's checks on what a CSU bills (DOMAIN.md: Invoices and payment). Pure, from a contract's ledger.
//   Reconciliation of quarter q: billed B = invoices − credit notes for q, not withdrawn, against N (approved, or as it
//   stands), and per component: core against F − W (credit notes count here), gain share against G, each extra's
//   invoices against its agreed amount (an extra billed but not payable is flagged). Amounts net of VAT, as N is.
import type { IsoDate, QuarterId } from './calendar.ts';
import type { ContractLedger } from './ledger.ts';
import type { InvoiceStatus, SubmittedInvoice } from './invoice/model.ts';
import { sumPence } from './money.ts';
import { countedIn, settlementView } from './settlement.ts';

export type ReconciliationStatus = 'matched' | 'over-billed' | 'under-billed';

export interface BilledInvoice {
  invoiceId: string;
  invoiceNumber: string;
  kind: SubmittedInvoice['kind'];
  status: InvoiceStatus;
  /** Signed: a credit note takes its amount off. */
  amountPence: bigint;
}

export interface ReconciliationComponent {
  component: 'core' | 'gain-share' | 'extra';
  extraId?: string | undefined;
  description?: string | undefined;
  /** What the ledger settles for it in the quarter. */
  expectedPence: bigint;
  billedPence: bigint;
  /** billed − expected: above 0 over-billed. */
  differencePence: bigint;
  status: ReconciliationStatus;
  /** An extra billed in this quarter that is not payable at all, or payable but counting in another quarter. */
  flag?: 'not-payable' | 'counts-in-another-quarter' | undefined;
  invoices: BilledInvoice[];
}

export interface Reconciliation {
  contractId: string;
  quarter: QuarterId;
  /** The settlement's status: once approved, N is frozen and so is what the ledger expects. */
  settlementStatus: 'open' | 'approved';
  netPayablePence: bigint;
  billedPence: bigint;
  differencePence: bigint;
  status: ReconciliationStatus;
  components: ReconciliationComponent[];
}

const statusOf = (difference: bigint): ReconciliationStatus => (difference === 0n ? 'matched' : difference > 0n ? 'over-billed' : 'under-billed');

const billed = (i: SubmittedInvoice): BilledInvoice => ({
  invoiceId: i.invoiceId,
  invoiceNumber: i.invoiceNumber,
  kind: i.kind,
  status: i.status,
  amountPence: i.kind === 'credit-note' ? -BigInt(i.amountPence) : BigInt(i.amountPence),
});

const component = (
  name: ReconciliationComponent['component'],
  expectedPence: bigint,
  invoices: BilledInvoice[],
  more: Pick<ReconciliationComponent, 'extraId' | 'description' | 'flag'> = {},
): ReconciliationComponent => {
  const billedPence = sumPence(invoices.map((i) => i.amountPence));
  const differencePence = billedPence - expectedPence;
  return { component: name, ...more, expectedPence, billedPence, differencePence, status: statusOf(differencePence), invoices };
};

export const reconcile = (ledger: ContractLedger, q: QuarterId, today: IsoDate): Reconciliation => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const s = settlementView(ledger, q, today);
  const invoices = Object.values(ledger.invoices).filter((i) => i.quarter === q && i.status !== 'withdrawn');
  const of = (kinds: SubmittedInvoice['kind'][]) => invoices.filter((i) => kinds.includes(i.kind)).map(billed);
  const components = [component('core', s.feePence - s.withheldPence, of(['core', 'credit-note'])), component('gain-share', s.gainSharePence, of(['gain-share']))];

  // Each extra counting in q, and each extra billed for q: expected its agreed amount where it counts here, else 0.
  const counted = new Map<string, bigint>();
  for (const item of countedIn(ledger, q).filter((i) => i.kind === 'extra')) counted.set(item.id, (counted.get(item.id) ?? 0n) + BigInt(item.amountPence));
  const billedExtras = new Set(invoices.filter((i) => i.kind === 'extra' && i.extraId !== undefined).map((i) => i.extraId!));
  for (const extraId of [...new Set([...counted.keys(), ...billedExtras])].sort()) {
    const extra = ledger.extras[extraId];
    const expected = counted.get(extraId) ?? 0n;
    const payable = extra?.payablePence !== undefined;
    const flag = expected > 0n ? undefined : payable ? 'counts-in-another-quarter' : 'not-payable';
    const bills = invoices.filter((i) => i.kind === 'extra' && i.extraId === extraId).map(billed);
    components.push(component('extra', expected, bills, { extraId, description: extra?.description, ...(flag ? { flag } : {}) }));
  }
  const billedPence = sumPence(components.map((x) => x.billedPence));
  const differencePence = billedPence - s.netPayablePence;
  return {
    contractId: c.contractId,
    quarter: q,
    settlementStatus: s.status,
    netPayablePence: s.netPayablePence,
    billedPence,
    differencePence,
    status: statusOf(differencePence),
    components,
  };
};
