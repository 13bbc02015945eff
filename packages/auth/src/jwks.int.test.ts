import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  base64url,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type GenerateKeyPairResult,
  type JWTPayload,
} from 'jose';
import { AuthError, createTokenVerifier, type TokenVerifier } from './tokens.ts';

const ISSUER = 'https://login.example.nhs.uk/';
const AUDIENCE = 'csu-ledger';
const now = (): number => Math.floor(Date.now() / 1000);
const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  sub: 'u-2',
  name: 'Grace Hopper',
  org: '08J',
  roles: ['ccg'],
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 600,
  ...overrides,
});

let server: Server;
let jwksUrl: string;
let verify: TokenVerifier;
let es: GenerateKeyPairResult;
let rs: GenerateKeyPairResult;
let jwksRequests = 0;

const sign = (payload: JWTPayload, alg: string, kid: string, key: CryptoKey | Uint8Array): Promise<string> =>
  new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(key);

const expectRefused = async (token: string, message: RegExp): Promise<void> => {
  const err: unknown = await verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).code).toBe('invalid-token');
  expect((err as AuthError).message).toMatch(message);
};

beforeAll(async () => {
  es = await generateKeyPair('ES256');
  rs = await generateKeyPair('RS256');
  const jwks = {
    keys: [
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
    ],
  };
  server = createServer((req, res) => {
    jwksRequests += 1;
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  verify = createTokenVerifier({ mode: 'jwks', jwksUrl, issuer: ISSUER, audience: AUDIENCE });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('JWKS verifier against a real HTTP server', () => {
  it('accepts ES256 and RS256 tokens from the key set, fetching it once', async () => {
    const expected = { sub: 'u-2', name: 'Grace Hopper', org: '08J', roles: ['ccg'] };
    expect(await verify(await sign(claims(), 'ES256', 'es-1', es.privateKey))).toEqual(expected);
    expect(await verify(await sign(claims(), 'RS256', 'rs-1', rs.privateKey))).toEqual(expected);
    expect(jwksRequests).toBe(1);
  });

  it('refuses a wrong issuer', async () => {
    await expectRefused(await sign(claims({ iss: 'https://evil.example/' }), 'ES256', 'es-1', es.privateKey), /issuer/);
  });

  it('refuses a wrong audience', async () => {
    await expectRefused(await sign(claims({ aud: 'other-app' }), 'RS256', 'rs-1', rs.privateKey), /audience/);
  });

  it('refuses an expired token and one not valid yet', async () => {
    await expectRefused(await sign(claims({ exp: now() - 120 }), 'ES256', 'es-1', es.privateKey), /expired/);
    await expectRefused(await sign(claims({ nbf: now() + 120 }), 'ES256', 'es-1', es.privateKey), /not valid yet/);
  });

  it('refuses HS256 signed with the RSA public key bytes (HS/RS confusion)', async () => {
    const publicPem = new TextEncoder().encode(await exportSPKI(rs.publicKey));
    await expectRefused(await sign(claims(), 'HS256', 'rs-1', publicPem), /algorithm/);
  });

  it('refuses alg none', async () => {
    const enc = (o: object): string => base64url.encode(JSON.stringify(o));
    await expectRefused(`${enc({ alg: 'none', kid: 'es-1' })}.${enc(claims())}.`, /algorithm/);
  });

  it('refuses an unknown key id', async () => {
    await expectRefused(await sign(claims(), 'ES256', 'es-unknown', es.privateKey), /key is not known/);
  });

  it('refuses a token signed by another key under a known key id', async () => {
    const other = await generateKeyPair('ES256');
    await expectRefused(await sign(claims(), 'ES256', 'es-1', other.privateKey), /signature/);
  });

  it('refuses bad roles and org claims as in dev mode', async () => {
    await expectRefused(await sign(claims({ roles: ['root'] }), 'ES256', 'es-1', es.privateKey), /roles/);
    await expectRefused(await sign(claims({ org: 'TOOLONG' }), 'ES256', 'es-1', es.privateKey), /org/);
  });

  it('reports an unreachable key set as key-set-unavailable, not as a bad token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = createTokenVerifier({
      mode: 'jwks',
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const err: unknown = await offline(await sign(claims(), 'ES256', 'es-1', es.privateKey)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('key-set-unavailable');
  });
});
