import { describe, expect, it } from 'vitest';
import { decideChallenge, type ChallengeCommand } from '../src/challenge/decide.ts';
import {
  evolveChallenge,
  initialChallengeState,
  isOverdue,
  responseDeadline,
  type ChallengeState,
} from '../src/challenge/model.ts';
import type { ChallengeEvent } from '../src/events.ts';
import { deciderSpec } from './spec.ts';
import { TODAY } from './fixtures.ts';

const given = deciderSpec<ChallengeCommand, ChallengeEvent, ChallengeState>({
  decide: decideChallenge,
  evolve: evolveChallenge,
  initialState: initialChallengeState,
});
const ids = { challengeId: 'KIN-2025.challenge-0123456789ab', contractId: 'KIN-2025' };
const on = (businessDate: string) => ({ ...ids, businessDate });
const raisedData = {
  ...on('2025-05-01'),
  trust: 'RAX',
  activityMonth: '2025-26-M01',
  category: 'emergency-readmission-30d' as const,
  activityLines: 42,
  valuePence: 5_000_000,
  phase: 'first' as const,
};
const raised: ChallengeEvent = { type: 'ChallengeRaised', data: raisedData };
const responded: ChallengeEvent = {
  type: 'TrustResponded',
  data: { ...on('2025-05-10'), acceptedPence: 3_000_000, rejectedPence: 2_000_000 },
};
const escalated: ChallengeEvent = { type: 'ChallengeEscalated', data: { ...on('2025-05-20'), detail: undefined } };
const resolved: ChallengeEvent = {
  type: 'ChallengeResolved',
  data: { ...on('2025-05-25'), recoveredPence: 3_000_000 },
};
const withdrawn: ChallengeEvent = { type: 'ChallengeWithdrawn', data: on('2025-05-25') };
const queried: ChallengeEvent = { type: 'RecoveryQueried', data: { ...on('2025-05-28'), reason: 'no credit note yet' } };

const d = { businessDate: '2025-06-01', today: TODAY };
const commands: Record<string, ChallengeCommand> = {
  respond: { type: 'RecordTrustResponse', acceptedPence: 1_000_000, rejectedPence: 500_000, ...d },
  escalate: { type: 'EscalateChallenge', ...d },
  resolve: { type: 'ResolveChallenge', recoveredPence: 4_000_000, ...d },
  withdraw: { type: 'WithdrawChallenge', ...d },
  query: { type: 'QueryRecovery', reason: 'no credit note', countsInApprovedQuarter: false, ...d },
  confirm: { type: 'ConfirmRecovery', ...d },
};
const histories: Record<string, ChallengeEvent[]> = {
  raised: [raised],
  responded: [raised, responded],
  escalated: [raised, responded, escalated],
  resolved: [raised, resolved],
  queried: [raised, resolved, queried],
  withdrawn: [raised, withdrawn],
};
// DOMAIN.md: CCG finance may query a resolved challenge's recovery; a queried one is confirmed, or recorded again.
const allowed: Record<string, string[]> = {
  raised: ['respond', 'escalate', 'resolve', 'withdraw'],
  responded: ['respond', 'escalate', 'resolve', 'withdraw'],
  escalated: ['resolve', 'withdraw'],
  resolved: ['query'],
  queried: ['resolve', 'confirm'],
  withdrawn: [],
};
const expected: Record<string, ChallengeEvent> = {
  respond: { type: 'TrustResponded', data: { ...on('2025-06-01'), acceptedPence: 1_000_000, rejectedPence: 500_000 } },
  escalate: { type: 'ChallengeEscalated', data: { ...on('2025-06-01'), detail: undefined } },
  resolve: { type: 'ChallengeResolved', data: { ...on('2025-06-01'), recoveredPence: 4_000_000 } },
  withdraw: { type: 'ChallengeWithdrawn', data: on('2025-06-01') },
  query: { type: 'RecoveryQueried', data: { ...on('2025-06-01'), reason: 'no credit note' } },
  confirm: { type: 'RecoveryConfirmed', data: on('2025-06-01') },
};

