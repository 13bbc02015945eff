// Operations (issue 9): the real services, started as `pnpm ledger start` starts them, keep their data folder their
// owner's alone (0700, files 0600) whether the folder already existed or not and whether or not LEDGER_JWT_SECRET
// spares them writing a key file; and a PostgreSQL password never reaches their logs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { startBoth, startService, stopService } from '@csu-ledger/cli';
// Every answer is held to the services' OpenAPI documents (issue 10).
import { checkedCall as call } from '../support/openapi.ts';

const ENV = { LEDGER_LOG_LEVEL: 'info', LEDGER_SIGN_INTERVAL_MS: '86400000' }; // no periodic signing during the test

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
const scratch = async (label: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `csu-ledger-${label}-`));
  folders.push(dir);
  return dir;
};

/** Every folder and file under `dir`, with its permission bits. */
const modes = async (dir: string, prefix = ''): Promise<Record<string, string>> => {
  const found: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const name = `${prefix}${entry.name}${entry.isDirectory() ? '/' : ''}`;
    found[name] = ((await stat(path)).mode & 0o777).toString(8);
    if (entry.isDirectory()) Object.assign(found, await modes(path, name));
  }
  return found;
};

/** Runs both services on `dataDir`, records one command and reads it back, so every file they keep exists. */
const useLedger = async (dataDir: string, env: Record<string, string>, secret: Uint8Array): Promise<void> => {
  const both = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env: { ...ENV, ...env } });
  try {
    const token = await signDevToken(secret, { sub: 'ada', org: 'NHS', roles: ['admin'] });
    const body = { businessDate: '2013-04-01', code: 'QOP', name: 'NHS Somewhere ICB', kind: 'ccg' };
    const created = await call<{ position: string }>(both.command.url, token, 'POST', '/organisations', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = await call(both.query.url, token, 'GET', '/contracts', undefined, { 'X-Min-Position': created.body.position });
    expect(read.status).toBe(200);
  } finally {
    await both.stop();
  }
};

const expectPrivate = (found: Record<string, string>): void => {
  for (const name of ['events.db', 'read-models.db', 'logs/', 'logs/command.log', 'logs/query.log', 'integrity-key.pem'])
    expect(Object.keys(found), `${name} is there to be checked`).toContain(name);
  const loose = Object.entries(found).filter(([name, mode]) => mode !== (name.endsWith('/') ? '700' : '600'));
  expect(loose, 'folders not 700 or files not 600').toEqual([]);
};

describe('the data folder is its owner’s alone', () => {
  it('a folder that already existed (0755, with a 0644 log of an earlier run), with LEDGER_JWT_SECRET set', async () => {
    const dataDir = join(await scratch('perm-existing'), 'data');
    await mkdir(join(dataDir, 'logs'), { recursive: true });
    await writeFile(join(dataDir, 'logs', 'command.log'), 'an earlier run\n');
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'logs'), 0o755);
    await chmod(join(dataDir, 'logs', 'command.log'), 0o644);
    const secret = randomBytes(32).toString('base64url');
    await useLedger(dataDir, { LEDGER_JWT_SECRET: secret }, new TextEncoder().encode(secret));
    const found = await modes(dataDir);
    expect(Object.keys(found)).not.toContain('jwt-secret');
    expect({ data: ((await stat(dataDir)).mode & 0o777).toString(8) }).toEqual({ data: '700' });
    expectPrivate(found);
  });

  it('a folder the services create, with the key file they generate', async () => {
    const dataDir = join(await scratch('perm-fresh'), 'data');
    const secret = await loadOrCreateDevSecret(dataDir);
    await useLedger(dataDir, {}, secret);
    const found = await modes(dataDir);
    expect(found['jwt-secret']).toBe('600');
    expect({ data: ((await stat(dataDir)).mode & 0o777).toString(8) }).toEqual({ data: '700' });
    expectPrivate(found);
  });
});

