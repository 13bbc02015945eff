// The given/when/then helper itself (issue 9, item 6): a refusal passes only with its code and its field, so a test
// of one invalid input cannot pass on another input's refusal.
import { describe, expect, it } from 'vitest';
import { DomainError, refuse } from '../src/errors.ts';
import { deciderSpec } from './spec.ts';

type Command = { field?: string; code?: 'invalid-input' | 'not-found' };
const given = deciderSpec<Command, never, null>({
  decide: ({ field, code = 'invalid-input' }) => refuse(code, 'refused', field),
  evolve: (state) => state,
  initialState: () => null,
});
const fails = (check: () => void) => expect(check).toThrow();

describe('thenRefuses', () => {
  it('passes on the code and the field the domain names', () => {
    given([]).when({ field: 'businessDate' }).thenRefuses('invalid-input', 'businessDate');
    given([]).when({ code: 'not-found' }).thenRefuses('not-found');
  });
  it("fails on another field's refusal", () =>
    fails(() => given([]).when({ field: 'amountPence' }).thenRefuses('invalid-input', 'businessDate')));
  it('fails where the domain names a field the test does not', () =>
    fails(() => given([]).when({ code: 'not-found', field: 'contractId' }).thenRefuses('not-found')));
  it('fails where the test expects a field the domain does not name', () =>
    fails(() => given([]).when({}).thenRefuses('invalid-input', 'businessDate')));
  it('fails without a refusal', () => {
    const accepting = deciderSpec<Command, never, null>({ decide: () => [], evolve: (s) => s, initialState: () => null });
    fails(() => accepting([]).when({}).thenRefuses('invalid-input', 'businessDate'));
  });
  it('needs the field for the catch-all invalid-input (checked by the type checker)', () => {
    // @ts-expect-error: invalid-input without its field says nothing about which input was refused
    fails(() => given([]).when({ field: 'x' }).thenRefuses('invalid-input'));
    expect(new DomainError('invalid-input', 'm', 'x').field).toBe('x');
  });
});
