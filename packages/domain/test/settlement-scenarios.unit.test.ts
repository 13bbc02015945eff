// Settlement rules beyond the worked example (DOMAIN.md: Settlement), each with figures worked by hand.
import { describe, expect, it } from 'vitest';
import type { ContractAgreed, LedgerEvent, SettlementFigures } from '../src/events.ts';
import { computeSettlement, figuresToRecord, settlementView } from '../src/settlement.ts';
import { AGREED, KPIS, TODAY } from './fixtures.ts';
import { LedgerBuilder } from './ledger-builder.ts';
import { delivery, measurement, workedExampleQ1 } from './worked-example.ts';

const cid = AGREED.contractId;
const agreed = (over: Partial<ContractAgreed> = {}): LedgerEvent => ({ type: 'ContractAgreed', data: { ...AGREED, ...over } });
const approve = (quarter: string, figures: SettlementFigures, on: string): LedgerEvent => ({
  type: 'SettlementApproved',
  data: { contractId: cid, quarter, businessDate: on, netPayablePence: Number(figures.netPayablePence), assessedOn: on, figures: figuresToRecord(figures) },
});
let n = 0;
const challengeResolved = (valuePence: number, recovered: number, raisedOn: string, resolvedOn: string): LedgerEvent[] => {
  const challengeId = `${cid}.challenge-${(++n).toString(16).padStart(12, '0')}`;
  return [
    { type: 'ChallengeRaised', data: { challengeId, contractId: cid, businessDate: raisedOn, trust: 'RAX', activityMonth: '2025-26-M01', category: 'coding-hrg', activityLines: 3, valuePence } },
    { type: 'ChallengeResolved', data: { challengeId, contractId: cid, businessDate: resolvedOn, recoveredPence: recovered } },
  ];
};
const extraAccepted = (amount: number, raisedOn: string, acceptedOn: string): LedgerEvent[] => {
  const extraId = `${cid}.extra-${(++n).toString(16).padStart(12, '0')}`;
  return [
    { type: 'ExtraRaised', data: { extraId, contractId: cid, businessDate: raisedOn, amountPence: amount, description: 'd', serviceLine: 's', requestedBy: 'r' } },
    { type: 'ExtraAccepted', data: { extraId, contractId: cid, businessDate: acceptedOn, amountPence: amount } },
  ];
};
// A contract with one measured KPI, so the score is easy to steer.
const measuredOnly = (over: Partial<ContractAgreed> = {}): LedgerEvent =>
  agreed({ kpis: [{ ...KPIS[2]!, weightBp: 10_000, targetBp: 9500, floorBp: 8500 }], ...over });

describe('partial quarters', () => {
  it('charges only the months inside the term, each its own instalment', () => {
    // Term M02..M12 of an annual fee of 100,000,000p: Q1 has M02 and M03 only.
    // M02 = floor(A·2/12) − floor(A/12) = 16,666,666 − 8,333,333 = 8,333,333; M03 = 25,000,000 − 16,666,666 = 8,333,334.
    const l = new LedgerBuilder().add(measuredOnly({ firstMonth: '2025-26-M02', annualFeePence: 100_000_000 })).ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY).feePence).toBe(16_666_667n);
  });
  it('scores nothing to assess as 1, so nothing is withheld', () => {
    const l = new LedgerBuilder().add(measuredOnly()).ledger();
    const s = computeSettlement(l, '2025-26-Q1', TODAY);
    expect(s).toMatchObject({ performanceScoreBp: 10000, withheldPence: 0n, netPayablePence: 40_000_000n });
  });
});

describe('floors and measured replacements', () => {
  it('scores between floor and target proportionally, rounding money once', () => {
    // Mean 9000 with floor 8500 and target 9500: s = 500/1000 = 0.5; R = 4,000,000; W = 2,000,000.
    const l = new LedgerBuilder().add(measuredOnly(), measurement('K3', '2025-26-M01', 9000, '2025-05-01')).ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY)).toMatchObject({ performanceScoreBp: 5000, withheldPence: 2_000_000n });
  });
  it('scores 0 at or below the floor', () => {
    const l = new LedgerBuilder().add(measuredOnly(), measurement('K3', '2025-26-M01', 8500, '2025-05-01')).ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY)).toMatchObject({ performanceScoreBp: 0, withheldPence: 4_000_000n });
  });
  it('uses the latest report for a month', () => {
    const l = new LedgerBuilder()
      .add(measuredOnly(), measurement('K3', '2025-26-M01', 8000, '2025-05-01'), measurement('K3', '2025-26-M01', 9700, '2025-05-09'))
      .ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY)).toMatchObject({ performanceScoreBp: 10000, withheldPence: 0n });
  });
  it('keeps exact thirds until the one rounding', () => {
    // Months 9000, 9000, 9100 → mean 9033⅓; s = 533⅓/1000 = 0.5333…; W = roundHalfUp(4,000,000 × 0.4666…) = 1,866,667.
    const l = new LedgerBuilder()
      .add(
        measuredOnly(),
        measurement('K3', '2025-26-M01', 9000, '2025-05-01'),
        measurement('K3', '2025-26-M02', 9000, '2025-06-01'),
        measurement('K3', '2025-26-M03', 9100, '2025-07-01'),
      )
      .ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY)).toMatchObject({ performanceScoreBp: 5333, withheldPence: 1_866_667n });
  });
});

