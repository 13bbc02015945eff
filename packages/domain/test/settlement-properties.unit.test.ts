// Issue 9, item 1: any sequence of commands the deciders accept folds and settles without throwing, and the
// settlement's arithmetic holds (DOMAIN.md: Settlement): N = F − W + G + X, 0 ≤ W ≤ R ≤ F, G ≥ 0, and the gain shares
// of a financial year never exceed its cap. Amounts reach past the Limits (up to 2^53 − 1), as a log recorded before
// the Limits may hold them: the domain must stay exact and total even there.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  compareQuarters,
  financialYearOfQuarter,
  lastDayOfQuarter,
  monthsBetween,
  monthsOfQuarter,
  quarterOfMonth,
  quartersOfYear,
  type IsoDate,
  type QuarterId,
} from '../src/calendar.ts';
import { decideChallenge, type ChallengeCommand } from '../src/challenge/decide.ts';
import { decideContract, type ContractCommand } from '../src/contract/decide.ts';
import { contractActiveFrom, termsAt, type AgreedContract } from '../src/contract/model.ts';
import { DomainError } from '../src/errors.ts';
import type { ContractAgreed, LedgerEvent } from '../src/events.ts';
import { decideExtra, type ExtraCommand } from '../src/extra/decide.ts';
import { evolveLedger, initialLedger, type ContractLedger } from '../src/ledger.ts';
import { computeSettlement, quarterMoneyOf, settlementView } from '../src/settlement.ts';
import { KPIS } from './fixtures.ts';

const CID = 'PROP-1';
const HUGE = Number.MAX_SAFE_INTEGER;
const actor = { sub: 'u', name: 'U', org: '0AX', role: 'csu' as const };
const FIRST_DAY = '2025-04-01';

/** Money: small, around the Limits (£1bn), and up to the largest safe integer. */
const amount = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: 99_000_000_000, max: 100_000_000_000 }),
  fc.integer({ min: HUGE - 1000, max: HUGE }),
  fc.constant(HUGE),
);
const bp = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(0, 5000, 9500, 10_000));
/** Days after 1 April 2025, across two financial years. */
const day = fc.integer({ min: 0, max: 700 });
const pick = fc.nat({ max: 1000 });

type ExtraAction = 'accept' | 'dispute' | 'revise' | 'resolve' | 'escalate' | 'withdraw';
type ChallengeAction = 'respond' | 'resolve' | 'escalate' | 'withdraw';
const extraAction = fc.constantFrom<ExtraAction>('accept', 'dispute', 'revise', 'resolve', 'escalate', 'withdraw');
const challengeAction = fc.constantFrom<ChallengeAction>('respond', 'resolve', 'escalate', 'withdraw');
/** What happens to an extra or challenge next, some days after the step before. */
const followUps = <A>(action: fc.Arbitrary<A>) =>
  fc.array(fc.record({ action, amount, after: fc.integer({ min: 0, max: 60 }) }), { maxLength: 4 });

type Step =
  | { kind: 'deliver'; kpi: 0 | 1; month: number; on: number }
  | { kind: 'reject'; kpi: 0 | 1; month: number; on: number }
  | { kind: 'measure'; month: number; value: number; on: number }
  | { kind: 'raiseExtra'; amount: number; on: number; then: { action: ExtraAction; amount: number; after: number }[] }
  | { kind: 'extra'; which: number; action: ExtraAction; amount: number; on: number }
  | { kind: 'raiseChallenge'; amount: number; on: number; then: { action: ChallengeAction; amount: number; after: number }[] }
  | { kind: 'challenge'; which: number; action: ChallengeAction; amount: number; on: number }
  | { kind: 'approve'; quarter: number; on: number }
  | { kind: 'vary'; quarter: number; fee: number; cap: number; gain: number; on: number }
  | { kind: 'breakNotice'; on: number };

