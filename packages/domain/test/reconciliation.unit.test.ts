// Issue 13: CCG finance reconciles what the CSU bills against what the ledger settles, pays within 30 days, and may
// query a recovery. Figures worked by hand from DOMAIN.md's worked example.
import { describe, expect, it } from 'vitest';
import type { InvoiceKind, LedgerEvent } from '../src/events.ts';
import { paymentPerformance } from '../src/payment-performance.ts';
import { reconcile } from '../src/reconciliation.ts';
import { computeSettlement, figuresToRecord } from '../src/settlement.ts';
import { AGREED, TODAY } from './fixtures.ts';
import { LedgerBuilder } from './ledger-builder.ts';
import { ids, workedExampleQ1 } from './worked-example.ts';

const contractId = AGREED.contractId;
let n = 0;
const invoice = (kind: InvoiceKind, amountPence: number, receivedOn: string, more: { extraId?: string; quarter?: string } = {}): LedgerEvent => ({
  type: 'InvoiceSubmitted',
  data: {
    invoiceId: `${contractId}.invoice-${(++n).toString(16).padStart(12, '0')}`,
    contractId,
    csu: '0AX',
    invoiceNumber: `SLCSU-${n}`,
    quarter: more.quarter ?? '2025-26-Q1',
    kind,
    ...(more.extraId ? { extraId: more.extraId } : {}),
    amountPence,
    vatPence: kind === 'credit-note' ? 0 : Math.round(amountPence / 5),
    businessDate: receivedOn,
  },
});
const invoiceId = (e: LedgerEvent): string => (e.data as { invoiceId: string }).invoiceId;

describe('reconciliation of the worked example’s Q1 (N = £417,000.00)', () => {
  // Billed: three monthly core invoices (£133,333.33, £133,333.33, £133,333.34 = F), a credit note for W (£16,000.00),
  // a gain-share invoice (£24,000.00 = G), the agreed extra (£9,000.00) — and the still-disputed extra (£4,200.00).
  const bills = [
    invoice('core', 13_333_333, '2025-05-01'),
    invoice('core', 13_333_333, '2025-06-02'),
    invoice('core', 13_333_334, '2025-07-01'),
    invoice('credit-note', 1_600_000, '2025-07-22'),
    invoice('gain-share', 2_400_000, '2025-07-22'),
    invoice('extra', 900_000, '2025-07-22', { extraId: ids.X1 }),
    invoice('extra', 420_000, '2025-07-22', { extraId: ids.X2 }),
  ];
  const r = reconcile(new LedgerBuilder().add(...workedExampleQ1, ...bills).ledger(), '2025-26-Q1', TODAY);

  it('finds the bill £4,200.00 over N, and which extra it is', () => {
    expect(r).toMatchObject({ netPayablePence: 41_700_000n, billedPence: 42_120_000n, differencePence: 420_000n, status: 'over-billed' });
    expect(r.components.map((c) => [c.component, c.extraId ?? null, c.expectedPence, c.billedPence, c.status, c.flag ?? null])).toEqual([
      ['core', null, 38_400_000n, 38_400_000n, 'matched', null], // F − W: 40,000,000 − 1,600,000, the credit note counted
      ['gain-share', null, 2_400_000n, 2_400_000n, 'matched', null],
      ['extra', ids.X1, 900_000n, 900_000n, 'matched', null],
      ['extra', ids.X2, 0n, 420_000n, 'over-billed', 'not-payable'],
    ]);
  });

  it('matches once the CSU withdraws the bill for the disputed extra', () => {
    const withdrawn: LedgerEvent = { type: 'InvoiceWithdrawn', data: { invoiceId: invoiceId(bills[6]!), contractId, businessDate: '2025-07-25' } };
    const mended = reconcile(new LedgerBuilder().add(...workedExampleQ1, ...bills, withdrawn).ledger(), '2025-26-Q1', TODAY);
    expect(mended).toMatchObject({ billedPence: 41_700_000n, differencePence: 0n, status: 'matched' });
  });

  it('is under-billed while the gain share is not yet invoiced', () => {
    const partial = reconcile(new LedgerBuilder().add(...workedExampleQ1, ...bills.slice(0, 4)).ledger(), '2025-26-Q1', TODAY);
    expect(partial).toMatchObject({ status: 'under-billed', differencePence: -3_300_000n });
  });

  it('follows the quarter: an extra agreed later moves what is expected', () => {
    const resolved: LedgerEvent = { type: 'ExtraResolved', data: { extraId: ids.X2, contractId, businessDate: '2025-06-30', agreedPence: 420_000 } };
    const later = reconcile(new LedgerBuilder().add(...workedExampleQ1, ...bills, resolved).ledger(), '2025-26-Q1', TODAY);
    expect(later).toMatchObject({ netPayablePence: 42_120_000n, status: 'matched' });
  });
});

