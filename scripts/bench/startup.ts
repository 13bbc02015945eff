// `pnpm bench:startup <data dir> [--rounds N] [--compare <other checkout>]`: where each service's start goes (issue
// 15), on copies of a data folder whose read models are built (no rebuild at start), e.g. one `pnpm bench --quick
// --only scale` kept with KEEP_BENCH_DATA=1. Each round starts the command then the query service as the bench
// and `pnpm ledger start` do (one after the other), then both at once; with --compare, the same from another checkout
// first (rounds interleaved: the machine is shared). Stages, from the runner's spawn to the 'listening' line it sees:
// process origin, Node's bootstrap (to the --import preload, startup-probe.ts), loading and evaluating modules (to
// the first line of main.ts), main.ts's own work (to listen()), listening. Medians and every run printed.
// NODE_DISABLE_COMPILE_CACHE=1 measures without the compile cache.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startService, stopService, type RunningService } from '@csu-ledger/cli';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' }, compare: { type: 'string' } },
});
const source = positionals[0];
if (!source || !existsSync(join(source, 'read-models.db'))) {
  console.error('usage: pnpm bench:startup <data dir with built read models> [--rounds N] [--compare <checkout>]');
  process.exit(2);
}
const PROBE = resolve(import.meta.dirname, 'startup-probe.ts');
const ENV = { LEDGER_LOG_LEVEL: 'warn', LEDGER_RATE_LIMIT_BURST: '1000000', LEDGER_RATE_LIMIT_PER_SECOND: '1000000' };
type Name = 'command' | 'query';
interface Probe {
  pid: number;
  stages: Record<string, number>;
  modules: number;
}
const now = (): number => performance.timeOrigin + performance.now();
const rows = new Map<string, Map<string, number[]>>();
const add = (variant: string, figure: string, ms: number | undefined): void => {
  if (ms === undefined || Number.isNaN(ms)) return;
  const v = rows.get(variant) ?? new Map<string, number[]>();
  rows.set(variant, v);
  v.set(figure, [...(v.get(figure) ?? []), ms]);
};

const run = async (variant: string, root: string | undefined, together: boolean): Promise<void> => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-startup-'));
  try {
    cpSync(source, dir, { recursive: true });
    const out = join(dir, 'probe.ndjson');
    const seen: Partial<Record<Name, { spawn: number; ready: number; pid: number | undefined }>> = {};
    const running: RunningService[] = [];
    const one = async (name: Name): Promise<void> => {
      const spawn = now();
      const s = await startService(name, {
        dataDir: dir,
        commandPort: 0,
        queryPort: 0,
        env: { ...ENV, STARTUP_PROBE_OUT: out },
        nodeArgs: ['--import', PROBE],
        ...(root ? { root } : {}),
      });
      seen[name] = { spawn, ready: now(), pid: s.process.pid };
      running.push(s);
    };
    const first = now();
    if (together) await Promise.all([one('command'), one('query')]);
    else for (const name of ['command', 'query'] as const) await one(name);
    add(variant, together ? 'both at once: until both listen (wall)' : 'one after the other: summed', now() - first);
    await Promise.all(running.map((s) => stopService(s)));
    const probes = existsSync(out)
      ? readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Probe)
      : [];
    for (const name of ['command', 'query'] as const) {
      const s = seen[name]!;
      if (together) continue;
      add(variant, `${name}: spawn → ready (as the launcher sees it)`, s.ready - s.spawn);
      const p = probes.find((x) => x.pid === s.pid)?.stages;
      if (!p) continue;
      add(variant, `${name}:   spawn → process origin`, p.origin! - s.spawn);
      add(variant, `${name}:   Node bootstrap`, p.preload! - p.origin!);
      add(variant, `${name}:   load + evaluate modules`, p.mainBody! - p.preload!);
      add(variant, `${name}:   main.ts to listen()`, p.listenCalled! - p.mainBody!);
      add(variant, `${name}:   listen() → listening`, p.listening! - p.listenCalled!);
      add(variant, `${name}:   listening → line seen`, s.ready - p.listening!);
      add(variant, `${name}:   modules loaded`, probes.find((x) => x.pid === s.pid)?.modules);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const variants: [string, string | undefined][] = values.compare
  ? [[`other checkout ${values.compare}`, resolve(values.compare)], ['this checkout', undefined]]
  : [['this checkout', undefined]];
for (let round = 0; round < Number(values.rounds); round += 1) {
  for (const [name, root] of round % 2 ? [...variants].reverse() : variants) {
    await run(name, root, false);
    await run(name, root, true);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
for (const [variant, figures] of rows) {
  console.log(`\n${variant} (compile cache ${process.env.NODE_DISABLE_COMPILE_CACHE ? 'off' : 'on'}), ms, median of ${values.rounds}:`);
  for (const [figure, xs] of figures) {
    console.log(`  ${figure.padEnd(46)} ${median(xs).toFixed(0).padStart(6)}   (${xs.map((x) => x.toFixed(0)).join(' ')})`);
  }
}
