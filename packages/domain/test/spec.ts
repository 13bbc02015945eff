// Given / when / then for deciders (STYLE.md pattern 5): given past events, when a command, then these events
// or a refusal with this code.
import { expect } from 'vitest';
import { DomainError, type DomainErrorCode } from '../src/errors.ts';

export interface Decider<C, E, S> {
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
  initialState: () => S;
}

export const deciderSpec =
  <C, E, S>(decider: Decider<C, E, S>) =>
  (given: E[]) => ({
    when: (command: C) => {
      const run = (): E[] => decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected: E[]): void => {
          expect(run()).toEqual(expected);
        },
        thenRefuses: (code: DomainErrorCode): void => {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error, `expected a refusal with ${code}`).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
        },
      };
    },
  });
