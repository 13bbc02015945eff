// Rules about business dates that every aggregate applies (DOMAIN.md: an event's business date is when it happened).
import { refuse } from './errors.ts';
import { formatDate } from './format.ts';
import type { IsoDate } from './events.ts';

/** Nothing can have happened after today (in England). */
export const notInFuture = (cmd: { businessDate: IsoDate; today: IsoDate }, field = 'businessDate'): void => {
  if (cmd.businessDate > cmd.today)
    refuse('business-date-in-future', `${formatDate(cmd.businessDate)} is in the future: today is ${formatDate(cmd.today)} in England`, field);
};

/**
 * The lifecycle of an extra or a challenge in DOMAIN.md's words: which commands each state allows, and how to say to a
 * person what was refused and what can be done next (refusals never name our internal commands; issue 10).
 */
export interface Lifecycle<C extends string, S extends string> {
  thing: string;
  allowed: Readonly<Record<C, readonly S[]>>;
  /** The thing in a state: 'a disputed extra'. */
  inState: Readonly<Record<S, string>>;
  /** What a command would have done, after "cannot": 'be accepted'. */
  refused: Readonly<Record<C, string>>;
  /** What a command does and who may do it, after "it can": 'be resolved by the CCG'. */
  offered: Readonly<Record<C, string>>;
}

const listed = (items: string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]!}`;

/** 'A disputed extra cannot be accepted; it can be revised by the CSU, …' (the steps in the table's order). */
export const transitionRefusal = <C extends string, S extends string>(lc: Lifecycle<C, S>, status: S, command: C): string => {
  const next = (Object.keys(lc.allowed) as C[]).filter((c) => lc.allowed[c].includes(status)).map((c) => lc.offered[c]);
  const what = lc.inState[status];
  const head = `${what.charAt(0).toUpperCase()}${what.slice(1)} cannot ${lc.refused[command]}`;
  return next.length === 0 ? `${head}; nothing more can be done with it.` : `${head}; it can ${listed(next)}.`;
};

/**
 * A step of an extra or challenge: allowed only from the states its lifecycle lists, not in the future, and not
 * dated before the step it follows.
 */
export const nextStep = <C extends string, S extends string, R extends { status: S; lastChangedOn: IsoDate }>(
  lc: Lifecycle<C, S>,
  state: { status: 'none' } | R,
  cmd: { type: C; businessDate: IsoDate; today: IsoDate },
): R => {
  if (state.status === 'none') return refuse('not-found', `no such ${lc.thing}`);
  const s = state as R;
  if (!lc.allowed[cmd.type].includes(s.status)) refuse('transition-not-allowed', transitionRefusal(lc, s.status, cmd.type));
  notInFuture(cmd);
  if (cmd.businessDate < s.lastChangedOn) {
    refuse(
      'invalid-input',
      `the ${lc.thing} last changed on ${formatDate(s.lastChangedOn)}; this cannot be dated before it`,
      'businessDate',
    );
  }
  return s;
};
