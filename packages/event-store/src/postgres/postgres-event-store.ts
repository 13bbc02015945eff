// The PostgreSQL event store (LEDGER_STORE=postgres://…): one table, a server-side append function, group commit,
// LISTEN/NOTIFY for live subscriptions. Schema and migrations: migrations.ts.
//
// Global order without the classic hole. With positions from a sequence and concurrent transactions, position 8 can
// commit before position 7; a reader of "position > last" that saw 8 never looks back, and 7 is lost. The peers work
// around it at read time: Emmett (like Beckett) stores the writer's transaction id and reads only below
// pg_snapshot_xmin(pg_current_snapshot()), ordered by (transaction id, position), so its checkpoint is that pair;
// Marten's high-water mark waits for gaps to fill and skips them once "stale" (a slow transaction and a rolled-back
// one look alike, and its 9.16.1 release fixed several ways the mark could pass in-flight appends); Message DB locks
// per category, which orders writes within a category only. Our port's checkpoint is one bigint and promises
// positions "strictly increasing in commit order", so we fix it at write time instead: every append transaction
// takes one advisory lock (per schema) before it reads the head and numbers its events head + 1 …, and keeps it
// until it commits. PostgreSQL makes a transaction visible before it releases its locks, so the next writer can
// only number (and commit) after the previous one is visible: every snapshot shows a gap-free prefix, positions
// are dense, and recorded time, greatest(clock_timestamp(), last recorded), never decreases under the same lock.
// The cost is one commit at a time per database. We keep it small: the lock is taken inside a single statement
// (append_batch), so it is held for the server-side work and the WAL flush, never across a network round trip or
// an idle client; and each process commits all the appends that queued meanwhile in that one statement (group
// commit), so N concurrent writers of a process share one flush (PERFORMANCE.md's 8-writer row).
import pg from 'pg';
import { checkMaxCount, type AppendResult, type EventStore, type RecordedEvent } from '../port.ts';
import { createBatchCommitter, type PendingAppend } from './append-batch.ts';
import { startListener, type Listener } from './listener.ts';
import { assertSchemaName, migrate, notifyChannel, schemaVersion } from './migrations.ts';
import { assertNoNul, eventColumns, ledgerTypes, sessionOptions, toRecordedEvent, type EventRow } from './rows.ts';
import { createSubscriptions } from './subscription.ts';

export interface PostgresEventStoreOptions {
  /** Schema of the tables and function, created if missing. Default `ledger`. */
  schema?: string | undefined;
  /** Upper bound on how long a caught-up subscription waits when no NOTIFY arrives. Default 500 ms. */
  pollIntervalMs?: number | undefined;
  /** Connections in the pool (reads, appends); subscriptions add one LISTEN connection. Default 10. */
  pool?: number | undefined;
  /** Told of every group commit: how many appends it settled and how long it took (for /metrics). */
  onCommit?: ((appends: number, seconds: number) => void) | undefined;
}

export interface PostgresEventStoreDiagnostics {
  schema: string;
  schemaVersion: number;
  /** Version found when this store opened: below schemaVersion means this store ran the missing migrations. */
  migratedFrom: number;
  /** append_batch calls by this store object, and the appends settled by them. */
  commits: number;
  appends: number;
  listening: boolean;
}

export interface PostgresEventStore extends EventStore {
  diagnostics(): PostgresEventStoreDiagnostics;
}

/** Bounds one statement, so a flood of queued appends cannot hold the lock (and the others) for long. */
const maxAppendsPerCommit = 1_000;

const toJson = (value: unknown): string => JSON.stringify(value) ?? 'null';

