// The embedded event store: one SQLite file, one long-lived writer connection per process, group commit.
import { checkMaxCount, type AppendResult, type EventStore, type RecordedEvent } from '../port.ts';
import { prepareBatchCommitter, type PendingAppend } from './append-batch.ts';
import {
  eventColumns,
  groupBounds,
  groupCondition,
  isBusy,
  openReader,
  openWriter,
  toRecordedEvent,
  type EventRow,
} from './schema.ts';
import { createSubscriptions } from './subscription.ts';

export interface SqliteEventStoreOptions {
  /** How often a caught-up subscription looks for events committed by other processes. Default 5 ms. */
  pollIntervalMs?: number | undefined;
  /** Source of recorded times; the store never lets them go backwards. Default: the system clock. */
  clock?: (() => Date) | undefined;
  /** Told of every group commit: how many appends it settled and how long it took (for /metrics). */
  onCommit?: ((appends: number, seconds: number) => void) | undefined;
}

/** What the store is running with, read back from SQLite, and how well group commit is batching. */
export interface SqliteEventStoreDiagnostics {
  journalMode: string;
  /** 2 = FULL: the WAL is synced on every commit. */
  synchronous: number;
  busyTimeoutMs: number;
  schemaVersion: number;
  /** Write transactions committed by this store object, and the appends settled by them. */
  commits: number;
  appends: number;
}

export interface SqliteEventStore extends EventStore {
  diagnostics(): SqliteEventStoreDiagnostics;
}

/** Bounds one transaction, so a flood of queued appends cannot hold the event loop (and the lock) for long. */
const maxAppendsPerCommit = 1_000;
/** Streams whose length this process remembers at most (see `lengths`). */
const maxRememberedLengths = 100_000;
/** How long appends keep waiting for another process's write lock before they fail. */
const maxBusyWaitMs = 60_000;

const toJson = (value: unknown): string => JSON.stringify(value) ?? 'null';
/** Runs synchronous work now but reports its result, or its exception, as a promise. */
const settled = <T>(work: () => T): Promise<T> => new Promise<T>((resolve) => resolve(work()));

