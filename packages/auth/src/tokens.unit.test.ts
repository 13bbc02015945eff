import { describe, expect, it } from 'vitest';
import { base64url, decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { AuthError, createTokenVerifier, DEV_AUDIENCE, DEV_ISSUER, signDevToken } from './tokens.ts';

const secret = new TextEncoder().encode('a-development-secret-of-at-least-32-bytes');
const verify = createTokenVerifier({ mode: 'dev', secret });
const now = (): number => Math.floor(Date.now() / 1000);

const claims = { sub: 'u-1', name: 'Ada Lovelace', org: '0AX', roles: ['csu'] };

/** A dev-shaped HS256 token with any claims and registered claims we choose. */
const forge = (payload: JWTPayload, key: Uint8Array = secret): Promise<string> =>
  new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);

const devClaims = (overrides: JWTPayload = {}): JWTPayload => ({
  ...claims,
  iss: DEV_ISSUER,
  aud: DEV_AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...overrides,
});

/** Verification must fail with AuthError 'invalid-token' and a message that does not echo the token. */
const expectRefused = async (token: string, message?: RegExp): Promise<void> => {
  const err: unknown = await verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  const authError = err as AuthError;
  expect(authError.code).toBe('invalid-token');
  for (const part of token.split('.').filter((p) => p.length > 8)) expect(authError.message).not.toContain(part);
  if (message) expect(authError.message).toMatch(message);
};

describe('dev tokens', () => {
  it('round-trips sign and verify', async () => {
    const token = await signDevToken(secret, { sub: 'u-1', name: 'Ada Lovelace', org: '0ax', roles: ['csu', 'ccg'] });
    expect(await verify(token)).toEqual({ sub: 'u-1', name: 'Ada Lovelace', org: '0AX', roles: ['csu', 'ccg'] });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ iss: DEV_ISSUER, aud: DEV_AUDIENCE });
    expect(payload.exp! - payload.iat!).toBe(8 * 3600);
  });

  it('honours expiresIn', async () => {
    const payload = decodeJwt(await signDevToken(secret, { ...claims, roles: ['csu'], expiresIn: '15m' }));
    expect(payload.exp! - payload.iat!).toBe(900);
  });

  it('defaults the name to the subject', async () => {
    expect(await verify(await forge(devClaims({ name: undefined })))).toMatchObject({ name: 'u-1' });
  });

  it('refuses to sign claims the verifier would refuse', async () => {
    await expect(signDevToken(secret, { sub: 'u', org: 'not an org', roles: ['csu'] })).rejects.toThrow(/org/);
    await expect(signDevToken(secret, { sub: 'u', org: '0AX', roles: [] })).rejects.toThrow(/roles/);
  });
});

describe('dev verifier refuses', () => {
  it('an expired token', async () => expectRefused(await forge(devClaims({ exp: now() - 120 })), /expired/));

  it('an expired token, beyond the clock tolerance only', async () => {
    expect(await verify(await forge(devClaims({ exp: now() - 10 })))).toMatchObject({ sub: 'u-1' });
    await expectRefused(await forge(devClaims({ exp: now() - 60 })), /expired/);
  });

  it('a token not valid yet (nbf in the future)', async () => {
    expect(await verify(await forge(devClaims({ nbf: now() + 10 })))).toMatchObject({ sub: 'u-1' });
    await expectRefused(await forge(devClaims({ nbf: now() + 120 })), /not valid yet/);
  });

  it('a token without exp', async () => expectRefused(await forge(devClaims({ exp: undefined })), /expiry/));

  it('a wrong issuer', async () => expectRefused(await forge(devClaims({ iss: 'someone-else' })), /issuer/));

  it('a wrong audience', async () => expectRefused(await forge(devClaims({ aud: 'another-app' })), /audience/));

  it('alg none', async () => {
    const enc = (o: object): string => base64url.encode(JSON.stringify(o));
    await expectRefused(`${enc({ alg: 'none', typ: 'JWT' })}.${enc(devClaims())}.`, /algorithm/);
  });

  it('an HS256 token signed with another secret', async () => {
    const other = new TextEncoder().encode('another-development-secret-of-32-bytes!');
    await expectRefused(await forge(devClaims(), other), /signature/);
  });

  it('a tampered payload', async () => {
    const [header, , signature] = (await forge(devClaims())).split('.');
    const payload = base64url.encode(JSON.stringify(devClaims({ roles: ['admin'] })));
    await expectRefused(`${header}.${payload}.${signature}`, /signature/);
  });

  it('an RS256 token (HS/RS confusion)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(devClaims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await expectRefused(token, /algorithm/);
  });

  it('garbage', async () => {
    await expectRefused('not-a-token', /malformed/);
    await expectRefused('', /malformed/);
  });

  it.each<[string, JWTPayload, RegExp]>([
    ['missing roles', { roles: undefined }, /roles/],
    ['empty roles', { roles: [] }, /roles/],
    ['roles not an array', { roles: 'admin' }, /roles/],
    ['an unknown role', { roles: ['csu', 'superuser'] }, /roles/],
    ['missing org', { org: undefined }, /org/],
    ['a bad org', { org: '0A' }, /org/],
    ['an org with punctuation', { org: '0AX;1' }, /org/],
    ['missing sub', { sub: undefined }, /sub/],
    ['an empty sub', { sub: '' }, /sub/],
    ['a non-string name', { name: 42 }, /name/],
  ])('claims with %s', async (_label, overrides, message) => {
    await expectRefused(await forge(devClaims(overrides)), message);
  });
});
