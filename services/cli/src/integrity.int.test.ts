// Issue 5 end to end in one process: the real command app (hash-chained events, heads signed at the approval), the
// real query app (GET /audit/verify), and `pnpm ledger verify` / `export` as separate processes on the same data
// folder. Then the store and an exported file are tampered with, and each check must name the place.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevSecret } from '@csu-ledger/auth';
import { createCommandApp } from '@csu-ledger/command-service';
import { createSqliteEventStore, type RecordedEvent } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { createHeadSigner, HEADS_STREAM, loadOrCreateSigningKey, loadPublicKey, parseHeadsSigned } from '@csu-ledger/integrity';
import { createQueryApp, openReadModels, startProjector } from '@csu-ledger/query-service';
import { call } from './client.ts';
import { runLedger } from './fixtures/run-ledger.ts';
import { loadDemo, tokenFor } from './demo.ts';
import { CONTRACT_ID, DEMO_ACTORS } from './worked-example.ts';

const ROOT = `contract-${CONTRACT_ID}`;
const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-integrity-cli-'));
const store = createSqliteEventStore(join(dir, 'events.db'));
const logger = createLogger('integrity-test', 'silent');
const servers: Server[] = [];
let queryUrl = '';
let secret: Uint8Array;
let approval: RecordedEvent;

const listen = async (app: { listen: (port: number, host: string) => Server }): Promise<string> => {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** `pnpm ledger <args>`, as its own process on the test's data folder. */
const ledger = (args: string[], env: Record<string, string> = {}) => runLedger(dir, args, env);

const auditVerify = async (who: (typeof DEMO_ACTORS)[keyof typeof DEMO_ACTORS]) => call(queryUrl, await tokenFor(secret, who), 'GET', '/audit/verify');

beforeAll(async () => {
  secret = await loadOrCreateDevSecret(dir);
  const verify = createTokenVerifier({ mode: 'dev', secret });
  const clock = () => new Date('2026-11-24T12:00:00Z');
  const key = await loadOrCreateSigningKey({ dataDir: dir });
  const signer = createHeadSigner({ store, key });
  const commandUrl = await listen(createCommandApp({ store, verify, logger, clock, signer }));
  const models = openReadModels(join(dir, 'read-models.db'));
  const projector = startProjector(store, models, logger);
  queryUrl = await listen(createQueryApp({ store, models, projector, verify, logger, clock, integrityKey: () => loadPublicKey({ dataDir: dir }) }));
  await loadDemo(commandUrl, secret);
  await signer.signChanged(); // the periodic signing, which would come within the minute (issue 14: a log must be signed)
  const approved = await call<{ position: string }>(commandUrl, await tokenFor(secret, DEMO_ACTORS.ccg), 'POST', `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1/approval`, {
    businessDate: '2025-07-21',
    netPayablePence: 41_700_000,
  });
  expect(approved.status).toBe(200);
  approval = (await store.readStream(ROOT)).at(-1)!;
  expect(approval.position.toString()).toBe(approved.body.position);
  // One more event after the approval, so an export as at the approval leaves it out too.
  await loadDemo(commandUrl, secret, [
    { as: DEMO_ACTORS.csu, path: `/contracts/${CONTRACT_ID}/measurements`, body: { kpiId: 'K3', month: '2025-26-M04', achievedBp: 9400, businessDate: '2025-08-05' } },
  ]);
}, 30_000);
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the command service signs at each settlement approval', () => {
  it("signs the heads of the contract's group straight after the approval, before answering", async () => {
    const [signed] = (await store.readStream(HEADS_STREAM)).filter((e) => e.position > approval.position);
    expect(signed!.position).toBe(approval.position + 1n);
    const data = parseHeadsSigned(signed!.data)!;
    const group = await store.readStreamGroup(ROOT);
    const streams = new Set(group.map((e) => e.streamName));
    expect(data.heads.map((h) => h.streamName).sort()).toEqual([...streams].sort());
    expect(data.heads.find((h) => h.streamName === ROOT)).toEqual({
      streamName: ROOT,
      revision: approval.revision,
      hash: (approval.metadata.integrity as { hash: string }).hash,
    });
  });
});

describe('GET /audit/verify', () => {
  it('answers an auditor with the verdict and a summary', async () => {
    const { status, body } = await auditVerify(DEMO_ACTORS.auditor);
    expect(status).toBe(200);
    expect(body).toMatchObject({ verdict: 'intact', summary: { signatures: 2, throughPosition: (await store.headPosition()).toString() } });
    expect((body as { summary: { events: number } }).summary.events).toBe(Number(await store.headPosition()));
  });

  it('refuses everyone else', async () => {
    for (const who of [DEMO_ACTORS.ccg, DEMO_ACTORS.csu, DEMO_ACTORS.admin]) {
      const { status, body } = await auditVerify(who);
      expect(status).toBe(403);
      expect(body).toMatchObject({ code: 'forbidden' });
    }
    expect((await fetch(`${queryUrl}/audit/verify`)).status).toBe(401);
  });
});

