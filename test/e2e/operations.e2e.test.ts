// Operations (issue 9): the real services, started as `pnpm ledger start` starts them, keep their data folder their
// owner's alone (0700, files 0600) whether the folder already existed or not and whether or not LEDGER_JWT_SECRET
// spares them writing a key file; and a PostgreSQL password never reaches their logs.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth, startService, stopService } from '@csu-ledger/cli';

const ENV = { LEDGER_LOG_LEVEL: 'info', LEDGER_SIGN_INTERVAL_MS: '0' };

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
    try {
      // the line is written by the time the service says it listens; the log file may lag behind its pipe
      let text = '';
      while (!text.includes('"msg":"command service listening"')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = await readFile(log, 'utf8');
      }
      expect(text).toContain(`127.0.0.1:${port}/ledger`);
      expect(text).not.toMatch(/pa55/);
    } finally {
      await stopService(command);
    }
    expect(await readFile(log, 'utf8')).not.toMatch(/pa55/);
  });
});
