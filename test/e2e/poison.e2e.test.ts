// Poison events (issues 6 and 9), both services as processes: an event in the log that the projection cannot apply
// is confined to the contract it concerns. The case: a contract agreed on business date 0000-01-01 and an
// extra accepted on 0000-01-03 ("financial year -1 out of range"). That contract's views answer 503
// `projection-failed` with the reason and the position, to those who may see it; another organisation's contract
// stays live and current, X-Min-Position waits for it succeed, /health answers 200 `degraded` with status and
// position only (details for auditors), the failure is logged at error, survives a restart, and `pnpm ledger rebuild`
// reproduces it (exit 0, identical, a warning naming it). Never a silent skip: only the operator's explicit
// LEDGER_PROJECTION_SKIP=<position> passes over the event, releasing the contract, logged and listed.
// The poisoned contract is written straight into the store, as a faulty older writer or a hand edit would have left it
// (the command service refuses such dates).
import { execFile } from 'node:child_process';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { startBoth, startService, stopService, type RunningService } from '@csu-ledger/cli';
// Every answer is held to the services' OpenAPI documents (issue 10).
import { checkedCall as call } from '../support/openapi.ts';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { smallContract } from '../support/contracts.ts';

const POISONED = { ccg: '08J', csu: '0AX' };
const HEALTHY = { ccg: '36L', csu: '0AY' }; // two other organisations
// No periodic signing of chain heads (issue 5): the positions below are adjacent only if nothing else is written.
const env = {
  LEDGER_LOG_LEVEL: 'warn',
  LEDGER_RATE_LIMIT_BURST: '1000000',
  LEDGER_RATE_LIMIT_PER_SECOND: '1000000',
  LEDGER_SIGN_INTERVAL_MS: '86400000', // none during the test (issue 14: it cannot be turned off)
};
const CLI = join(import.meta.dirname, '../../services/cli/src/main.ts');

let dataDir: string;
const running = {} as { command: RunningService; query: RunningService };
const tokens = {} as Record<'admin' | 'csu' | 'ccg' | 'poisonedCcg' | 'auditor', string>;

interface Health {
  status: string;
  position: string;
  failure?: { position: string; reason: string };
  quarantined?: {
    unit: string;
    position: string;
    streamName: string;
    type: string;
    reason: string;
    heldBack: number;
  }[];
  skipped?: { position: string; streamName: string; type: string; reason: string }[];
}
const health = async (token?: string): Promise<{ code: number; body: Health; text: string }> => {
  const res = await fetch(
    `${running.query.url}/health`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  const text = await res.text();
  return { code: res.status, body: JSON.parse(text) as Health, text };
};
/** Polls /health until `done` holds (the projector works in the background), or gives up after a while. */
const healthWhen = async (done: (h: { code: number; body: Health }) => boolean, token?: string) => {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const h = await health(token);
    if (done(h) || Date.now() > deadline) return h;
    await new Promise((r) => setTimeout(r, 20));
  }
};

const post = async (token: string, path: string, body: unknown): Promise<bigint> => {
  const a = await call<{ position: string }>(running.command.url, token, 'POST', path, body);
  expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
  return BigInt(a.body.position);
};
const get = <T>(token: string, path: string, minPosition?: bigint) =>
  call<T>(
    running.query.url,
    token,
    'GET',
    path,
    undefined,
    minPosition === undefined ? {} : { 'X-Min-Position': minPosition.toString() },
  );

/** Delivered on the first of the next month, well before it is due: the month shows as met. */
const deliver = (contractId: string, month: string) => {
  const next = String(Number(month.slice(-2)) + 4).padStart(2, '0'); // 2025-26-M01 is April 2025
  return post(tokens.csu, `/contracts/${contractId}/deliveries`, {
    kpiId: 'K1',
    month,
    deliveredOn: `2025-${next}-01`,
  });
};

interface Performance {
  kpis: { kpiId: string; months: { month: string; status: string }[] }[];
}
const delivered = async (token: string, contractId: string, minPosition?: bigint): Promise<string[]> => {
  const p = await get<Performance>(token, `/contracts/${contractId}/performance/2025-26-Q1`, minPosition);
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  return p.body.kpis.flatMap((k) => k.months.filter((m) => m.status === 'met').map((m) => m.month));
};

const rebuildCli = (args: string[] = []) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'rebuild', ...args],
      { env: { ...process.env, LEDGER_DATA_DIR: dataDir } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });

