// Load benchmark (issue 6; not a test): autocannon drives a realistic mix of commands (deliveries, measurements,
// extras raised and answered) at the command service and of queries (settlement, performance, extras, history) at
// the query service, both started as separate processes on a fresh folder with a few dozen contracts and several
// users of each organisation. A side probe posts a command now and then and reads it back with X-Min-Position: the
// projection lag from an acknowledged append to a query that includes it.
// Usage: pnpm bench:load [--seconds 60] [--contracts 36] [--command-connections 16] [--query-connections 16]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, platform, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadOrCreateDevSecret, signDevToken } from '@csu-ledger/auth';
import { call, startBoth } from '@csu-ledger/cli';
import { contractBody } from './harness.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    contracts: { type: 'string', default: '36' },
    'command-connections': { type: 'string', default: '16' },
    'query-connections': { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const contractCount = Number(values.contracts);
const commandConnections = Number(values['command-connections']);
const queryConnections = Number(values['query-connections']);

const CSU = '0AX';
const CCGS = ['01A', '02B', '03C', '04D', '05E', '06F'];
const CSU_USERS = 8;
const USERS_PER_CCG = 2;

const dataDir = mkdtempSync(join(tmpdir(), 'ledger-load-'));
const secret = await loadOrCreateDevSecret(dataDir);
// Many distinct callers, and a per-caller rate limit far above the load: the limiter is not what is measured.
const env = { LEDGER_LOG_LEVEL: 'warn', LEDGER_RATE_LIMIT_BURST: '1000000', LEDGER_RATE_LIMIT_PER_SECOND: '1000000' };
const system = await startBoth({
  dataDir,
  commandPort: 0,
  queryPort: 0,
  env,
  // BENCH_PROFILE=<dir> writes a CPU profile of each service there
  ...(process.env.BENCH_PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] } : {}),
});

const sign = (sub: string, org: string, role: 'admin' | 'csu' | 'ccg') =>
  signDevToken(secret, { sub, name: sub, org, roles: [role] });
const admin = await sign('load-admin', 'NHS', 'admin');
const csuTokens = await Promise.all(Array.from({ length: CSU_USERS }, (_, i) => sign(`load-csu-${i}`, CSU, 'csu')));
const ccgTokens = new Map<string, string[]>();
for (const ccg of CCGS) {
  ccgTokens.set(
    ccg,
    await Promise.all(Array.from({ length: USERS_PER_CCG }, (_, i) => sign(`load-${ccg}-${i}`, ccg, 'ccg'))),
  );
}

const must = async (what: string, answer: Promise<{ status: number; body: unknown }>): Promise<void> => {
  const a = await answer;
  if (a.status >= 300) throw new Error(`setup failed (${what}): ${a.status} ${JSON.stringify(a.body)}`);
};
const post = (token: string, path: string, body: unknown) => call(system.command.url, token, 'POST', path, body);

