// Poison events (issue 6): an event in the log that the projection cannot apply stops the query service's projection
// at that event, with a clear error on /health (503, degraded, naming the event's position); nothing after it is
// projected, reads answer from the last good state, and a restart resumes from the checkpoint and stops at the same
// event again: never a silent skip. Only the operator's explicit LEDGER_PROJECTION_SKIP=<position> passes over it,
// and only if it really cannot be applied; the skip is logged and listed by /health.
// The poison is written straight into the store, as a faulty older writer or a hand edit would have left it.
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth, startService, stopService, type RunningService } from '@csu-ledger/cli';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { smallContract } from '../support/contracts.ts';

const CCG = '08J';
const CSU = '0AX';
// No periodic signing of chain heads (issue 5): the positions below are adjacent only if nothing else is written.
const env = {
  LEDGER_LOG_LEVEL: 'warn',
  LEDGER_RATE_LIMIT_BURST: '1000000',
  LEDGER_RATE_LIMIT_PER_SECOND: '1000000',
  LEDGER_SIGN_INTERVAL_MS: '0',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dataDir: string;
const running = {} as { command: RunningService; query: RunningService };
let admin: string;
let csu: string;
let ccg: string;

interface Health {
  status: string;
  position: string;
  failure?: { position: string; reason: string };
  skipped?: { position: string; streamName: string; type: string; reason: string }[];
}
const health = async (): Promise<{ code: number; body: Health }> => {
  const res = await fetch(`${running.query.url}/health`);
  return { code: res.status, body: (await res.json()) as Health };
};
/** Polls /health until `done` holds (the projector works in the background), or gives up after a few seconds. */
const healthWhen = async (
  done: (h: { code: number; body: Health }) => boolean,
): Promise<{ code: number; body: Health }> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const h = await health();
    if (done(h) || Date.now() > deadline) return h;
    await sleep(20);
  }
};

const post = async (token: string, path: string, body: unknown): Promise<bigint> => {
  const a = await call<{ position: string }>(running.command.url, token, 'POST', path, body);
  expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
  return BigInt(a.body.position);
};
const get = <T>(path: string, minPosition?: bigint) =>
  call<T>(
    running.query.url,
    ccg,
    'GET',
    path,
    undefined,
    minPosition === undefined ? {} : { 'X-Min-Position': minPosition.toString() },
  );

const agree = (contractId: string) => post(admin, '/contracts', smallContract(contractId, { ccg: CCG, csu: CSU }));
/** Delivered on the first of the next month, well before it is due: the month shows as met. */
const deliver = (contractId: string, month: string) => {
  const next = String(Number(month.slice(-2)) + 4).padStart(2, '0'); // 2025-26-M01 is April 2025
  return post(csu, `/contracts/${contractId}/deliveries`, { kpiId: 'K1', month, deliveredOn: `2025-${next}-01` });
};

interface Performance {
  kpis: { kpiId: string; months: { month: string; status: string }[] }[];
}
const delivered = async (contractId: string): Promise<string[]> => {
  const p = await get<Performance>(`/contracts/${contractId}/performance/2025-26-Q1`);
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  return p.body.kpis.flatMap((k) => k.months.filter((m) => m.status === 'met').map((m) => m.month));
};
const historyPositions = async (contractId: string): Promise<string[]> => {
  const h = await get<{ items: { position: string }[]; next: string | null }>(`/contracts/${contractId}/history?limit=1000`);
  expect(h.status).toBe(200);
  expect(h.body.next).toBeNull();
  return h.body.items.map((e) => e.position);
};

let poison: bigint;
let after: bigint;
let lastGood: bigint;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'csu-ledger-poison-'));
  const secret = await loadOrCreateDevSecret(dataDir);
  const both = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env });
  running.command = both.command;
  running.query = both.query;
  admin = await signDevToken(secret, { sub: 'poison-admin', name: 'Admin', org: 'NHS', roles: ['admin'] });
  csu = await signDevToken(secret, { sub: 'poison-csu', name: 'CSU officer', org: CSU, roles: ['csu'] });
  ccg = await signDevToken(secret, { sub: 'poison-ccg', name: 'CCG officer', org: CCG, roles: ['ccg'] });

  await agree('POISONED');
  await agree('HEALTHY');
  await deliver('POISONED', '2025-26-M01');
  lastGood = await deliver('HEALTHY', '2025-26-M01');
  expect((await get(`/contracts/HEALTHY`, lastGood)).status).toBe(200);

  // A variation whose effective quarter is not a quarter: the ledger fold throws on it (parseQuarterId).
  const store = createSqliteEventStore(join(dataDir, 'events.db'));
  try {
    const appended = await store.appendToStream(
      'contract-POISONED',
      [
        {
          eventId: crypto.randomUUID(),
          type: 'ContractVaried',
          data: {
            contractId: 'POISONED',
            effectiveQuarter: '2025-26-Q5',
            businessDate: '2025-06-01',
            annualFeePence: 1,
          },
          metadata: {
            actor: { sub: 'legacy-import', org: 'NHS', role: 'admin' },
            correlationId: 'poison',
            causationId: 'poison',
          },
        },
      ],
      { expectedRevision: 'any' },
    );
    poison = appended.events[0]!.position;
  } finally {
    await store.close();
  }
  // Later, valid commands on another contract: the command service accepts them; the projection must not.
  await deliver('HEALTHY', '2025-26-M02');
  after = await deliver('HEALTHY', '2025-26-M03');
}, 60_000);

