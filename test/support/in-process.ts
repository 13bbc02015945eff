// Both services in this process, on real HTTP (127.0.0.1, ephemeral ports) and one real SQLite store in a fresh
// temporary folder (or another EventStore given as `store`, e.g. PostgreSQL): the int tier's harness. Nothing is mocked; only the clock is fixed, so "today" (future business
// dates, quarters ended, pending deliverables) does not depend on when the tests run.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenVerifier, signDevToken, type TokenVerifier } from '@csu-ledger/auth';
import type { Role } from '@csu-ledger/domain';
import { createSqliteEventStore, observeStore, type EventStore } from '@csu-ledger/event-store';
import { applyServerTimeouts, createLogger, createMetrics, type Logger, type RateLimitOptions, type ServerTimeouts } from '@csu-ledger/http';
// The services' package.json files export ./src/index.ts, which does not exist yet: import the factories directly.
import { createCommandApp } from '../../services/command-service/src/app.ts';
import { createQueryApp } from '../../services/query-service/src/app.ts';
import type { PastRunner } from '../../services/query-service/src/past-runner.ts';
import { conform } from './openapi.ts';
import { startProjector } from '../../services/query-service/src/projector.ts';
import { openReadModels, type ReadModels } from '../../services/query-service/src/read-models.ts';

/** The instant both services believe it is: a Tuesday, long after FY 2025-26 ended and inside FY 2026-27. */
export const FIXED_NOW = '2026-11-24T12:00:00Z';
/** `FIXED_NOW` as a date in England: business dates after it are in the future. */
export const TODAY = '2026-11-24';

/**
 * The store's clock for recorded times: running from a day before `FIXED_NOW`, as real time passes. Recorded times
 * then lie before the services' "now", as they do in a real deployment, so that `asAt` a recorded time is never in
 * the future (DOMAIN.md: Limits) however long after FIXED_NOW the tests run.
 */
export const recordingClock = (): (() => Date) => {
  const start = performance.now();
  const base = Date.parse(FIXED_NOW) - 86_400_000;
  return () => new Date(base + Math.floor(performance.now() - start));
};

export type Json = Record<string, unknown>;

export interface Reply<T = Json> {
  status: number;
  /** Parsed JSON when the body is JSON; otherwise undefined (see `text`). */
  body: T;
  /** The raw body, for checks that nothing leaks in it. */
  text: string;
  contentType: string;
  headers: Headers;
}

export interface PostOptions {
  /** Send this text as the body instead of JSON.stringify(body) (malformed JSON, numbers JSON cannot round-trip). */
  raw?: string;
  /** Default application/json. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Another command app to send to (e.g. `anotherCommandProcess`); default this harness's. */
  baseUrl?: string;
}

export interface GetOptions {
  /** X-Min-Position to send; default: the highest position a command answered with; false: none. */
  minPosition?: string | false;
  headers?: Record<string, string>;
}

/** Everything optional: `startInProcess()` alone gives the services as they run by default, logging nothing. */
export interface InProcessOptions {
  /** Where both services' log lines (pino JSON) go, e.g. to capture them; default: nowhere. */
  logDestination?: Parameters<typeof createLogger>[2];
  /** Default 'trace' with a `logDestination`, else 'silent'. */
  logLevel?: Parameters<typeof createLogger>[1];
  /** The development signing key; default 32 random bytes. */
  secret?: Uint8Array;
  /** Both apps' per-caller rate limit; default the services' own default; false: none (and no auth-failure limit). */
  rateLimit?: RateLimitOptions | false;
  /**
   * The command app's limit on requests without a good token per client address (issue 9); default the service's
   * own, or none when `rateLimit` is false. (The query app keeps its default.)
   */
  authFailureLimit?: RateLimitOptions | false;
  /** Both servers' header and request timeouts (applyServerTimeouts); default Node's. */
  serverTimeouts?: ServerTimeouts;
  /**
   * The event store both apps run on (e.g. `await createPostgresEventStore(url)`); default a fresh SQLite file in the
   * harness's temporary folder. The harness owns it either way: `close()` closes it. The read models stay in SQLite.
   */
  store?: EventStore;
  /** The harness's own SQLite store's source of recorded times; default `recordingClock()`. */
  storeClock?: () => Date;
  /** Wraps the query app's read models (to watch what a route reads); default as they are. */
  wrapModels?: (models: ReadModels) => ReadModels;
  /**
   * The command app's chain-head signer on the store (issue 14: approvals then answer with a receipt); default none.
   * `clock` is the store's source of recorded times: sign on it too, so signing times lie among recorded times.
   */
  signer?: (store: EventStore, clock: () => Date) => Parameters<typeof createCommandApp>[0]['signer'];
  /** The public key the query app's GET /audit/verify trusts; default none (it answers 503 not-ready). */
  integrityKey?: Parameters<typeof createQueryApp>[0]['integrityKey'];
  /** Where time travel and history run (the query app's `past`); default inline on the store. */
  past?: (ctx: { store: EventStore; storePath: string | undefined; models: ReadModels; modelsPath: string }) => PastRunner;
}