for (const [code, name, kind] of [[CSU, 'Load CSU', 'csu'], ...CCGS.map((c) => [c, `CCG ${c}`, 'ccg'])] as const) {
  await must(
    `organisation ${code}`,
    post(admin, '/organisations', {
      code,
      name,
      kind,
      businessDate: '2025-01-01',
      ...(kind === 'ccg' ? { population: 250_000, runningCostAllowancePencePerHead: 2_300 } : {}),
    }),
  );
}
const contracts = Array.from({ length: contractCount }, (_, i) => ({ id: `LOAD-${i}`, ccg: CCGS[i % CCGS.length]! }));
for (const c of contracts) {
  await must(`contract ${c.id}`, post(admin, '/contracts', contractBody(c.id, c.ccg, CSU)));
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const contractAt = (i: number) => contracts[i]!;
const month = () => `2025-26-M${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}`;
const quarter = () => `2025-26-Q${1 + Math.floor(Math.random() * 4)}`;
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** Latency per kind of request, timed from its setup (just before it is written) to its response. */
const perKind = new Map<string, number[]>();
interface Ctx {
  kind?: string;
  sentAt?: number;
  contract?: number;
  extraId?: string;
}
const timed = (kind: string, build: (req: autocannon.Request, ctx: Ctx) => autocannon.Request | null) => ({
  setupRequest: (req: autocannon.Request, context: object) => {
    const ctx = context as Ctx;
    const built = build(req, ctx);
    if (built) {
      ctx.kind = kind;
      ctx.sentAt = performance.now();
    }
    return built as autocannon.Request;
  },
  onResponse: (_status: number, _body: string, context: object) => {
    const ctx = context as Ctx;
    if (ctx.kind === kind && ctx.sentAt !== undefined) {
      const list = perKind.get(kind) ?? [];
      list.push(performance.now() - ctx.sentAt);
      perKind.set(kind, list);
    }
  },
});

// Each connection repeats: delivery, measurement, delivery, measurement, raise an extra, answer it (accept or dispute).
const commandRequests: autocannon.Request[] = [
  ...[0, 1].flatMap(() => [
    timed('delivery', (req) => ({
      ...req,
      method: 'POST',
      path: `/contracts/${pick(contracts).id}/deliveries`,
      headers: json(pick(csuTokens)),
      body: JSON.stringify({
        kpiId: 'K1',
        month: month(),
        deliveredOn: '2026-04-20',
        reference: `ref-${Math.random().toString(36).slice(2, 10)}`,
      }),
    })),
    timed('measurement', (req) => ({
      ...req,
      method: 'POST',
      path: `/contracts/${pick(contracts).id}/measurements`,
      headers: json(pick(csuTokens)),
      body: JSON.stringify({
        kpiId: 'K2',
        month: month(),
        achievedBp: Math.floor(Math.random() * 10_001),
        businessDate: '2026-04-20',
      }),
    })),
  ]),
  {
    ...timed('extra raise', (req, ctx) => {
      ctx.contract = Math.floor(Math.random() * contracts.length);
      return {
        ...req,
        method: 'POST',
        path: `/contracts/${contractAt(ctx.contract).id}/extras`,
        headers: json(pick(csuTokens)),
        body: JSON.stringify({
          businessDate: '2025-06-01',
          amountPence: 1_000 + Math.floor(Math.random() * 500_000),
          description: 'Ad hoc data extract',
          serviceLine: 'bi',
          requestedBy: 'Head of Contracting',
        }),
      };
    }),
    onResponse: (status: number, body: string, context: object) => {
      const ctx = context as Ctx;
      if (ctx.kind === 'extra raise' && ctx.sentAt !== undefined)
        perKind.set('extra raise', [...(perKind.get('extra raise') ?? []), performance.now() - ctx.sentAt]);
      if (status === 201) ctx.extraId = (JSON.parse(body) as { extraId: string }).extraId;
    },
  },
  timed('extra answer', (req, ctx) => {
    if (ctx.extraId === undefined || ctx.contract === undefined) return null; // the raise failed: start the round again
    const ccg = pick(ccgTokens.get(contractAt(ctx.contract).ccg)!);
    return Math.random() < 0.6
      ? {
          ...req,
          method: 'POST',
          path: `/extras/${ctx.extraId}/accept`,
          headers: json(ccg),
          body: JSON.stringify({ businessDate: '2025-06-02' }),
        }
      : {
          ...req,
          method: 'POST',
          path: `/extras/${ctx.extraId}/dispute`,
          headers: json(ccg),
          body: JSON.stringify({ businessDate: '2025-06-02', reason: 'amount-excessive' }),
        };
  }),
];

/** A reader: the contract's CCG or the CSU, for a random contract. */
const reader = (): { id: string; headers: Record<string, string> } => {
  const c = pick(contracts);
  const token = Math.random() < 0.5 ? pick(ccgTokens.get(c.ccg)!) : pick(csuTokens);
  return { id: c.id, headers: { authorization: `Bearer ${token}` } };
};
const queryRequests: autocannon.Request[] = [
  timed('settlement', (req) => {
    const r = reader();
    return { ...req, method: 'GET', path: `/contracts/${r.id}/settlements/${quarter()}`, headers: r.headers };
  }),
  timed('performance', (req) => {
    const r = reader();
    return { ...req, method: 'GET', path: `/contracts/${r.id}/performance/${quarter()}`, headers: r.headers };
  }),
  timed('extras', (req) => {
    const r = reader();
    return { ...req, method: 'GET', path: `/contracts/${r.id}/extras`, headers: r.headers };
  }),
  timed('history', (req) => {
    const r = reader();
    return { ...req, method: 'GET', path: `/contracts/${r.id}/history`, headers: r.headers };
  }),
];

// The side probe: post a measurement, then read the contract back with X-Min-Position at the answered position.
const lags: number[] = [];
const plainReads: number[] = [];
let probeFailures = 0;
let probing = true;
const probe = async (): Promise<void> => {
  const csu = await sign('load-probe', CSU, 'csu');
  while (probing) {
    const c = pick(contracts);
    const a = await call<{ position: string }>(system.command.url, csu, 'POST', `/contracts/${c.id}/measurements`, {
      kpiId: 'K2',
      month: month(),
      achievedBp: 9_600,
      businessDate: '2026-04-20',
    });
    if (a.status !== 200) {
      probeFailures++;
      continue;
    }
    const acked = performance.now();
    const r = await call(system.query.url, csu, 'GET', `/contracts/${c.id}`, undefined, {
      'X-Min-Position': a.body.position,
    });
    const seen = performance.now();
    if (r.status === 200) lags.push(seen - acked);
    else probeFailures++;
    // The same read without waiting: how much of the lag is just a round trip to a busy query service.
    const t = performance.now();
    await call(system.query.url, csu, 'GET', `/contracts/${c.id}`);
    plainReads.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const pct = (xs: number[], p: number): string => {
  if (xs.length === 0) return 'n/a';
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
};

// The load average tells whether something else was competing for the CPUs (figures drift a lot on a shared VM).
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()}, node ${process.version}; load average ${load()}`,
);
console.log(
  `setup: ${contracts.length} contracts across ${CCGS.length} CCGs; ${CSU_USERS} CSU users, ${USERS_PER_CCG} per CCG; ` +
    `${commandConnections} command + ${queryConnections} query connections for ${seconds} s; data in ${dataDir}`,
);

const started = performance.now();
const probed = probe();
const [commands, queries] = await Promise.all([
  autocannon({
    url: system.command.url,
    connections: commandConnections,
    duration: seconds,
    requests: commandRequests,
  }),
  autocannon({ url: system.query.url, connections: queryConnections, duration: seconds, requests: queryRequests }),
]);
probing = false;
await probed;
const elapsed = (performance.now() - started) / 1000;

const line = (name: string, r: autocannon.Result): string =>
  `${name}: ${(r.requests.total / r.duration).toFixed(0)} req/s (${r.requests.total} in ${r.duration} s), latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ` +
  `2xx ${r['2xx']}, non-2xx ${r.non2xx}${r.non2xx > 0 ? ` ${JSON.stringify(r.statusCodeStats)}` : ''}, errors ${r.errors}, timeouts ${r.timeouts}`;
const kinds = (names: string[]): string =>
  names
    .map(
      (k) =>
        `${k} ${perKind.get(k)?.length ?? 0}× p50 ${pct(perKind.get(k) ?? [], 50)} / p99 ${pct(perKind.get(k) ?? [], 99)} ms`,
    )
    .join('; ');

console.log(`\nran ${elapsed.toFixed(1)} s; load average ${load()}`);
console.log(line('commands', commands));
console.log(`  by kind: ${kinds(['delivery', 'measurement', 'extra raise', 'extra answer'])}`);
console.log(line('queries ', queries));
console.log(`  by kind: ${kinds(['settlement', 'performance', 'extras', 'history'])}`);
console.log(
  `projection lag (command acknowledged → an X-Min-Position read answers): ${lags.length} probes, p50 ${pct(lags, 50)} ms, p99 ${pct(lags, 99)} ms, max ${pct(lags, 100)} ms; ` +
    `${probeFailures} failed; the same read without waiting: p50 ${pct(plainReads, 50)} ms, p99 ${pct(plainReads, 99)} ms`,
);

const head = await fetch(`${system.command.url}/health`).then((r) => r.json() as Promise<{ position: string }>);
const t = performance.now();
const caughtUp = await call(system.query.url, admin, 'GET', '/contracts', undefined, {
  'X-Min-Position': head.position,
});
console.log(
  `log: ${head.position} events; the query service had all of them ${(performance.now() - t).toFixed(0)} ms after the load stopped (status ${caughtUp.status})`,
);

await system.stop();
if (!process.env.KEEP_BENCH_DATA) rmSync(dataDir, { recursive: true, force: true });
