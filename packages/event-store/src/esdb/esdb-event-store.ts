// The KurrentDB adapter. Streams and revisions are the server's own, under a deployment prefix; appends are single
// AppendRecords commits with their checks (append.ts); stream groups are read stream by stream through the
// adapter's group index (group-index.ts); `$all` is read through the server's stream-name filter (our prefix: no
// system streams, no other applications, none of the adapter's own streams); positions are the server's commit
// positions; recorded times are its `created` timestamps, never decreasing (records.ts). Needs KurrentDB 26.1+: a
// store opened on an older server fails every call, saying so.
import { rx } from '../rx.ts';
import {
  checkMaxCount,
  ConcurrencyError,
  inStreamGroup,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
} from '../port.ts';
import { LATER_APPENDS, appendToServer } from './append.ts';
import type { KurrentConnection } from './client.ts';
import { groupCommit, type GroupCommit } from './group-commit.ts';
import { READ_CONCURRENCY, ensureGroupIndex, mapLimited, readGroupIndex } from './group-index.ts';
import {
  DEFAULT_STREAM_PREFIX,
  checkBatch,
  checkExpectedRevision,
  checkStreamPrefix,
  groupIndexMarker,
  parseEsdbSpec,
  toRecordedEvent,
  toServerStream,
  wrongRevision,
  type ServerEvent,
} from './mapping.ts';
import { LOOKBACK, clampRecordedAt, newestTime } from './records.ts';

export interface EsdbEventStoreOptions {
  /**
   * Prepended to every stream name on the server and stripped on read; default `ledger-`. Deployments sharing a
   * server need prefixes of which none begins another (`ledger-` would read `ledger-test-`'s streams as its own).
   */
  streamPrefix?: string | undefined;
  /** What talks to the server; default the client module (client.ts). */
  connect?: ((connectionString: string) => KurrentConnection) | undefined;
  /** How long an append may go unanswered before its outcome is looked up (client.ts); default 5 s. */
  appendTimeoutMs?: number | undefined;
  /** How long to keep looking up the outcome of an unanswered append before failing it; default 60 s. */
  outcomeBudgetMs?: number | undefined;
}

const CONNECTION_STRING = /^(esdb|kurrent|kurrentdb|kdb)(\+discover)?:\/\//i;

