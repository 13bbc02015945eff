// Invoice aggregate: one small function per command, then `decide` (DOMAIN.md: Invoices and payment).
//   submitted → disputed (CCG) | paid (CCG) | withdrawn (CSU)
//   disputed → paid (CCG, once the dispute is settled) | withdrawn (CSU)
//   paid, withdrawn → nothing
import { nextStep, notInFuture, type Lifecycle } from '../dates.ts';
import { refuse } from '../errors.ts';
import type { InvoiceEvent, InvoiceKind, IsoDate, QuarterId } from '../events.ts';
import { formatPounds } from '../format.ts';
import { grossPence, type InvoiceState, type InvoiceStatus, type SubmittedInvoice } from './model.ts';

interface Dated {
  businessDate: IsoDate;
  today: IsoDate;
}
export type InvoiceCommand =
  | ({
      type: 'SubmitInvoice';
      invoiceId: string;
      contractId: string;
      csu: string;
      invoiceNumber: string;
      quarter: QuarterId;
      kind: InvoiceKind;
      extraId?: string | undefined;
      amountPence: number;
      vatPence: number;
      /** The quarters a contract can be billed for: its term's, and any a late money item rolled into. */
      billableQuarters: readonly QuarterId[];
      /** For kind `extra`: whether the named extra exists on this contract. */
      extraExists?: boolean | undefined;
    } & Dated)
  | ({ type: 'DisputeInvoice'; reason: string } & Dated)
  | ({ type: 'PayInvoice'; amountPence: number } & Dated)
  | ({ type: 'WithdrawInvoice' } & Dated);

type InvoiceStep = Exclude<InvoiceCommand['type'], 'SubmitInvoice'>;

export const INVOICE_LIFECYCLE: Lifecycle<InvoiceStep, InvoiceStatus> = {
  thing: 'invoice',
  allowed: {
    DisputeInvoice: ['submitted'],
    PayInvoice: ['submitted', 'disputed'],
    WithdrawInvoice: ['submitted', 'disputed'],
  },
  inState: {
    submitted: 'an invoice awaiting CCG finance',
    disputed: 'a disputed invoice',
    paid: 'a paid invoice',
    withdrawn: 'a withdrawn invoice',
  },
  refused: { DisputeInvoice: 'be disputed', PayInvoice: 'be paid', WithdrawInvoice: 'be withdrawn' },
  offered: {
    DisputeInvoice: 'be disputed by CCG finance',
    PayInvoice: 'be paid by CCG finance',
    WithdrawInvoice: 'be withdrawn by the CSU',
  },
};

const submit = (state: InvoiceState, cmd: Extract<InvoiceCommand, { type: 'SubmitInvoice' }>): InvoiceEvent[] => {
  if (state.status !== 'none') refuse('already-exists', `invoice ${cmd.invoiceNumber} is already recorded`, 'invoiceNumber');
  notInFuture(cmd);
  if (!cmd.billableQuarters.includes(cmd.quarter)) refuse('outside-term', `the contract has nothing to bill in ${cmd.quarter}`, 'quarter');
  if (cmd.kind === 'extra') {
    if (cmd.extraId === undefined) refuse('invalid-input', 'an invoice for an extra names the extra', 'extraId');
    if (!cmd.extraExists) refuse('not-found', `no extra ${cmd.extraId} on this contract`, 'extraId');
  } else if (cmd.extraId !== undefined) {
    refuse('invalid-input', 'only an invoice for an extra names one', 'extraId');
  }
  if (cmd.amountPence <= 0) refuse('invalid-input', 'an invoice is for more than £0.00', 'amountPence');
  const { type: _t, today: _d, billableQuarters: _q, extraExists: _e, ...data } = cmd;
  return [{ type: 'InvoiceSubmitted', data: { ...data, invoiceNumber: cmd.invoiceNumber.trim() } }];
};

const step = (state: InvoiceState, cmd: Exclude<InvoiceCommand, { type: 'SubmitInvoice' }>): SubmittedInvoice =>
  nextStep(INVOICE_LIFECYCLE, state, cmd);

export const decideInvoice = (cmd: InvoiceCommand, state: InvoiceState): InvoiceEvent[] => {
  if (cmd.type === 'SubmitInvoice') return submit(state, cmd);
  const i = step(state, cmd);
  const base = { invoiceId: i.invoiceId, contractId: i.contractId, businessDate: cmd.businessDate };
  switch (cmd.type) {
    case 'DisputeInvoice':
      if (cmd.reason.trim() === '') refuse('invalid-input', 'say why the invoice is disputed', 'reason');
      return [{ type: 'InvoiceDisputed', data: { ...base, reason: cmd.reason } }];
    case 'PayInvoice':
      if (i.kind === 'credit-note') refuse('transition-not-allowed', 'a credit note is not paid: it reduces what the CSU bills for the quarter');
      if (cmd.businessDate < i.receivedOn) refuse('invalid-input', 'an invoice cannot be paid before it was received', 'businessDate');
      // Paid in full, net and VAT: a different amount means the bill should be withdrawn and issued again (our
      // rule; DOMAIN.md is silent on part payments).
      if (cmd.amountPence !== grossPence(i)) {
        refuse('amount-mismatch', `the invoice is for ${formatPounds(grossPence(i))} including VAT, not ${formatPounds(cmd.amountPence)}`, 'amountPence');
      }
      return [{ type: 'InvoicePaid', data: { ...base, amountPence: cmd.amountPence } }];
    case 'WithdrawInvoice':
      return [{ type: 'InvoiceWithdrawn', data: base }];
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};
