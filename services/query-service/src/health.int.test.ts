// GET /health of the query service (issue 9): without a token (or with any but an auditor's) only status and
// position, never another organisation's stream names or error text; an auditor's token adds the details. The status
// code rule: 503 only when the projection as a whole is stopped or the log subscription is down; 200 `degraded` while
// some contracts are quarantined but the projection runs (so a load balancer keeps an instance that serves everyone
// else); 200 `ok` otherwise.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, signDevToken } from '@csu-ledger/auth';
import { healthRoute } from './health.ts';
import type { Projector, ProjectorStatus } from './projector.ts';

const secret = new Uint8Array(randomBytes(32));
let status: ProjectorStatus;
const projector: Projector = {
  status: () => status,
  waitFor: () => Promise.resolve(true),
  stop: () => undefined,
};
let server: Server;
let url: string;
const token = (role: 'auditor' | 'ccg' | 'admin', org = 'NHS') =>
  signDevToken(secret, { sub: `${role}-1`, name: role, org, roles: [role] });

beforeAll(async () => {
  const app = express();
  app.get('/health', healthRoute(projector, createTokenVerifier({ mode: 'dev', secret })));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});
afterAll(() => new Promise((r) => server.close(r)));

const health = async (bearer?: string) => {
  const res = await fetch(url, bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
};

const quarantined = {
  unit: 'contract:SECRET-1',
  position: '41',
  streamName: 'contract-SECRET-1.extra-0123456789ab',
  type: 'ExtraAccepted',
  eventId: '00000000-0000-4000-8000-000000000000',
  reason: 'financial year -1 out of range',
  parties: { ccg: '08J', csu: '0AX' },
  heldBack: 2,
  lastHeldPosition: '44',
};
const skipped = { position: '30', streamName: 'contract-OTHER', type: 'ContractVaried', reason: 'not a quarter id' };

describe('GET /health on the query service', () => {
  it('answers 200 ok with status and position alone when all is well', async () => {
    status = { position: 50n, failure: undefined, quarantined: [], skipped: [] };
    expect(await health()).toEqual({ code: 200, body: { status: 'ok', position: '50' } });
    expect(await health(await token('auditor'))).toEqual({ code: 200, body: { status: 'ok', position: '50' } });
  });

  it('answers 200 degraded while contracts are quarantined, naming nothing without an auditor’s token', async () => {
    status = { position: 50n, failure: undefined, quarantined: [quarantined], skipped: [skipped] };
    const bare = { code: 200, body: { status: 'degraded', position: '50' } };
    expect(await health()).toEqual(bare);
    expect(await health(await token('ccg', '08J'))).toEqual(bare); // even a party to the contract: its views say why
    expect(await health(await token('admin'))).toEqual(bare);
    expect(await health('not-a-token')).toEqual(bare); // a bad token is not refused here, and shows nothing more
    expect(await health(await token('auditor'))).toEqual({
      code: 200,
      body: { status: 'degraded', position: '50', quarantined: [quarantined], skipped: [skipped] },
    });
  });

  it('answers 503 unavailable when the projection as a whole is stopped or the subscription is down', async () => {
    const failure = { position: '51', reason: 'log subscription failed: connection reset; retrying in 500 ms' };
    status = { position: 50n, failure, quarantined: [quarantined], skipped: [] };
    expect(await health()).toEqual({ code: 503, body: { status: 'unavailable', position: '50' } });
    expect(await health(await token('auditor'))).toEqual({
      code: 503,
      body: { status: 'unavailable', position: '50', failure, quarantined: [quarantined] },
    });
  });

  it('is never cached', async () => {
    status = { position: 1n, failure: undefined, quarantined: [], skipped: [] };
    expect((await fetch(url)).headers.get('cache-control')).toBe('no-store');
  });
});
