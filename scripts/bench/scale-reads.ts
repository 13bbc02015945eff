// `pnpm bench:scale-reads <data dir> [--rounds N] [--rate R] [--seconds S] [--warmup S] [--idle S] [--profile dir]`: the scale
// scenario's settlement reads (open loop, round-robin over the contracts and quarters) against a query service
// started on a COPY of a kept data folder (KEEP_BENCH_DATA=1 pnpm bench --only scale), a fresh start each round, so
// that where a large log's p99 goes can be measured (and profiled) without seeding the log again.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startService, stopService } from '@csu-ledger/cli';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { openLoop, settlementRequests } from './harness.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    idle: { type: 'string', default: '0' },
    profile: { type: 'string' },
  },
});
const source = positionals[0];
if (!source) {
  console.error('usage: pnpm bench:scale-reads <data dir with built read models> [--rounds N] [--rate R] [--seconds S] [--warmup S] [--idle S] [--profile dir]');
  process.exit(2);
}
const models = new Database(join(source, 'read-models.db'), { readonly: true });
const contracts = models.prepare<[], string>('SELECT contract_id FROM contracts ORDER BY contract_id').pluck().all();
models.close();
const secret = await loadOrCreateDevSecret(source);
const reader = await signDevToken(secret, { sub: 'bench-reader', name: 'bench-reader', org: '0AX', roles: ['csu'] });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
console.log(`${contracts.length} contracts; settlement reads at ${rate}/s for ${seconds} s, a fresh query service each round`);
for (let round = 1; round <= Number(values.rounds); round += 1) {
  const dataDir = mkdtempSync(join(tmpdir(), 'scale-reads-'));
  cpSync(source, dataDir, { recursive: true });
  const query = await startService('query', {
    dataDir,
    commandPort: 0,
    queryPort: 0,
    env: { LEDGER_LOG_LEVEL: 'warn', LEDGER_RATE_LIMIT_BURST: '1000000', LEDGER_RATE_LIMIT_PER_SECOND: '1000000' },
    ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] } : {}),
  });
  try {
    // --idle: the service left alone after it listens, so what it does in its first seconds is not measured
    await new Promise((done) => setTimeout(done, Number(values.idle) * 1000));
    const r = await openLoop({
      url: query.url,
      rate,
      seconds,
      warmupSeconds: Number(values.warmup),
      drainSeconds: 10,
      requests: settlementRequests(contracts, reader, rate * (seconds + Number(values.warmup))),
    });
    const f = (x: number | null) => (x === null ? '-' : x.toFixed(1));
    console.log(
      `round ${round}: p50 ${f(r.latency.p50)} p90 ${f(r.latency.p90)} p99 ${f(r.latency.p99)} max ${f(r.latency.max)} ms; ` +
        `${r.ok} of ${r.sent} 2xx; sent late p99 ${f(r.sentLate.p99)} ms`,
    );
  } finally {
    await stopService(query);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
