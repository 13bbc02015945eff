// Issue 11: the what-if preview and the break-clause calculator, computed by the domain's own rules, storing nothing.
import { describe, expect, it } from 'vitest';
import type { AgreedContract } from '../src/contract/model.ts';
import { DomainError } from '../src/errors.ts';
import { breakNoticeEffect, whatIf } from '../src/what-if.ts';
import { AGREED, TODAY } from './fixtures.ts';
import { LedgerBuilder } from './ledger-builder.ts';
import { ids, workedExampleQ1 } from './worked-example.ts';

const refusal = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? `${e.code}:${e.field ?? ''}` : String(e);
  }
  return undefined;
};

describe('what if (issue 11)', () => {
  const ledger = new LedgerBuilder().add(...workedExampleQ1).ledger();

  it('shows N as it would be with the disputed extra resolved: +£4,200.00 to £421,200.00', () => {
    const w = whatIf(ledger, '2025-26-Q1', TODAY, { extras: [{ extraId: ids.X2, agreedPence: 420_000 }], challenges: [] });
    expect(w.current.netPayablePence).toBe(41_700_000n);
    expect(w.whatIf).toMatchObject({ extrasPence: 1_320_000n, netPayablePence: 42_120_000n });
    expect(w.changePence).toBe(420_000n);
  });

  it('changes nothing it was given: the ledger is as before', () => {
    const before = JSON.stringify(ledger);
    whatIf(ledger, '2025-26-Q1', TODAY, { extras: [{ extraId: ids.X2, agreedPence: 100 }], challenges: [] });
    expect(JSON.stringify(ledger)).toBe(before);
  });

  it('applies the gain-share rules to an assumed recovery', () => {
    const c2 = `${AGREED.contractId}.challenge-0000000000dd`;
    const open = new LedgerBuilder()
      .add(...workedExampleQ1, {
        type: 'ChallengeRaised',
        data: { challengeId: c2, contractId: AGREED.contractId, businessDate: '2025-06-02', trust: 'RAX', activityMonth: '2025-26-M02', category: 'coding-hrg', activityLines: 4, valuePence: 900_000_000 },
      })
      .ledger();
    // V would be 12,000,000 + 800,000,000; 20% is 162,400,000, capped at £150,000.00 for the year.
    const w = whatIf(open, '2025-26-Q1', TODAY, { extras: [], challenges: [{ challengeId: c2, recoveredPence: 800_000_000 }] });
    expect(w.whatIf).toMatchObject({ recoveredPence: 812_000_000n, gainSharePence: 15_000_000n });
  });

  it('refuses an extra that is not open, and more than the claim', () => {
    expect(refusal(() => whatIf(ledger, '2025-26-Q1', TODAY, { extras: [{ extraId: ids.X1, agreedPence: 1 }], challenges: [] }))).toBe('invalid-input:extras');
    expect(refusal(() => whatIf(ledger, '2025-26-Q1', TODAY, { extras: [{ extraId: ids.X2, agreedPence: 420_001 }], challenges: [] }))).toBe('amount-exceeds-claim:extras');
  });
});

describe('break clause (issue 11; DOMAIN.md: BreakNoticeServed)', () => {
  const c = new LedgerBuilder().add(...workedExampleQ1).ledger().contract as AgreedContract;

  it('served 31 August 2025 with 3 months’ notice, the term ends 30 November 2025', () => {
    // Remaining: M05..M08 = 13,333,333 + 13,333,334 + 13,333,333 + 13,333,333; forgone: M09..M12.
    expect(breakNoticeEffect(c, '2025-08-31')).toEqual({
      servedOn: '2025-08-31',
      noticeMonths: 3,
      termEndMonth: '2025-26-M08',
      termEnd: '2025-11-30',
      remainingFeePence: 53_333_333n,
      forgoneFeePence: 53_333_334n,
    });
  });
  it('never ends later than agreed', () => {
    expect(breakNoticeEffect(c, '2026-02-01')).toMatchObject({ termEnd: '2026-03-31', forgoneFeePence: 0n });
  });
  it('refuses a date after the term or before the agreement', () => {
    expect(refusal(() => breakNoticeEffect(c, '2026-04-01'))).toBe('term-ended:servedOn');
    expect(refusal(() => breakNoticeEffect(c, '2025-01-01'))).toBe('invalid-input:servedOn');
  });
});
