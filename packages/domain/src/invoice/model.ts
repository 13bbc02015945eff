// Invoice aggregate: a bill the CSU sends against a quarter, which CCG finance checks, disputes or pays (DOMAIN.md:
// Invoices and payment). One stream per invoice under its contract, so the contract reads it with its group.
import type { InvoiceEvent, InvoiceKind, IsoDate, QuarterId } from '../events.ts';

export type InvoiceStatus = 'submitted' | 'disputed' | 'paid' | 'withdrawn';

export interface SubmittedInvoice {
  status: InvoiceStatus;
  invoiceId: string;
  contractId: string;
  csu: string;
  invoiceNumber: string;
  quarter: QuarterId;
  kind: InvoiceKind;
  extraId?: string | undefined;
  amountPence: number;
  vatPence: number;
  /** Its business date: when the CCG received it, from which the 30 days to pay run. */
  receivedOn: IsoDate;
  /** Ever disputed: the Better Payment Practice Code counts undisputed invoices only. */
  disputed: boolean;
  disputeReason?: string | undefined;
  paidOn?: IsoDate | undefined;
  paidPence?: number | undefined;
  lastChangedOn: IsoDate;
}
export type InvoiceState = { status: 'none' } | SubmittedInvoice;

export const initialInvoiceState = (): InvoiceState => ({ status: 'none' });

/** Gross: what the CCG pays (amounts are net of VAT). */
export const grossPence = (i: Pick<SubmittedInvoice, 'amountPence' | 'vatPence'>): number => i.amountPence + i.vatPence;

export const evolveInvoice = (state: InvoiceState, event: InvoiceEvent): InvoiceState => {
  if (event.type === 'InvoiceSubmitted') {
    const { businessDate, ...d } = event.data;
    return { status: 'submitted', ...d, receivedOn: businessDate, disputed: false, lastChangedOn: businessDate };
  }
  if (state.status === 'none') return state;
  const on = event.data.businessDate;
  switch (event.type) {
    case 'InvoiceDisputed':
      return { ...state, status: 'disputed', disputed: true, disputeReason: event.data.reason, lastChangedOn: on };
    case 'InvoicePaid':
      return { ...state, status: 'paid', paidOn: on, paidPence: event.data.amountPence, lastChangedOn: on };
    case 'InvoiceWithdrawn':
      return { ...state, status: 'withdrawn', lastChangedOn: on };
    default: {
      const _never: never = event;
      return _never;
    }
  }
};
