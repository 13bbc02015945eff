// Paired measure for issue 15's query-service levers: CPU the query service spends per settlement read, and reads
// answered per second, closed loop. CPU per read (from /proc, the service process alone) is the figure that survives
// a shared, loaded machine; throughput is shown beside it. `--root` names the checkout whose services run, so the same
// script measures two worktrees in turn (before and after a change):
//   node scripts/bench/settlement-cpu.ts --root /work/main --reads 4000 --clients 8
// Linux only (/proc).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type * as EventStore from '@csu-ledger/event-store';
import type * as Harness from './harness.ts';
import type * as Seed from './seed.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dirname, '../..') },
    reads: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '8' },
    contracts: { type: 'string', default: '16' },
    events: { type: 'string', default: '100' },
  },
});
const root = resolve(values.root);
const [reads, clients, contractCount, events] = [values.reads, values.clients, values.contracts, values.events].map(Number) as [number, number, number, number];

const harness = (await import(join(root, 'scripts/bench/harness.ts'))) as typeof Harness;
const { seedContract } = (await import(join(root, 'scripts/bench/seed.ts'))) as typeof Seed;
const { createSqliteEventStore } = (await import(join(root, 'packages/event-store/src/index.ts'))) as typeof EventStore;

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const s = await harness.services({ quick: true, seconds: 3, scaleMax: 0, cache: new Map() }, 'settlement-cpu');
try {
  await s.start();
  const admin = await s.sign('bench-admin', 'NHS', 'admin');
  const reader = await s.sign('bench-reader', '0AX', 'csu');
  const contracts = Array.from({ length: contractCount }, (_, i) => `CPU-${i}`);
  await harness.createContracts(s.command!.url, admin, contracts);
  const log = createSqliteEventStore(join(s.dataDir, 'events.db'));
  for (const c of contracts) await seedContract(log, c, events, { sub: 'bench-seed', org: '0AX', role: 'csu' });
  const head = await log.headPosition();
  await log.close();
  await harness.caughtUp(s.query!.url, admin, head);
  const plan = harness.settlementRequests(contracts, reader, reads);
  const run = async (count: number): Promise<{ seconds: number; cpu: number; statuses: Record<number, number> }> => {
    const pid = s.query!.process.pid!;
    const statuses: Record<number, number> = {};
    let next = 0;
    const cpu0 = cpuMs(pid);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = next++; i < count; i = next++) {
          const r = plan[i % plan.length]!;
          const res = await fetch(`${s.query!.url}${r.path}`, { headers: r.headers });
          await res.arrayBuffer();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        }
      }),
    );
    return { seconds: (performance.now() - t0) / 1000, cpu: cpuMs(pid) - cpu0, statuses };
  };
  await run(Math.min(1000, reads)); // warm-up: JIT, caches
  const r = await run(reads);
  console.log(
    JSON.stringify({
      root,
      reads,
      clients,
      statuses: r.statuses,
      readsPerSecond: Math.round(reads / r.seconds),
      queryCpuMsPerRead: Number((r.cpu / reads).toFixed(3)),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    }),
  );
} finally {
  await s.dispose();
}