describe('a queried recovery (DOMAIN.md: Acute activity challenges)', () => {
  const queried: LedgerEvent = { type: 'RecoveryQueried', data: { challengeId: ids.C1, contractId, businessDate: '2025-06-25', reason: 'no credit note' } };
  const confirmed: LedgerEvent = { type: 'RecoveryConfirmed', data: { challengeId: ids.C1, contractId, businessDate: '2025-07-02' } };

  it('leaves V and G until confirmed: N falls by the gain share, then returns', () => {
    const b = new LedgerBuilder().add(...workedExampleQ1, queried);
    // V = 0, G = 0: N = 41,700,000 − 2,400,000
    expect(computeSettlement(b.ledger(), '2025-26-Q1', TODAY)).toMatchObject({ recoveredPence: 0n, gainSharePence: 0n, netPayablePence: 39_300_000n });
    b.add(confirmed);
    expect(computeSettlement(b.ledger(), '2025-26-Q1', TODAY)).toMatchObject({ recoveredPence: 12_000_000n, gainSharePence: 2_400_000n, netPayablePence: 41_700_000n });
  });

  it('confirmed after its quarter was approved, it counts in the first quarter not yet approved', () => {
    const b = new LedgerBuilder().add(...workedExampleQ1, queried);
    const q1 = computeSettlement(b.ledger(), '2025-26-Q1', '2025-07-21');
    b.add({
      type: 'SettlementApproved',
      data: { contractId, quarter: '2025-26-Q1', businessDate: '2025-07-21', netPayablePence: 39_300_000, assessedOn: '2025-07-21', figures: figuresToRecord(q1) },
    });
    b.add({ ...confirmed, data: { ...confirmed.data, businessDate: '2025-07-28' } });
    const l = b.ledger();
    expect(computeSettlement(l, '2025-26-Q2', TODAY)).toMatchObject({ recoveredPence: 12_000_000n, gainSharePence: 2_400_000n });
  });

  it('recorded again with another value, the query is cleared and the new value counts', () => {
    const again: LedgerEvent = { type: 'ChallengeResolved', data: { challengeId: ids.C1, contractId, businessDate: '2025-06-27', recoveredPence: 10_000_000, creditNoteReference: 'CN-1' } };
    const s = computeSettlement(new LedgerBuilder().add(...workedExampleQ1, queried, again).ledger(), '2025-26-Q1', TODAY);
    expect(s).toMatchObject({ recoveredPence: 10_000_000n, gainSharePence: 2_000_000n });
  });
});

describe('payment performance across a year (the Better Payment Practice Code: 30 calendar days)', () => {
  const paid = (e: LedgerEvent, on: string): LedgerEvent => {
    const d = e.data as { invoiceId: string; amountPence: number; vatPence: number };
    return { type: 'InvoicePaid', data: { invoiceId: d.invoiceId, contractId, businessDate: on, amountPence: d.amountPence + d.vatPence } };
  };
  // Received Saturday 20 Dec 2025: 30 calendar days, over weekends and the Christmas bank holidays, run to 19 Jan 2026.
  const christmas = invoice('core', 1_000_000, '2025-12-20', { quarter: '2025-26-Q3' });
  const late = invoice('core', 2_000_000, '2025-12-20', { quarter: '2025-26-Q3' });
  const unpaid = invoice('core', 3_000_000, '2026-02-02', { quarter: '2025-26-Q4' });
  const disputed = invoice('core', 4_000_000, '2025-10-01', { quarter: '2025-26-Q3' });
  const credit = invoice('credit-note', 500_000, '2025-10-01', { quarter: '2025-26-Q3' });
  const recent = invoice('core', 5_000_000, '2026-03-20', { quarter: '2025-26-Q4' });
  const otherYear = invoice('core', 6_000_000, '2026-04-01', { quarter: '2026-27-Q1' });
  const events = [
    christmas,
    paid(christmas, '2026-01-19'),
    late,
    paid(late, '2026-01-20'),
    unpaid,
    disputed,
    { type: 'InvoiceDisputed', data: { invoiceId: invoiceId(disputed), contractId, businessDate: '2025-10-02', reason: 'x' } } as LedgerEvent,
    paid(disputed, '2025-12-01'),
    credit,
    recent,
    otherYear,
  ];
  const invoices = Object.values(new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED }, ...events).ledger().invoices);
  // Today 2026-04-05: the February invoice is overdue; the one from 20 March is not yet due.
  const p = paymentPerformance('08J', '2025-26', invoices, '2026-04-05');

  it('counts the undisputed invoices received in the year, leaving out credit notes and invoices not yet due', () => {
    expect(p.assessed).toEqual({ count: 3, valuePence: 7_200_000n }); // gross: 1.2m + 2.4m + 3.6m
    expect(p.notYetDue).toBe(1);
  });
  it('shares paid within 30 days by count and by value', () => {
    expect(p.paidWithinTerms).toEqual({ count: 1, valuePence: 1_200_000n });
    expect(p.shareByCountBp).toBe(3333);
    expect(p.shareByValueBp).toBe(1667);
  });
  it('lists the late and the unpaid past 30 days', () => {
    expect(p.paidLate.map((r) => [r.invoiceNumber, r.days, r.dueBy])).toEqual([[(late.data as { invoiceNumber: string }).invoiceNumber, 31, '2026-01-19']]);
    expect(p.unpaidOverdue.map((r) => [r.receivedOn, r.dueBy, r.days])).toEqual([['2026-02-02', '2026-03-04', 62]]);
  });
});
