// The scenarios of `pnpm bench`. Each returns its figures (with the PERFORMANCE.md target where there is one) and
// the details behind them. Existing bench scripts run as they are (store-bench.ts, commands.ts) with --json;
// latency is measured open loop by open-loop.ts in a process of its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '@csu-ledger/cli';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { createHeadSigner, loadOrCreateSigningKey } from '@csu-ledger/integrity';
import { percentiles, type PlannedRequest } from './open-loop.ts';
import {
  caughtUp,
  commandRequests,
  createContracts,
  openLoop,
  residentMiB,
  runNode,
  services,
  settlementRequests,
  type Figure,
  type RunContext,
  type ScenarioResult,
} from './harness.ts';
import { chainingStore, seedContract } from './seed.ts';

const tempJson = (): { file: string; read: <T>() => T; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-json-'));
  const file = join(dir, 'result.json');
  return {
    file,
    read: <T>() => JSON.parse(readFileSync(file, 'utf8')) as T,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
};
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
/** How long a generator waits for answers after its schedule (then the rest count as unanswered). */
const drain = (ctx: RunContext): number => (ctx.quick ? 3 : 30);
const CSU_ACTOR = { sub: 'bench-seed', org: '0AX', role: 'csu' };

// ---- store: our SQLite and PostgreSQL adapters against their raw drivers, Emmett beside them.
interface StoreRow {
  storeName: string;
  name: string;
  unit: string;
  raw: number;
  store: number;
  ratio: number;
  peer?: number | string;
  peerRatio?: number;
}
export const store = async (ctx: RunContext): Promise<ScenarioResult> => {
  const out = tempJson();
  try {
    await runNode('packages/event-store/bench/store-bench.ts', [
      ...(ctx.quick ? ['--quick'] : []),
      '--peer',
      'scripts/bench/emmett-peer.ts',
      '--json',
      out.file,
    ]);
    const result = out.read<{
      rows: StoreRow[];
      peer: string | null;
      sqliteVersion: string;
      extras: { postgres: { separateStores: number; version: string } };
    }>();
    const figures: Figure[] = [];
    for (const r of result.rows) {
      figures.push({
        name: `${r.storeName} store / raw: ${r.name}`,
        value: r.ratio,
        unit: '×',
        target: { op: '>=', value: 0.8 },
      });
    }
    for (const r of result.rows) {
      figures.push({
        name: `Emmett ${r.storeName} / raw: ${r.name}`,
        value: r.peerRatio ?? null,
        unit: '×',
        ...(typeof r.peer === 'string' ? { note: r.peer } : r.peer === undefined ? { note: 'no such call' } : {}),
      });
    }
    const raw8 = result.rows.find((r) => r.storeName === 'PostgreSQL' && r.name.includes('8 writers'));
    figures.push({
      name: 'PostgreSQL, 8 writers as 8 separate stores / raw 8 connections',
      value: raw8 ? result.extras.postgres.separateStores / raw8.raw : null,
      unit: '×',
      target: { op: '>=', value: 0.8 },
      note: `${Math.round(result.extras.postgres.separateStores)} appends/s`,
    });
    return { figures, details: result };
  } finally {
    out.remove();
  }
};

// ---- commands: closed loop (commands.ts), open loop at a fixed rate over many contracts, one hot contract.
export const commands = async (ctx: RunContext): Promise<ScenarioResult> => {
  const closedOut = tempJson();
  let closed: { perSecond: number; p50: number; p99: number; failures: number; contracts: number; clients: number };
  try {
    await runNode('scripts/bench/commands.ts', [
      '--seconds',
      String(ctx.seconds),
      '--clients',
      ctx.quick ? '32' : '64',
      '--contracts',
      ctx.quick ? '32' : '128',
      '--json',
      closedOut.file,
    ]);
    closed = closedOut.read();
  } finally {
    closedOut.remove();
  }
  const s = await services(ctx, 'commands');
  try {
    await s.start();
    const admin = await s.sign('bench-admin', 'NHS', 'admin');
    const csu = await Promise.all(ids('bench-csu', 8).map((sub) => s.sign(sub, '0AX', 'csu')));
    const spread = ids('SPREAD', 64);
    await createContracts(s.command!.url, admin, [...spread, 'HOT-1']);
    const rate = 1_000;
    const plan = (contracts: string[]) => ({
      url: s.command!.url,
      rate,
      seconds: ctx.seconds,
      warmupSeconds: 1,
      drainSeconds: drain(ctx),
      requests: commandRequests(contracts, csu, 4_096),
    });
    console.log(`  open loop: ${rate} commands/s over ${spread.length} contracts for ${ctx.seconds} s`);
    const open = await openLoop(plan(spread));
    console.log(`  open loop: ${rate} commands/s on one contract for ${ctx.seconds} s`);
    const hot = await openLoop(plan(['HOT-1']));
    return {
      figures: [
        {
          name: `commands, closed loop, ${closed.contracts} contracts × ${closed.clients} clients`,
          value: closed.perSecond,
          unit: '/s',
          target: { op: '>=', value: 2_000 },
          note: `p50 ${closed.p50.toFixed(0)} ms, p99 ${closed.p99.toFixed(0)} ms`,
        },
        {
          name: `commands, open loop at ${rate}/s over 64 contracts: p99`,
          value: open.latency.p99,
          unit: 'ms',
          target: { op: '<=', value: 25 },
          note: `p50 ${open.latency.p50?.toFixed(1)} ms; ${open.ok} of ${open.sent} answered 2xx`,
        },
        {
          name: `one contract, open loop at ${rate}/s: answered`,
          value: hot.throughput,
          unit: '/s',
          target: { op: '>=', value: 1_000 },
          note: `p50 ${hot.latency.p50?.toFixed(0)} ms, p99 ${hot.latency.p99?.toFixed(0)} ms; ${hot.ok} of ${hot.sent} 2xx`,
        },
      ],
      details: { closed, open, hot },
    };
  } finally {
    await s.dispose();
  }
};

// ---- queries: settlement reads at a fixed rate alone and while commands run at a fixed rate; projection lag.
export const queries = async (ctx: RunContext): Promise<ScenarioResult> => {
  const s = await services(ctx, 'queries');
  try {
    await s.start();
    const admin = await s.sign('bench-admin', 'NHS', 'admin');
    const csu = await Promise.all(ids('bench-csu', 8).map((sub) => s.sign(sub, '0AX', 'csu')));
    const reader = await s.sign('bench-reader', '0AX', 'csu');
    const contracts = ids('MIXED', ctx.quick ? 16 : 36);
    await createContracts(s.command!.url, admin, contracts);
    // A few hundred events per contract, so a settlement has something to add up.
    const log = createSqliteEventStore(join(s.dataDir, 'events.db'));
    for (const c of contracts) await seedContract(log, c, ctx.quick ? 100 : 200, CSU_ACTOR);
    const head = await log.headPosition();
    await log.close();
    await caughtUp(s.query!.url, admin, head);
    const reads = (rate: number) => ({
      url: s.query!.url,
      rate,
      seconds: ctx.seconds,
      warmupSeconds: 1,
      drainSeconds: drain(ctx),
      requests: settlementRequests(contracts, reader, 1_000),
    });
    console.log(`  settlement reads alone at 2000/s for ${ctx.seconds} s`);
    const alone = await openLoop(reads(2_000));

    // The probe: a command acknowledged, then the contract read with X-Min-Position at its position.
    const lags: number[] = [];
    let probing = true;
    const probe = async (): Promise<void> => {
      for (let i = 0; probing; i += 1) {
        const c = contracts[i % contracts.length]!;
        const a = await call<{ position: string }>(s.command!.url, csu[0]!, 'POST', `/contracts/${c}/measurements`, {
          kpiId: 'K2',
          month: '2025-26-M03',
          achievedBp: 9_600,
          businessDate: '2026-04-20',
        });
        if (a.status !== 200) continue;
        const acked = performance.now();
        const r = await call(s.query!.url, reader, 'GET', `/contracts/${c}`, undefined, {
          'X-Min-Position': a.body.position,
        });
        if (r.status === 200) lags.push(performance.now() - acked);
        // ~40 probes a second: a sample of the lag, a small share of the load
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    console.log(`  settlement reads at 2000/s beside commands at 1000/s for ${ctx.seconds} s, projection lag probed`);
    const probed = probe();
    const [mixedReads, mixedCommands] = await Promise.all([
      openLoop(reads(2_000)),
      openLoop({
        url: s.command!.url,
        rate: 1_000,
        seconds: ctx.seconds,
        warmupSeconds: 1,
        drainSeconds: drain(ctx),
        requests: commandRequests(contracts, csu, 4_096),
      }),
    ]);
    probing = false;
    await probed;
    const lag = percentiles(lags);
    return {
      figures: [
        {
          name: 'settlement, open loop at 2000/s alone: p99',
          value: alone.latency.p99,
          unit: 'ms',
          note: `p50 ${alone.latency.p50?.toFixed(1)} ms`,
        },
        {
          name: 'settlement, open loop at 2000/s beside 1000 commands/s: p99',
          value: mixedReads.latency.p99,
          unit: 'ms',
          target: { op: '<=', value: 5 },
          note: `p50 ${mixedReads.latency.p50?.toFixed(1)} ms; ${mixedReads.ok} of ${mixedReads.sent} 2xx`,
        },
        {
          name: 'commands at 1000/s beside those reads: p99',
          value: mixedCommands.latency.p99,
          unit: 'ms',
          note: `p50 ${mixedCommands.latency.p50?.toFixed(1)} ms; ${mixedCommands.ok} of ${mixedCommands.sent} 2xx`,
        },
        {
          name: 'projection lag under that load: p99',
          value: lag.p99,
          unit: 'ms',
          target: { op: '<=', value: 50 },
          note: `p50 ${lag.p50?.toFixed(1)} ms, ${lag.n} probes`,
        },
      ],
      details: { alone, mixedReads, mixedCommands, lag },
    };
  } finally {
    await s.dispose();
  }
};

// ---- fold: one contract's records decoded and folded into a ledger in memory (bench:fold, no store, no HTTP): the
// floor under every read that folds a contract, such as time travel's (its budget: 50 ms at 10,000 events).
export const fold = async (ctx: RunContext): Promise<ScenarioResult> => {
  const sizes = ctx.quick ? [10_000] : [10_000, 100_000];
  const out = await runNode('scripts/bench/fold.ts', ['--events', sizes.join(','), '--runs', ctx.quick ? '3' : '7']);
  const figures: Figure[] = [];
  const points: { events: number; decodeMs: number; foldMs: number }[] = [];
  for (const m of out.matchAll(/^([\d,]+) events: decode ([\d.]+) ms, fold ([\d.]+) ms/gm)) {
    const point = { events: Number(m[1]!.replace(/,/g, '')), decodeMs: Number(m[2]), foldMs: Number(m[3]) };
    points.push(point);
    figures.push({
      name: `decode + fold one contract of ${m[1]} events (median)`,
      value: point.decodeMs + point.foldMs,
      unit: 'ms',
      note: `decode ${point.decodeMs} ms, fold ${point.foldMs} ms`,
    });
  }
  if (points.length !== sizes.length) throw new Error('bench:fold did not print a line per size');
  return { figures, details: { points } };
};

// ---- time travel: settlements asOf a business date and asAt an instant on a contract of 10,000 events.
export const timeTravel = async (ctx: RunContext): Promise<ScenarioResult> => {
  const s = await services(ctx, 'time-travel');
  try {
    await s.start();
    const admin = await s.sign('bench-admin', 'NHS', 'admin');
    const reader = await s.sign('bench-reader', '0AX', 'csu');
    await createContracts(s.command!.url, admin, ['LONG-1']);
    const log = createSqliteEventStore(join(s.dataDir, 'events.db'));
    const from = Date.now();
    const events = await seedContract(log, 'LONG-1', 10_000, CSU_ACTOR);
    const to = Date.now();
    const head = await log.headPosition();
    await log.close();
    await caughtUp(s.query!.url, admin, head);
    const rate = 20;
    const requests: PlannedRequest[] = Array.from({ length: 400 }, (_, i) => {
      const quarter = `2025-26-Q${1 + (i % 4)}`;
      const asAt = new Date(from + ((i * 7919) % 1000) * ((to - from) / 1000)).toISOString();
      const asOf = `2025-${String(4 + (i % 9)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      const query = [`asAt=${asAt}`, `asOf=${asOf}`, `asOf=${asOf}&asAt=${asAt}`][i % 3]!;
      return {
        method: 'GET',
        path: `/contracts/LONG-1/settlements/${quarter}?${query}`,
        headers: { authorization: `Bearer ${reader}` },
      };
    });
    console.log(`  asOf/asAt settlements of a ${events}-event contract at ${rate}/s for ${ctx.seconds} s`);
    const r = await openLoop({
      url: s.query!.url,
      rate,
      seconds: ctx.seconds,
      warmupSeconds: 1,
      drainSeconds: drain(ctx),
      requests,
    });
    return {
      figures: [
        {
          name: `settlement asOf/asAt, ${events.toLocaleString('en-GB')}-event contract, ${rate}/s: p99`,
          value: r.latency.p99,
          unit: 'ms',
          target: { op: '<=', value: 50 },
          note: `p50 ${r.latency.p50?.toFixed(1)} ms; ${r.ok} of ${r.sent} 2xx ${JSON.stringify(r.statuses)}`,
        },
      ],
      details: { events, result: r },
    };
  } finally {
    await s.dispose();
  }
};

// ---- scale: a log of N events (contracts of ~2,000 events): rebuild, start-up, settlement p99, memory.
export interface ScalePoint {
  events: number;
  contracts: number;
  seedSeconds: number;
  rebuildSeconds: number;
  rebuildPerSecond: number;
  /** One after another (as `pnpm ledger start`), each from spawn to listening; `together`: both started at once, wall. */
  startMs: { command: number; query: number; together: number };
  settlement: { rate: number; p50: number | null; p99: number | null; ok: number; sent: number };
  residentMiB: { command: { rss: number; peak: number } | null; query: { rss: number; peak: number } | null };
}
const EVENTS_PER_CONTRACT = 2_000;
export const scalePoint = async (ctx: RunContext, events: number): Promise<ScalePoint> => {
  const cached = ctx.cache.get(`scale-${events}`) as ScalePoint | undefined;
  if (cached) return cached;
  const s = await services(ctx, `scale-${events}`);
  try {
    // The contracts over HTTP (the command service alone), the rest of the log straight into the store.
    await s.start(['command']);
    const admin = await s.sign('bench-admin', 'NHS', 'admin');
    const contracts = ids('SCALE', Math.max(1, Math.round(events / EVENTS_PER_CONTRACT)));
    await createContracts(s.command!.url, admin, contracts);
    await s.stop();
    const seedStart = performance.now();
    // Chained and then signed, as the command service leaves its log at a graceful stop: the start measured below is
    // a restart, not the first signing of a whole log (which reads every event since the last signing).
    const log = createSqliteEventStore(join(s.dataDir, 'events.db'));
    const chained = chainingStore(log);
    for (let i = 0; i < contracts.length; i += 4) {
      await Promise.all(contracts.slice(i, i + 4).map((c) => seedContract(chained, c, EVENTS_PER_CONTRACT, CSU_ACTOR)));
    }
    const key = await loadOrCreateSigningKey({ dataDir: s.dataDir });
    await createHeadSigner({ store: log, key }).signChanged('stop');
    const head = await log.headPosition();
    await log.close();
    const seedSeconds = (performance.now() - seedStart) / 1000;
    console.log(`  ${head} events seeded (chained, signed) in ${seedSeconds.toFixed(1)} s; pnpm ledger rebuild`);
    // `pnpm ledger rebuild` (no live read models yet: it writes them), its own timing of the rebuild.
    const rebuilt = await runNode('services/cli/src/main.ts', ['rebuild'], { LEDGER_DATA_DIR: s.dataDir });
    const m = /\((\d+) events in ([\d.]+) s\)/.exec(rebuilt);
    if (!m) throw new Error('pnpm ledger rebuild did not report its events and time');
    const rebuildSeconds = Number(m[2]);
    // Both services on the rebuilt read models: they start without a rebuild.
    await s.start();
    const reader = await s.sign('bench-reader', '0AX', 'csu');
    await caughtUp(s.query!.url, admin, head);
    const rate = 200;
    const r = await openLoop({
      url: s.query!.url,
      rate,
      seconds: Math.min(ctx.seconds, 5),
      warmupSeconds: 1,
      drainSeconds: drain(ctx),
      requests: settlementRequests(contracts, reader, 1_000),
    });
    const point: ScalePoint = {
      events: Number(head),
      contracts: contracts.length,
      seedSeconds,
      rebuildSeconds,
      rebuildPerSecond: Number(m[1]) / rebuildSeconds,
      startMs: { command: s.startMs.command ?? NaN, query: s.startMs.query ?? NaN, together: NaN },
      settlement: { rate, p50: r.latency.p50, p99: r.latency.p99, ok: r.ok, sent: r.sent },
      residentMiB: { command: residentMiB(s.command?.process.pid), query: residentMiB(s.query?.process.pid) },
    };
    // The same restart with both services started at once (the query service does not need the command service to
    // start): wall time until both listen. Beside the summed figure, which is the one read against the target.
    await s.stop();
    await s.start(['command', 'query'], { together: true });
    point.startMs.together = s.startMs.all ?? NaN;
    ctx.cache.set(`scale-${events}`, point);
    return point;
  } finally {
    await s.dispose();
  }
};

export const rebuild = async (ctx: RunContext): Promise<ScenarioResult> => {
  const size = ctx.quick ? 40_000 : 1_000_000;
  const p = await scalePoint(ctx, size);
  return {
    figures: [
      {
        name: `rebuild of ${p.events.toLocaleString('en-GB')} events`,
        value: p.rebuildPerSecond,
        unit: 'events/s',
        target: { op: '>=', value: 100_000 },
        note: `${p.rebuildSeconds.toFixed(2)} s`,
      },
    ],
    details: { point: p },
  };
};

/** The sizes of the scale scenario: 10,000 up to the largest, ×10 apart (quick: 10,000 and 40,000). */
export const scaleSizes = (ctx: RunContext): number[] => {
  if (ctx.quick) return [10_000, 40_000];
  const sizes: number[] = [];
  for (let n = 10_000; n <= ctx.scaleMax; n *= 10) sizes.push(n);
  return sizes;
};
export const scale = async (ctx: RunContext): Promise<ScenarioResult> => {
  const points: ScalePoint[] = [];
  for (const n of scaleSizes(ctx)) {
    console.log(`  log of ${n.toLocaleString('en-GB')} events`);
    points.push(await scalePoint(ctx, n));
  }
  const last = points.at(-1)!;
  const n = last.events.toLocaleString('en-GB');
  const mem = (x: { rss: number; peak: number } | null) => (x === null ? null : x.peak);
  return {
    figures: [
      {
        name: `${n} events: both services start (no rebuild)`,
        value: last.startMs.command + last.startMs.query,
        unit: 'ms',
        target: { op: '<=', value: 2_000 },
        note: `one after the other, summed: command ${last.startMs.command.toFixed(0)} ms, query ${last.startMs.query.toFixed(0)} ms`,
      },
      {
        name: `${n} events: both services started at once (no rebuild), until both listen`,
        value: last.startMs.together,
        unit: 'ms',
        note: 'wall time; the target is read against the summed figure above',
      },
      {
        name: `${n} events: command service peak resident`,
        value: mem(last.residentMiB.command),
        unit: 'MiB',
        target: { op: '<=', value: 1_024 },
      },
      {
        name: `${n} events: query service peak resident`,
        value: mem(last.residentMiB.query),
        unit: 'MiB',
        target: { op: '<=', value: 1_024 },
      },
      {
        name: `${n} events: settlement at ${last.settlement.rate}/s: p99`,
        value: last.settlement.p99,
        unit: 'ms',
        target: { op: '<=', value: 5 },
        note: `p50 ${last.settlement.p50?.toFixed(1)} ms`,
      },
    ],
    details: { points },
  };
};