const EXTRA = 'POISONED.extra-00000000000a';
let poison: bigint;
let held: bigint;
let after: bigint;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'csu-ledger-poison-'));
  const secret = await loadOrCreateDevSecret(dataDir);
  const both = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env });
  running.command = both.command;
  running.query = both.query;
  const sign = (sub: string, org: string, role: 'admin' | 'csu' | 'ccg' | 'auditor') =>
    signDevToken(secret, { sub, name: sub, org, roles: [role] });
  tokens.admin = await sign('poison-admin', 'NHS', 'admin');
  tokens.csu = await sign('healthy-csu', HEALTHY.csu, 'csu');
  tokens.ccg = await sign('healthy-ccg', HEALTHY.ccg, 'ccg');
  tokens.poisonedCcg = await sign('poisoned-ccg', POISONED.ccg, 'ccg');
  tokens.auditor = await sign('auditor', 'NHS', 'auditor');

  await post(tokens.admin, '/contracts', smallContract('HEALTHY', HEALTHY));
  await deliver('HEALTHY', '2025-26-M01');

  const store = createSqliteEventStore(join(dataDir, 'events.db'));
  const metadata = {
    actor: { sub: 'legacy-import', name: 'Legacy import', org: 'NHS', role: 'admin' },
    correlationId: 'poison',
    causationId: 'poison',
  };
  const append = async (stream: string, type: string, data: unknown) =>
    (
      await store.appendToStream(stream, [{ eventId: crypto.randomUUID(), type, data, metadata }], {
        expectedRevision: 'any',
      })
    ).events[0]!.position;
  try {
    await append('contract-POISONED', 'ContractAgreed', {
      ...smallContract('POISONED', POISONED),
      businessDate: '0000-01-01',
    });
    const extra = { extraId: EXTRA, contractId: 'POISONED' };
    await append(`contract-${EXTRA}`, 'ExtraRaised', {
      ...extra,
      amountPence: 5_000,
      description: 'Extra work',
      serviceLine: 'finance',
      requestedBy: 'someone',
      businessDate: '0000-01-02',
    });
    poison = await append(`contract-${EXTRA}`, 'ExtraAccepted', {
      ...extra,
      amountPence: 5_000,
      businessDate: '0000-01-03',
    });
    held = await append('contract-POISONED', 'DeliverableDelivered', {
      contractId: 'POISONED',
      kpiId: 'K1',
      month: '2025-26-M01',
      deliveredOn: '2025-05-01',
      businessDate: '2025-05-01',
    });
  } finally {
    await store.close();
  }
  // Later, valid commands on the other organisations' contract.
  await deliver('HEALTHY', '2025-26-M02');
  after = await deliver('HEALTHY', '2025-26-M03');
}, 60_000);

