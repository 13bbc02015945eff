// The scaling chart of docs/performance.md, drawn from a `pnpm bench` result: events in the log (10,000 upwards)
// against rebuild time, settlement p99 and the services' peak resident memory, as a PNG. The chart is an SVG drawn
// here and photographed by Debian's chromium through playwright-core, as the console's browser tests drive it
// (never a browser download; LEDGER_CHROMIUM names another binary).
// Usage: pnpm bench:chart [a result file; default the newest in bench-results/ with scale points]
//        [--out docs/performance/scaling.png]
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { ROOT } from './harness.ts';
import type { ScalePoint } from './scenarios.ts';

const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: 'docs/performance/scaling.png' } },
  allowPositionals: true,
});
/** The newest result in bench-results/ that has scale points (a run with --only may have none). */
const newestWithScale = (): string => {
  const dir = resolve(ROOT, 'bench-results');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^bench-.*\.json$/.test(f))
        .sort()
        .reverse()
    : [];
  const found = files.find((f) => readFileSync(join(dir, f), 'utf8').includes('"rebuildSeconds"'));
  if (found === undefined) throw new Error(`no result with scale points in ${dir}: run pnpm bench (or --only scale)`);
  return join(dir, found);
};
const input = positionals[0] ? resolve(positionals[0]) : newestWithScale();
const result = JSON.parse(readFileSync(input, 'utf8')) as {
  quick: boolean;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number };
  commit: { sha: string };
  scenarios: { scale?: { details?: { points: ScalePoint[] } } };
};
const points = result.scenarios.scale?.details?.points ?? [];
if (points.length === 0) throw new Error(`${input} has no scale points: run pnpm bench (or --only scale) first`);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const W = 380;
const H = 260;
const M = { left: 58, right: 24, top: 52, bottom: 44 };
interface Series {
  label: string;
  colour: string;
  values: (number | null)[];
}
/** One panel: log-scale events across, a linear axis up from 0. */
const panel = (title: string, unit: string, series: Series[], target?: { value: number; label: string }): string => {
  const xs = points.map((p) => Math.log10(p.events));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) === Math.min(...xs) ? Math.min(...xs) + 1 : Math.max(...xs)];
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.max(...all, target?.value ?? 0) * 1.15 || 1;
  const x = (v: number) => M.left + ((v - x0) / (x1 - x0)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / top) * (H - M.top - M.bottom);
  const ticks = Array.from({ length: 5 }, (_, i) => (top / 4) * i);
  const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-GB') : v.toFixed(v >= 10 ? 0 : 1));
  const parts = [
    `<text x="${M.left}" y="20" font-weight="bold">${esc(title)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${fmt(t)}</text>`,
    ),
    ...points.map(
      (p) =>
        `<text x="${x(Math.log10(p.events))}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${p.events >= 1e6 ? `${Math.round(p.events / 1e5) / 10}M` : `${Math.round(p.events / 1e3)}k`}</text>`,
    ),
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">events in the log</text>`,
    `<text x="14" y="${(M.top + H - M.bottom) / 2}" font-size="11" transform="rotate(-90 14 ${(M.top + H - M.bottom) / 2})" text-anchor="middle">${esc(unit)}</text>`,
  ];
  if (target && target.value <= top) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(target.value)}" y2="${y(target.value)}" stroke="#d5281b" stroke-dasharray="5 4"/><text x="${W - M.right}" y="${y(target.value) - 4}" text-anchor="end" font-size="11" fill="#d5281b">${esc(target.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const pts = points
      .map((p, k) => [Math.log10(p.events), s.values[k]] as const)
      .filter((pair): pair is readonly [number, number] => pair[1] !== null && Number.isFinite(pair[1]));
    parts.push(
      `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${pts.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"/>`,
      ...pts.map(([a, b]) => `<circle cx="${x(a)}" cy="${y(b)}" r="3.5" fill="${s.colour}"/>`),
    );
    // the legend in one row under the title, clear of the lines and the target
    if (series.length > 1)
      parts.push(
        `<rect x="${M.left + i * 150}" y="28" width="10" height="10" fill="${s.colour}"/><text x="${M.left + 14 + i * 150}" y="37" font-size="11">${esc(s.label)}</text>`,
      );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="Arial, sans-serif" font-size="13">${parts.join('')}</svg>`;
};

const blue = '#005eb8';
const green = '#007f3b';
const svgs = [
  panel('Rebuild time', 'seconds', [{ label: 'rebuild', colour: blue, values: points.map((p) => p.rebuildSeconds) }]),
  panel(
    `Settlement p99 (${points[0]?.settlement.rate ?? 0}/s, open loop)`,
    'milliseconds',
    [{ label: 'p99', colour: blue, values: points.map((p) => p.settlement.p99) }],
    { value: 5, label: 'target 5 ms' },
  ),
  panel(
    'Peak resident memory',
    'MiB',
    [
      { label: 'command service', colour: blue, values: points.map((p) => p.residentMiB.command?.peak ?? null) },
      { label: 'query service', colour: green, values: points.map((p) => p.residentMiB.query?.peak ?? null) },
    ],
    { value: 1024, label: 'target 1 GiB' },
  ),
];
const caption = `pnpm bench${result.quick ? ' --quick' : ''}, ${result.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${result.commit.sha.slice(0, 10)}; ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB (a shared machine: figures drift)`;
const html = `<!doctype html><html><body style="margin:0;background:#fff"><div id="chart" style="display:inline-block;padding:12px;font-family:Arial,sans-serif">
<div style="display:flex;gap:8px">${svgs.join('')}</div><div style="font-size:12px;color:#425563;margin-top:4px">${esc(caption)}</div></div></body></html>`;

const CHROMIUM = process.env.LEDGER_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM))
  throw new Error(
    `no Chromium at ${CHROMIUM}: apt-get install -y chromium, or LEDGER_CHROMIUM=<path to a Chromium binary>`,
  );
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ deviceScaleFactor: 2 });
  await page.setContent(html);
  const out = resolve(ROOT, values.out);
  mkdirSync(dirname(out), { recursive: true });
  await page.locator('#chart').screenshot({ path: out });
  console.log(`scaling chart of ${points.length} points from ${input}: ${out}`);
} finally {
  await browser.close();
}
