import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@csu-ledger/domain';
import type { RequestHandler } from 'express';
import { baseApp, finishApp } from './app.ts';
import { jsonBody } from './body.ts';
import { createLogger } from './logger.ts';
import { HttpError } from './problem.ts';

const lines: string[] = [];
const logger = createLogger('http-test', 'info', { write: (line: string) => void lines.push(line) });

let server: Server;
let base: string;

/** Stands in for @csu-ledger/auth's authenticate: bodies are read only for a known caller (issue 9). */
const known: RequestHandler = (req, _res, next) => {
  Object.assign(req, { actor: { sub: 's', org: 'ORG', name: 'n', roles: ['csu'] }, issuer: 'test' });
  next();
};

beforeAll(async () => {
  const app = baseApp({ logger });
  app.post('/echo', known, jsonBody('1kb'), (req, res) => {
    res.json({ body: req.body as unknown, correlationId: req.correlationId });
  });
  app.get('/domain-error', () => {
    throw new DomainError('quarter-closed', '2025-26-Q1 is approved');
  });
  app.get('/domain-400', () => {
    throw new DomainError('invalid-input', 'month must look like 2025-26-M01', 'month');
  });
  app.get('/http-error', () => {
    throw new HttpError('not-ready', 'read models are behind', { headers: { 'Retry-After': '1' } });
  });
  app.get('/boom', () => {
    throw new Error('secret internals at /srv/app.ts:12');
  });
  app.get('/async-boom', async () => {
    await Promise.resolve();
    throw new Error('async internals');
  });
  app.get('/log', (req, res) => {
    req.log.info({ req: { headers: { authorization: req.get('authorization') } } }, 'with headers');
    res.json({ ok: true });
  });
  finishApp(app, { logger });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

const expectProblem = async (res: Response, status: number, code: string): Promise<Record<string, unknown>> => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `https://csu-ledger.nhs.example/problems/${code}` });
  expect(typeof body.title).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/ at |\.ts:\d/);
  return body;
};

describe('baseApp + finishApp over real HTTP', () => {
  it('parses a JSON body', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ body: { a: 1 } });
  });

  it('answers malformed JSON with 400 malformed-json', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a": 1,',
    });
    await expectProblem(res, 400, 'malformed-json');
  });

  it('answers a body over the limit with 413 payload-too-large', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filler: 'x'.repeat(2048) }),
    });
    await expectProblem(res, 413, 'payload-too-large');
  });

  it('answers a non-JSON body with 415 unsupported-media-type', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    await expectProblem(res, 415, 'unsupported-media-type');
  });

  it('lets a bodiless POST through', async () => {
    const res = await fetch(`${base}/echo`, { method: 'POST' });
    expect(res.status).toBe(200);
  });

  it('answers an unknown route with 404 not-found', async () => {
    const body = await expectProblem(await fetch(`${base}/nowhere`), 404, 'not-found');
    expect(body.detail).toBe('no such route');
  });

  it('maps a DomainError through the table', async () => {
    const body = await expectProblem(await fetch(`${base}/domain-error`), 409, 'quarter-closed');
    expect(body.detail).toBe('2025-26-Q1 is approved');
  });

  it('lists the field of a 400 DomainError under errors', async () => {
    const body = await expectProblem(await fetch(`${base}/domain-400`), 400, 'invalid-input');
    expect(body.errors).toEqual([{ path: 'month', message: 'month must look like 2025-26-M01' }]);
  });

  it('maps an HttpError with its headers', async () => {
    const res = await fetch(`${base}/http-error`);
    expect(res.headers.get('retry-after')).toBe('1');
    await expectProblem(res, 503, 'not-ready');
  });

  it.each(['/boom', '/async-boom'])('answers %s with 500 internal and no detail leaked', async (path) => {
    const res = await fetch(`${base}${path}`, { headers: { 'x-correlation-id': 'trace-500' } });
    const body = await expectProblem(res, 500, 'internal');
    expect(JSON.stringify(body)).not.toContain('internals');
    expect(body.correlationId).toBe('trace-500');
    const logged = lines.filter((l) => l.includes('unhandled error') && l.includes('trace-500'));
    expect(logged.length).toBeGreaterThan(0);
  });

  it('echoes a well-formed correlation id', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'abc-123:4.5_6' },
      body: '{}',
    });
    expect(res.headers.get('x-correlation-id')).toBe('abc-123:4.5_6');
    expect(await res.json()).toMatchObject({ correlationId: 'abc-123:4.5_6' });
  });

  it('replaces a missing or ill-formed correlation id with a UUID', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const none = await fetch(`${base}/nowhere`);
    expect(none.headers.get('x-correlation-id')).toMatch(uuid);
    const bad = await fetch(`${base}/nowhere`, { headers: { 'x-correlation-id': 'has spaces and <script>' } });
    expect(bad.headers.get('x-correlation-id')).toMatch(uuid);
  });

  it('turns off x-powered-by', async () => {
    expect((await fetch(`${base}/nowhere`)).headers.get('x-powered-by')).toBeNull();
  });

  it('never writes a bearer token to the log', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0b2tlbi10ZXN0In0.c2lnbmF0dXJlLXZhbHVl';
    const res = await fetch(`${base}/log?x=1`, {
      headers: { authorization: `Bearer ${token}`, 'x-correlation-id': 'trace-log' },
    });
    expect(res.status).toBe(200);
    const mine = lines.filter((l) => l.includes('trace-log'));
    expect(mine.some((l) => l.includes('"msg":"with headers"') && l.includes('[redacted]'))).toBe(true);
    expect(mine.some((l) => l.includes('"msg":"request"') && l.includes('"path":"/log"'))).toBe(true);
    expect(mine.join('\n')).not.toContain(token);
  });
});
