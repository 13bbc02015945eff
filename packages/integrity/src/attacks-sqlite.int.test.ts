// Issue 14's attacks on a real SQLite store file, changed with better-sqlite3 as someone with write access to the
// file could (attacks.ts).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe } from 'vitest';
import type { EventStore } from '@csu-ledger/event-store';
import { describeAttacks, type Row, type Tamperer } from './attacks.ts';
import { openStore, tempDir } from './store-fixtures.ts';

const dirs: string[] = [];
const where = new Map<EventStore, string>();
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface StoredRow {
  position: number;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
}

const tamperer = (db: Database.Database): Tamperer => ({
  rows: (stream) =>
    Promise.resolve(
      (stream === undefined
        ? db.prepare<[], StoredRow>('SELECT position, stream, revision, type, data, metadata FROM events ORDER BY position').all()
        : db.prepare<[string], StoredRow>('SELECT position, stream, revision, type, data, metadata FROM events WHERE stream = ? ORDER BY position').all(stream)
      ).map(
        (r): Row => ({ ...r, position: BigInt(r.position), data: JSON.parse(r.data) as unknown, metadata: JSON.parse(r.metadata) as Record<string, unknown> }),
      ),
    ),
  update: (position, values) => {
    if (values.data !== undefined) db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(values.data), position);
    if (values.metadata !== undefined) db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify(values.metadata), position);
    return Promise.resolve();
  },
  stamp: (position, recordedAt) => {
    db.prepare('UPDATE events SET recorded_at = ? WHERE position = ?').run(recordedAt, position);
    return Promise.resolve();
  },
  remove: (what) => {
    if ('stream' in what) db.prepare('DELETE FROM events WHERE stream = ?').run(what.stream);
    else if ('fromPosition' in what) db.prepare('DELETE FROM events WHERE position >= ?').run(what.fromPosition);
    else for (const p of what.positions) db.prepare('DELETE FROM events WHERE position = ?').run(p);
    return Promise.resolve();
  },
  close: () => {
    db.close();
    return Promise.resolve();
  },
});

describe('issue 14 attacks on SQLite', () => {
  describeAttacks({
    fresh: async () => {
      const dir = await tempDir('integrity-attacks');
      dirs.push(dir);
      const store = openStore(dir);
      where.set(store, dir);
      return store;
    },
    tamper: async (store) => {
      const dir = where.get(store)!;
      await store.close();
      const db = new Database(join(dir, 'events.db'));
      return {
        tamperer: tamperer(db),
        reopen: () => {
          const reopened = openStore(dir);
          where.set(reopened, dir);
          return Promise.resolve(reopened);
        },
      };
    },
  });
});