const month = fc.integer({ min: 0, max: 23 });
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
// Weighted towards the steps that move money, so most runs settle extras, recoveries and approvals.
const step: fc.Arbitrary<Step> = fc.oneof(
  weighted(6, fc.record({ kind: fc.constant('deliver' as const), kpi: fc.constantFrom(0 as const, 1 as const), month, on: day })),
  weighted(2, fc.record({ kind: fc.constant('reject' as const), kpi: fc.constantFrom(0 as const, 1 as const), month, on: day })),
  weighted(4, fc.record({ kind: fc.constant('measure' as const), month, value: bp, on: day })),
  weighted(4, fc.record({ kind: fc.constant('raiseExtra' as const), amount, on: day, then: followUps(extraAction) })),
  weighted(
    8,
    fc.record({
      kind: fc.constant('extra' as const),
      which: pick,
      action: extraAction,
      amount,
      on: day,
    }),
  ),
  weighted(4, fc.record({ kind: fc.constant('raiseChallenge' as const), amount, on: day, then: followUps(challengeAction) })),
  weighted(
    8,
    fc.record({
      kind: fc.constant('challenge' as const),
      which: pick,
      action: challengeAction,
      amount,
      on: day,
    }),
  ),
  weighted(4, fc.record({ kind: fc.constant('approve' as const), quarter: fc.integer({ min: 0, max: 8 }), on: day })),
  weighted(2, fc.record({ kind: fc.constant('vary' as const), quarter: fc.integer({ min: 1, max: 7 }), fee: amount, cap: amount, gain: bp, on: day })),
  weighted(1, fc.record({ kind: fc.constant('breakNotice' as const), on: day })),
);

const terms = fc.record({
  annualFeePence: amount,
  feeAtRiskBp: bp,
  gainShareBp: bp,
  gainShareCapPence: amount,
  k1Target: bp,
  k3Floor: bp,
});

type Terms = typeof terms extends fc.Arbitrary<infer T> ? T : never;

const TERM_MONTHS = monthsBetween('2025-26-M01', '2026-27-M12');
const TERM_QUARTERS = [...new Set(TERM_MONTHS.map(quarterOfMonth))];

