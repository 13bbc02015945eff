// Isolation benchmark (issue 9, item 4; not a test): one organisation must not stall the query service for all.
// One contract of 100,000 events is hammered with history pages and asAt/asOf reads by its CSU while another
// organisation reads its own settlement at a fixed rate (open loop: requests on a schedule, latency from the
// scheduled time). Each generator is a process of its own (isolation-load.ts); the services are separate processes
// as `pnpm ledger start` runs them. Prints the victim's p50/p99 alone and under attack, and the query service's
// event-loop delay (monitorEventLoopDelay, GET /diagnostics/event-loop) in each phase. Target: victim p99 < 50 ms.
// Usage: pnpm bench:isolation [--events 100000] [--seconds 20] [--rate 100] [--attackers 32] [--workers 1]
//        [--ignore-retry-after] [--attacker-nice 0..19] [--root <another checkout, to measure it the same way>]
// The services run as deployed, with the per-caller rate limit on; the attacker waits Retry-After when refused,
// as HTTP clients do, unless --ignore-retry-after (then the refusals themselves are the load).
// The heavy contract's events are appended to the store directly (the command path is not what is measured); they
// are the shapes the command service writes: deliveries, measurements, extras raised and answered, challenges.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth } from '@csu-ledger/cli';
// The root package depends on the CLI and auth only: the store is imported from its package's source.
import { createSqliteEventStore } from '../../packages/event-store/src/index.ts';
import { contractBody } from './harness.ts';
import { seedContract } from './seed.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
    attackers: { type: 'string', default: '32' },
    workers: { type: 'string' },
    root: { type: 'string' },
    'ignore-retry-after': { type: 'boolean', default: false },
    // The attacking clients' own CPU priority (nice). They stand for callers on other machines; on this one machine
    // they otherwise compete with the service for its two cores. 0 runs them as any process; both are worth seeing.
    'attacker-nice': { type: 'string', default: '0' },
    // a CPU profile of each service (and worker thread) in this folder
    profile: { type: 'string' },
  },
});
const events = Number(values.events);
const seconds = Number(values.seconds);
const HEAVY = 'HEAVY-1';
const VICTIM = 'VICTIM-1';
const here = fileURLToPath(new URL('.', import.meta.url));

const dataDir = mkdtempSync(join(tmpdir(), 'ledger-isolation-'));
const secret = await loadOrCreateDevSecret(dataDir);
const env: Record<string, string> = {
  LEDGER_LOG_LEVEL: 'warn',
  LEDGER_SIGN_INTERVAL_MS: '86400000', // no periodic signing during the run (issue 14: it cannot be turned off)
  ...(values.workers === undefined ? {} : { LEDGER_FOLD_WORKERS: values.workers }),
};
const system = await startBoth({
  dataDir,
  commandPort: 0,
  queryPort: 0,
  env,
  ...(values.root ? { root: resolve(values.root) } : {}),
  ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] } : {}),
});
const sign = (sub: string, org: string, role: 'admin' | 'csu' | 'ccg' | 'auditor') =>
  signDevToken(secret, { sub, name: sub, org, roles: [role] });
const admin = await sign('bench-admin', 'NHS', 'admin');
const attacker = await sign('bench-attacker', '0AX', 'csu');
const victim = await sign('bench-victim', '02B', 'ccg');
const victimCsu = await sign('bench-victim-csu', '0BY', 'csu');
const auditor = await sign('bench-auditor', 'NAO', 'auditor');

const must = async (what: string, answer: Promise<{ status: number; body: unknown }>): Promise<void> => {
  const a = await answer;
  if (a.status >= 300) throw new Error(`setup failed (${what}): ${a.status} ${JSON.stringify(a.body)}`);
};
const post = (token: string, path: string, body: unknown) => call(system.command.url, token, 'POST', path, body);

for (const [code, kind] of [
  ['0AX', 'csu'],
  ['0BY', 'csu'],
  ['01A', 'ccg'],
  ['02B', 'ccg'],
] as const) {
  await must(
    `organisation ${code}`,
    post(admin, '/organisations', { code, name: `Organisation ${code}`, kind, businessDate: '2013-04-01' }),
  );
}
await must('heavy contract', post(admin, '/contracts', contractBody(HEAVY, '01A', '0AX')));
await must('victim contract', post(admin, '/contracts', contractBody(VICTIM, '02B', '0BY')));
for (const m of ['M01', 'M02', 'M03']) {
  await must(
    'victim delivery',
    post(victimCsu, `/contracts/${VICTIM}/deliveries`, {
      kpiId: 'K1',
      month: `2025-26-${m}`,
      deliveredOn: '2025-07-01',
    }),
  );
  await must(
    'victim measurement',
    post(victimCsu, `/contracts/${VICTIM}/measurements`, {
      kpiId: 'K2',
      month: `2025-26-${m}`,
      achievedBp: 9600,
      businessDate: '2025-07-01',
    }),
  );
}

// ---- The heavy contract: `events` events appended straight to the log, in the command service's shapes.
const store = createSqliteEventStore(join(dataDir, 'events.db'));
const seedStarted = Date.now();
const seeded = await seedContract(store, HEAVY, events, { sub: 'bench-attacker', org: '0AX', role: 'csu' });
const seedEnded = Date.now();
const head = await store.headPosition();
await store.close();

