// The top functions by self time in V8 CPU profiles (node --cpu-prof, e.g. `pnpm bench --only commands --profile
// <dir>`): what docs/performance.md quotes as the profile of a scenario.
// Usage: node scripts/bench/profile-summary.ts <file.cpuprofile | folder> [--top 25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './harness.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
const target = positionals[0];
if (target === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile | folder> [--top 25]');
const files = statSync(target).isDirectory()
  ? readdirSync(target, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(target, f))
  : [target];

/** Where a function lives, short: a path in this repository, a package name, or node's own module. */
const where = (url: string, line: number): string => {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  if (pkg) return `${pkg}`;
  if (path.startsWith('node:')) return path;
  return `${relative(ROOT, path)}:${line + 1}`;
};

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${where(url, lineNumber)}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const idle = (self.get('(idle)') ?? 0) / 1000;
  console.log(
    `\n${relative(process.cwd(), file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(idle / 1000).toFixed(1)} s idle; busy time by function (self):`,
  );
  const busy = total - (self.get('(idle)') ?? 0);
  console.log('| self ms | share of busy | function |');
  console.log('| ---: | ---: | --- |');
  [...self]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))
    .forEach(([k, us]) =>
      console.log(
        `| ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)}% | \`${k.replace(/\|/g, '\\|')}\` |`,
      ),
    );
}
