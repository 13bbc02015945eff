import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
import { baseApp, createLogger, finishApp } from '@csu-ledger/http';
import { authenticate, requireActor, requireCallerKey } from './middleware.ts';
import { createTokenVerifier, DEV_ISSUER, signDevToken } from './tokens.ts';

const secret = new TextEncoder().encode('middleware-test-secret-of-32-bytes-or-more');
const logger = createLogger('auth-test', 'silent');

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const build = (verify: ReturnType<typeof createTokenVerifier>): Server => {
  const app = baseApp({ logger });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(authenticate(verify));
  app.get('/me', (req, res) => {
    res.json(requireActor(req));
  });
  app.get('/caller', (req, res) => {
    res.json({ issuer: req.issuer, key: requireCallerKey(req) });
  });
  finishApp(app, { logger });
  return createServer(app);
};

let server: Server;
let base: string;
let offlineServer: Server;
let offlineBase: string;

beforeAll(async () => {
  server = build(createTokenVerifier({ mode: 'dev', secret }));
  base = await listen(server);
  // a JWKS verifier pointed at a port nobody listens on
  const probe = createServer();
  const deadUrl = `${await listen(probe)}/jwks.json`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  offlineServer = build(createTokenVerifier({ mode: 'jwks', jwksUrl: deadUrl, issuer: 'i', audience: 'a' }));
  offlineBase = await listen(offlineServer);
});

afterAll(async () => {
  await Promise.all([server, offlineServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

const expect401 = async (res: Response, code: string): Promise<string> => {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  const text = await res.text();
  expect(JSON.parse(text)).toMatchObject({ status: 401, code });
  return text;
};

describe('authenticate over real HTTP', () => {
  it('serves /health without a token', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('answers a missing header with 401 missing-token', async () => {
    await expect401(await fetch(`${base}/me`), 'missing-token');
  });

  it('answers another scheme with 401 missing-token', async () => {
    await expect401(await fetch(`${base}/me`, { headers: { authorization: 'Basic dTpw' } }), 'missing-token');
  });

  it('answers a bad token with 401 invalid-token, without echoing it', async () => {
    const bad = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const text = await expect401(
      await fetch(`${base}/me`, { headers: { authorization: `Bearer ${bad}` } }),
      'invalid-token',
    );
    expect(text).not.toContain('eyJzdWIiOiJ4In0');
  });

  it('answers an expired token with 401 invalid-token', async () => {
    const token = await signDevToken(secret, { sub: 'u', org: '0AX', roles: ['csu'], expiresIn: '-5m' });
    const text = await expect401(
      await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } }),
      'invalid-token',
    );
    expect(JSON.parse(text)).toMatchObject({ detail: 'token has expired' });
  });

  it('hands the actor to the handler', async () => {
    const token = await signDevToken(secret, { sub: 'u-9', name: 'Mary Seacole', org: '08J', roles: ['ccg'] });
    const res = await fetch(`${base}/me`, { headers: { authorization: `bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: 'u-9', name: 'Mary Seacole', org: '08J', roles: ['ccg'] });
  });

  it('names the caller by issuer, organisation and subject (issue 9)', async () => {
    const token = await signDevToken(secret, { sub: 'u-9', org: '08J', roles: ['ccg'] });
    const res = await fetch(`${base}/caller`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toEqual({ issuer: DEV_ISSUER, key: JSON.stringify([DEV_ISSUER, '08J', 'u-9']) });
  });

  it('answers an unreachable key set with 503, not 401', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k' }).sign(privateKey);
    const res = await fetch(`${offlineBase}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'key-set-unavailable' });
  });
});