describe('rejection then late re-delivery', () => {
  it('counts a rejected on-time delivery re-delivered late as missed', () => {
    const l = new LedgerBuilder()
      .add(
        agreed({ kpis: [{ ...KPIS[0]!, weightBp: 10_000 }] }),
        delivery('K1', '2025-26-M01', '2025-05-14'),
        { type: 'DeliverableRejected', data: { contractId: cid, kpiId: 'K1', month: '2025-26-M01', reason: 'wrong totals', businessDate: '2025-05-15' } },
        delivery('K1', '2025-26-M01', '2025-05-19'),
        delivery('K1', '2025-26-M02', '2025-06-05'),
        delivery('K1', '2025-26-M03', '2025-07-04'),
      )
      .ledger();
    const s = computeSettlement(l, '2025-26-Q1', TODAY);
    expect(s.kpis[0]!.months.map((m) => m.status)).toEqual(['missed', 'met', 'met']);
    expect(s.withheldPence).toBe(4_000_000n);
  });
  it('counts a rejected delivery re-delivered in time as met', () => {
    const l = new LedgerBuilder()
      .add(
        agreed({ kpis: [{ ...KPIS[0]!, weightBp: 10_000, targetBp: 10_000 }] }),
        delivery('K1', '2025-26-M01', '2025-05-01'),
        { type: 'DeliverableRejected', data: { contractId: cid, kpiId: 'K1', month: '2025-26-M01', reason: 'x', businessDate: '2025-05-02' } },
        delivery('K1', '2025-26-M01', '2025-05-15'),
      )
      .ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY).kpis[0]!.months[0]!.status).toBe('met');
  });
});

describe('extras', () => {
  it('pays a revised extra accepted at its revised amount, and an escalated one at the resolved amount', () => {
    const x = `${cid}.extra-0000000000e1`;
    const y = `${cid}.extra-0000000000e2`;
    const on = (d: string) => ({ contractId: cid, businessDate: d });
    const l = new LedgerBuilder()
      .add(
        measuredOnly(),
        { type: 'ExtraRaised', data: { extraId: x, ...on('2025-04-10'), amountPence: 500_000, description: 'd', serviceLine: 's', requestedBy: 'r' } },
        { type: 'ExtraDisputed', data: { extraId: x, ...on('2025-04-12'), reason: 'amount-excessive' } },
        { type: 'ExtraRevised', data: { extraId: x, ...on('2025-04-20'), amountPence: 300_000 } },
        { type: 'ExtraAccepted', data: { extraId: x, ...on('2025-04-25'), amountPence: 300_000 } },
        { type: 'ExtraRaised', data: { extraId: y, ...on('2025-05-10'), amountPence: 700_000, description: 'd', serviceLine: 's', requestedBy: 'r' } },
        { type: 'ExtraDisputed', data: { extraId: y, ...on('2025-05-12'), reason: 'not-requested' } },
        { type: 'ExtraEscalated', data: { extraId: y, ...on('2025-05-20') } },
      )
      .ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY)).toMatchObject({ extrasPence: 300_000n, disputedExtras: { count: 1, valuePence: 700_000n } });
  });
  it('counts an extra raised after the quarter ended out of its disputed list', () => {
    const x = `${cid}.extra-0000000000e3`;
    const l = new LedgerBuilder()
      .add(measuredOnly(), { type: 'ExtraRaised', data: { extraId: x, contractId: cid, businessDate: '2025-07-02', amountPence: 1, description: 'd', serviceLine: 's', requestedBy: 'r' } })
      .ledger();
    expect(computeSettlement(l, '2025-26-Q1', TODAY).disputedExtras).toEqual({ count: 0, valuePence: 0n });
    expect(computeSettlement(l, '2025-26-Q2', TODAY).disputedExtras).toEqual({ count: 1, valuePence: 1n });
  });
});