export interface InProcess {
  store: EventStore;
  /**
   * The SQLite file of `store`, for a second store (another "process") on the same log; undefined when the harness
   * was given its store (`options.store`).
   */
  storePath: string | undefined;
  /** The development signing key both services verify with. */
  secret: Uint8Array;
  verify: TokenVerifier;
  logger: Logger;
  commandUrl: string;
  queryUrl: string;
  /** The express apps the servers run (to walk their routes). */
  apps: { command: RequestListener; query: RequestListener };
  /** A development token for this identity (cached per role, org and subject). */
  token(role: Role, org: string, sub?: string): Promise<string>;
  /** POST to the command service; `token` undefined sends no Authorization header. Every answer must be one the
   * command service's OpenAPI document gives (openapi.ts: `conform`), or the call throws. */
  post<T = Json>(token: string | undefined, path: string, body?: unknown, options?: PostOptions): Promise<Reply<T>>;
  /** GET from the query service, waiting (X-Min-Position) until the read models include every write so far; the
   * answer is held to the query service's OpenAPI document like `post`'s. */
  get<T = Json>(token: string | undefined, path: string, options?: GetOptions): Promise<Reply<T>>;
  /** Highest global position any successful command answered with ('0' before the first). */
  position(): string;
  /** The store's head position: what "nothing stored" is checked against. */
  head(): Promise<bigint>;
  close(): Promise<void>;
}

type RequestListener = Parameters<typeof createServer>[1];

export const listen = (app: RequestListener, timeouts?: ServerTimeouts): Promise<{ server: Server; url: string; app: RequestListener }> =>
  new Promise((resolve, reject) => {
    const server = createServer(app);
    // before listening: Node starts checking the timeouts on the 'listening' event
    if (timeouts) applyServerTimeouts(server, timeouts);
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, app });
    });
  });

export const shut = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    // fetch keeps connections alive; without this close() would wait for them to time out
    server.closeAllConnections();
  });

const read = async <T>(res: Response): Promise<Reply<T>> => {
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let body: unknown;
  if (/json/.test(contentType) && text !== '') body = JSON.parse(text);
  return { status: res.status, body: body as T, text, contentType, headers: res.headers };
};