afterAll(async () => {
  if (running.command) await stopService(running.command);
  if (running.query) await stopService(running.query);
  if (dataDir && !process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
});

describe('an event the projection cannot apply', () => {
  it('leaves the projection running past it: /health is 200 degraded, with status and position alone', async () => {
    const h = await healthWhen((x) => x.body.position === after.toString());
    expect({ code: h.code, body: h.body }).toEqual({
      code: 200,
      body: { status: 'degraded', position: after.toString() },
    });
    expect(h.text).not.toContain('POISONED');
    expect(h.text).not.toContain('financial year');
  });

  it('keeps the other organisations’ reads live and current, read-your-writes included', async () => {
    expect(await delivered(tokens.ccg, 'HEALTHY', after)).toEqual(['2025-26-M01', '2025-26-M02', '2025-26-M03']);
    const history = await get<{ items: { position: string }[] }>(tokens.ccg, '/contracts/HEALTHY/history', after);
    expect(history.status).toBe(200);
    expect(history.body.items.map((e) => e.position)).toContain(after.toString());
    const next = await deliver('HEALTHY', '2025-26-M04');
    expect((await get(tokens.ccg, '/contracts/HEALTHY', next)).status).toBe(200);
  });

  it('answers 503 projection-failed for the poisoned contract’s views, with the reason and the position', async () => {
    for (const path of [
      '/contracts/POISONED',
      '/contracts/POISONED/settlements/2025-26-Q1',
      '/contracts/POISONED/extras',
      '/contracts/POISONED/history',
      '/contracts/POISONED/settlements/2025-26-Q1?asOf=2025-06-30',
    ]) {
      for (const token of [tokens.poisonedCcg, tokens.auditor]) {
        const a = await get<Record<string, unknown>>(token, path, after);
        expect({ path, status: a.status, type: a.headers.get('content-type') }).toEqual({
          path,
          status: 503,
          type: expect.stringContaining('application/problem+json') as unknown,
        });
        expect(a.body).toMatchObject({
          code: 'projection-failed',
          status: 503,
          position: poison.toString(),
          reason: 'financial year -1 out of range',
          detail: expect.stringContaining(`log position ${poison}`) as unknown,
        });
      }
    }
    // another organisation is not told the contract exists
    const other = await get<{ code: string }>(tokens.ccg, '/contracts/POISONED', after);
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 404, code: 'not-found' });
    // a sum over the commissioner's contracts would be silently wrong without it: refused too, for that one alone
    const spend = '/support-spend?year=2025-26';
    const poisonedSpend = await get<{ code: string }>(tokens.poisonedCcg, `/organisations/${POISONED.ccg}${spend}`);
    expect({ status: poisonedSpend.status, code: poisonedSpend.body.code }).toEqual({
      status: 503,
      code: 'projection-failed',
    });
    expect((await get(tokens.ccg, `/organisations/${HEALTHY.ccg}${spend}`)).status).not.toBe(503);
  });

  it('lists it to auditors on /health, its held-back event counted, and logs it at error', async () => {
    const h = await health(tokens.auditor);
    expect(h.code).toBe(200);
    expect(h.body.quarantined).toEqual([
      {
        unit: 'contract:POISONED',
        position: poison.toString(),
        streamName: `contract-${EXTRA}`,
        type: 'ExtraAccepted',
        eventId: expect.any(String) as unknown,
        reason: 'financial year -1 out of range',
        parties: POISONED,
        heldBack: 1,
        lastHeldPosition: held.toString(),
      },
    ]);
    const log = (await readFile(join(dataDir, 'logs', 'query.log'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '');
    // The projection's own errors; the 503s it answered for the contract are logged at error too, as requests.
    const errors = log
      .map((l) => JSON.parse(l) as { level: number; msg: string; unit?: string; position?: string })
      .filter((l) => l.level === 50 && l.msg !== 'request failed');
    expect(errors).toMatchObject([{ unit: 'contract:POISONED', position: poison.toString() }]);
  });

  it('keeps the quarantine after a restart, and the others stay live', async () => {
    await stopService(running.query);
    running.query = await startService('query', { dataDir, queryPort: 0, env });
    const next = await deliver('HEALTHY', '2025-26-M05');
    expect((await get(tokens.ccg, '/contracts/HEALTHY', next)).status).toBe(200);
    expect((await health()).body).toEqual({ status: 'degraded', position: next.toString() });
    expect((await health(tokens.auditor)).body.quarantined).toMatchObject([
      { position: poison.toString(), heldBack: 1 },
    ]);
    expect((await get(tokens.poisonedCcg, '/contracts/POISONED', next)).status).toBe(503);
  });

  it('is reproduced by pnpm ledger rebuild: identical read models, exit 0, a warning naming the contract', async () => {
    const { code, stdout } = await rebuildCli();
    expect(stdout).toContain('identical');
    expect(stdout).toContain('WARNING: 1 contract or register entry could not be projected');
    expect(stdout).toContain(
      `contract:POISONED: event at position ${poison} (ExtraAccepted in contract-${EXTRA}): financial year -1 out of range; 1 later event held back`,
    );
    expect(code).toBe(0);
  });

  it('is passed over only by the operator override LEDGER_PROJECTION_SKIP, releasing the contract, logged and listed', async () => {
    await stopService(running.query);
    running.query = await startService('query', {
      dataDir,
      queryPort: 0,
      env: { ...env, LEDGER_PROJECTION_SKIP: poison.toString() },
    });
    const h = await healthWhen((x) => x.body.status === 'ok', tokens.auditor);
    expect(h.code).toBe(200);
    expect(h.body.skipped).toEqual([
      {
        position: poison.toString(),
        streamName: `contract-${EXTRA}`,
        type: 'ExtraAccepted',
        reason: 'financial year -1 out of range',
      },
    ]);
    expect(h.body.quarantined).toBeUndefined();
    expect(await delivered(tokens.poisonedCcg, 'POISONED')).toEqual(['2025-26-M01']); // the held-back delivery
    const log = await readFile(join(dataDir, 'logs', 'query.log'), 'utf8');
    const skips = log
      .split('\n')
      .filter((line) => line.includes('LEDGER_PROJECTION_SKIP') && line.includes(`"position":"${poison}"`));
    expect(skips).toHaveLength(1);
  });

  it('stays released after a restart without the override', async () => {
    await stopService(running.query);
    running.query = await startService('query', { dataDir, queryPort: 0, env });
    const next = await deliver('HEALTHY', '2025-26-M06');
    expect((await get(tokens.ccg, '/contracts/HEALTHY', next)).status).toBe(200);
    expect(await health()).toMatchObject({ code: 200, body: { status: 'ok', position: next.toString() } });
    expect((await get(tokens.poisonedCcg, '/contracts/POISONED', next)).status).toBe(200);
  });
});