describe('challenge transitions', () => {
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

describe('querying a recovery (DOMAIN.md: Acute activity challenges)', () => {
  it('keeps the credit note reference with the resolution', () =>
    given([raised])
      .when({ type: 'ResolveChallenge', recoveredPence: 3_000_000, creditNoteReference: 'CN-RAX-0042', ...d })
      .then([{ type: 'ChallengeResolved', data: { ...on('2025-06-01'), recoveredPence: 3_000_000, creditNoteReference: 'CN-RAX-0042' } }]));
  it('refuses a query once the quarter the recovery counts in is approved', () =>
    given([raised, resolved]).when({ ...(commands.query as Extract<ChallengeCommand, { type: 'QueryRecovery' }>), countsInApprovedQuarter: true }).thenRefuses('quarter-closed'));
  it('refuses a query without a reason', () =>
    given([raised, resolved]).when({ type: 'QueryRecovery', reason: ' ', countsInApprovedQuarter: false, ...d }).thenRefuses('invalid-input', 'reason'));
  it('says what can be done with a queried recovery', () => {
    let message = '';
    try {
      decideChallenge(commands.withdraw!, [raised, resolved, queried].reduce(evolveChallenge, initialChallengeState()));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      'A challenge whose recovery CCG finance has queried cannot be withdrawn; it can be resolved by the CSU with the value recovered or have its recovery confirmed by CCG finance.',
    );
  });
});

describe('RaiseChallenge and values', () => {
  const raise = { type: 'RaiseChallenge', ...raisedData, contractFrom: '2025-04-01', today: TODAY } as ChallengeCommand;
  it('raises a challenge', () => given([]).when(raise).then([raised]));
  it('refuses raising twice', () => given([raised]).when(raise).thenRefuses('already-exists', 'challengeId'));
  it('refuses a bad trust code', () =>
    given([])
      .when({ ...raise, trust: 'R@X' } as ChallengeCommand)
      .thenRefuses('invalid-input', 'trust'));
  it('refuses zero activity lines', () =>
    given([])
      .when({ ...raise, activityLines: 0 } as ChallengeCommand)
      .thenRefuses('invalid-input', 'activityLines'));
  it('refuses a bad activity month', () =>
    given([])
      .when({ ...raise, activityMonth: '2025-26-M13' } as ChallengeCommand)
      .thenRefuses('invalid-input', 'activityMonth'));
  it('refuses a challenge dated before the contract starts', () =>
    given([])
      .when({ ...raise, businessDate: '2025-03-31', activityMonth: '2024-25-M12' } as ChallengeCommand)
      .thenRefuses('invalid-input', 'businessDate'));
  it('refuses challenging activity of a month that has not begun', () =>
    given([])
      .when({ ...raise, activityMonth: '2025-26-M03' } as ChallengeCommand)
      .thenRefuses('invalid-input', 'activityMonth'));
  it('refuses recovering more than challenged', () =>
    given([raised])
      .when({ type: 'ResolveChallenge', recoveredPence: 5_000_001, ...d })
      .thenRefuses('amount-exceeds-challenge', 'recoveredPence'));
  it('resolves recovering exactly the value challenged', () =>
    given([raised])
      .when({ type: 'ResolveChallenge', recoveredPence: 5_000_000, ...d })
      .then([{ type: 'ChallengeResolved', data: { ...on('2025-06-01'), recoveredPence: 5_000_000 } }]));
  it('refuses a response over the value challenged', () =>
    given([raised])
      .when({ type: 'RecordTrustResponse', acceptedPence: 3_000_000, rejectedPence: 2_000_001, ...d })
      .thenRefuses('amount-exceeds-challenge', 'acceptedPence'));
  it('refuses commands on an unknown challenge', () => given([]).when(commands.withdraw!).thenRefuses('not-found'));
  it('refuses a future date', () =>
    given([raised])
      .when({ ...commands.withdraw!, businessDate: '2099-01-01' })
      .thenRefuses('business-date-in-future', 'businessDate'));
});

describe('overdue (DOMAIN.md: no trust response after the response deadline, in working days from raising)', () => {
  const c = [raised].reduce(evolveChallenge, initialChallengeState());
  if (c.status === 'none') throw new Error('not raised');
  // Raised Thu 2025-05-01; 20 working days skip the 5 and 26 May bank holidays: the deadline is 2025-06-02.
  const deadline = responseDeadline(c, 20);
  it('counts working days from the day after raising', () => expect(deadline).toBe('2025-06-02'));
  it('is not overdue on the deadline, overdue the day after', () => {
    expect(isOverdue(c, deadline, '2025-06-02')).toBe(false);
    expect(isOverdue(c, deadline, '2025-06-03')).toBe(true);
  });
  it('stays overdue when escalated for the trust’s silence, and stops once resolved or withdrawn', () => {
    const at = (events: ChallengeEvent[]) => {
      const s = events.reduce(evolveChallenge, initialChallengeState());
      if (s.status === 'none') throw new Error('not raised');
      return isOverdue(s, deadline, '2025-06-03');
    };
    expect(at([raised, { type: 'ChallengeEscalated', data: { ...on('2025-06-03'), detail: undefined } }])).toBe(true);
    expect(at([raised, resolved])).toBe(false);
    expect(at([raised, withdrawn])).toBe(false);
  });
  it('is never overdue once the trust has responded', () => {
    const answered = [raised, responded].reduce(evolveChallenge, initialChallengeState());
    if (answered.status === 'none') throw new Error('not raised');
    expect(isOverdue(answered, deadline, '2026-01-01')).toBe(false);
  });
});
