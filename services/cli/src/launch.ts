// Starts the command and query services as separate processes on one data folder, the way `pnpm ledger start`
// runs them and the end-to-end tests exercise them. Each logs "<name> service listening" with its url when ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCacheDir } from '@csu-ledger/http/compile-cache';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
export const SERVICE_MAINS = {
  command: resolve(root, 'services/command-service/src/main.ts'),
  query: resolve(root, 'services/query-service/src/main.ts'),
  console: resolve(root, 'services/console/src/main.ts'),
};

const PORT_VARIABLE = { command: 'LEDGER_COMMAND_PORT', query: 'LEDGER_QUERY_PORT', console: 'LEDGER_CONSOLE_PORT' } as const;

export type ServiceName = keyof typeof SERVICE_MAINS;

export interface RunningService {
  name: ServiceName;
  url: string;
  process: ChildProcess;
  /** Settles once the process's output is all in its log file (after it exits). */
  logged: Promise<void>;
}

export interface LaunchOptions {
  dataDir: string;
  commandPort?: number;
  queryPort?: number;
  consolePort?: number;
  env?: Record<string, string>;
  /** Where each service's log goes (default: <dataDir>/logs/<name>.log). */
  logDir?: string;
  /** Extra Node options for the service processes (e.g. --cpu-prof for a benchmark). */
  nodeArgs?: string[];
  /** Another checkout to run the services from (a benchmark comparing two versions); default this one. */
  root?: string;
}

/** The address a service logged when it began listening: its JSON log line `{"msg":"<name> service listening","url":…}`. */
export const listeningUrl = (name: string, output: string): string | undefined => {
  for (const line of output.split('\n')) {
    if (!line.includes(`"${name} service listening"`)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (entry.msg === `${name} service listening` && typeof entry.url === 'string') return entry.url;
    } catch {
      // a partial line: wait for the rest
    }
  }
  return undefined;
};

export const startService = (name: ServiceName, opts: LaunchOptions): Promise<RunningService> => {
  const logDir = opts.logDir ?? resolve(opts.dataDir, 'logs');
  // Issue 9: logs are the owner's alone, whatever the umask of the process launching (a test runner, say); a log
  // left from an earlier run with looser modes is tightened too.
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  chmodSync(logDir, 0o700);
  const logPath = resolve(logDir, `${name}.log`);
  closeSync(openSync(logPath, 'a', 0o600));
  chmodSync(logPath, 0o600);
  const log = createWriteStream(logPath, { flags: 'a' });
  const port = { command: opts.commandPort, query: opts.queryPort, console: opts.consolePort }[name];
  // another checkout's services (a benchmark comparing commits), at the same paths in it
  const main = opts.root ? resolve(opts.root, relative(root, SERVICE_MAINS[name])) : SERVICE_MAINS[name];
  // Issue 15: a service's start is mostly compiling its modules; Node caches that between starts (compile-cache.ts),
  // for the service's worker threads too. Set here, not in each main.ts, so the cache is on before the first module.
  const cache = compileCacheDir();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), main], {
    env: {
      ...(cache === undefined ? {} : { NODE_COMPILE_CACHE: cache }),
      ...process.env,
      LEDGER_DATA_DIR: opts.dataDir,
      ...(port === undefined ? {} : { [PORT_VARIABLE[name]]: String(port) }),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The log ends once the process's output has: both streams closed ('close', not 'exit') and written out, which
  // `stopService` waits for, so a log read after it is whole.
  child.stderr.pipe(log, { end: false });
  const logged = new Promise<void>((done) => {
    child.once('close', () => log.end(done));
  });
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const url = listeningUrl(name, seen);
      if (url !== undefined) {
        child.stdout.off('data', onData);
        child.stdout.pipe(log, { end: false });
        resolvePromise({ name, url, process: child, logged });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} service exited with ${code} before listening; see ${resolve(logDir, `${name}.log`)}`)));
  });
};

/** Stops the service and resolves once it has exited and its log is written out. */
export const stopService = async (s: RunningService, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
  if (s.process.exitCode === null && s.process.signalCode === null) {
    const exited = new Promise((done) => s.process.once('exit', done));
    s.process.kill(signal);
    await exited;
  }
  await s.logged;
};

export const startBoth = async (opts: LaunchOptions): Promise<{ command: RunningService; query: RunningService; stop: () => Promise<void> }> => {
  const command = await startService('command', opts);
  let query: RunningService;
  try {
    query = await startService('query', opts);
  } catch (err) {
    await stopService(command);
    throw err;
  }
  return { command, query, stop: async () => void (await Promise.all([stopService(command), stopService(query)])) };
};

/** Issue 11: the web console, a third process that talks to the two running services over HTTP only. */
export const startConsole = (opts: LaunchOptions, services: { command: RunningService; query: RunningService }): Promise<RunningService> =>
  startService('console', {
    ...opts,
    env: { ...opts.env, LEDGER_COMMAND_URL: services.command.url, LEDGER_QUERY_URL: services.query.url },
  });
