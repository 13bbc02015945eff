// Issue 10: late recording is visible, and an approved quarter says who approved it and when. A delivery or
// measurement recorded more than five working days after its business date is marked `recordedLate`, counted in
// England's working days (5 May 2025 is a bank holiday) and judged by the recorded instant's date in London.
import { describe, expect, it } from 'vitest';
import type { LedgerEvent, StoredLedgerEvent } from '../src/events.ts';
import { foldLedger } from '../src/ledger.ts';
import { computeSettlement, figuresToRecord, performanceView, settlementView } from '../src/settlement.ts';
import { AGREED, TODAY } from './fixtures.ts';

const csu = { sub: 'amy', name: 'Amy Lee', org: '0AX', role: 'csu' as const };
const ccg = { sub: 'tom.baker', name: 'Tom Baker', org: '08J', role: 'ccg' as const };

/** Events with the recorded instants given, as a store would keep them. */
const stored = (...events: [LedgerEvent, string, typeof csu | typeof ccg][]): StoredLedgerEvent[] =>
  events.map(([e, recordedAt, actor], i) => ({
    ...e,
    eventId: `event-${i + 1}`,
    streamName: `contract-${AGREED.contractId}`,
    revision: i,
    position: BigInt(i + 1),
    recordedAt,
    metadata: { actor, correlationId: 'c' },
  }));

const agreed: LedgerEvent = { type: 'ContractAgreed', data: AGREED };
const delivery = (month: string, on: string): LedgerEvent => ({
  type: 'DeliverableDelivered',
  data: { contractId: AGREED.contractId, kpiId: 'K2', month, deliveredOn: on, businessDate: on },
});
const measurement = (month: string, on: string, achievedBp: number): LedgerEvent => ({
  type: 'MeasurementReported',
  data: { contractId: AGREED.contractId, kpiId: 'K3', month, achievedBp, businessDate: on },
});

describe('late recording (issue 10)', () => {
  // Delivered Thursday 1 May 2025: working days after it are 2, 6 (5 May is a bank holiday), 7, 8 and 9 May.
  const months = (recordedAt: string) =>
    performanceView(
      foldLedger(stored([agreed, '2025-03-20T10:00:00Z', csu], [delivery('2025-26-M01', '2025-05-01'), recordedAt, csu])),
      '2025-26-Q1',
      TODAY,
    ).kpis.find((k) => k.kpiId === 'K2')!.months[0]!;

  it('is on time when recorded by the fifth working day after the business date', () => {
    expect(months('2025-05-09T16:00:00Z')).toMatchObject({ deliveredOn: '2025-05-01', recordedAt: '2025-05-09T16:00:00Z', recordedLate: false });
  });
  it('is late on the sixth, counting only working days', () => {
    expect(months('2025-05-12T08:00:00Z')).toMatchObject({ deliveredOn: '2025-05-01', recordedLate: true });
  });
  it('judges the recorded date in England: 23:30 UTC in May is already the next day in London', () => {
    expect(months('2025-05-09T23:30:00Z').recordedLate).toBe(true);
  });
  it('marks a back-dated measurement too, with both dates', () => {
    const l = foldLedger(stored([agreed, '2025-03-20T10:00:00Z', csu], [measurement('2025-26-M01', '2025-05-02', 9600), '2025-06-30T09:00:00Z', csu]));
    const m = performanceView(l, '2025-26-Q1', TODAY).kpis.find((k) => k.kpiId === 'K3')!.months[0]!;
    expect(m).toMatchObject({ status: 'reported', achievedBp: 9600, reportedOn: '2025-05-02', recordedAt: '2025-06-30T09:00:00Z', recordedLate: true });
  });
  it('gives each deliverable month its due date', () => {
    expect(months('2025-05-09T16:00:00Z').dueOn).toBe('2025-05-13'); // K2 by WD8 of May 2025
  });
});

describe('who approved a quarter (issue 10)', () => {
  it('shows the approver and the recorded instant beside the business date', () => {
    const before = foldLedger(stored([agreed, '2025-03-20T10:00:00Z', csu]));
    const figures = computeSettlement(before, '2025-26-Q1', '2025-07-21');
    const approval: LedgerEvent = {
      type: 'SettlementApproved',
      data: {
        contractId: AGREED.contractId,
        quarter: '2025-26-Q1',
        businessDate: '2025-07-21',
        netPayablePence: Number(figures.netPayablePence),
        assessedOn: '2025-07-21',
        figures: figuresToRecord(figures),
      },
    };
    const l = foldLedger(stored([agreed, '2025-03-20T10:00:00Z', csu], [approval, '2025-07-21T14:05:00.000Z', ccg]));
    expect(settlementView(l, '2025-26-Q1', TODAY)).toMatchObject({
      status: 'approved',
      approval: {
        businessDate: '2025-07-21',
        assessedOn: '2025-07-21',
        recordedAt: '2025-07-21T14:05:00.000Z',
        approvedBy: { sub: 'tom.baker', name: 'Tom Baker', org: '08J', role: 'ccg' },
        eventId: 'event-2',
      },
    });
  });
});