export const createEsdbEventStore = (connectionString: string, options: EsdbEventStoreOptions = {}): EventStore => {
  const prefix = checkStreamPrefix(options.streamPrefix ?? DEFAULT_STREAM_PREFIX);
  if (!CONNECTION_STRING.test(connectionString)) {
    throw new Error('a KurrentDB connection string starts kurrentdb:// (or esdb://, kurrent://, kdb://, +discover)');
  }
  // The client (gRPC and a native module, ~300 ms to load) is imported only by stores that use it. Every call waits
  // for the connection, the check that the server is 26.1 or later, and the group index being complete.
  const connect = options.connect;
  const connecting = (
    connect
      ? Promise.resolve().then(() => connect(connectionString))
      : import('./client.ts').then((client) =>
          client.connectKurrent(connectionString, { appendTimeoutMs: options.appendTimeoutMs }),
        )
  ).then(async (c) => {
    try {
      await c.checkServer(groupIndexMarker(prefix));
      await ensureGroupIndex(c, prefix);
      return c;
    } catch (error) {
      await c.dispose().catch(() => undefined);
      throw error;
    }
  });
  connecting.catch(() => undefined); // reported to every caller instead of as an unhandled rejection

  const server = (name: string): string => toServerStream(prefix, name);
  const ours = [prefix];
  const { outcomeBudgetMs } = options;

  /**
   * The port's events, in position order, with recorded times clamped against the LOOKBACK events just before them
   * (records.ts). `newest`, when given, is a read of the newest events of the log (newest first, at most `limit`)
   * made since `events` were committed: if it reaches back far enough it holds those LOOKBACK events.
   */
  const recorded = async (
    c: KurrentConnection,
    events: ServerEvent[],
    newest?: { events: ServerEvent[]; limit: number },
  ): Promise<RecordedEvent[]> => {
    const mapped = events.map((e) => toRecordedEvent(prefix, e));
    const first = mapped[0];
    if (!first) return mapped;
    const before = newest?.events.filter((e) => (e.position?.commit ?? 0n) < first.position);
    const whole = newest !== undefined && newest.events.length < newest.limit; // the read reached the log's start
    const lookback =
      before && (before.length >= LOOKBACK || whole)
        ? before.slice(0, LOOKBACK)
        : await c.readAllBackward(ours, first.position, LOOKBACK);
    return clampRecordedAt(mapped, newestTime(lookback));
  };

  const readStream = async (c: KurrentConnection, name: string, options: ReadStreamOptions): Promise<RecordedEvent[]> => {
    const { fromRevision, maxCount, direction } = options;
    if (fromRevision !== undefined && !(Number.isSafeInteger(fromRevision) && fromRevision >= 0)) {
      throw new RangeError(`fromRevision must be a whole number >= 0, got ${fromRevision}`);
    }
    checkMaxCount(maxCount);
    if (maxCount === 0) return [];
    if (direction !== 'backwards') return recorded(c, await c.readStream(server(name), BigInt(fromRevision ?? 0), maxCount));
    // Recorded times are clamped oldest first (never decreasing), so map in that order and hand back newest first.
    const newestFirst = await c.readStreamBackward(server(name), fromRevision === undefined ? undefined : BigInt(fromRevision), maxCount);
    return (await recorded(c, newestFirst.reverse())).reverse();
  };

  // The same events appended twice at once by this process: the second waits for the first and is its duplicate.
  const appending = new Map<string, Promise<AppendResult>>();
  let committer: GroupCommit | undefined;

  const append = async (name: string, events: NewEvent[], appendOptions: AppendOptions): Promise<AppendResult> => {
    checkExpectedRevision(appendOptions.expectedRevision);
    const key = `${name}\n${checkBatch(events).join()}`;
    const c = await connecting;
    if (events.length === 0) return appendNothing(c, name, appendOptions);
    const twin = appending.get(key);
    if (twin) {
      const first = await twin.catch(() => undefined);
      if (first) return { ...first, duplicate: true };
    }
    const newest = (limit: number) => c.readAllBackward(ours, undefined, limit);
    committer ??= groupCommit(c, newest, LOOKBACK + LATER_APPENDS);
    const running = appendToServer(
      {
        connection: c,
        prefix,
        server,
        recorded: (e, window) => recorded(c, e, window),
        newest,
        commit: committer.commit,
        outcomeBudgetMs,
      },
      name,
      events,
      appendOptions,
    );
    appending.set(key, running);
    try {
      return await running;
    } finally {
      if (appending.get(key) === running) appending.delete(key);
    }
  };

  /** Nothing to write: only the checks, as on the other stores. */
  const appendNothing = async (c: KurrentConnection, name: string, guard: AppendOptions): Promise<AppendResult> => {
    const last = (await c.lastEvent(server(name)))?.revision ?? 'no-stream';
    const expected = guard.expectedRevision;
    const actual = last === 'no-stream' ? 'no-stream' : Number(last);
    if (expected === 'no-stream' ? actual !== 'no-stream' : expected !== 'any' && expected !== actual) {
      throw wrongRevision(name, expected, last);
    }
    const group = guard.unchangedGroup;
    if (group) {
      const index = await readGroupIndex(c, prefix, group.streamPrefix);
      const lasts = await mapLimited([group.streamPrefix, ...index.members], READ_CONCURRENCY, (m) =>
        c.lastEvent(server(m)),
      );
      if (lasts.some((e) => (e?.position?.commit ?? 0n) > group.afterPosition)) {
        throw new ConcurrencyError(name, expected, actual, 'group-changed');
      }
    }
    return { duplicate: false, events: [], nextRevision: actual === 'no-stream' ? -1 : actual };
  };

  // close() waits for calls under way, then ends subscriptions and the connection.
  const inflight = new Set<Promise<unknown>>();
  const active = new Set<() => void>();
  let closing: Promise<void> | undefined;
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(new Error('event store is closed'));
    const running = work();
    inflight.add(running);
    const done = (): boolean => inflight.delete(running);
    running.then(done, done);
    return running;
  };

  return {
    appendToStream: (name, events, appendOptions) => track(() => append(name, events, appendOptions)),

    readStream: (name, readOptions = {}) =>
      track(async () => readStream(await connecting, name, readOptions)),

    // The root and each child the index lists, read stream by stream and merged by position; a page of it when asked.
    readStreamGroup: (root, groupOptions = {}) =>
      track(async () => {
        const { after = 0n, maxCount } = groupOptions;
        checkMaxCount(maxCount);
        const c = await connecting;
        const index = await readGroupIndex(c, prefix, root);
        const streams = await mapLimited([root, ...index.members], READ_CONCURRENCY, (name) =>
          c.readStream(server(name), 0n),
        );
        const merged = streams.flat().sort((a, b) => {
          const [p, q] = [a.position?.commit ?? 0n, b.position?.commit ?? 0n];
          return p < q ? -1 : p > q ? 1 : 0;
        });
        const group = (await recorded(c, merged)).filter((e) => inStreamGroup(e.streamName, root) && e.position > after);
        return maxCount === undefined ? group : group.slice(0, maxCount);
      }),

    readAll: (readOptions = {}) =>
      track(async () => {
        const { after = 0n, maxCount } = readOptions;
        checkMaxCount(maxCount);
        const c = await connecting;
        return recorded(c, await c.readAll(ours, after, maxCount ?? Infinity));
      }),

    headPosition: () =>
      track(async () => {
        const [last] = await (await connecting).readAllBackward(ours, undefined, 1);
        return last ? toRecordedEvent(prefix, last).position : 0n;
      }),

    subscribeToAll: (subscribeOptions = {}) =>
      new (rx().Observable)<RecordedEvent>((subscriber) => {
        if (closing) {
          subscriber.error(new Error('event store is closed'));
          return;
        }
        let stop = (): void => undefined;
        const complete = (): void => subscriber.complete();
        active.add(complete);
        // Events are handed on in order, each clamped against the newest time before it (records.ts); the floor
        // for the first one is read once, before it is handed on.
        let queue = Promise.resolve();
        let high: string | undefined;
        let seeded = false;
        const deliver = (c: KurrentConnection, event: ServerEvent): void => {
          queue = queue.then(async () => {
            if (subscriber.closed) return;
            try {
              const mapped = toRecordedEvent(prefix, event);
              if (!seeded) {
                seeded = true;
                high = newestTime(await c.readAllBackward(ours, mapped.position, LOOKBACK));
              }
              const [clamped] = clampRecordedAt([mapped], high);
              high = clamped?.recordedAt;
              if (clamped) subscriber.next(clamped);
            } catch (error) {
              subscriber.error(error);
            }
          });
        };
        connecting.then(
          (c) => {
            if (subscriber.closed) return;
            stop = c.subscribe(ours, subscribeOptions.after ?? 0n, {
              event: (event) => deliver(c, event),
              error: (error) => {
                queue = queue.then(() => subscriber.error(error));
              },
            });
          },
          (error: unknown) => subscriber.error(error),
        );
        return () => {
          active.delete(complete);
          stop();
        };
      }),

    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([...inflight]);
        for (const complete of [...active]) complete();
        await (await connecting.catch(() => undefined))?.dispose();
      })()),
  };
};

/** For `LEDGER_STORE=kurrentdb://…` or `esdb://…` (open.ts); a deployment prefix may come as `streamPrefix=…`. */
export const openEsdbEventStore = (spec: string): EventStore => {
  const { connectionString, streamPrefix } = parseEsdbSpec(spec);
  return createEsdbEventStore(connectionString, { streamPrefix });
};
