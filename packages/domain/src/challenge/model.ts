// Challenge aggregate: the CSU contests a trust's billed activity for the CCG (DOMAIN.md: Acute activity challenges).
import { addWorkingDays } from '../calendar.ts';
import type { ChallengeCategory, ChallengeEvent, IsoDate, MonthId, ReconciliationPhase } from '../events.ts';

/** `queried`: resolved, but CCG finance questions the recovery, which leaves V until confirmed or resolved again. */
export type ChallengeStatus = 'raised' | 'responded' | 'escalated' | 'resolved' | 'queried' | 'withdrawn';
export interface TrustResponse {
  respondedOn: IsoDate;
  acceptedPence: number;
  rejectedPence: number;
}
export interface RaisedChallenge {
  status: ChallengeStatus;
  challengeId: string;
  contractId: string;
  trust: string;
  activityMonth: MonthId;
  category: ChallengeCategory;
  activityLines: number;
  valuePence: number;
  phase?: ReconciliationPhase | undefined;
  raisedOn: IsoDate;
  responses: TrustResponse[];
  recoveredPence?: number | undefined;
  creditNoteReference?: string | undefined;
  /** The open query on the recovery, while `queried`. */
  query?: { on: IsoDate; reason: string } | undefined;
  lastChangedOn: IsoDate;
}
export type ChallengeState = { status: 'none' } | RaisedChallenge;

export const initialChallengeState = (): ChallengeState => ({ status: 'none' });

export const isChallengeOpen = (s: ChallengeStatus): boolean =>
  s === 'raised' || s === 'responded' || s === 'escalated';

export const evolveChallenge = (state: ChallengeState, event: ChallengeEvent): ChallengeState => {
  if (event.type === 'ChallengeRaised') {
    const { businessDate, ...d } = event.data;
    return { status: 'raised', ...d, raisedOn: businessDate, responses: [], lastChangedOn: businessDate };
  }
  if (state.status === 'none') return state;
  const on = event.data.businessDate;
  switch (event.type) {
    case 'TrustResponded': {
      const { acceptedPence, rejectedPence } = event.data;
      const responses = [...state.responses, { respondedOn: on, acceptedPence, rejectedPence }];
      return { ...state, status: 'responded', responses, lastChangedOn: on };
    }
    case 'ChallengeEscalated':
      return { ...state, status: 'escalated', lastChangedOn: on };
    case 'ChallengeResolved': {
      // Resolving again (after a query) replaces the recovery and clears the query (DOMAIN.md).
      const { recoveredPence, creditNoteReference } = event.data;
      return { ...state, status: 'resolved', recoveredPence, creditNoteReference, query: undefined, lastChangedOn: on };
    }
    case 'RecoveryQueried':
      return { ...state, status: 'queried', query: { on, reason: event.data.reason }, lastChangedOn: on };
    case 'RecoveryConfirmed':
      return { ...state, status: 'resolved', query: undefined, lastChangedOn: on };
    case 'ChallengeWithdrawn':
      return { ...state, status: 'withdrawn', lastChangedOn: on };
    default: {
      const _never: never = event;
      return _never;
    }
  }
};

/** The trust's response deadline: the contract's response working days counted from the day it was raised. */
export const responseDeadline = (c: Pick<RaisedChallenge, 'raisedOn'>, trustResponseWorkingDays: number): IsoDate =>
  addWorkingDays(c.raisedOn, trustResponseWorkingDays);

/**
 * DOMAIN.md: a challenge is overdue while it is open (not resolved or withdrawn), has no trust response, and "now" is
 * past the trust's response deadline — escalated for the trust's silence included.
 */
export const isOverdue = (c: Pick<RaisedChallenge, 'status' | 'responses'>, deadline: IsoDate, today: IsoDate): boolean =>
  isChallengeOpen(c.status) && c.responses.length === 0 && today > deadline;
