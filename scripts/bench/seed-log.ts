// A kept log of about N events (contracts of ~2,000 events, as the scale scenario seeds them), for timing
// `pnpm ledger rebuild` against the same log again and again (old and new code alternately).
// Usage: node scripts/bench/seed-log.ts <events> — prints the data folder (LEDGER_DATA_DIR for the rebuild).
import { join } from 'node:path';
import { createSqliteEventStore } from '@csu-ledger/event-store';
import { createContracts, services } from './harness.ts';
import { seedContract } from './seed.ts';

const events = Number(process.argv[2] ?? 100_000);
process.env.KEEP_BENCH_DATA = '1';
const s = await services({ quick: true, seconds: 1, scaleMax: events, cache: new Map() }, `log-${events}`);
await s.start(['command']);
const admin = await s.sign('bench-admin', 'NHS', 'admin');
const contracts = Array.from({ length: Math.max(1, Math.round(events / 2_000)) }, (_, i) => `LOG-${i}`);
await createContracts(s.command!.url, admin, contracts);
await s.stop();
const log = createSqliteEventStore(join(s.dataDir, 'events.db'));
for (let i = 0; i < contracts.length; i += 4) {
  await Promise.all(
    contracts.slice(i, i + 4).map((c) => seedContract(log, c, 2_000, { sub: 'bench-seed', org: '0AX', role: 'csu' })),
  );
}
console.log(`${await log.headPosition()} events in ${s.dataDir}`);
await log.close();
await s.dispose();