// The query service catches up: read-your-writes on the head, each try waiting up to its bound (a few seconds).
const caughtUpStarted = Date.now();
let caughtUp = false;
for (let tries = 0; !caughtUp && tries < 120; tries += 1) {
  const a = await call(system.query.url, auditor, 'GET', `/contracts/${HEAVY}`, undefined, {
    'X-Min-Position': head.toString(),
  });
  caughtUp = a.status === 200;
}
const caughtUpSeconds = (Date.now() - caughtUpStarted) / 1000;

// ---- The phases.
type Result = Record<string, unknown>;
const generator = (args: string[], nice = 0): Promise<Result> =>
  new Promise((done, fail) => {
    const command = [process.execPath, join(here, 'isolation-load.ts'), ...args];
    const [file, ...rest] = nice === 0 ? command : ['nice', '-n', String(nice), ...command];
    const child = spawn(file!, rest, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) =>
      code === 0 ? done(JSON.parse(out.trim()) as Result) : fail(new Error(`generator exited ${code}`)),
    );
  });
const diagnostics = async (reset: boolean): Promise<Result | undefined> => {
  const a = await call<Result>(
    system.query.url,
    auditor,
    'GET',
    `/diagnostics/event-loop${reset ? '?reset=true' : ''}`,
  );
  return a.status === 200 ? a.body : undefined;
};
const victimArgs = [
  '--mode',
  'victim',
  '--url',
  system.query.url,
  '--token',
  victim,
  '--seconds',
  String(seconds),
  '--rate',
  values.rate,
  '--path',
  `/contracts/${VICTIM}/settlements/2025-26-Q1`,
];
const attackerArgs = [
  '--mode',
  'attacker',
  '--url',
  system.query.url,
  '--token',
  attacker,
  '--seconds',
  String(seconds),
  '--concurrency',
  values.attackers,
  '--contract',
  HEAVY,
  '--from-ms',
  String(seedStarted),
  '--to-ms',
  String(seedEnded),
  ...(values['ignore-retry-after'] ? ['--ignore-retry-after'] : []),
];

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}, node ${process.version}; load average ${load()}`,
);
console.log(
  `services from ${values.root ? resolve(values.root) : 'this checkout'}; LEDGER_FOLD_WORKERS=${values.workers ?? '(default)'}; data in ${dataDir}`,
);
console.log(
  `seeded ${seeded.toLocaleString('en-GB')} events on ${HEAVY} in ${((seedEnded - seedStarted) / 1000).toFixed(1)} s; log head ${head}; query service caught up: ${caughtUp ? `in ${caughtUpSeconds.toFixed(1)} s` : 'NO'}`,
);

const phase = async (name: string, withAttack: boolean): Promise<void> => {
  await diagnostics(true);
  const [v, a] = await Promise.all([
    generator(victimArgs),
    withAttack ? generator(attackerArgs, Number(values['attacker-nice'])) : Promise.resolve(undefined),
  ]);
  const d = await diagnostics(false);
  const reads = v.reads as { n: number; p50: number; p99: number; max: number };
  const health = v.health as { p50: number; p99: number; max: number };
  const f = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
  console.log(`\n${name} (${seconds} s; load average ${load()}):`);
  console.log(
    `  victim settlement reads at ${values.rate}/s (open loop): ${reads.n} answered, p50 ${f(reads.p50)} ms, p99 ${f(reads.p99)} ms, max ${f(reads.max)} ms; statuses ${JSON.stringify(v.statuses)}`,
  );
  console.log(`  victim /health probes: p50 ${f(health.p50)} ms, p99 ${f(health.p99)} ms, max ${f(health.max)} ms`);
  const late = v.sentLate as { p50: number; p99: number; max: number };
  console.log(
    `  (the victim's generator itself sent late by p50 ${f(late.p50)} ms, p99 ${f(late.p99)} ms, max ${f(late.max)} ms: included above)`,
  );
  const delay = d?.eventLoopDelay as { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number } | undefined;
  console.log(
    delay
      ? `  query service event-loop delay: mean ${f(delay.meanMs)} ms, p50 ${f(delay.p50Ms)} ms, p99 ${f(delay.p99Ms)} ms, max ${f(delay.maxMs)} ms`
      : '  query service event-loop delay: n/a (no /diagnostics/event-loop in this version)',
  );
  if (a) {
    const l = a.latency as { p50: number; p99: number };
    console.log(
      `  attacker (${values.attackers} at once): ${String(a.requests)} requests (${String(a.perSecond)}/s, ${String(a.megabytes)} MB), p50 ${f(l.p50)} ms, p99 ${f(l.p99)} ms; statuses ${JSON.stringify(a.statuses)}`,
    );
    if (d?.jobs) console.log(`  jobs: ${JSON.stringify(d.jobs)}`);
  }
  if (withAttack)
    console.log(`  target: victim p99 < 50 ms: ${reads.p99 !== null && reads.p99 < 50 ? 'met' : 'NOT met'}`);
};

// The machine's own floor: the same generator against a server that answers at once, in this (otherwise idle)
// process. Latencies of the phases below cannot be better than these.
const floor = await new Promise<{ url: string; close: () => void }>((done) => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    done({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
  });
});
const floorArgs = [...victimArgs];
floorArgs[floorArgs.indexOf(system.query.url)] = floor.url;
const machine = await generator(floorArgs);
floor.close();
const m = machine.reads as { p50: number; p99: number; max: number };
console.log(
  `\nthis machine's floor (a server that answers at once, the same generator, ${seconds} s): p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, max ${m.max.toFixed(1)} ms`,
);

await phase('victim alone', false);
await phase('victim under attack', true);

await system.stop();
if (!process.env.KEEP_BENCH_DATA) rmSync(dataDir, { recursive: true, force: true });