describe('roll-forward after approval', () => {
  it('counts a Q1-dated item recorded after Q1 was approved in Q2, and keeps Q1 frozen', () => {
    const b = new LedgerBuilder().add(...workedExampleQ1);
    const q1 = computeSettlement(b.ledger(), '2025-26-Q1', TODAY);
    b.add(approve('2025-26-Q1', q1, '2025-07-20'), ...extraAccepted(250_000, '2025-06-01', '2025-06-30'), ...challengeResolved(1_000_000, 1_000_000, '2025-06-01', '2025-06-30'));
    const l = b.ledger();
    expect(settlementView(l, '2025-26-Q1', TODAY)).toMatchObject({ status: 'approved', netPayablePence: 41_700_000n });
    // Q2's money items: both Q1-dated items landed here; gain share 20% of 1,000,000.
    const q2 = computeSettlement(l, '2025-26-Q2', TODAY);
    expect(q2).toMatchObject({ extrasPence: 250_000n, recoveredPence: 1_000_000n, gainSharePence: 200_000n });
    expect(l.moneyItems.filter((i) => i.landingQuarter === '2025-26-Q2').map((i) => i.dueQuarter)).toEqual(['2025-26-Q1', '2025-26-Q1']);
  });
  it('skips every approved quarter to the first open one', () => {
    const b = new LedgerBuilder().add(measuredOnly());
    b.add(approve('2025-26-Q1', computeSettlement(b.ledger(), '2025-26-Q1', TODAY), '2025-07-10'));
    b.add(approve('2025-26-Q2', computeSettlement(b.ledger(), '2025-26-Q2', TODAY), '2025-10-10'));
    b.add(...extraAccepted(10_000, '2025-05-01', '2025-05-02'));
    expect(b.ledger().moneyItems[0]!.landingQuarter).toBe('2025-26-Q3');
    expect(computeSettlement(b.ledger(), '2025-26-Q3', TODAY).extrasPence).toBe(10_000n);
  });
});

describe('variation', () => {
  it('settles each quarter on the terms in force at its first month', () => {
    const b = new LedgerBuilder().add(
      measuredOnly(),
      { type: 'ContractVaried', data: { contractId: cid, businessDate: '2025-08-01', effectiveQuarter: '2025-26-Q3', annualFeePence: 120_000_000, feeAtRiskBp: 2000 } },
      measurement('K3', '2025-26-M07', 8500, '2025-11-01'),
      measurement('K3', '2025-26-M04', 8500, '2025-08-01'),
    );
    const l = b.ledger();
    // Q2 on the old terms: F = 40,000,000, R = 4,000,000, S = 0 → W = 4,000,000.
    expect(computeSettlement(l, '2025-26-Q2', TODAY)).toMatchObject({ feePence: 40_000_000n, withheldPence: 4_000_000n });
    // Q3 on the new: F = 30,000,000, R = 6,000,000, S = 0 → W = 6,000,000.
    expect(computeSettlement(l, '2025-26-Q3', TODAY)).toMatchObject({ feePence: 30_000_000n, atRiskPence: 6_000_000n, withheldPence: 6_000_000n });
  });
});

describe('gain-share cap across quarters of one financial year', () => {
  it('pays no more than the annual cap in the year, and starts afresh next year', () => {
    // Rate 20%, cap 15,000,000: Q1 recovers 50,000,000 → 10,000,000; Q2 recovers 50,000,000 → 10,000,000 capped to 5,000,000; Q3 → 0.
    const b = new LedgerBuilder().add(
      measuredOnly({ lastMonth: '2026-27-M12' }),
      ...challengeResolved(50_000_000, 50_000_000, '2025-04-10', '2025-05-10'),
      ...challengeResolved(50_000_000, 50_000_000, '2025-07-10', '2025-08-10'),
      ...challengeResolved(50_000_000, 50_000_000, '2025-10-10', '2025-11-10'),
      ...challengeResolved(10_000_000, 10_000_000, '2026-04-10', '2026-05-10'),
    );
    const l = b.ledger();
    expect(['2025-26-Q1', '2025-26-Q2', '2025-26-Q3', '2026-27-Q1'].map((q) => computeSettlement(l, q, TODAY).gainSharePence)).toEqual([
      10_000_000n, 5_000_000n, 0n, 2_000_000n,
    ]);
  });
});

describe('break notice ending the term early', () => {
  it('charges no fee and assesses nothing after the new term end', () => {
    const l = new LedgerBuilder()
      .add(
        measuredOnly(),
        { type: 'BreakNoticeServed', data: { contractId: cid, businessDate: '2025-05-20', servedBy: 'ccg', termEndMonth: '2025-26-M05' } },
        measurement('K3', '2025-26-M05', 9500, '2025-09-01'),
      )
      .ledger();
    // Q2: only M04 and M05 in term: 13,333,333 + 13,333,333.
    expect(computeSettlement(l, '2025-26-Q2', TODAY)).toMatchObject({ feePence: 26_666_666n, withheldPence: 0n });
    expect(computeSettlement(l, '2025-26-Q3', TODAY)).toMatchObject({ feePence: 0n, netPayablePence: 0n });
  });
});
