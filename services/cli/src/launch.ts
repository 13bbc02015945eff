// Starts the command and query services as separate processes on one data folder, the way `pnpm ledger start`
// runs them and the end-to-end tests exercise them. Each prints "… listening on <url>" when ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
export const SERVICE_MAINS = {
  command: resolve(root, 'services/command-service/src/main.ts'),
  query: resolve(root, 'services/query-service/src/main.ts'),
};

export interface RunningService {
  name: 'command' | 'query';
  url: string;
  process: ChildProcess;
}

export interface LaunchOptions {
  dataDir: string;
  commandPort?: number;
  queryPort?: number;
  env?: Record<string, string>;
  /** Where each service's log goes (default: <dataDir>/logs/<name>.log). */
  logDir?: string;
  /** Extra Node options for the service processes (e.g. --cpu-prof for a benchmark). */
  nodeArgs?: string[];
  /** Another checkout to run the services from (a benchmark comparing two versions); default this one. */
  root?: string;
}

export const startService = (name: 'command' | 'query', opts: LaunchOptions): Promise<RunningService> => {
  const logDir = opts.logDir ?? resolve(opts.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(resolve(logDir, `${name}.log`), { flags: 'a' });
  const port = name === 'command' ? opts.commandPort : opts.queryPort;
  const main = opts.root ? resolve(opts.root, `services/${name}-service/src/main.ts`) : SERVICE_MAINS[name];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), main], {
    env: {
      ...process.env,
      LEDGER_DATA_DIR: opts.dataDir,
      ...(port === undefined ? {} : { [name === 'command' ? 'LEDGER_COMMAND_PORT' : 'LEDGER_QUERY_PORT']: String(port) }),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(log);
  return new Promise((resolvePromise, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const m = /(command|query)-service listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.pipe(log);
        resolvePromise({ name, url: m[2]!, process: child });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} service exited with ${code} before listening; see ${resolve(logDir, `${name}.log`)}`)));
  });
};

export const stopService = (s: RunningService, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
  new Promise((done) => {
    if (s.process.exitCode !== null || s.process.signalCode !== null) return done();
    s.process.once('exit', () => done());
    s.process.kill(signal);
  });

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
