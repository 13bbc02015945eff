// jsonBody over real HTTP (issue 9): numbers judged from the request's text, bodies read only for a known caller.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseApp, finishApp } from './app.ts';
import { jsonBody } from './body.ts';
import { createLogger } from './logger.ts';

const logger = createLogger('body-test', 'silent');
let server: Server;
let base: string;

/** Stands in for @csu-ledger/auth's authenticate. */
const known: RequestHandler = (req, _res, next) => {
  Object.assign(req, { actor: { sub: 's', org: 'ORG', name: 'n', roles: ['csu'] }, issuer: 'test' });
  next();
};

beforeAll(async () => {
  const app = baseApp({ logger });
  const echo: RequestHandler = (req, res) => {
    res.json({ body: req.body as unknown });
  };
  app.post('/echo', known, jsonBody('64kb'), echo);
  // mounted without authentication: must refuse to read rather than read for anyone
  app.post('/unguarded', jsonBody('64kb'), echo);
  finishApp(app, { logger });
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (path: string, text: string) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });

describe('numbers are judged from the text of the request (DOMAIN.md: Limits)', () => {
  it.each([
    ['{"amountPence":100}', 100],
    ['{"amountPence":0}', 0],
    ['{"amountPence":-5}', -5], // a sign is plain JSON; the schemas refuse negative amounts
    ['{"amountPence":100000000000}', 100_000_000_000],
  ])('%s is read as it is written', async (text, value) => {
    const res = await post('/echo', text);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { amountPence: value } });
  });

  it.each([
    ['100.0000000000000001', 'amountPence'],
    ['100.0', 'amountPence'],
    ['1e2', 'amountPence'],
    ['1E+2', 'amountPence'],
    ['-0.0', 'amountPence'],
    ['1.5', 'amountPence'],
  ])('%s → 400 validation-failed naming the field, never the double it would round to', async (literal, field) => {
    const res = await post('/echo', `{"amountPence":${literal},"note":"1.5"}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
    expect(body.code).toBe('validation-failed');
    expect(body.errors).toEqual([{ path: field, message: expect.stringContaining(literal) as unknown }]);
  });

  it('names every such number, however deep, by its path', async () => {
    const res = await post('/echo', '{"kpis":[{"weightBp":4000},{"weightBp":6e3}],"netPayablePence":1.0,"n":[1,2.50]}');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { path: string }[] };
    expect(body.errors.map((e) => e.path).sort()).toEqual(['kpis.1.weightBp', 'n.1', 'netPayablePence']);
  });

  it('a bare number as the whole body is malformed JSON for us (objects and arrays only)', async () => {
    expect((await post('/echo', '1.5')).status).toBe(400);
  });
});

describe('a body is read only for a known caller', () => {
  it('jsonBody mounted before authentication refuses to read: 401, never the echo', async () => {
    const res = await post('/unguarded', '{"a":1}');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('missing-token');
  });

  it('a body read to its end keeps the connection open; a refusal before reading it closes it', async () => {
    const read = await post('/echo', '{"a":1}');
    expect(read.headers.get('connection')).not.toBe('close');
    // a body of many socket reads, refused unread: the answer says the connection closes
    const unread = await post('/unguarded', JSON.stringify({ filler: 'x'.repeat(1_000_000) }));
    expect(unread.status).toBe(401);
    expect(unread.headers.get('connection')).toBe('close');
  });
});
