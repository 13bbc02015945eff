// Issue 13: the invoice lifecycle (DOMAIN.md: Invoices and payment), every transition and the rules around it.
import { describe, it } from 'vitest';
import type { InvoiceEvent } from '../src/events.ts';
import { decideInvoice, type InvoiceCommand } from '../src/invoice/decide.ts';
import { evolveInvoice, initialInvoiceState, type InvoiceState } from '../src/invoice/model.ts';
import { deciderSpec } from './spec.ts';
import { TODAY } from './fixtures.ts';

const given = deciderSpec<InvoiceCommand, InvoiceEvent, InvoiceState>({ decide: decideInvoice, evolve: evolveInvoice, initialState: initialInvoiceState });
const ids = { invoiceId: 'KIN-2025.invoice-0123456789ab', contractId: 'KIN-2025' };
const on = (businessDate: string) => ({ ...ids, businessDate });
const submittedData = {
  ...on('2025-05-02'),
  csu: '0AX',
  invoiceNumber: 'SLCSU-2025-0001',
  quarter: '2025-26-Q1',
  kind: 'core' as const,
  amountPence: 13_333_333,
  vatPence: 2_666_667,
};
const submitted: InvoiceEvent = { type: 'InvoiceSubmitted', data: submittedData };
const disputed: InvoiceEvent = { type: 'InvoiceDisputed', data: { ...on('2025-05-09'), reason: 'billed before the month ended' } };
const paid: InvoiceEvent = { type: 'InvoicePaid', data: { ...on('2025-05-20'), amountPence: 16_000_000 } };
const withdrawn: InvoiceEvent = { type: 'InvoiceWithdrawn', data: on('2025-05-20') };

const d = { businessDate: '2025-06-01', today: TODAY };
const pay: Extract<InvoiceCommand, { type: 'PayInvoice' }> = { type: 'PayInvoice', amountPence: 16_000_000, ...d };
const commands: Record<string, InvoiceCommand> = {
  dispute: { type: 'DisputeInvoice', reason: 'not agreed', ...d },
  pay,
  withdraw: { type: 'WithdrawInvoice', ...d },
};
const histories: Record<string, InvoiceEvent[]> = {
  submitted: [submitted],
  disputed: [submitted, disputed],
  paid: [submitted, paid],
  withdrawn: [submitted, withdrawn],
};
// DOMAIN.md: → disputed | paid | withdrawn (CSU, unless paid); a disputed invoice may be withdrawn or, once settled, paid.
const allowed: Record<string, string[]> = {
  submitted: ['dispute', 'pay', 'withdraw'],
  disputed: ['pay', 'withdraw'],
  paid: [],
  withdrawn: [],
};
const expected: Record<string, InvoiceEvent> = {
  dispute: { type: 'InvoiceDisputed', data: { ...on('2025-06-01'), reason: 'not agreed' } },
  pay: { type: 'InvoicePaid', data: { ...on('2025-06-01'), amountPence: 16_000_000 } },
  withdraw: { type: 'InvoiceWithdrawn', data: on('2025-06-01') },
};

describe('invoice transitions', () => {
  for (const [state, history] of Object.entries(histories)) {
    for (const [name, cmd] of Object.entries(commands)) {
      const ok = allowed[state]!.includes(name);
      it(`${name} when ${state}: ${ok ? 'allowed' : 'refused'}`, () => {
        const spec = given(history).when(cmd);
        if (ok) spec.then([expected[name]!]);
        else spec.thenRefuses('transition-not-allowed');
      });
    }
  }
});

describe('SubmitInvoice', () => {
  const submit: InvoiceCommand = { type: 'SubmitInvoice', ...submittedData, billableQuarters: ['2025-26-Q1', '2025-26-Q2'], today: TODAY };
  it('records an invoice against a quarter of the contract', () => given([]).when(submit).then([submitted]));
  it('refuses the same invoice twice', () => given([submitted]).when(submit).thenRefuses('already-exists', 'invoiceNumber'));
  it('refuses a quarter the contract has nothing to bill in', () =>
    given([]).when({ ...submit, quarter: '2027-28-Q1' }).thenRefuses('outside-term', 'quarter'));
  it('names the extra an extra invoice bills, and that extra must exist', () => {
    given([]).when({ ...submit, kind: 'extra' }).thenRefuses('invalid-input', 'extraId');
    given([]).when({ ...submit, kind: 'extra', extraId: 'KIN-2025.extra-00000000000a', extraExists: false }).thenRefuses('not-found', 'extraId');
    given([]).when({ ...submit, extraId: 'KIN-2025.extra-00000000000a', extraExists: true }).thenRefuses('invalid-input', 'extraId');
  });
  it('refuses an invoice for nothing', () => given([]).when({ ...submit, amountPence: 0 }).thenRefuses('invalid-input', 'amountPence'));
  it('refuses an invoice received in the future', () =>
    given([]).when({ ...submit, businessDate: '2099-01-01' }).thenRefuses('business-date-in-future', 'businessDate'));
});

describe('PayInvoice', () => {
  it('pays the gross amount, net and VAT, in full', () =>
    given([submitted]).when({ ...pay, amountPence: 16_000_000 }).then([expected.pay!]));
  it('refuses another amount: a part payment means withdrawing and issuing the bill again', () =>
    given([submitted]).when({ ...pay, amountPence: 13_333_333 }).thenRefuses('amount-mismatch', 'amountPence'));
  it('refuses paying before the invoice was received', () =>
    given([submitted]).when({ ...pay, businessDate: '2025-05-01' }).thenRefuses('invalid-input', 'businessDate'));
  it('refuses paying a credit note', () =>
    given([{ type: 'InvoiceSubmitted', data: { ...submittedData, kind: 'credit-note', amountPence: 1_600_000, vatPence: 0 } }])
      .when({ ...pay, amountPence: 1_600_000 })
      .thenRefuses('transition-not-allowed'));
});
