// Quick benchmark (not a test): commands per second through HTTP on the embedded store, both services running as
// separate processes. N contracts, C concurrent clients posting deliveries for D seconds, then the projection lag
// until the query service has every event. Usage: pnpm bench:commands [--seconds 30] [--clients 32] [--contracts 16]
// [--json <file>] (the figures as JSON too: `pnpm bench` runs this as its closed-loop command scenario)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth } from '@csu-ledger/cli';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' }, clients: { type: 'string', default: '32' }, contracts: { type: 'string', default: '16' }, json: { type: 'string' } } });
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const contracts = Number(values.contracts);

const dataDir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
const secret = await loadOrCreateDevSecret(dataDir);
const system = await startBoth({ dataDir, commandPort: 0, queryPort: 0, env: { LEDGER_LOG_LEVEL: 'warn', LEDGER_RATE_LIMIT_BURST: '0' },
  // BENCH_PROFILE=<dir> writes a CPU profile of each service there
  ...(process.env.BENCH_PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] } : {}),
});
const admin = await signDevToken(secret, { sub: 'bench-admin', org: 'NHS', roles: ['admin'] });
const csu = await signDevToken(secret, { sub: 'bench-csu', org: '0AX', roles: ['csu'] });
const ids = Array.from({ length: contracts }, (_, i) => `BENCH-${i}`);
for (const contractId of ids) {
  const r = await call(system.command.url, admin, 'POST', '/contracts', {
    contractId, businessDate: '2026-03-01', ccg: '08J', csu: '0AX', firstMonth: '2026-27-M01', lastMonth: '2026-27-M12',
    annualFeePence: 120_000_000, feeAtRiskBp: 1000, gainShareBp: 2000, gainShareCapPence: 10_000_000, breakNoticeMonths: 3, trustResponseWorkingDays: 20,
    kpis: [{ id: 'K1', name: 'Report', serviceLine: 'bi', weightBp: 10000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 }],
  });
  if (r.status !== 201) throw new Error(`setup failed: ${JSON.stringify(r.body)}`);
}

const latencies: number[] = [];
let failures = 0;
let lastPosition = 0n;
const deadline = performance.now() + seconds * 1000;
const client = async (n: number) => {
  for (let i = 0; performance.now() < deadline; i++) {
    const month = `2026-27-M0${1 + ((n + i) % 6)}`;
    const started = performance.now();
    const r = await call<{ position: string }>(system.command.url, csu, 'POST', `/contracts/${ids[(n + i) % contracts]}/deliveries`, {
      kpiId: 'K1', month, deliveredOn: '2026-11-20',
    });
    latencies.push(performance.now() - started);
    if (r.status !== 200) failures++;
    else if (BigInt(r.body.position) > lastPosition) lastPosition = BigInt(r.body.position);
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
const elapsed = (performance.now() - t0) / 1000;
const lagStart = performance.now();
const caughtUp = await call(system.query.url, admin, 'GET', '/contracts', undefined, { 'X-Min-Position': lastPosition.toString() });
const lag = performance.now() - lagStart;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
console.log(`${latencies.length} deliveries in ${elapsed.toFixed(1)} s over ${contracts} contracts with ${clients} clients: ${(latencies.length / elapsed).toFixed(0)} commands/s, ${failures} failed`);
console.log(`latency ms: p50 ${pct(50)}, p90 ${pct(90)}, p99 ${pct(99)}, max ${latencies[latencies.length - 1]!.toFixed(1)}`);
console.log(`query service caught up with the last write ${lag.toFixed(0)} ms after the load stopped (status ${caughtUp.status})`);
if (values.json) {
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? null;
  writeFileSync(values.json, JSON.stringify({ commands: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, failures, contracts, clients, p50: at(50), p99: at(99), lagAfterMs: lag }));
}
await system.stop();
rmSync(dataDir, { recursive: true, force: true });