afterAll(async () => {
  if (running.command) await stopService(running.command);
  if (running.query) await stopService(running.query);
  if (dataDir && !process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
});

describe('an event the projection cannot apply', () => {
  it('stops the projection just before it: /health answers 503 degraded, naming its position and the error', async () => {
    expect(poison).toBe(lastGood + 1n);
    const h = await healthWhen((x) => x.code === 503);
    expect(h).toEqual({
      code: 503,
      body: {
        status: 'degraded',
        service: 'query',
        position: lastGood.toString(),
        failure: { position: poison.toString(), reason: expect.stringContaining('not a quarter id') as unknown },
      },
    });
  });

  it('projects nothing after it, however long we wait: no skip', async () => {
    await sleep(300);
    expect((await health()).body.position).toBe(lastGood.toString());
    expect(await delivered('HEALTHY')).toEqual(['2025-26-M01']);
    expect(await historyPositions('HEALTHY')).not.toContain(after.toString());
  });

  it('still answers reads from the last good state; read-your-writes past it is refused with 503', async () => {
    expect(await delivered('POISONED')).toEqual(['2025-26-M01']);
    const contract = await get<{ contractId: string }>('/contracts/POISONED');
    expect(contract.status).toBe(200);
    expect(await historyPositions('POISONED')).not.toContain(poison.toString());
    const waited = await get('/contracts/HEALTHY', after);
    expect(waited.status).toBe(503);
    expect(waited.headers.get('retry-after')).toBe('1');
  });

  it('stops at the same event after a restart: the checkpoint did not move past it', async () => {
    await stopService(running.query);
    running.query = await startService('query', { dataDir, queryPort: 0, env });
    const h = await healthWhen((x) => x.code === 503);
    expect(h.code).toBe(503);
    expect(h.body).toMatchObject({
      status: 'degraded',
      position: lastGood.toString(),
      failure: { position: poison.toString() },
    });
    expect(await delivered('HEALTHY')).toEqual(['2025-26-M01']);
  });

  it('passes over it only by the operator override LEDGER_PROJECTION_SKIP, which is logged and listed by /health', async () => {
    await stopService(running.query);
    // The override also names a good event (the one after): it is projected as usual, never skipped.
    const override = `${poison},${after}`;
    running.query = await startService('query', {
      dataDir,
      queryPort: 0,
      env: { ...env, LEDGER_PROJECTION_SKIP: override },
    });
    const h = await healthWhen((x) => x.body.position === after.toString());
    expect(h).toEqual({
      code: 200,
      body: {
        status: 'ok',
        service: 'query',
        position: after.toString(),
        skipped: [
          {
            position: poison.toString(),
            streamName: 'contract-POISONED',
            type: 'ContractVaried',
            reason: expect.stringContaining('not a quarter id') as unknown,
          },
        ],
      },
    });
    expect(await delivered('HEALTHY')).toEqual(['2025-26-M01', '2025-26-M02', '2025-26-M03']);
    expect(await historyPositions('POISONED')).not.toContain(poison.toString());
    const log = await readFile(join(dataDir, 'logs', 'query.log'), 'utf8');
    const skips = log
      .split('\n')
      .filter((line) => line.includes('LEDGER_PROJECTION_SKIP') && line.includes(`"position":"${poison}"`));
    expect(skips).toHaveLength(1);
  });

  it('stays past it after a restart without the override: the skip was recorded with the checkpoint', async () => {
    await stopService(running.query);
    running.query = await startService('query', { dataDir, queryPort: 0, env });
    const next = await deliver('HEALTHY', '2025-26-M04');
    expect((await get('/contracts/HEALTHY', next)).status).toBe(200);
    expect(await health()).toEqual({ code: 200, body: { status: 'ok', service: 'query', position: next.toString() } });
  });
});
