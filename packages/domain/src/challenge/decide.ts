// Challenge aggregate. Allowed transitions (DOMAIN.md: Acute activity challenges):
//   raised → responded (may repeat) | escalated | resolved | withdrawn
//   responded → responded | escalated | resolved | withdrawn
//   escalated → resolved | withdrawn
// A trust that never answers can be escalated too (our reading: formal dispute is the remedy for silence).
import { firstDayOfMonth, isMonthId, monthInWords } from '../calendar.ts';
import { nextStep, notInFuture, type Lifecycle } from '../dates.ts';
import { refuse } from '../errors.ts';
import { formatDate, formatPounds } from '../format.ts';
import type { ChallengeCategory, ChallengeEvent, IsoDate, MonthId, ReconciliationPhase } from '../events.ts';
import { isOrgCode } from '../ids.ts';
import type { ChallengeState, ChallengeStatus, RaisedChallenge } from './model.ts';

interface Dated {
  businessDate: IsoDate;
  today: IsoDate;
}
export type ChallengeCommand =
  | ({
      type: 'RaiseChallenge';
      challengeId: string;
      contractId: string;
      trust: string;
      activityMonth: MonthId;
      category: ChallengeCategory;
      activityLines: number;
      valuePence: number;
      phase?: ReconciliationPhase | undefined;
      /** The earliest date the contract's money items may carry (see `contractActiveFrom`). */
      contractFrom: IsoDate;
    } & Dated)
  | ({ type: 'RecordTrustResponse'; acceptedPence: number; rejectedPence: number } & Dated)
  | ({ type: 'EscalateChallenge'; detail?: string | undefined } & Dated)
  | ({ type: 'ResolveChallenge'; recoveredPence: number; creditNoteReference?: string | undefined } & Dated)
  | ({ type: 'WithdrawChallenge' } & Dated)
  | ({
      type: 'QueryRecovery';
      reason: string;
      /** Whether the quarter the recovery counts in is approved: then it can no longer be queried (DOMAIN.md). */
      countsInApprovedQuarter: boolean;
    } & Dated)
  | ({ type: 'ConfirmRecovery' } & Dated);

type ChallengeStep = Exclude<ChallengeCommand['type'], 'RaiseChallenge'>;

/** DOMAIN.md: Acute activity challenges, the transitions in its words. */
export const CHALLENGE_LIFECYCLE: Lifecycle<ChallengeStep, ChallengeStatus> = {
  thing: 'challenge',
  allowed: {
    RecordTrustResponse: ['raised', 'responded'],
    EscalateChallenge: ['raised', 'responded'],
    // A queried recovery may be recorded again with another value, which clears the query (DOMAIN.md).
    ResolveChallenge: ['raised', 'responded', 'escalated', 'queried'],
    WithdrawChallenge: ['raised', 'responded', 'escalated'],
    QueryRecovery: ['resolved'],
    ConfirmRecovery: ['queried'],
  },
  inState: {
    raised: "a challenge awaiting the trust's response",
    responded: 'a challenge the trust has answered',
    escalated: 'a challenge in formal dispute resolution',
    resolved: 'a resolved challenge',
    queried: 'a challenge whose recovery CCG finance has queried',
    withdrawn: 'a withdrawn challenge',
  },
  refused: {
    RecordTrustResponse: "take the trust's response",
    EscalateChallenge: 'be escalated',
    ResolveChallenge: 'be resolved',
    WithdrawChallenge: 'be withdrawn',
    QueryRecovery: 'have its recovery queried',
    ConfirmRecovery: 'have its recovery confirmed',
  },
  offered: {
    RecordTrustResponse: "take the trust's response (recorded by the CSU)",
    EscalateChallenge: 'be escalated to formal dispute resolution by the CSU',
    ResolveChallenge: 'be resolved by the CSU with the value recovered',
    WithdrawChallenge: 'be withdrawn by the CSU',
    QueryRecovery: 'have its recovery queried by CCG finance',
    ConfirmRecovery: 'have its recovery confirmed by CCG finance',
  },
};

