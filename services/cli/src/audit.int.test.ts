// Issue 14 end to end in one process: the real command app (its signer signing after approvals, reloading a rotated
// key), the real query app (GET /audit/verify?receipt=…), and `pnpm ledger receipt`, `verify --receipt` and
// `rotate-key` as separate processes on the same data folder. The worked example's approval answers with a receipt
// the CCG keeps; it still holds after a key change, and names the approval once the log is rewritten under it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevSecret } from '@csu-ledger/auth';
import { createCommandApp } from '@csu-ledger/command-service';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { createHeadSigner, eventHash, HEADS_STREAM, loadOrCreateSigningKey, loadPublicKey, loadSigningKeyById, type Receipt } from '@csu-ledger/integrity';
import { createQueryApp, openReadModels, startProjector } from '@csu-ledger/query-service';
import { call } from './client.ts';
import { loadDemo, tokenFor } from './demo.ts';
import { runLedger } from './fixtures/run-ledger.ts';
import { CONTRACT_ID, DEMO_ACTORS } from './worked-example.ts';

const ROOT = `contract-${CONTRACT_ID}`;
const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-audit-cli-'));
const store = createSqliteEventStore(join(dir, 'events.db'));
const logger = createLogger('audit-test', 'silent');
const servers: Server[] = [];
let commandUrl = '';
let queryUrl = '';
let secret: Uint8Array;
let approved: Awaited<ReturnType<typeof call<{ position: string; receipt: Receipt }>>>;
const receiptFile = join(dir, 'kin-2025-26-q1.receipt.json');

const listen = async (app: { listen: (port: number, host: string) => Server }): Promise<string> => {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const ledger = (args: string[]) => runLedger(dir, args);
const as = async (who: (typeof DEMO_ACTORS)[keyof typeof DEMO_ACTORS]) => tokenFor(secret, who);
const auditVerify = async (query: string, who: (typeof DEMO_ACTORS)[keyof typeof DEMO_ACTORS] = DEMO_ACTORS.auditor) => call<Record<string, unknown>>(queryUrl, await as(who), 'GET', `/audit/verify${query}`);

beforeAll(async () => {
  secret = await loadOrCreateDevSecret(dir);
  const verify = createTokenVerifier({ mode: 'dev', secret });
  const clock = () => new Date('2026-11-24T12:00:00Z');
  const settings = { dataDir: dir };
  // As main.ts builds it: the key in force is reloaded from the key file after a rotation.
  const signer = createHeadSigner({ store, key: await loadOrCreateSigningKey(settings), reloadKey: (id) => loadSigningKeyById(settings, id) });
  commandUrl = await listen(createCommandApp({ store, verify, logger, clock, signer }));
  const models = openReadModels(join(dir, 'read-models.db'));
  const projector = startProjector(store, models, logger);
  queryUrl = await listen(createQueryApp({ store, models, projector, verify, logger, clock, integrityKey: () => loadPublicKey(settings) }));
  await loadDemo(commandUrl, secret);
  await signer.signChanged('start');
  approved = await call<{ position: string; receipt: Receipt }>(commandUrl, await as(DEMO_ACTORS.ccg), 'POST', `/contracts/${CONTRACT_ID}/settlements/2025-26-Q1/approval`, {
    businessDate: '2025-07-21',
    netPayablePence: 41_700_000,
  });
  writeFileSync(receiptFile, JSON.stringify(approved.body.receipt, null, 2));
}, 30_000);
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the worked example's approval", () => {
  it('answers with its receipt: the signed head of the contract group that covers the approval', async () => {
    expect(approved.status).toBe(200);
    const approval = (await store.readStream(ROOT)).at(-1)!;
    const [signed] = (await store.readStream(HEADS_STREAM)).filter((e) => e.position > approval.position);
    const { receipt } = approved.body;
    expect(receipt).toMatchObject({
      format: 'csu-ledger-receipt/1',
      contractId: CONTRACT_ID,
      quarter: '2025-26-Q1',
      event: { streamName: ROOT, revision: approval.revision, position: approved.body.position, eventId: approval.eventId, type: 'SettlementApproved' },
      signedHead: { streamName: HEADS_STREAM, revision: signed!.revision, position: signed!.position.toString(), trigger: { kind: 'group', root: ROOT }, intervalMs: 60_000 },
      keyChanges: [],
    });
    const streams = new Set((await store.readStreamGroup(ROOT)).map((e) => e.streamName));
    expect(receipt.signedHead.heads.map((h) => h.streamName).sort()).toEqual([...streams].sort());
    // Small enough to keep with the CCG's own records.
    expect(readFileSync(receiptFile, 'utf8').length).toBeLessThan(4_000);
  });

  it('is the receipt `pnpm ledger receipt --contract` prints, which `verify --receipt` finds holding', async () => {
    const printed = await ledger(['receipt', '--contract', CONTRACT_ID]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(approved.body.receipt);
    expect(printed.stderr).toMatch(/^receipt of SettlementApproved at position \d+: signed head at position \d+/);
    const checked = await ledger(['verify', '--receipt', receiptFile]);
    expect(checked.stdout).toMatch(
      new RegExp(`^receipt holds for contract ${CONTRACT_ID} 2025-26-Q1: SettlementApproved at position ${approved.body.position} .* the \\d+ streams it vouches for \\(\\d+ events\\) are unchanged in the log`),
    );
    expect(checked.code).toBe(0);
    const whole = await ledger(['receipt']);
    expect(JSON.parse(whole.stdout)).toMatchObject({ signedHead: { streamName: HEADS_STREAM } });
    const none = await ledger(['receipt', '--contract', 'NO-SUCH']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no receipt for contract NO-SUCH/);
  });

  it('is checked by GET /audit/verify?receipt=… for auditors, as JSON or base64url, with strict parameters', async () => {
    const json = JSON.stringify(approved.body.receipt);
    const holds = await auditVerify(`?receipt=${encodeURIComponent(json)}`);
    expect(holds).toMatchObject({ status: 200, body: { verdict: 'holds', summary: { contractId: CONTRACT_ID, quarter: '2025-26-Q1', signedHeadInLog: true } } });
    expect((await auditVerify(`?receipt=${Buffer.from(json).toString('base64url')}`)).body).toMatchObject({ verdict: 'holds' });
    const bad = await auditVerify(`?receipt=${encodeURIComponent('{"format":"csu-ledger-receipt/1"}')}`);
    expect(bad).toMatchObject({ status: 400, body: { code: 'validation-failed', errors: [{ path: 'receipt', message: expect.stringMatching(/not one: signedHead/) as unknown }] } });
    const twice = await auditVerify(`?receipt=a&receipt=b`);
    expect(twice.body).toMatchObject({ errors: [{ path: 'receipt', message: 'receipt must be given once' }] });
    expect((await auditVerify(`?receipt=${encodeURIComponent(json)}`, DEMO_ACTORS.ccg)).status).toBe(403);
  });
});

