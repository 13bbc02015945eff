// Given / when / then for deciders (STYLE.md pattern 5): given past events, when a command, then these events
// or a refusal with this code and, where the refusal is about one input, that field. The catch-all `invalid-input`
// says nothing without its field (a refusal of the wrong field passed unnoticed), so it needs one; any other code
// needs it wherever the domain names one.
import { expect } from 'vitest';
import { DomainError, type DomainErrorCode } from '../src/errors.ts';

export interface Decider<C, E, S> {
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
  initialState: () => S;
}

export interface ThenRefuses {
  (code: 'invalid-input', field: string): void;
  (code: Exclude<DomainErrorCode, 'invalid-input'>, field?: string): void;
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
        thenRefuses: ((code: DomainErrorCode, field?: string): void => {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error, `expected a refusal with ${code}`).toBeInstanceOf(DomainError);
          const refusal = error as DomainError;
          expect({ code: refusal.code, field: refusal.field }, refusal.message).toEqual({ code, field });
        }) as ThenRefuses,
      };
    },
  });