/** Runs the steps through the deciders as the command service would, folding what they accept. */
const run = (t: Terms, steps: Step[]): ContractLedger => {
  const agreed: ContractAgreed = {
    contractId: CID,
    ccg: '08J',
    csu: '0AX',
    businessDate: '2025-03-20',
    firstMonth: '2025-26-M01',
    lastMonth: '2026-27-M12',
    annualFeePence: t.annualFeePence,
    feeAtRiskBp: t.feeAtRiskBp,
    gainShareBp: t.gainShareBp,
    gainShareCapPence: t.gainShareCapPence,
    breakNoticeMonths: 3,
    trustResponseWorkingDays: 20,
    kpis: [{ ...KPIS[0]!, targetBp: t.k1Target }, KPIS[1]!, { ...KPIS[2]!, floorBp: Math.min(t.k3Floor, KPIS[2]!.targetBp) }],
  };
  let ledger = initialLedger();
  let position = 0;
  let today: IsoDate = FIRST_DAY;
  const extras: string[] = [];
  const challenges: string[] = [];
  const record = (stream: string, events: LedgerEvent[]): void => {
    for (const e of events) {
      position += 1;
      const recordedAt = new Date(Date.UTC(2026, 0, 1) + position * 1000).toISOString();
      ledger = evolveLedger(ledger, { ...e, eventId: `event-${position}`, streamName: stream, revision: 0, position: BigInt(position), recordedAt, metadata: { actor, correlationId: 'c' } });
    }
  };
  /** Only refusals by the rules are allowed to stop a command; anything else is a defect. */
  const attempt = (stream: string, decide: () => LedgerEvent[]): void => {
    try {
      record(stream, decide());
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
    }
  };
  record(`contract-${CID}`, decideContract({ type: 'AgreeContract', ...agreed, today: '2025-03-20' }, initialLedger().contract));
  const actOnExtra = (id: string, action: ExtraAction, amount: number, base: { businessDate: IsoDate; today: IsoDate }): void => {
    const cmds: Record<ExtraAction, ExtraCommand> = {
      accept: { type: 'AcceptExtra', ...base },
      dispute: { type: 'DisputeExtra', ...base, reason: 'amount-excessive' },
      revise: { type: 'ReviseExtra', ...base, amountPence: amount },
      resolve: { type: 'ResolveExtra', ...base, agreedPence: amount % ((ledger.extras[id]?.amountPence ?? 0) + 1) },
      escalate: { type: 'EscalateExtra', ...base },
      withdraw: { type: 'WithdrawExtra', ...base },
    };
    attempt(`contract-${id}`, () => decideExtra(cmds[action], ledger.extras[id]!));
  };
  const actOnChallenge = (id: string, action: ChallengeAction, amount: number, base: { businessDate: IsoDate; today: IsoDate }): void => {
    const value = ledger.challenges[id]!.valuePence;
    const cmds: Record<ChallengeAction, ChallengeCommand> = {
      respond: { type: 'RecordTrustResponse', ...base, acceptedPence: amount % (value + 1), rejectedPence: 0 },
      resolve: { type: 'ResolveChallenge', ...base, recoveredPence: amount % (value + 1) },
      escalate: { type: 'EscalateChallenge', ...base },
      withdraw: { type: 'WithdrawChallenge', ...base },
    };
    attempt(`contract-${id}`, () => decideChallenge(cmds[action], ledger.challenges[id]!));
  };
  let n = 0;
  // In business-date order, as work mostly happens; a few steps still come late, dated before today.
  const ordered = [...steps].sort((a, b) => a.on - b.on);
  for (const s of ordered) {
    const on = addDays(FIRST_DAY, s.on);
    if (on > today) today = on;
    const c = ledger.contract as AgreedContract;
    const contract = (cmd: ContractCommand) => attempt(`contract-${CID}`, () => decideContract(cmd, ledger.contract));
    const base = { businessDate: on, today };
    switch (s.kind) {
      case 'deliver':
        contract({ type: 'DeliverDeliverable', ...base, kpiId: `K${s.kpi + 1}`, month: TERM_MONTHS[s.month]! });
        break;
      case 'reject':
        contract({ type: 'RejectDeliverable', ...base, kpiId: `K${s.kpi + 1}`, month: TERM_MONTHS[s.month]!, reason: 'r' });
        break;
      case 'measure':
        contract({ type: 'ReportMeasurement', ...base, kpiId: 'K3', month: TERM_MONTHS[s.month]!, achievedBp: s.value });
        break;
      case 'approve': {
        // Mostly the first quarter still open (quarters are approved in order); sometimes any, to be refused.
        const firstOpen = TERM_QUARTERS.find((x) => !c.approvals[x]) ?? TERM_QUARTERS[TERM_QUARTERS.length - 1]!;
        const q = s.quarter === 8 ? TERM_QUARTERS[s.on % TERM_QUARTERS.length]! : firstOpen;
        const current = computeSettlement(ledger, q, today);
        // The approver sends the figure shown; a figure past what a request may carry is refused at input.
        if (current.netPayablePence > BigInt(Number.MAX_SAFE_INTEGER)) break;
        contract({ type: 'ApproveSettlement', ...base, quarter: q, netPayablePence: Number(current.netPayablePence), current });
        break;
      }
      case 'vary':
        contract({
          type: 'VaryContract',
          ...base,
          contractId: CID,
          effectiveQuarter: TERM_QUARTERS[s.quarter]!,
          annualFeePence: s.fee,
          gainShareCapPence: s.cap,
          gainShareBp: s.gain,
        });
        break;
      case 'breakNotice':
        contract({ type: 'ServeBreakNotice', ...base, servedBy: 'ccg' });
        break;
      case 'raiseExtra': {
        const extraId = `${CID}.extra-${(++n).toString(16).padStart(12, '0')}`;
        const cmd: ExtraCommand = { type: 'RaiseExtra', ...base, extraId, contractId: CID, amountPence: s.amount, description: 'd', serviceLine: 's', requestedBy: 'r', contractFrom: contractActiveFrom(c) };
        attempt(`contract-${extraId}`, () => decideExtra(cmd, ledger.extras[extraId] ?? { status: 'none' }));
        if (!ledger.extras[extraId]) break;
        extras.push(extraId);
        let at = on;
        for (const f of s.then) {
          at = addDays(at, f.after);
          if (at > today) today = at;
          actOnExtra(extraId, f.action, f.amount, { businessDate: at, today });
        }
        break;
      }
      case 'extra': {
        const id = extras[s.which % Math.max(1, extras.length)];
        if (id !== undefined) actOnExtra(id, s.action, s.amount, base);
        break;
      }
      case 'raiseChallenge': {
        const challengeId = `${CID}.challenge-${(++n).toString(16).padStart(12, '0')}`;
        const cmd: ChallengeCommand = { type: 'RaiseChallenge', ...base, challengeId, contractId: CID, trust: 'RAX', activityMonth: '2025-26-M01', category: 'coding-hrg', activityLines: 1, valuePence: s.amount, contractFrom: contractActiveFrom(c) };
        attempt(`contract-${challengeId}`, () => decideChallenge(cmd, ledger.challenges[challengeId] ?? { status: 'none' }));
        if (!ledger.challenges[challengeId]) break;
        challenges.push(challengeId);
        let at = on;
        for (const f of s.then) {
          at = addDays(at, f.after);
          if (at > today) today = at;
          actOnChallenge(challengeId, f.action, f.amount, { businessDate: at, today });
        }
        break;
      }
      case 'challenge': {
        const id = challenges[s.which % Math.max(1, challenges.length)];
        if (id !== undefined) actOnChallenge(id, s.action, s.amount, base);
        break;
      }
    }
  }
  return ledger;
};