describe('pnpm ledger verify and export', () => {
  const exported = join(dir, 'kin.ndjson');

  it('verify: exit 0 and a one-line summary when the log is intact', async () => {
    const { code, stdout } = await ledger(['verify']);
    expect(stdout).toMatch(/^intact: \d+ events and 2 signed heads in \d+ streams through position \d+; 2 signatures valid \(key [0-9a-f]{64}\)/);
    expect(stdout).toMatch(/latest signed at .* \(interval 1 min\); 1 event awaiting a signature/);
    expect(code).toBe(0);
  });

  it('verify: exit 1 with unsigned-key when told to trust another public key', async () => {
    const other = join(dir, 'other.pub.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const { code, stdout } = await ledger(['verify', '--public-key', other]);
    expect(stdout).toMatch(/^stream integrity-heads revision 0 position \d+: unsigned-key — /);
    expect(code).toBe(1);
  });

  it('export writes the contract history as NDJSON with hashes, which verify --file checks offline', async () => {
    const written = await ledger(['export', '--contract', CONTRACT_ID, '--out', exported]);
    expect(written.code).toBe(0);
    // Issue 10: export and verify count alike.
    const counts = /exported (\d+ events and 2 signed heads) of contract KIN-0AX-2025/.exec(written.stderr)?.[1];
    expect(counts, written.stderr).toBeDefined();
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n');
    const group = await store.readStreamGroup(ROOT);
    expect(lines).toHaveLength(group.length + 2);
    const first = JSON.parse(lines[0]!) as { position: string; streamName: string; metadata: { integrity: { hash: string; previous: null } } };
    expect(first).toMatchObject({ position: group[0]!.position.toString(), streamName: ROOT, metadata: { integrity: { previous: null } } });
    // stdout by default, the same lines
    expect((await ledger(['export', '--contract', CONTRACT_ID])).stdout).toBe(readFileSync(exported, 'utf8'));
    const checked = await ledger(['verify', '--file', exported]);
    expect(checked.stdout.startsWith(`intact: ${counts} in `)).toBe(true);
    expect(checked.code).toBe(0);
  });

  it('export --asAt shows what was recorded by then, and still verifies', async () => {
    const before = new Date(Date.parse(approval.recordedAt) - 1).toISOString();
    const file = join(dir, 'before-approval.ndjson');
    expect((await ledger(['export', '--contract', CONTRACT_ID, '--asAt', before, '--out', file])).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('SettlementApproved');
    expect(text.match(/ChainHeadsSigned/g)).toHaveLength(1); // the periodic signing, not the approval's
    expect((await ledger(['verify', '--file', file])).code).toBe(0);
  });

  // Issue 9, item 5: an instant without an offset was read in the host's time zone, 2025-02-30 became 2 March.
  it('export --asAt refuses what the query service refuses: no offset, no such date, the future', async () => {
    for (const [asAt, message] of [
      ['2025-07-21T12:00:00', /UTC offset/],
      ['2025-02-30T12:00:00Z', /not a date in the calendar/],
      ['9999-12-31T23:59:59Z', /in the future/],
    ] as const) {
      const r = await ledger(['export', '--contract', CONTRACT_ID, '--asAt', asAt]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
  });

  it('verify --file: exit 1 naming the line altered in the file', async () => {
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n');
    const i = lines.findIndex((l) => l.includes('"netPayablePence":41700000'));
    const target = JSON.parse(lines[i]!) as { revision: number; position: string };
    lines[i] = lines[i]!.replace('"netPayablePence":41700000', '"netPayablePence":51700000');
    const tampered = join(dir, 'tampered.ndjson');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const { code, stdout } = await ledger(['verify', '--file', tampered]);
    expect(stdout).toBe(`stream ${ROOT} revision ${target.revision} position ${target.position}: altered — ${stdout.split(' — ')[1]}`);
    expect(stdout).toContain(`(line ${i + 1})`);
    expect(code).toBe(1);
  });

  it('usage problems exit 2: no store, no contract', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'csu-ledger-integrity-empty-'));
    try {
      const none = await ledger(['verify'], { LEDGER_DATA_DIR: empty });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/no integrity public key|no event store/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const missing = await ledger(['export', '--contract', 'NO-SUCH']);
    expect(missing.stderr).toMatch(/no contract NO-SUCH/);
    expect(missing.code).toBe(2);
  });

  // Last: it changes the store for good.
  it('after a field is altered in the store: verify exits 1 naming it, and /audit/verify says tampered', async () => {
    const [agreed] = await store.readStream(ROOT);
    const db = new Database(join(dir, 'events.db'));
    db.prepare(`UPDATE events SET data = json_set(data, '$.annualFeePence', 150000000) WHERE position = ?`).run(agreed!.position);
    db.close();
    const { code, stdout } = await ledger(['verify']);
    expect(stdout).toMatch(new RegExp(`^stream ${ROOT} revision 0 position ${agreed!.position}: altered — `));
    expect(code).toBe(1);
    const { body } = await auditVerify(DEMO_ACTORS.auditor);
    expect(body).toMatchObject({ verdict: 'tampered', problem: { kind: 'altered', streamName: ROOT, revision: 0, position: agreed!.position.toString() } });
  });
});
