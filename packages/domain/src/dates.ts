// Rules about business dates that every aggregate applies (DOMAIN.md: an event's business date is when it happened).
import { refuse } from './errors.ts';
import type { IsoDate } from './events.ts';

/** Nothing can have happened after today (in England). */
export const notInFuture = (cmd: { businessDate: IsoDate; today: IsoDate }, field = 'businessDate'): void => {
  if (cmd.businessDate > cmd.today)
    refuse('business-date-in-future', `${cmd.businessDate} is after today (${cmd.today})`, field);
};

/**
 * A step of an extra or challenge: allowed only from the listed states, not in the future, and not dated before
 * the step it follows.
 */
export const nextStep = <S extends { status: string; lastChangedOn: IsoDate }>(
  what: string,
  state: { status: 'none' } | S,
  cmd: { type: string; businessDate: IsoDate; today: IsoDate },
  allowed: readonly string[],
): S => {
  if (state.status === 'none') return refuse('not-found', `no such ${what}`);
  const s = state as S;
  if (!allowed.includes(s.status))
    refuse('transition-not-allowed', `${cmd.type} is not allowed when the ${what} is ${s.status}`);
  notInFuture(cmd);
  if (cmd.businessDate < s.lastChangedOn) {
    refuse(
      'invalid-input',
      `the ${what} last changed on ${s.lastChangedOn}; this cannot be dated before it`,
      'businessDate',
    );
  }
  return s;
};