export const createPostgresEventStore = async (
  connectionString: string,
  options: PostgresEventStoreOptions = {},
): Promise<PostgresEventStore> => {
  const schema = options.schema ?? 'ledger';
  assertSchemaName(schema);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    types: ledgerTypes,
    options: sessionOptions,
    application_name: 'csu-ledger',
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.pool ?? 10 });
  // An idle connection that breaks (server restart) is dropped by the pool; without a listener it would crash us.
  pool.on('error', () => undefined);
  let migratedFrom: number;
  try {
    migratedFrom = await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  const query = (name: string, where: string) => ({
    name: `${schema}-${name}`,
    text: `SELECT ${eventColumns} FROM ${schema}.events ${where}`,
    rowMode: 'array' as const,
  });
  // LIMIT NULL is no limit. The unique (stream, revision) index serves both directions without a sort.
  const streamQuery = query('stream', 'WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3');
  const streamBackQuery = query('stream-back', 'WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3');
  const streamEndQuery = query('stream-end', 'WHERE stream = $1 ORDER BY revision DESC LIMIT $2');
  // The range, not LIKE: no wildcard or escape pitfalls, and exact bytes thanks to COLLATE "C" on the column.
  const groupQuery = query('group', 'WHERE stream = $1 OR (stream >= $2 AND stream < $3) ORDER BY position');
  const groupPageQuery = query(
    'group-page',
    'WHERE (stream = $1 OR (stream >= $2 AND stream < $3)) AND position > $4 ORDER BY position LIMIT $5',
  );
  // LIMIT NULL is no limit. The primary key serves it: no sort, however large the log (PERFORMANCE.md).
  const afterQuery = query('after', 'WHERE position > $1 ORDER BY position LIMIT $2');
  const headQuery = {
    name: `${schema}-head`,
    text: `SELECT max(position) FROM ${schema}.events`,
    rowMode: 'array' as const,
  };
  const select = async (q: ReturnType<typeof query>, values: unknown[]): Promise<RecordedEvent[]> =>
    (await pool.query<EventRow>({ ...q, values })).rows.map(toRecordedEvent);
  const readAfter = (after: bigint, maxCount: number | null): Promise<RecordedEvent[]> =>
    select(afterQuery, [String(after), maxCount]);

  let listener: Listener | undefined;
  let closing: Promise<void> | undefined;
  const subscriptions = createSubscriptions({
    readAfter,
    pollIntervalMs: options.pollIntervalMs ?? 500,
    onSubscribe: () => {
      if (!closing) listener ??= startListener(clientConfig, notifyChannel(schema), () => subscriptions.wake());
    },
  });

  const commitBatch = createBatchCommitter(pool, schema);
  const queue: PendingAppend[] = [];
  let draining: Promise<void> | undefined;
  let commits = 0;
  let appends = 0;

  const commit = async (batch: PendingAppend[]): Promise<void> => {
    const started = performance.now();
    try {
      await commitBatch(batch);
      commits += 1;
      appends += batch.length;
      options.onCommit?.(batch.length, (performance.now() - started) / 1000);
    } catch (error) {
      // The statement failed as a whole, so nothing of it was written (or, if the connection broke, the outcome is
      // unknown and callers retry with the same event ids, which is what idempotent appends are for). Alone, each
      // append gets its own verdict: one bad append must not fail the others.
      if (batch.length === 1) batch[0]?.reject(error);
      else for (const pending of batch) await commit([pending]);
    }
  };

  const drain = async (): Promise<void> => {
    // One turn of the event loop first: every append made in the same turn joins the first commit.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      await commit(queue.splice(0, maxAppendsPerCommit));
      subscriptions.wake(); // this process's subscribers need not wait for the NOTIFY
    }
    draining = undefined;
  };

  return {
    appendToStream: (streamName, events, appendOptions) =>
      new Promise<AppendResult>((resolve, reject) => {
        if (closing) throw new Error('event store is closed');
        assertNoNul('stream name', streamName);
        // Serialise now, outside the transaction; a value JSON cannot hold fails only this append.
        const serialised = events.map((event) => {
          assertNoNul('event id', event.eventId);
          assertNoNul('event type', event.type);
          return { event, dataJson: toJson(event.data), metadataJson: toJson(event.metadata) };
        });
        queue.push({ streamName, events: serialised, options: appendOptions, resolve, reject });
        draining ??= drain();
      }),

    readStream: async (streamName, readOptions = {}) => {
      const { fromRevision, maxCount, direction } = readOptions;
      checkMaxCount(maxCount);
      if (direction !== 'backwards') return select(streamQuery, [streamName, fromRevision ?? 0, maxCount ?? null]);
      // revision is an integer column: a revision beyond its range is simply after the end.
      if (fromRevision === undefined || fromRevision > 2_147_483_647) return select(streamEndQuery, [streamName, maxCount ?? null]);
      return select(streamBackQuery, [streamName, fromRevision, maxCount ?? null]);
    },

    readStreamGroup: async (root, groupOptions = {}) => {
      const { after = 0n, maxCount } = groupOptions;
      checkMaxCount(maxCount);
      if (after === 0n && maxCount === undefined) return select(groupQuery, [root, `${root}.`, `${root}/`]);
      return select(groupPageQuery, [root, `${root}.`, `${root}/`, String(after), maxCount ?? null]);
    },

    readAll: async (readOptions = {}) => {
      const { after = 0n, maxCount } = readOptions;
      checkMaxCount(maxCount);
      return readAfter(after, maxCount ?? null);
    },

    headPosition: async () => (await pool.query<[bigint | null]>(headQuery)).rows[0]?.[0] ?? 0n,

    subscribeToAll: (subscribeOptions = {}) => subscriptions.subscribe(subscribeOptions.after ?? 0n),

    close: () =>
      (closing ??= (async () => {
        while (draining) await draining; // pending appends are committed, not dropped
        subscriptions.completeAll();
        await listener?.close();
        await pool.end();
      })()),

    diagnostics: () => ({
      schema,
      schemaVersion,
      migratedFrom,
      commits,
      appends,
      listening: listener?.listening() ?? false,
    }),
  };
};
