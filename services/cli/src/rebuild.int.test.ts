import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
import { startService, stopService } from './launch.ts';
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
  const err = capture();
  const code = await rebuild(store, live, { replace }, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
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

  it('shows progress as plain lines when not on a terminal, and as a bar redrawn in place when on one', async () => {
    const { err } = await run();
    expect(err).not.toContain('\r');
    expect(err).toMatch(/^rebuild: 100% \(position \d+ of \d+, [\d,]+ events\/s\)$/m);
    const tty = capture();
    expect(await rebuild(store, live, {}, capture().stream, { ...tty.stream, isTTY: true })).toBe(0);
    expect(tty.text()).toMatch(/^\r\[#{30}\] 100%/);
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

  // Issue 9: --replace deleted the live file under a running query service, which went on with the orphan, and then
  // reported "identical" against it. The query service now holds a lock on its read models (lock.ts).
  describe('--replace and a running query service', () => {
    const env = { LEDGER_LOG_LEVEL: 'warn' };
    const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { position: string };

    it('is refused while a query service runs on the read models (exit 2), the live file left as it was', async () => {
      const query = await startService('query', { dataDir: dir, queryPort: 0, env });
      try {
        const before = statSync(live).ino;
        const position = (await health(query.url)).position;
        const refused = await run(true);
        expect(refused.code).toBe(2);
        expect(refused.err).toContain(`in use by the query service (pid ${query.process.pid}`);
        expect(refused.out).toBe(''); // nothing rebuilt, nothing compared
        expect(statSync(live).ino).toBe(before);
        expect((await health(query.url)).position).toBe(position);
        // comparing without --replace stays safe while it runs
        const compared = await run();
        expect(compared.out).toContain('identical');
        expect(compared.code).toBe(0);
      } finally {
        await stopService(query);
      }
    });

    it('keeps a second query service off the same read models', async () => {
      const first = await startService('query', { dataDir: dir, queryPort: 0, env });
      const logDir = join(dir, 'second-logs');
      try {
        await expect(startService('query', { dataDir: dir, queryPort: 0, env, logDir })).rejects.toThrow(
          /exited with 1 before listening/,
        );
        expect(readFileSync(join(logDir, 'query.log'), 'utf8')).toContain(
          `the read models are in use by the query service (pid ${first.process.pid}`,
        );
      } finally {
        await stopService(first);
      }
    });

    it('succeeds once the query service has stopped, and after one was killed with SIGKILL (no stale lock)', async () => {
      const stopped = await run(true);
      expect(stopped.code, stopped.err).toBe(0);
      expect(stopped.out).toContain('replaced by the rebuild');
      const killed = await startService('query', { dataDir: dir, queryPort: 0, env });
      await stopService(killed, 'SIGKILL');
      const after = await run(true);
      expect(after.code, after.err).toBe(0);
      expect((await run()).out).toContain('identical');
    });
  });
});