describe('a PostgreSQL password never reaches the logs', () => {
  it('neither in the userinfo (with an @ in it) nor in the query', async () => {
    const dataDir = await scratch('redact');
    // a port nobody listens on: the service starts (it connects in the background) and says where its store is
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = `postgres://ledger:pa55@word-one@127.0.0.1:${port}/ledger?sslmode=disable&sslpassword=pa55-two&password=pa55-three`;
    const command = await startService('command', { dataDir, commandPort: 0, env: { ...ENV, LEDGER_STORE: store } });
    const log = join(dataDir, 'logs', 'command.log');
    // Once stopped, its log is whole (stopService waits for it): the listening line says where the store is.
    await stopService(command);
    const text = await readFile(log, 'utf8');
    expect(text).toContain('"msg":"command service listening"');
    expect(text).toContain(`127.0.0.1:${port}/ledger`);
    expect(text).not.toMatch(/pa55/);
  });
});

describe('a development signing secret that is weak or published is refused (issue 9)', () => {
  const EXAMPLE = 'example-only-not-a-secret-0123456789abcdef';
  const cli = resolve(fileURLToPath(import.meta.url), '../../../services/cli/src/main.ts');

  const READY = 'Press Ctrl+C to stop.';
  /** Runs `pnpm ledger <args>` until it exits; a `start` is given to `whileRunning` once ready, then stopped. */
  const ledger = (args: string[], env: Record<string, string>, whileRunning?: (out: string) => Promise<void>) =>
    new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
      const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let ready = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (ready || !out.includes(READY)) return;
        ready = true;
        void (whileRunning?.(out) ?? Promise.resolve()).then(
          () => child.kill('SIGTERM'),
          (err: unknown) => (child.kill('SIGTERM'), fail(err instanceof Error ? err : new Error(String(err)))),
        );
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', fail);
      child.on('exit', (code) => done({ code, out, err }));
    });

  it.each([
    ['32 × a', 'a'.repeat(32), /too easy to guess/],
    ['the published example', EXAMPLE, /published example/],
  ])('both services refuse to start with %s', async (_name, secret, reason) => {
    const dataDir = await scratch('weak-secret');
    for (const name of ['command', 'query'] as const) {
      // (a service that starts after all is stopped again, not left behind)
      const outcome = await startService(name, { dataDir, commandPort: 0, queryPort: 0, env: { ...ENV, LEDGER_JWT_SECRET: secret } }).then(
        async (running) => (await stopService(running), 'started'),
        (err: unknown) => String(err),
      );
      expect(outcome).toMatch(/exited with 1 before listening/);
      expect(await readFile(join(dataDir, 'logs', `${name}.log`), 'utf8')).toMatch(reason);
    }
  });

  it('the CLI refuses the example for start and token, and takes it for start --demo, which works with it', async () => {
    const dataDir = await scratch('demo-secret');
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_JWT_SECRET: EXAMPLE, LEDGER_COMMAND_PORT: '0', LEDGER_QUERY_PORT: '0', LEDGER_CONSOLE_PORT: '0' };
    const start = await ledger(['start'], env);
    expect(start.code).toBe(2);
    expect(start.err).toMatch(/published example.*--demo/);
    const token = await ledger(['token', '--role', 'ccg', '--org', '08J', '--sub', 'tom'], env);
    expect(token.code).toBe(2);
    let settlement: number | undefined;
    const demo = await ledger(['start', '--demo'], env, async (out) => {
      // the services verify the token signed with the example: the worked example's Q1 settlement is there
      const url = /curl -H "Authorization: Bearer \$TOKEN" (\S+)/.exec(out)?.[1];
      const printed = /TOKEN=(\S+)/.exec(out)?.[1];
      const res = await fetch(url ?? 'http://missing.invalid/', { headers: { authorization: `Bearer ${printed}` } });
      settlement = ((await res.json()) as { netPayablePence?: number }).netPayablePence;
    });
    expect(demo.out).toContain(READY);
    expect(settlement, demo.out + demo.err).toBe(41_700_000);
  });
});
