// Bearer tokens over real HTTP, against both services (API.md: Identity, issue 6). Every bad token is 401 with a
// code and never a stack trace, whether the service checks development HS256 tokens or RS256/ES256 tokens from a
// JWKS endpoint; and no token or signing secret ever reaches the services' logs, which are captured here.
import { createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, DEV_AUDIENCE, DEV_ISSUER } from '@csu-ledger/auth';
import { createLogger } from '@csu-ledger/http';
import { createCommandApp } from '../../services/command-service/src/app.ts';
import { createQueryApp } from '../../services/query-service/src/app.ts';
import { startProjector, type Projector } from '../../services/query-service/src/projector.ts';
import { openReadModels, type ReadModels } from '../../services/query-service/src/read-models.ts';
import {
  agreeContract,
  FIXED_NOW,
  listen,
  must,
  shut,
  startInProcess,
  TODAY,
  type InProcess,
  type Json,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const ISSUER = 'https://login.example.nhs.uk/';
const AUDIENCE = 'csu-ledger';
const IDEMPOTENCY_KEY = 'idem-key-3f9c2b7e-tokens-test';

// ---- JWTs built by hand (node:crypto), so every header and signature can be wrong in exactly one way.
type Signer = (input: string) => string;
const b64u = (text: string): string => Buffer.from(text).toString('base64url');
const jwt = (header: Json, payload: Json, sign: Signer): string => {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${sign(input)}`;
};
const hmac =
  (alg: 'sha256' | 'sha512', key: Uint8Array | Buffer): Signer =>
  (input) =>
    createHmac(alg, key).update(input).digest('base64url');
const rsa =
  (key: KeyObject): Signer =>
  (input) =>
    cryptoSign('sha256', Buffer.from(input), key).toString('base64url');
const unsigned: Signer = () => '';

const now = (): number => Math.floor(Date.now() / 1000);
const claims = (iss: string, aud: string, overrides: Json = {}): Json => ({
  sub: 'token-tester',
  name: 'Token Tester',
  org: PARTIES.csu,
  roles: ['csu'],
  iss,
  aud,
  iat: now(),
  exp: now() + 600,
  ...overrides,
});
/** The payload swapped for another, the signature kept: what an attacker editing their own token produces. */
const tampered = (token: string, payload: Json): string => {
  const [header, , signature] = token.split('.');
  return `${header}.${b64u(JSON.stringify(payload))}.${signature}`;
};

// ---- Where the services' log lines go.
const logLines: string[] = [];
const capture = { write: (line: string) => void logLines.push(line) };

const NO_INTERNALS = [
  /\n\s+at /,
  /\bat [\w$.<>]+ \(/,
  /\.ts:\d+/,
  /\.js:\d+/,
  /node_modules/,
  /file:\/\//,
  /\/work\//,
  /\/tmp\//,
];
const expectNoInternals = (text: string): void => {
  for (const pattern of NO_INTERNALS) expect(text, `leaks ${String(pattern)}`).not.toMatch(pattern);
};

interface Answer {
  status: number;
  text: string;
  contentType: string;
  body: Json | undefined;
  headers: Headers;
}
const call = async (
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: Json,
): Promise<Answer> => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': IDEMPOTENCY_KEY }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    text,
    contentType,
    body: /json/.test(contentType) ? (JSON.parse(text) as Json) : undefined,
    headers: res.headers,
  };
};

const expectRefused = (r: Answer, code = 'invalid-token'): void => {
  expect(r.status, r.text).toBe(401);
  expect(r.contentType).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status: 401, code });
  expect(typeof r.body?.detail).toBe('string');
  expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
  expectNoInternals(r.text);
};

/** Every token any test sent: none may appear in the logs. */
const sentTokens: string[] = [];
const remember = (token: string): string => {
  sentTokens.push(token);
  return token;
};

let h: InProcess;
let contractId: string;
let jwksServer: Server;
let jwksUrl: string;
let rsKey: { publicKey: KeyObject; privateKey: KeyObject };
const jwksApps: { command: string; query: string; deadKeySet: string; close: () => Promise<void> } = {
  command: '',
  query: '',
  deadKeySet: '',
  close: () => Promise.resolve(),
};

beforeAll(async () => {
  h = await startInProcess({ logDestination: capture, logLevel: 'trace' });
  contractId = await agreeContract(h, PARTIES);

  // A JWKS endpoint on loopback with one RSA key, and a command and a query app that trust it.
  rsKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwks = JSON.stringify({
    keys: [{ ...rsKey.publicKey.export({ format: 'jwk' }), kid: 'rs-1', alg: 'RS256', use: 'sig' }],
  });
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;

  const logger = createLogger('int-test-jwks', 'trace', capture);
  const clock = () => new Date(FIXED_NOW);
  const verify = createTokenVerifier({ mode: 'jwks', jwksUrl, issuer: ISSUER, audience: AUDIENCE });
  const dir = await mkdtemp(join(tmpdir(), 'csu-ledger-tokens-'));
  const models: ReadModels = openReadModels(join(dir, 'read-models.db'));
  const projector: Projector = startProjector(h.store, models, logger);
  const command = await listen(createCommandApp({ store: h.store, verify, logger, clock }));
  const query = await listen(createQueryApp({ store: h.store, models, projector, verify, logger, clock }));
  // nothing listens on port 9 of loopback: the key set cannot be fetched
  const unreachable = createTokenVerifier({
    mode: 'jwks',
    jwksUrl: 'http://127.0.0.1:9/jwks.json',
    issuer: ISSUER,
    audience: AUDIENCE,
  });
  const dead = await listen(createCommandApp({ store: h.store, verify: unreachable, logger, clock }));
  Object.assign(jwksApps, {
    command: command.url,
    query: query.url,
    deadKeySet: dead.url,
    close: async () => {
      await Promise.all([shut(command.server), shut(query.server), shut(dead.server)]);
      projector.stop();
      models.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
});

afterAll(async () => {
  await jwksApps.close();
  await new Promise<void>((resolve) => jwksServer?.close(() => resolve()));
  await h?.close();
});

/** A command that succeeds with a good token (so a 401 is due to the token alone) and a query. */
const measurement = (): Json => ({ businessDate: TODAY, kpiId: 'K3', month: '2025-26-M05', achievedBp: 9100 });
const endpoints = () =>
  [
    { service: 'command', method: 'POST', path: `/contracts/${contractId}/measurements`, body: measurement() },
    { service: 'query', method: 'GET', path: `/contracts/${contractId}` },
  ] as const;
type Endpoint = ReturnType<typeof endpoints>[number];
/** Calls one endpoint on whichever pair of apps (development or JWKS) the test runs against. */
const callEndpoint = (
  apps: { command: string; query: string },
  e: Endpoint,
  token: string | undefined,
): Promise<Answer> => call(apps[e.service], e.method, e.path, token, 'body' in e ? e.body : undefined);

describe('development mode (HS256 with the local key): both services', () => {
  const dev = (overrides: Json = {}) => claims(DEV_ISSUER, DEV_AUDIENCE, overrides);
  const good = (payload: Json = dev()) => jwt({ alg: 'HS256', typ: 'JWT' }, payload, hmac('sha256', h.secret));

  const cases: [string, () => string][] = [
    ['expired an hour ago', () => good(dev({ iat: now() - 7200, exp: now() - 3600 }))],
    ['not valid for another hour (nbf)', () => good(dev({ nbf: now() + 3600 }))],
    ['from another issuer', () => good(dev({ iss: 'https://evil.example/' }))],
    ['for another audience', () => good(dev({ aud: 'another-service' }))],
    ['with no expiry', () => good(Object.fromEntries(Object.entries(dev()).filter(([k]) => k !== 'exp')))],
    ['alg "none", no signature', () => jwt({ alg: 'none', typ: 'JWT' }, dev(), unsigned)],
    [
      'alg "none" with the HS256 signature kept',
      () => `${jwt({ alg: 'none', typ: 'JWT' }, dev(), unsigned)}${good().split('.')[2]!}`,
    ],
    [
      'RS256, where only HS256 is accepted',
      () => jwt({ alg: 'RS256', typ: 'JWT', kid: 'rs-1' }, dev(), rsa(rsKey.privateKey)),
    ],
    ['HS512 with the right key', () => jwt({ alg: 'HS512', typ: 'JWT' }, dev(), hmac('sha512', h.secret))],
    ['signed with another key', () => jwt({ alg: 'HS256', typ: 'JWT' }, dev(), hmac('sha256', randomBytes(32)))],
    [
      'with an unknown key id',
      () => jwt({ alg: 'HS256', typ: 'JWT', kid: 'no-such-key' }, dev(), hmac('sha256', randomBytes(32))),
    ],
    ['with a tampered payload (csu → admin)', () => tampered(good(), dev({ roles: ['admin'], org: 'NHS' }))],
    [
      'with a tampered payload (expiry extended)',
      () => tampered(good(dev({ exp: now() - 60 })), dev({ exp: now() + 3600 })),
    ],
    ['naming an unknown role, correctly signed', () => good(dev({ roles: ['superuser'] }))],
    ['naming no organisation, correctly signed', () => good(dev({ org: undefined }))],
    ['not a JWT at all', () => 'not.a.jwt'],
    ['two segments only', () => good().split('.').slice(0, 2).join('.')],
  ];

  it('a good token is accepted by both (the cases below differ from it in one way each)', async () => {
    const token = remember(good());
    for (const e of endpoints()) {
      const r = await callEndpoint({ command: h.commandUrl, query: h.queryUrl }, e, token);
      expect(r.status, r.text).toBe(200);
    }
  });

  for (const [name, make] of cases) {
    it(`a token ${name} → 401 invalid-token on both, nothing written`, async () => {
      const token = remember(make());
      const before = await h.head();
      for (const e of endpoints())
        expectRefused(await callEndpoint({ command: h.commandUrl, query: h.queryUrl }, e, token));
      expect(await h.head()).toBe(before);
    });
  }

  it('no token, or another scheme → 401 missing-token on both', async () => {
    for (const e of endpoints()) {
      const base = e.service === 'command' ? h.commandUrl : h.queryUrl;
      expectRefused(await call(base, e.method, e.path, undefined, 'body' in e ? e.body : undefined), 'missing-token');
      const basic = await fetch(`${base}${e.path}`, {
        method: e.method,
        headers: { authorization: `Basic ${Buffer.from(`u:${good()}`).toString('base64')}` },
      });
      expect(basic.status).toBe(401);
      expect(((await basic.json()) as Json).code).toBe('missing-token');
    }
  });
});

describe('JWKS mode (RS256 from a key-set endpoint): a command and a query app', () => {
  const jwksClaims = (overrides: Json = {}) => claims(ISSUER, AUDIENCE, overrides);
  const good = (payload: Json = jwksClaims(), kid = 'rs-1') =>
    jwt({ alg: 'RS256', typ: 'JWT', kid }, payload, rsa(rsKey.privateKey));
  const spki = () => rsKey.publicKey.export({ format: 'pem', type: 'spki' });

  const cases: [string, () => string][] = [
    [
      'HS256 signed with the public key (PEM bytes): algorithm confusion',
      () => jwt({ alg: 'HS256', typ: 'JWT', kid: 'rs-1' }, jwksClaims(), hmac('sha256', Buffer.from(spki()))),
    ],
    [
      'HS256 signed with the public key (DER bytes): algorithm confusion',
      () =>
        jwt(
          { alg: 'HS256', typ: 'JWT', kid: 'rs-1' },
          jwksClaims(),
          hmac('sha256', rsKey.publicKey.export({ format: 'der', type: 'spki' })),
        ),
    ],
    [
      'HS256 signed with the development key',
      () => jwt({ alg: 'HS256', typ: 'JWT' }, jwksClaims(), hmac('sha256', h.secret)),
    ],
    ['alg "none"', () => jwt({ alg: 'none', typ: 'JWT', kid: 'rs-1' }, jwksClaims(), unsigned)],
    ['with an unknown key id', () => good(jwksClaims(), 'rs-unknown')],
    [
      'signed by another RSA key under the known key id',
      () =>
        jwt(
          { alg: 'RS256', typ: 'JWT', kid: 'rs-1' },
          jwksClaims(),
          rsa(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
        ),
    ],
    ['expired', () => good(jwksClaims({ iat: now() - 7200, exp: now() - 3600 }))],
    ['not valid yet', () => good(jwksClaims({ nbf: now() + 3600 }))],
    ['from another issuer', () => good(jwksClaims({ iss: DEV_ISSUER }))],
    ['for another audience', () => good(jwksClaims({ aud: 'https://payroll.example.nhs.uk/' }))],
    ['for several audiences, none of them ours', () => good(jwksClaims({ aud: ['a', 'b'] }))],
    ['with a tampered payload', () => tampered(good(), jwksClaims({ roles: ['admin'], org: 'NHS' }))],
  ];

  it('a good RS256 token is accepted by both', async () => {
    const token = remember(good());
    for (const e of endpoints()) {
      const r = await callEndpoint(jwksApps, e, token);
      expect(r.status, r.text).toBe(200);
    }
  });

  for (const [name, make] of cases) {
    it(`a token ${name} → 401 invalid-token on both, nothing written`, async () => {
      const token = remember(make());
      const before = await h.head();
      for (const e of endpoints()) expectRefused(await callEndpoint(jwksApps, e, token));
      expect(await h.head()).toBe(before);
    });
  }

  it('a key set that cannot be fetched is our failure, not the caller’s: 503 key-set-unavailable with Retry-After', async () => {
    const r = await call(
      jwksApps.deadKeySet,
      'POST',
      `/contracts/${contractId}/measurements`,
      remember(good()),
      measurement(),
    );
    expect(r.status, r.text).toBe(503);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body?.code).toBe('key-set-unavailable');
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    expectNoInternals(r.text);
  });
});

// Last: every request above carried a token (good or bad) and the commands an Idempotency-Key.
describe('the logs', () => {
  it('hold a line per request, and never a token, a signature or the signing secret', async () => {
    // requests that make the services log an error with its stack (the route-parameter bug pinned in
    // fuzz.int.test.ts), carrying a good token and an Idempotency-Key
    const token = remember(
      jwt({ alg: 'HS256', typ: 'JWT' }, claims(DEV_ISSUER, DEV_AUDIENCE), hmac('sha256', h.secret)),
    );
    must(await h.get(token, '/contracts'));
    let failed = false;
    for (const base of [h.commandUrl, h.queryUrl]) {
      const r = await call(
        base,
        base === h.commandUrl ? 'POST' : 'GET',
        '/contracts/%zz/measurements',
        token,
        base === h.commandUrl ? measurement() : undefined,
      );
      failed ||= r.status === 500;
      expectNoInternals(r.text);
    }
    // A request's line is written when its connection closes, which may be after the answer arrived: wait for them.
    await vi.waitUntil(
      () => logLines.filter((l) => l.includes('"msg":"request"') && l.includes('/contracts/%zz/measurements')).length >= 2,
      { timeout: 20_000, interval: 5 },
    );
    const text = logLines.join('');
    // while that bug lasts, the log holds errors with their stacks: they must not carry the token either
    if (failed) expect(text).toMatch(/"stack":/);

    // the capture works: requests were logged, refused ones included
    const requests = logLines.filter((l) => l.includes('"msg":"request"'));
    expect(requests.length).toBeGreaterThan(50);
    expect(text).toContain('"status":401');
    expect(text).toContain('"status":503');

    expect(sentTokens.length).toBeGreaterThan(30);
    for (const t of sentTokens) {
      expect(text.includes(t), `a token is in the log: ${t.slice(0, 20)}…`).toBe(false);
      const signature = t.split('.')[2] ?? '';
      if (signature.length >= 16) expect(text.includes(signature), 'a token signature is in the log').toBe(false);
    }
    const secret = Buffer.from(h.secret);
    for (const form of [
      secret.toString('hex'),
      secret.toString('base64'),
      secret.toString('base64url'),
      Array.from(secret).join(','),
    ]) {
      expect(text.includes(form), 'the signing secret is in the log').toBe(false);
    }
    expect(text).not.toContain(IDEMPOTENCY_KEY);
    expect(text.toLowerCase()).not.toContain('bearer ');
  });
});
