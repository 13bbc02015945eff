// Issue 14's attacks on PostgreSQL (started here from npm), changed with SQL as someone with write access to the
// database could (attacks.ts).
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPostgresEventStore, type EventStore } from '@csu-ledger/event-store';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../event-store/src/postgres/embedded-server.ts';
import { describeAttacks, type Row, type Tamperer } from './attacks.ts';

let server: EmbeddedServer;
let n = 0;
const urls = new Map<EventStore, string>();

beforeAll(async () => {
  server = await startEmbeddedPostgres({ fastInit: true });
}, 60_000);
afterAll(() => server?.stop());

interface StoredRow {
  position: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const tamperer = (sql: pg.Client): Tamperer => ({
  rows: async (stream) => {
    const columns = 'position::text, stream, revision, type, data, metadata FROM ledger.events';
    const { rows } =
      stream === undefined
        ? await sql.query<StoredRow>(`SELECT ${columns} ORDER BY position`)
        : await sql.query<StoredRow>(`SELECT ${columns} WHERE stream = $1 ORDER BY position`, [stream]);
    return rows.map((r): Row => ({ ...r, position: BigInt(r.position) }));
  },
  update: async (position, values) => {
    if (values.data !== undefined) await sql.query('UPDATE ledger.events SET data = $1::json WHERE position = $2', [JSON.stringify(values.data), position.toString()]);
    if (values.metadata !== undefined) await sql.query('UPDATE ledger.events SET metadata = $1::json WHERE position = $2', [JSON.stringify(values.metadata), position.toString()]);
  },
  stamp: async (position, recordedAt) => {
    await sql.query('UPDATE ledger.events SET recorded_at = $1::timestamptz WHERE position = $2', [recordedAt, position.toString()]);
  },
  remove: async (what) => {
    if ('stream' in what) await sql.query('DELETE FROM ledger.events WHERE stream = $1', [what.stream]);
    else if ('fromPosition' in what) await sql.query('DELETE FROM ledger.events WHERE position >= $1', [what.fromPosition.toString()]);
    else await sql.query('DELETE FROM ledger.events WHERE position = ANY($1::bigint[])', [what.positions.map(String)]);
  },
  close: () => sql.end(),
});

describe('issue 14 attacks on PostgreSQL', () => {
  describeAttacks({
    fresh: async () => {
      const url = await server.createDatabase(`attacks_${++n}`);
      const store = await createPostgresEventStore(url);
      urls.set(store, url);
      return store;
    },
    tamper: async (store) => {
      const url = urls.get(store)!;
      await store.close();
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      return {
        tamperer: tamperer(sql),
        reopen: async () => {
          const reopened = await createPostgresEventStore(url);
          urls.set(reopened, url);
          return reopened;
        },
      };
    },
  });
});
