import { describe, expect, it } from 'vitest';
import { csrfMatches } from './csrf.ts';
import { randomToken } from './session.ts';

describe('synchroniser token', () => {
  const token = randomToken();
  it('accepts the session token', () => expect(csrfMatches(token, token)).toBe(true));
  it.each([
    ['another token', randomToken()],
    ['a prefix of it', token.slice(0, 20)],
    ['nothing', undefined],
    ['an empty string', ''],
    ['an array', [token]],
  ])('refuses %s', (_what, sent) => expect(csrfMatches(token, sent)).toBe(false));
  it('refuses everything when the session has no token', () => expect(csrfMatches(undefined, token)).toBe(false));
});
