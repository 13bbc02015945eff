import { describe, expect, it } from 'vitest';
import { computeSettlement, performanceView, settlementView } from '../src/settlement.ts';
import { eventsAsOf, foldLedger } from '../src/ledger.ts';
import { LedgerBuilder } from './ledger-builder.ts';
import { workedExampleQ1 } from './worked-example.ts';
import { TODAY } from './fixtures.ts';

describe('DOMAIN.md worked example', () => {
  const ledger = new LedgerBuilder().add(...workedExampleQ1).ledger();

  it('settles Q1 at N = 41,700,000p', () => {
    const s = settlementView(ledger, '2025-26-Q1', TODAY);
    expect(s).toMatchObject({
      contractId: 'KIN-2025',
      quarter: '2025-26-Q1',
      status: 'open',
      feePence: 40_000_000n,
      atRiskPence: 4_000_000n,
      performanceScoreBp: 6000,
      withheldPence: 1_600_000n,
      recoveredPence: 12_000_000n,
      gainSharePence: 2_400_000n,
      extrasPence: 900_000n,
      netPayablePence: 41_700_000n,
      disputedExtras: { count: 1, valuePence: 420_000n },
      openChallenges: { count: 0, valuePence: 0n },
    });
  });

  it('scores the KPIs as the example says', () => {
    const p = performanceView(ledger, '2025-26-Q1', TODAY);
    expect(p.kpis.map((k) => [k.kpiId, k.achievementBp, k.scoreBp])).toEqual([
      ['K1', 6667, 0],
      ['K2', 10000, 10000],
      ['K3', 9600, 10000],
    ]);
    expect(p.kpis[0]!.months.map((m) => m.status)).toEqual(['missed', 'met', 'met']);
    expect(p.performanceScoreBp).toBe(6000);
  });

  it('leaves deliverables not yet due as pending and out of the achievement', () => {
    // As of 2025-07-01, M03's deliverables (due in July) are pending: K1 1/2 met, K2 2/2.
    const asOf = foldLedger(eventsAsOf(new LedgerBuilder().add(...workedExampleQ1).events, { asOf: '2025-07-01' }));
    const p = performanceView(asOf, '2025-26-Q1', '2025-07-01');
    expect(p.kpis[0]!.months.map((m) => m.status)).toEqual(['missed', 'met', 'pending']);
    expect(p.kpis[0]!.achievementBp).toBe(5000);
    expect(p.kpis[1]!.months.map((m) => m.status)).toEqual(['met', 'met', 'pending']);
  });

  it('computes the same figures whatever the computation is asked for', () => {
    expect(computeSettlement(ledger, '2025-26-Q1', TODAY).netPayablePence).toBe(41_700_000n);
  });
});