export const startInProcess = async (options: InProcessOptions = {}): Promise<InProcess> => {
  const dir = await mkdtemp(join(tmpdir(), 'csu-ledger-int-'));
  let storePath: string | undefined;
  let store: EventStore;
  // Both apps count and time their requests and answer GET /metrics, as in the services' main.ts.
  const metrics = { command: createMetrics('command'), query: createMetrics('query') };
  const storeClock = options.storeClock ?? recordingClock();
  if (options.store === undefined) {
    storePath = join(dir, 'events.db');
    store = createSqliteEventStore(storePath, { clock: storeClock, onCommit: metrics.command.store.committed });
  } else {
    store = options.store;
  }
  const commandStore = observeStore(store, metrics.command.store);
  const modelsPath = join(dir, 'read-models.db');
  const models = openReadModels(modelsPath);
  const { logDestination } = options;
  const logger =
    logDestination === undefined
      ? createLogger('int-test', options.logLevel ?? 'silent')
      : createLogger('int-test', options.logLevel ?? 'trace', logDestination);
  const projector = startProjector(store, models, logger);
  const secret = options.secret ?? new Uint8Array(randomBytes(32));
  const verify = createTokenVerifier({ mode: 'dev', secret });
  const clock = () => new Date(FIXED_NOW);
  const limits = options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit };
  const authFailureLimit = options.authFailureLimit ?? (options.rateLimit === false ? false : undefined);
  const signer = options.signer?.(commandStore, options.store === undefined ? storeClock : () => new Date());
  const command = await listen(
    createCommandApp({ store: commandStore, metrics: metrics.command, verify, logger, clock, ...limits, authFailureLimit, ...(signer ? { signer } : {}) }),
    options.serverTimeouts,
  );
  const past = options.past?.({ store, storePath, models, modelsPath });
  const query = await listen(
    createQueryApp({
      store,
      models: options.wrapModels?.(models) ?? models,
      projector,
      verify,
      logger,
      metrics: metrics.query,
      clock,
      ...limits,
      ...(past ? { past } : {}),
      ...(options.integrityKey ? { integrityKey: options.integrityKey } : {}),
    }),
    options.serverTimeouts,
  );

  const tokens = new Map<string, Promise<string>>();
  let position = 0n;

  const headersFor = (token: string | undefined, extra: Record<string, string> = {}): Record<string, string> => ({
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...extra,
  });

  return {
    store,
    storePath,
    secret,
    verify,
    logger,
    commandUrl: command.url,
    queryUrl: query.url,
    apps: { command: command.app, query: query.app },
    token: (role, org, sub = `${role}-${org}`.toLowerCase()) => {
      const key = `${role}\u0000${org}\u0000${sub}`;
      let t = tokens.get(key);
      if (!t) {
        t = signDevToken(secret, { sub, org, roles: [role], name: `${role} at ${org}` });
        tokens.set(key, t);
      }
      return t;
    },
    post: async <T = Json>(token: string | undefined, path: string, body?: unknown, options: PostOptions = {}) => {
      const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
      const res = await fetch(`${options.baseUrl ?? command.url}${path}`, {
        method: 'POST',
        headers: headersFor(token, {
          ...(payload === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
          ...options.headers,
        }),
        ...(payload === undefined ? {} : { body: payload }),
      });
      const reply = await read<T>(res);
      conform('command', 'POST', path, reply);
      const answered = (reply.body as { position?: unknown } | undefined)?.position;
      if (reply.status < 300 && typeof answered === 'string' && BigInt(answered) > position) position = BigInt(answered);
      return reply;
    },
    get: async <T = Json>(token: string | undefined, path: string, options: GetOptions = {}) => {
      const min = options.minPosition ?? position.toString();
      const res = await fetch(`${query.url}${path}`, {
        headers: headersFor(token, { ...(min === false ? {} : { 'x-min-position': min }), ...options.headers }),
      });
      const reply = await read<T>(res);
      conform('query', 'GET', path, reply);
      return reply;
    },
    position: () => position.toString(),
    head: () => store.headPosition(),
    close: async () => {
      await Promise.all([shut(command.server), shut(query.server)]);
      await past?.close();
      projector.stop();
      models.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** A second command app on the same SQLite file, as another process would run it (see `anotherCommandProcess`). */
export interface OtherProcess {
  url: string;
  /** Optimistic-concurrency conflicts its store reported (each then retried by the pipeline). */
  conflicts(): number;
  close(): Promise<void>;
}

/**
 * A command app from its own copy of the modules, on its own store object over the same SQLite file: two processes'
 * worth in one. Its own copy matters: the pipeline keeps its per-stream lock in a module-level variable, so two apps
 * from one copy would queue behind each other and never race. Call from a test (it resets vitest's module registry).
 */
export const anotherCommandProcess = async (h: InProcess): Promise<OtherProcess> => {
  const { vi } = await import('vitest');
  vi.resetModules();
  const { createCommandApp: create } = await import('../../services/command-service/src/app.ts');
  const { createSqliteEventStore: open, withStreamCache } = await import('@csu-ledger/event-store');
  const { createTokenVerifier: verifier } = await import('@csu-ledger/auth');
  if (h.storePath === undefined) throw new Error('anotherCommandProcess needs the harness’s own SQLite store');
  const raw = open(h.storePath);
  // as the service's main.ts does: the stream cache, which must notice the other process's writes
  const cached = withStreamCache(raw);
  let conflicts = 0;
  const store = {
    ...cached,
    appendToStream: async (...args: Parameters<typeof cached.appendToStream>) => {
      try {
        return await cached.appendToStream(...args);
      } catch (err) {
        if ((err as Error).name === 'ConcurrencyError') conflicts++;
        throw err;
      }
    },
  };
  const app = create({
    store,
    verify: verifier({ mode: 'dev', secret: h.secret }),
    logger: createLogger('other-process', 'silent'),
    clock: () => new Date(FIXED_NOW),
  });
  const { server, url } = await listen(app);
  return {
    url,
    conflicts: () => conflicts,
    close: async () => {
      await shut(server);
      await raw.close();
    },
  };
};

/** Every item of a paged list (API.md: `limit`, `after`, `next`), following `next` until it is null. */
export const allPages = async <T = Json>(h: InProcess, token: string, path: string, limit = 1_000): Promise<T[]> => {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  let next: string | null = null;
  do {
    const after: string = next === null ? '' : `&after=${encodeURIComponent(next)}`;
    const page = must(await h.get<{ items: T[]; next: string | null }>(token, `${path}${join}limit=${limit}${after}`));
    items.push(...page.body.items);
    next = page.body.next;
  } while (next !== null);
  return items;
};

/** For fixtures: the reply when it is a success, else an error showing what the service said. */
export const must = <T>(reply: Reply<T>): Reply<T> => {
  if (reply.status >= 300) throw new Error(`expected success, got ${reply.status}: ${reply.text}`);
  return reply;
};

// ---- Request bodies that succeed (after services/cli/src/worked-example.ts), for fixtures and as bases to spoil.

export interface Parties {
  ccg: string;
  csu: string;
}

/** Three KPIs as in the worked example; a term long enough (to 2027-28) that variations and notices can follow. */
export const contractBody = (contractId: string, parties: Parties): Json => ({
  contractId,
  businessDate: '2025-03-20',
  ccg: parties.ccg,
  csu: parties.csu,
  vehicle: 'SLA',
  firstMonth: '2025-26-M01',
  lastMonth: '2027-28-M12',
  annualFeePence: 160_000_000,
  feeAtRiskBp: 1000,
  gainShareBp: 2000,
  gainShareCapPence: 15_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 20,
  kpis: [
    { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
    { id: 'K2', name: 'Monthly finance pack by WD8', serviceLine: 'finance', weightBp: 3000, targetBp: 9000, kind: 'deliverable', dueWorkingDay: 8 },
    { id: 'K3', name: 'Press queries answered within 2 working days', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
  ],
});

export const extraBody = (): Json => ({
  businessDate: '2025-04-15',
  amountPence: 1_850_000,
  description: 'Ad hoc SUS data extract for the A&E review',
  serviceLine: 'business-intelligence',
  requestedBy: 'Head of Contracting',
});

export const challengeBody = (): Json => ({
  businessDate: '2025-05-06',
  trust: 'RAX',
  activityMonth: '2025-26-M01',
  category: 'duplicate-activity',
  activityLines: 37,
  valuePence: 4_000_000,
});

/** Business dates of a fixture's history; later commands on it are dated `ACT_ON`, after all of them. */
const EXTRA_DISPUTED_ON = '2025-04-22';
const EXTRA_ESCALATED_ON = '2025-05-01';
const CHALLENGE_RESPONDED_ON = '2025-05-30';
export const ACT_ON = '2025-06-20';

let sequence = 0;
/** A fresh id for this process (contract ids, organisation codes are derived from it). */
export const fresh = (prefix: string): string => `${prefix}${(++sequence).toString().padStart(4, '0')}`;

/** An agreed contract between these parties; returns its id. */
export const agreeContract = async (h: InProcess, parties: Parties, contractId = fresh('C-')): Promise<string> => {
  must(await h.post(await h.token('admin', 'NHS'), '/contracts', contractBody(contractId, parties)));
  return contractId;
};

export type ExtraState = 'awaiting-ccg' | 'disputed' | 'escalated' | 'accepted';

/** An extra on the contract, raised by its CSU and taken to `state` by the two parties. */
export const extraIn = async (h: InProcess, contractId: string, parties: Parties, state: ExtraState): Promise<string> => {
  const csu = await h.token('csu', parties.csu);
  const ccg = await h.token('ccg', parties.ccg);
  const { body } = must(await h.post<{ extraId: string }>(csu, `/contracts/${contractId}/extras`, extraBody()));
  const id = body.extraId;
  if (state === 'accepted') must(await h.post(ccg, `/extras/${id}/accept`, { businessDate: EXTRA_DISPUTED_ON }));
  if (state === 'disputed' || state === 'escalated') {
    must(await h.post(ccg, `/extras/${id}/dispute`, { businessDate: EXTRA_DISPUTED_ON, reason: 'covered-by-core-offer' }));
  }
  if (state === 'escalated') must(await h.post(ccg, `/extras/${id}/escalate`, { businessDate: EXTRA_ESCALATED_ON }));
  return id;
};

export type ChallengeState = 'raised' | 'responded' | 'withdrawn';

/** A challenge on the contract, raised by its CSU and taken to `state`. */
export const challengeIn = async (h: InProcess, contractId: string, parties: Parties, state: ChallengeState): Promise<string> => {
  const csu = await h.token('csu', parties.csu);
  const { body } = must(await h.post<{ challengeId: string }>(csu, `/contracts/${contractId}/challenges`, challengeBody()));
  const id = body.challengeId;
  if (state === 'responded') {
    must(await h.post(csu, `/challenges/${id}/responses`, { businessDate: CHALLENGE_RESPONDED_ON, acceptedPence: 1_000_000, rejectedPence: 500_000 }));
  }
  if (state === 'withdrawn') must(await h.post(csu, `/challenges/${id}/withdraw`, { businessDate: CHALLENGE_RESPONDED_ON }));
  return id;
};

/** The net payable the query service shows for the quarter now (what an approver would have seen). */
export const netPayable = async (h: InProcess, contractId: string, quarter: string): Promise<number> => {
  const { body } = must(await h.get<{ netPayablePence: number }>(await h.token('auditor', 'NAO'), `/contracts/${contractId}/settlements/${quarter}`));
  return body.netPayablePence;
};
