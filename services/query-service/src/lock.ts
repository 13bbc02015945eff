// One query service per read-model file, and no `pnpm ledger rebuild --replace` under a running one (issue 9: the live
// file was deleted under a running service, which went on writing to the orphan). The holder keeps a write lock on
// `<read models>.lock`, a small SQLite file: SQLite's locks are the operating system's file locks, released by the
// kernel when the process ends, so a kill -9 leaves nothing stale and a reused pid cannot fake a holder. The file
// also names the holder's pid, for the message.
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface ReadModelsLock {
  path: string;
  release(): void;
}

export class ReadModelsLocked extends Error {
  readonly path: string;
  readonly holder: { pid: number; purpose: string; since: string } | undefined;
  constructor(path: string, holder: ReadModelsLocked['holder']) {
    super(
      `the read models are in use by ${holder ? `${holder.purpose} (pid ${holder.pid}, since ${holder.since})` : 'another process'}; lock ${path}`,
    );
    this.name = 'ReadModelsLocked';
    this.path = path;
    this.holder = holder;
  }
}

const isBusy = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY');

/**
 * Takes the lock on the read models at `readModelsPath` for this process, waiting up to `waitMs`; throws
 * ReadModelsLocked when another process holds it. `purpose` says who holds it (e.g. "the query service").
 */
export const lockReadModels = (readModelsPath: string, purpose: string, waitMs = 0): ReadModelsLock => {
  const path = `${readModelsPath}.lock`;
  const db = new Database(path, { timeout: waitMs });
  const holder = () => {
    try {
      return db
        .prepare<[], { pid: number; purpose: string; since: string }>('SELECT pid, purpose, since FROM holder')
        .get();
    } catch {
      return undefined;
    }
  };
  try {
    chmodSync(path, 0o600);
    db.pragma('journal_mode = DELETE'); // a RESERVED lock lets others read the holder's pid, never write
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, purpose TEXT NOT NULL, since TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, purpose, since) VALUES (?, ?, ?)').run(
      process.pid,
      purpose,
      new Date().toISOString(),
    );
    db.exec('COMMIT');
    // Held from here on: the write lock of an open transaction, until release() or the end of the process.
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    const busy = isBusy(err);
    const who = busy ? holder() : undefined;
    db.close();
    if (busy) throw new ReadModelsLocked(path, who);
    throw err;
  }
  return {
    path,
    release: () => {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
};
