// A fresh CSU Ledger for one end-to-end test file: both services as real processes on the embedded SQLite store in
// a temporary folder, a token factory, and HTTP helpers that give reads the caller's last write (X-Min-Position).
// Black box: nothing here imports the domain's rules; tests compute their expectations by hand.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth, startService, stopService, type Answer, type RunningService } from '@csu-ledger/cli';
import { expect } from 'vitest';
import { conform, type Service } from './openapi.ts';

export type Role = 'admin' | 'csu' | 'ccg' | 'auditor';
export type Body = Record<string, unknown>;

/** Someone holding a token: what the services record as the actor of each event. */
export interface User {
  role: Role;
  org: string;
  sub: string;
  name: string;
  token: Promise<string>;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /**
   * Reads: the position to wait for. Default: the last position any command of this system answered, and a 503
   * is retried after Retry-After for up to 20 s. Given explicitly (null: no header), the first answer is returned.
   */
  minPosition?: string | null;
}

export interface System {
  dataDir: string;
  secret: Uint8Array;
  running: { command: RunningService; query: RunningService };
  commandUrl(): string;
  queryUrl(): string;
  /** A user with a signed token; the subject defaults to one per role and organisation. */
  as(role: Role, org: string, sub?: string, name?: string): User;
  post<T = Body>(user: User, path: string, body: unknown, opts?: CallOptions): Promise<Answer<T>>;
  get<T = Body>(user: User, path: string, opts?: CallOptions): Promise<Answer<T>>;
  /** The highest position a successful command has answered so far. */
  lastPosition(): string | undefined;
  /** The command service's view of the log head (GET /health, no token). */
  headPosition(): Promise<string>;
  /** Stops one service (SIGKILL for a crash) and starts it again on the same data folder. */
  restart(name: 'command' | 'query', signal?: NodeJS.Signals): Promise<void>;
  kill(name: 'command' | 'query', signal?: NodeJS.Signals): Promise<void>;
  start(name: 'command' | 'query'): Promise<void>;
  stop(): Promise<void>;
}

/** Every answer must be one the service's OpenAPI document gives (openapi.ts), or the test fails here. */
const checked = <T>(service: Service, method: 'GET' | 'POST', path: string, answer: Answer<T>): Answer<T> => {
  conform(service, method, path, { status: answer.status, contentType: answer.headers.get('content-type') ?? '', body: answer.body });
  return answer;
};

// Periodic signing a day apart, so none during a test (it cannot be turned off: issue 14): tests that compare the log
// head before and after a refusal must see only their own events.
const env = { LEDGER_LOG_LEVEL: 'warn', LEDGER_SIGN_INTERVAL_MS: '86400000' };

export const startSystem = async (label = 'e2e', extraEnv: Record<string, string> = {}): Promise<System> => {
  const dataDir = await mkdtemp(join(tmpdir(), `csu-ledger-${label}-`));
  // The key must exist before either service starts, so both services and the tests sign and verify with it.
  const secret = await loadOrCreateDevSecret(dataDir);
  const serviceEnv = { ...env, ...extraEnv };
  const both = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env: serviceEnv });
  const running = { command: both.command, query: both.query };
  let last: bigint | undefined;

  const as = (
    role: Role,
    org: string,
    sub = `${role}-${org}-1`.toLowerCase(),
    name = `${role} user of ${org}`,
  ): User => {
    const token = signDevToken(secret, { sub, name, org, roles: [role] });
    token.catch(() => undefined); // a bad claim surfaces where the token is awaited, not as an unhandled rejection
    return { role, org, sub, name, token };
  };

  const post = async <T = Body>(
    user: User,
    path: string,
    body: unknown,
    opts: CallOptions = {},
  ): Promise<Answer<T>> => {
    const answer = checked('command', 'POST', path, await call<T>(running.command.url, await user.token, 'POST', path, body, opts.headers));
    const position = (answer.body as { position?: unknown } | undefined)?.position;
    if (answer.status < 300 && typeof position === 'string') {
      const p = BigInt(position);
      if (last === undefined || p > last) last = p;
    }
    return answer;
  };

  const get = async <T = Body>(user: User, path: string, opts: CallOptions = {}): Promise<Answer<T>> => {
    const min = opts.minPosition === undefined ? last?.toString() : opts.minPosition;
    const headers = { ...(min == null ? {} : { 'X-Min-Position': min }), ...opts.headers };
    const read = async () => checked('query', 'GET', path, await call<T>(running.query.url, await user.token, 'GET', path, undefined, headers));
    let answer = await read();
    if (opts.minPosition !== undefined) return answer; // the caller tests X-Min-Position itself: no second try
    // Like a well-behaved client, honour Retry-After for a while (a loaded machine, a query service catching up
    // after a restart); a projection that never gets there still fails, with the reason in the output.
    const deadline = Date.now() + 45_000;
    if (answer.status === 503) await explainNotReady(min);
    while (answer.status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000 * Number(answer.headers.get('retry-after') ?? 1)));
      answer = await read();
    }
    return answer;
  };

  const explainNotReady = async (wanted: string | null | undefined): Promise<void> => {
    const health = await fetch(`${running.query.url}/health`).then(
      async (r) => `${r.status} ${await r.text()}`,
      (err: unknown) => String(err),
    );
    const tail = async (name: string) =>
      (await readFile(join(dataDir, 'logs', `${name}.log`), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
    console.warn(
      `read models not at position ${wanted}; query /health: ${health}\n` +
        `--- query.log ---\n${await tail('query')}\n--- command.log ---\n${await tail('command')}`,
    );
  };

  const kill = async (name: 'command' | 'query', signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    await stopService(running[name], signal);
  };
  const start = async (name: 'command' | 'query'): Promise<void> => {
    running[name] = await startService(name, { dataDir, commandPort: 0, queryPort: 0, env: serviceEnv });
  };

  return {
    dataDir,
    secret,
    running,
    commandUrl: () => running.command.url,
    queryUrl: () => running.query.url,
    as,
    post,
    get,
    lastPosition: () => last?.toString(),
    headPosition: async () => {
      const res = await fetch(`${running.command.url}/health`);
      return ((await res.json()) as { position: string }).position;
    },
    kill,
    start,
    restart: async (name, signal) => {
      await kill(name, signal);
      await start(name);
    },
    stop: async () => {
      await Promise.all([stopService(running.command), stopService(running.query)]);
      if (!process.env.KEEP_E2E_DATA) await rm(dataDir, { recursive: true, force: true });
    },
  };
};

/** Asserts nothing by itself: the fields of an RFC 9457 problem answer, for `expect(...).toMatchObject`. */
export const problemOf = (a: Answer): { status: number; contentType: string | null; code: unknown } => ({
  status: a.status,
  contentType: a.headers.get('content-type'),
  code: (a.body as { code?: unknown } | undefined)?.code,
});

/** A problem with this status and code, served as application/problem+json. */
export const problem = (status: number, code: string) => ({
  status,
  contentType: expect.stringContaining('application/problem+json') as unknown,
  code,
});

/** Every item of a paged list (API.md: `limit`, `after`, `next`), following `next` until it is null. */
export const allPages = async <T = Body>(sys: System, user: User, path: string, limit = 1_000): Promise<T[]> => {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  let next: string | null = null;
  do {
    const after: string = next === null ? '' : `&after=${encodeURIComponent(next)}`;
    const page = await sys.get<{ items: T[]; next: string | null }>(user, `${path}${join}limit=${limit}${after}`);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${JSON.stringify(page.body)}`);
    items.push(...page.body.items);
    next = page.body.next;
  } while (next !== null);
  return items;
};