export const createSqliteEventStore = (path: string, options: SqliteEventStoreOptions = {}): SqliteEventStore => {
  if (path === '' || path === ':memory:') {
    // The reader and every other process must open the same file; WAL needs a real one too.
    throw new Error(`the SQLite event store needs a file path, got ${JSON.stringify(path)}`);
  }
  const clock = options.clock ?? (() => new Date());
  const writer = openWriter(path);
  let reader: ReturnType<typeof openReader>;
  try {
    reader = openReader(path);
  } catch (error) {
    writer.close();
    throw error;
  }
  const commitBatch = prepareBatchCommitter(writer, clock);

  /**
   * Each stream's length as this process last knew it exactly (from its own appends, or a read that reached the end),
   * so that a read of a stream's tail (what every command does before it decides) need not query when nothing was
   * added. Valid only while no other connection has committed: SQLite's data_version, read on the writer, moves when
   * another connection (another process, or another store on the same file) commits, never for this writer's own.
   */
  const dataVersion = writer.prepare<[], number>('PRAGMA data_version').pluck();
  const lengths = new Map<string, number>();
  let lengthsAsOf = dataVersion.get();
  const knownLength = (streamName: string): number | undefined => {
    const now = dataVersion.get();
    if (now !== lengthsAsOf) {
      lengths.clear();
      lengthsAsOf = now;
    }
    return lengths.get(streamName);
  };
  /** Bounds what is remembered: when full it starts again, and the streams forgotten are simply queried again. */
  const rememberLength = (streamName: string, length: number): void => {
    if (lengths.size >= maxRememberedLengths && !lengths.has(streamName)) lengths.clear();
    lengths.set(streamName, length);
  };

  const select = (where: string) =>
    reader.prepare<unknown[], EventRow>(`SELECT ${eventColumns} FROM events ${where}`).raw(true);
  // LIMIT -1: no limit. The UNIQUE (stream, revision) index serves both directions without a sort.
  const streamQuery = select('WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?');
  const streamBackQuery = select('WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?');
  const groupQuery = select(`WHERE ${groupCondition} ORDER BY position`);
  const groupAfterQuery = select(`WHERE ${groupCondition} AND position > ? ORDER BY position LIMIT ?`);
  // NOT INDEXED: walk the table itself in position order over a bounded range (the rowid range still applies).
  const groupWalkQuery = reader
    .prepare<unknown[], EventRow>(
      `SELECT ${eventColumns} FROM events NOT INDEXED WHERE position > ? AND position <= ? AND ${groupCondition} ORDER BY position LIMIT ?`,
    )
    .raw(true);
  const afterQuery = select('WHERE position > ? ORDER BY position LIMIT ?');
  const headQuery = reader.prepare<[], bigint | null>('SELECT max(position) FROM events').pluck();
  const readAfter = (after: bigint, maxCount: number): RecordedEvent[] =>
    afterQuery.all(after, maxCount).map(toRecordedEvent);

  /**
   * One page of a group. The (stream, revision) index finds a group's events but not in position order: a page of a
   * long group through it costs a scan and sort of the whole group (60 ms for 200,000 events). A busy group's next
   * events are usually near `after` in the log, so first walk the log itself over a bounded window (cost: the
   * window), and only for what that does not fill turn to the index (cost: the rest of the group, small when the
   * group is sparse, which is when the window fails).
   */
  const readGroupPage = (root: string, after: bigint, maxCount: number): RecordedEvent[] => {
    const bounds = groupBounds(root);
    if (maxCount === 0) return [];
    const windowEnd = after + BigInt(Math.min(Math.max(8 * maxCount, 4_096), 65_536));
    const walked = groupWalkQuery.all(after, windowEnd, ...bounds, maxCount);
    const rest =
      walked.length < maxCount && windowEnd < (headQuery.get() ?? 0n)
        ? groupAfterQuery.all(...bounds, windowEnd, maxCount - walked.length)
        : [];
    return [...walked, ...rest].map(toRecordedEvent);
  };

  const subscriptions = createSubscriptions({ readAfter, pollIntervalMs: options.pollIntervalMs ?? 5 });

  const queue: PendingAppend[] = [];
  let flushScheduled = false;
  let busyRetry: ReturnType<typeof setTimeout> | undefined;
  let busySince: number | undefined;
  let drainWaiters: (() => void)[] = [];
  let closing: Promise<void> | undefined;
  let commits = 0;
  let appends = 0;

  const scheduleFlush = (): void => {
    if (flushScheduled || busyRetry !== undefined) return;
    flushScheduled = true;
    // setImmediate, not a timer: a lone append waits for nothing, and everything that arrived in the same turn of
    // the event loop (or while the previous commit's fsync blocked it) joins this commit.
    setImmediate(flush);
  };

  const flush = (): void => {
    flushScheduled = false;
    busyRetry = undefined;
    const batch = queue.splice(0, maxAppendsPerCommit);
    if (batch.length > 0) commitOrRetry(batch);
    if (queue.length > 0) scheduleFlush();
    else if (busyRetry === undefined) {
      for (const done of drainWaiters) done();
      drainWaiters = [];
    }
  };

  const commitOrRetry = (batch: PendingAppend[]): void => {
    let outcomes;
    const started = performance.now();
    try {
      outcomes = commitBatch(batch);
    } catch (error) {
      if (isBusy(error)) {
        // Another process held the write lock past the busy timeout: keep waiting, off the event loop, and fail
        // no one unless it lasts far longer than any real transaction.
        busySince ??= Date.now();
        if (Date.now() - busySince < maxBusyWaitMs) {
          queue.unshift(...batch);
          busyRetry = setTimeout(flush, 10);
          return;
        }
      }
      busySince = undefined;
      for (const pending of batch) pending.reject(error);
      return;
    }
    busySince = undefined;
    commits += 1;
    appends += batch.length;
    options.onCommit?.(batch.length, (performance.now() - started) / 1000);
    // Only now, after COMMIT returned, is anything acknowledged.
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      // written under the write lock: the stream ends at our last event (another writer moves data_version anyway)
      if (outcome?.ok && !outcome.result.duplicate) rememberLength(pending.streamName, outcome.result.nextRevision + 1);
      if (outcome?.ok) pending.resolve(outcome.result);
      else pending.reject(outcome ? outcome.error : new Error('append has no outcome'));
    });
    subscriptions.wake();
  };

  const whenDrained = (): Promise<void> =>
    queue.length === 0 && !flushScheduled && busyRetry === undefined
      ? Promise.resolve()
      : new Promise<void>((resolve) => drainWaiters.push(resolve));

  return {
    appendToStream: (streamName, events, appendOptions) =>
      new Promise<AppendResult>((resolve, reject) => {
        if (closing) throw new Error('event store is closed');
        // Serialise now, outside the write transaction; a value JSON cannot hold fails only this append.
        const serialised = events.map((event) => ({
          event,
          dataJson: toJson(event.data),
          metadataJson: toJson(event.metadata),
        }));
        queue.push({ streamName, events: serialised, options: appendOptions, resolve, reject });
        scheduleFlush();
      }),

    readStream: (streamName, readOptions = {}) =>
      settled(() => {
        const { fromRevision, maxCount, direction } = readOptions;
        checkMaxCount(maxCount);
        if (direction === 'backwards') {
          return streamBackQuery.all(streamName, fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount ?? -1).map(toRecordedEvent);
        }
        const from = fromRevision ?? 0;
        if (maxCount === undefined && knownLength(streamName) === from) return []; // nothing after `from`, as known
        const rows = streamQuery.all(streamName, from, maxCount ?? -1);
        const last = rows[rows.length - 1];
        // a read to the end tells the length: its last revision + 1
        if (maxCount === undefined && last) rememberLength(streamName, Number(last[3]) + 1);
        return rows.map(toRecordedEvent);
      }),

    readStreamGroup: (root, groupOptions = {}) =>
      settled(() => {
        const { after = 0n, maxCount } = groupOptions;
        checkMaxCount(maxCount);
        if (maxCount !== undefined) return readGroupPage(root, after, maxCount);
        const rows = after === 0n ? groupQuery.all(...groupBounds(root)) : groupAfterQuery.all(...groupBounds(root), after, -1);
        return rows.map(toRecordedEvent);
      }),

    readAll: (readOptions = {}) =>
      settled(() => {
        const { after = 0n, maxCount } = readOptions;
        checkMaxCount(maxCount);
        return readAfter(after, maxCount ?? -1); // LIMIT -1: no limit
      }),

    headPosition: () => settled(() => headQuery.get() ?? 0n),

    subscribeToAll: (subscribeOptions = {}) => subscriptions.subscribe(subscribeOptions.after ?? 0n),

    close: () =>
      (closing ??= (async () => {
        await whenDrained();
        subscriptions.completeAll();
        reader.close();
        writer.close();
      })()),

    diagnostics: () => ({
      journalMode: writer.pragma('journal_mode', { simple: true }) as string,
      synchronous: writer.pragma('synchronous', { simple: true }) as number,
      busyTimeoutMs: writer.pragma('busy_timeout', { simple: true }) as number,
      schemaVersion: writer.pragma('user_version', { simple: true }) as number,
      commits,
      appends,
    }),
  };
};
