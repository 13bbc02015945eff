// Challenge aggregate. Allowed transitions (DOMAIN.md: Acute activity challenges):
//   raised → responded (may repeat) | escalated | resolved | withdrawn
//   responded → responded | escalated | resolved | withdrawn
//   escalated → resolved | withdrawn
// A trust that never answers can be escalated too (our reading: formal dispute is the remedy for silence).
import { firstDayOfMonth, isMonthId } from '../calendar.ts';
import { nextStep, notInFuture } from '../dates.ts';
import { refuse } from '../errors.ts';
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
  | ({ type: 'ResolveChallenge'; recoveredPence: number } & Dated)
  | ({ type: 'WithdrawChallenge' } & Dated);

const ALLOWED: Record<Exclude<ChallengeCommand['type'], 'RaiseChallenge'>, readonly ChallengeStatus[]> = {
  RecordTrustResponse: ['raised', 'responded'],
  EscalateChallenge: ['raised', 'responded'],
  ResolveChallenge: ['raised', 'responded', 'escalated'],
  WithdrawChallenge: ['raised', 'responded', 'escalated'],
};

const wholePence = (n: number, field: string, min = 0): void => {
  if (!Number.isSafeInteger(n) || n < min) refuse('invalid-input', `must be whole pence ≥ ${min}`, field);
};

const raised = (state: ChallengeState, cmd: Exclude<ChallengeCommand, { type: 'RaiseChallenge' }>): RaisedChallenge =>
  nextStep<RaisedChallenge>('challenge', state, cmd, ALLOWED[cmd.type]);

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
        `the contract starts on ${cmd.contractFrom}; a challenge cannot be raised before it`,
        'businessDate',
      );
    }
    // Billed activity is challenged once the month has begun at the earliest (SLAM arrives after it).
    if (firstDayOfMonth(cmd.activityMonth) > cmd.businessDate) {
      refuse(
        'invalid-input',
        `activity of ${cmd.activityMonth} cannot be challenged before the month starts`,
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
          `accepted + rejected exceed the ${c.valuePence}p challenged`,
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
          `recovered ${cmd.recoveredPence}p is more than the ${c.valuePence}p challenged`,
          'recoveredPence',
        );
      }
      return [{ type: 'ChallengeResolved', data: { ...base, recoveredPence: cmd.recoveredPence } }];
    case 'WithdrawChallenge':
      return [{ type: 'ChallengeWithdrawn', data: base }];
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};