/** Every quarter a reader can ask about: the term's, and any later one a money item rolled into. */
const quartersOf = (l: ContractLedger): QuarterId[] => {
  const qs = new Set(TERM_QUARTERS);
  for (const i of l.moneyItems) qs.add(i.landingQuarter);
  return [...qs].sort(compareQuarters);
};

describe('settlement arithmetic over any accepted history (property)', () => {
  it('folds and settles without throwing; N = F − W + G + X; 0 ≤ W ≤ R ≤ F; a year’s G within its cap', () => {
    fc.assert(
      fc.property(terms, fc.array(step, { minLength: 10, maxLength: 120 }), (t, steps) => {
        const ledger = run(t, steps);
        const c = ledger.contract as AgreedContract;
        const gainByYear = new Map<string, bigint>();
        // The read models keep every quarter's money from one pass (issue 12): it is each quarter's money alone.
        const all = quarterMoneyOf(ledger, quartersOf(ledger));
        for (const q of quartersOf(ledger)) expect(all.get(q)).toEqual(quarterMoneyOf(ledger, [q]).get(q));
        for (const q of quartersOf(ledger)) {
          for (const now of ['2025-07-01', lastDayOfQuarter(q), '2027-06-30']) {
            const view = settlementView(ledger, q, now);
            expect(view.netPayablePence).toBe(view.feePence - view.withheldPence + view.gainSharePence + view.extrasPence);
            expect(view.withheldPence >= 0n && view.withheldPence <= view.atRiskPence).toBe(true);
            expect(view.atRiskPence <= view.feePence).toBe(true);
            expect(view.gainSharePence >= 0n && view.extrasPence >= 0n && view.netPayablePence >= 0n).toBe(true);
          }
          const g = settlementView(ledger, q, '2027-06-30').gainSharePence;
          const fy = financialYearOfQuarter(q);
          gainByYear.set(fy, (gainByYear.get(fy) ?? 0n) + g);
        }
        for (const [fy, total] of gainByYear) {
          // The cap in force may change by variation; no year's total may exceed the largest cap it had.
          const caps = quartersOfYear(fy).map((q) => BigInt(termsAt(c, monthsOfQuarter(q)[0]!).gainShareCapPence));
          const cap = caps.reduce((a, b) => (a > b ? a : b));
          expect(total <= cap, `${fy}: gain share ${total} over cap ${cap}`).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    // A property of 200 histories: seconds on a busy machine, so no per-test clock beyond a generous bound.
  }, 120_000);

  it('reaches past 2^53 in the sums it must show (a check that the generator stresses what it should)', () => {
    const l = run(
      { annualFeePence: 1200, feeAtRiskBp: 0, gainShareBp: 10_000, gainShareCapPence: HUGE, k1Target: 0, k3Floor: 0 },
      [
        { kind: 'raiseChallenge', amount: HUGE, on: 30, then: [{ action: 'resolve', amount: HUGE, after: 10 }] },
        { kind: 'raiseChallenge', amount: HUGE, on: 31, then: [{ action: 'resolve', amount: HUGE, after: 10 }] },
      ],
    );
    expect(settlementView(l, '2025-26-Q1', '2025-07-01').recoveredPence).toBe(BigInt(HUGE) * 2n);
    expect(settlementView(l, '2025-26-Q1', '2025-07-01').gainSharePence).toBe(BigInt(HUGE));
  });
});