describe('pnpm ledger rotate-key', () => {
  it("records a new key signed by the old; the command service signs with it, and the old receipt still holds", async () => {
    const rotated = await ledger(['rotate-key']);
    expect(rotated.stdout).toMatch(/^key changed: [0-9a-f]{12}… → [0-9a-f]{64}, recorded at position \d+ \(stream integrity-heads revision \d+\), signed by both keys/);
    expect(rotated.code, rotated.stderr).toBe(0);
    // The next approval (Q2, at the figure the query service shows) is signed with the new key.
    const ccg = await as(DEMO_ACTORS.ccg);
    const q2 = await call<{ netPayablePence: number }>(queryUrl, ccg, 'GET', `/contracts/${CONTRACT_ID}/settlements/2025-26-Q2`);
    const next = await call<{ receipt: Receipt }>(commandUrl, ccg, 'POST', `/contracts/${CONTRACT_ID}/settlements/2025-26-Q2/approval`, {
      businessDate: '2025-10-21',
      netPayablePence: q2.body.netPayablePence,
    });
    expect(next.status).toBe(200);
    expect(next.body.receipt.keyChanges).toHaveLength(1);
    expect(next.body.receipt.signedHead.keyId).toBe(next.body.receipt.keyChanges[0]!.keyId);
    const later = join(dir, 'kin-2025-26-q2.receipt.json');
    writeFileSync(later, JSON.stringify(next.body.receipt));
    expect((await ledger(['verify', '--receipt', later])).stdout).toMatch(/^receipt holds .* reached from the trusted key [0-9a-f]{12}… by 1 key change/);
    expect((await ledger(['verify', '--receipt', receiptFile])).code).toBe(0);
    const whole = await ledger(['verify']);
    expect(whole.stdout).toMatch(/^intact: .* then [0-9a-f]{12}… by recorded key changes/);
    expect(whole.code).toBe(0);
  });
});

describe('the heads stream deleted, the approval altered and its stream re-hashed', () => {
  // Last: it changes the store for good.
  it('verify names the first event unsigned, and the receipt names the approval', async () => {
    const db = new Database(join(dir, 'events.db'));
    const position = Number(approved.body.position);
    db.prepare(`UPDATE events SET data = json_set(data, '$.netPayablePence', 51700000) WHERE position = ?`).run(position);
    let previous: string | null = null;
    type Row = { position: number; revision: number; type: string; data: string; metadata: string };
    for (const row of db.prepare<[string], Row>('SELECT position, revision, type, data, metadata FROM events WHERE stream = ? ORDER BY revision').all(ROOT)) {
      const { integrity: _old, ...metadata } = JSON.parse(row.metadata) as Record<string, unknown>;
      const hash = eventHash({ streamName: ROOT, revision: row.revision, type: row.type, data: JSON.parse(row.data) as unknown, metadata }, previous);
      db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify({ ...metadata, integrity: { hash, previous } }), row.position);
      previous = hash;
    }
    db.prepare('DELETE FROM events WHERE stream = ?').run(HEADS_STREAM);
    db.close();
    const whole = await ledger(['verify']);
    expect(whole.stdout).toMatch(/^stream [\w-]+ revision 0 position 1: unsigned — the log holds \d+ events and no valid signed head/);
    expect(whole.code).toBe(1);
    const receipt = await ledger(['verify', '--receipt', receiptFile]);
    const revision = approved.body.receipt.event!.revision;
    expect(receipt.stdout).toMatch(new RegExp(`^receipt broken: stream ${ROOT} revision ${revision} position ${position}: head-mismatch — `));
    expect(receipt.code).toBe(1);
    expect((await auditVerify('')).body).toMatchObject({ verdict: 'tampered', problem: { kind: 'unsigned', position: '1' } });
    expect((await auditVerify(`?receipt=${encodeURIComponent(readFileSync(receiptFile, 'utf8'))}`)).body).toMatchObject({
      verdict: 'broken',
      problem: { kind: 'head-mismatch', streamName: ROOT, revision, position: String(position) },
    });
  });
});