const wholePence = (n: number, field: string, min = 0): void => {
  if (!Number.isSafeInteger(n) || n < min) refuse('invalid-input', `must be whole pence ≥ ${min}`, field);
};

const raised = (state: ChallengeState, cmd: Exclude<ChallengeCommand, { type: 'RaiseChallenge' }>): RaisedChallenge =>
  nextStep(CHALLENGE_LIFECYCLE, state, cmd);

export const decideChallenge = (cmd: ChallengeCommand, state: ChallengeState): ChallengeEvent[] => {
  if (cmd.type === 'RaiseChallenge') {
    if (state.status !== 'none') refuse('already-exists', `challenge ${cmd.challengeId} already exists`, 'challengeId');
    notInFuture(cmd);
    if (!isOrgCode(cmd.trust)) refuse('invalid-input', 'trust code must be 3 to 5 letters or digits', 'trust');
    if (!isMonthId(cmd.activityMonth))
      refuse('invalid-input', 'activity month must look like 2025-26-M01', 'activityMonth');
    wholePence(cmd.activityLines, 'activityLines', 1);
    wholePence(cmd.valuePence, 'valuePence', 1);
    if (cmd.businessDate < cmd.contractFrom) {
      refuse(
        'invalid-input',
        `the contract starts on ${formatDate(cmd.contractFrom)}; a challenge cannot be raised before it`,
        'businessDate',
      );
    }
    // Billed activity is challenged once the month has begun at the earliest (SLAM arrives after it).
    if (firstDayOfMonth(cmd.activityMonth) > cmd.businessDate) {
      refuse(
        'invalid-input',
        `${monthInWords(cmd.activityMonth)}; its activity cannot be challenged before ${formatDate(firstDayOfMonth(cmd.activityMonth))}`,
        'activityMonth',
      );
    }
    const { type: _t, today: _d, contractFrom: _f, ...data } = cmd;
    return [{ type: 'ChallengeRaised', data }];
  }
  const c = raised(state, cmd);
  const base = { challengeId: c.challengeId, contractId: c.contractId, businessDate: cmd.businessDate };
  switch (cmd.type) {
    case 'RecordTrustResponse':
      wholePence(cmd.acceptedPence, 'acceptedPence');
      wholePence(cmd.rejectedPence, 'rejectedPence');
      if (cmd.acceptedPence + cmd.rejectedPence > c.valuePence) {
        refuse(
          'amount-exceeds-challenge',
          `the trust cannot accept and reject more than the ${formatPounds(c.valuePence)} challenged`,
          'acceptedPence',
        );
      }
      return [
        {
          type: 'TrustResponded',
          data: { ...base, acceptedPence: cmd.acceptedPence, rejectedPence: cmd.rejectedPence },
        },
      ];
    case 'EscalateChallenge':
      return [{ type: 'ChallengeEscalated', data: { ...base, detail: cmd.detail } }];
    case 'ResolveChallenge':
      wholePence(cmd.recoveredPence, 'recoveredPence');
      // DOMAIN.md: value recovered, never more than challenged
      if (cmd.recoveredPence > c.valuePence) {
        refuse(
          'amount-exceeds-challenge',
          `the ${formatPounds(cmd.recoveredPence)} recovered is more than the ${formatPounds(c.valuePence)} challenged`,
          'recoveredPence',
        );
      }
      return [
        {
          type: 'ChallengeResolved',
          data: { ...base, recoveredPence: cmd.recoveredPence, creditNoteReference: cmd.creditNoteReference },
        },
      ];
    case 'WithdrawChallenge':
      return [{ type: 'ChallengeWithdrawn', data: base }];
    case 'QueryRecovery':
      // DOMAIN.md: a recovery can be queried while the quarter it counts in is open.
      if (cmd.countsInApprovedQuarter) {
        refuse('quarter-closed', 'the quarter this recovery counts in is approved; it can no longer be queried');
      }
      if (cmd.reason.trim() === '') refuse('invalid-input', 'say why the recovery is queried', 'reason');
      return [{ type: 'RecoveryQueried', data: { ...base, reason: cmd.reason } }];
    case 'ConfirmRecovery':
      return [{ type: 'RecoveryConfirmed', data: base }];
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};
