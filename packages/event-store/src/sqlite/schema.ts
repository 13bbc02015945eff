// Opening the SQLite file: connection settings, schema migrations and the row <-> RecordedEvent mapping.
import Database from 'better-sqlite3';
import type { RecordedEvent } from '../port.ts';

/** One entry per schema version; `PRAGMA user_version` records how many have run. Append only, never edit. */
const migrations: readonly string[] = [
  // STRICT so a stray type is an error, not a silent coercion. The UNIQUE (stream, revision) index also serves
  // reads by stream name and by name range (stream groups); position is the rowid, so reads in global order
  // after a position walk the table's own B-tree. No AUTOINCREMENT: we never delete, and without it a rolled-back
  // append leaves no gap in positions.
  `CREATE TABLE events (
     position    INTEGER PRIMARY KEY,
     event_id    TEXT NOT NULL UNIQUE,
     stream      TEXT NOT NULL,
     revision    INTEGER NOT NULL,
     type        TEXT NOT NULL,
     data        TEXT NOT NULL,
     metadata    TEXT NOT NULL,
     recorded_at TEXT NOT NULL,
     UNIQUE (stream, revision)
   ) STRICT`,
];

export const schemaVersion = migrations.length;

/** How long a connection waits for another process's lock inside SQLite before reporting SQLITE_BUSY. */
export const busyTimeoutMs = 5_000;

export const isBusy = (error: unknown): boolean =>
  error instanceof Database.SqliteError && (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_'));

/**
 * SQLITE_BUSY can still escape the busy timeout while another process holds an exclusive lock (changing the journal
 * mode, recovering the WAL). Opening is rare, so waiting synchronously here is fine.
 */
const retryWhileBusy = <T>(work: () => T): T => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
};

/** The one writer connection of this process: WAL, and FULL sync so an acknowledged commit survives a power cut. */
export const openWriter = (path: string): Database.Database => {
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    retryWhileBusy(() => db.pragma('journal_mode = WAL'));
    // better-sqlite3 is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL): say FULL explicitly.
    db.pragma('synchronous = FULL');
    // Savepoints copy the pages they change to a sub-journal; keep it in memory rather than in a temp file.
    db.pragma('temp_store = MEMORY');
    retryWhileBusy(() => migrate(db));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
};

/** A connection for reads only: in WAL mode it never blocks, nor is blocked by, a writer in any process. */
export const openReader = (path: string): Database.Database => {
  const db = new Database(path, { timeout: busyTimeoutMs, readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true); // positions are bigint at the port
  return db;
};

const migrate = (db: Database.Database): void => {
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a new file cannot both
  // run the same migration.
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new Error(`event store schema version ${current} is newer than this code knows (${migrations.length})`);
    }
    for (const sql of migrations.slice(current)) db.exec(sql);
    if (current !== migrations.length) db.pragma(`user_version = ${migrations.length}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
};

export const eventColumns = 'position, event_id, stream, revision, type, data, metadata, recorded_at';

/** A row as selected with `eventColumns` from a statement in raw, safe-integer mode. */
export type EventRow = [bigint, string, string, bigint, string, string, string, string];

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row[1],
  streamName: row[2],
  revision: Number(row[3]),
  position: row[0],
  type: row[4],
  data: JSON.parse(row[5]) as unknown,
  metadata: JSON.parse(row[6]) as Record<string, unknown>,
  recordedAt: row[7],
});

/** Bounds for "the stream `root` or any stream named `root.<child>`" as an exact, case-sensitive index range. */
export const groupBounds = (root: string): [string, string, string] => [root, `${root}.`, `${root}/`];
export const groupCondition = '(stream = ? OR (stream >= ? AND stream < ?))';
