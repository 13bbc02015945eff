import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, loadOrCreateDevSecret } from '@csu-ledger/auth';
import { createCommandApp } from '@csu-ledger/command-service';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { openReadModels, startProjector } from '@csu-ledger/query-service';
import { loadDemo } from './demo.ts';
import { rebuild } from './rebuild.ts';

// Real store, real command service over HTTP, the real projector: then rebuild from the log and compare.
const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-rebuild-'));
const live = join(dir, 'read-models.db');
const store = createSqliteEventStore(join(dir, 'events.db'));
const capture = () => {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: { write: (t: string) => s.write(t) }, text: () => text };
};
const run = async (replace = false) => {
  const out = capture();
  const code = await rebuild(store, live, replace, out.stream, capture().stream);
  return { code, out: out.text() };
};

beforeAll(async () => {
  const logger = createLogger('rebuild-test', 'silent');
  const secret = await loadOrCreateDevSecret(dir);
  const server = createCommandApp({ store, verify: createTokenVerifier({ mode: 'dev', secret }), logger }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const models = openReadModels(live);
  const projector = startProjector(store, models, logger);
  const position = await loadDemo(url, secret);
  expect(await projector.waitFor(BigInt(position!), 30_000)).toBe(true); // a bound for a hang, not a speed
  projector.stop();
  models.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pnpm ledger rebuild', () => {
  it('proves the live read models equal to a rebuild from the log by fingerprint', async () => {
    const { code, out } = await run();
    const [before, after] = [...out.matchAll(/([0-9a-f]{64}) at position (\d+)/g)].map((m) => m[1]);
    expect(before).toBeDefined();
    expect(after).toBe(before);
    expect(out).toContain('identical');
    expect(code).toBe(0);
  });

  it('finds a read model that no longer matches the log, and --replace mends it', async () => {
    const db = new Database(live);
    db.prepare("UPDATE contracts SET ledger = replace(ledger, '\"amountPence\":900000', '\"amountPence\":900001')").run();
    db.close();
    const tampered = await run();
    expect(tampered.out).toContain('DIFFERENT');
    expect(tampered.code).toBe(1);
    expect((await run(true)).code).toBe(0);
    const mended = await run();
    expect(mended.out).toContain('identical');
    expect(mended.code).toBe(0);
  });
});
