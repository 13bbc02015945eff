// Charts drawn on the server as SVG (issue 11): no script, readable by a screen reader through a title and a
// description, and always shown with the same figures as a table beside them. Geometry only uses Number; every
// figure printed comes from the exact formatters.
import { money, percent } from './format.ts';

const esc = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const COLOURS = { blue: '#005eb8', green: '#007f3b', red: '#d5281b', grey: '#4c6272', dark: '#212b32', pale: '#d8dde0', warm: '#ffb81c' };

export interface Chart {
  id: string;
  title: string;
  description: string;
  svg: string;
}

const frame = (id: string, title: string, description: string, width: number, height: number, body: string): Chart => ({
  id,
  title,
  description,
  svg:
    `<svg class="ledger-chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(description)}</desc>${body}</svg>`,
});

const text = (x: number, y: number, s: string, attrs = ''): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;

// ---- KPI trend: achievement per month against target and floor ----

export interface TrendPoint {
  label: string;
  /** Achievement in basis points; null when nothing to assess (pending, not reported). */
  bp: number | null;
}

export const kpiTrendChart = (id: string, kpiName: string, points: TrendPoint[], targetBp: number, floorBp: number): Chart => {
  const [w, h, left, right, top, bottom] = [640, 240, 48, 16, 16, 36];
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const x = (i: number) => left + (points.length <= 1 ? plotW / 2 : (plotW * i) / (points.length - 1));
  const y = (bp: number) => top + plotH - (plotH * bp) / 10_000;
  const parts: string[] = [];
  for (const bp of [0, 2500, 5000, 7500, 10_000]) {
    parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(bp)}" y2="${y(bp)}" stroke="${COLOURS.pale}"/>`);
    parts.push(text(left - 6, y(bp) + 4, percent(bp), `text-anchor="end" font-size="14" fill="${COLOURS.dark}"`));
  }
  parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(targetBp)}" y2="${y(targetBp)}" stroke="${COLOURS.green}" stroke-width="2" stroke-dasharray="6 4"/>`);
  parts.push(text(w - right, y(targetBp) - 4, `target ${percent(targetBp)}`, `text-anchor="end" font-size="14" fill="${COLOURS.green}"`));
  if (floorBp !== targetBp) {
    parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(floorBp)}" y2="${y(floorBp)}" stroke="${COLOURS.red}" stroke-width="2" stroke-dasharray="2 3"/>`);
    parts.push(text(w - right, y(floorBp) + 12, `floor ${percent(floorBp)}`, `text-anchor="end" font-size="14" fill="${COLOURS.red}"`));
  }
  let path = '';
  points.forEach((p, i) => {
    parts.push(text(x(i), h - 14, p.label, `text-anchor="middle" font-size="14" fill="${COLOURS.dark}"`));
    if (p.bp === null) {
      path += ' ';
      return;
    }
    path += `${path === '' || path.endsWith(' ') ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.bp).toFixed(1)}`;
  });
  if (path.trim()) parts.push(`<path d="${path.trim()}" fill="none" stroke="${COLOURS.blue}" stroke-width="2"/>`);
  points.forEach((p, i) => {
    if (p.bp === null) return;
    const below = p.bp < targetBp;
    parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p.bp).toFixed(1)}" r="5" fill="${below ? COLOURS.red : COLOURS.blue}" stroke="#fff" stroke-width="1.5"/>`);
  });
  const assessed = points.filter((p) => p.bp !== null);
  const description =
    assessed.length === 0
      ? `No month assessed yet for ${kpiName}.`
      : `${kpiName}: ${assessed.map((p) => `${p.label} ${percent(p.bp)}`).join(', ')}; target ${percent(targetBp)}, floor ${percent(floorBp)}.`;
  return frame(id, `Achievement per month: ${kpiName}`, description, w, h, parts.join(''));
};

// ---- Pipeline: how many items, and how much money, at each stage ----

export interface Stage {
  label: string;
  count: number;
  valuePence: bigint;
}

export const pipelineChart = (id: string, title: string, stages: Stage[]): Chart => {
  const [w, rowH, left, right] = [640, 40, 170, 200];
  const h = stages.length * rowH + 16;
  const max = stages.reduce((m, s) => (s.valuePence > m ? s.valuePence : m), 0n);
  const barW = (v: bigint) => (max === 0n ? 0 : Math.max(2, ((w - left - right) * Number(v)) / Number(max)));
  const parts = stages.map((s, i) => {
    const y = 8 + i * rowH;
    return (
      text(left - 8, y + 24, s.label, `text-anchor="end" font-size="15" fill="${COLOURS.dark}"`) +
      `<rect x="${left}" y="${y + 8}" width="${barW(s.valuePence).toFixed(1)}" height="24" fill="${COLOURS.blue}"/>` +
      text(left + barW(s.valuePence) + 8, y + 24, `${s.count} · ${money(s.valuePence)}`, `font-size="15" fill="${COLOURS.dark}"`)
    );
  });
  const description = stages.map((s) => `${s.label}: ${s.count} worth ${money(s.valuePence)}`).join('; ');
  return frame(id, title, `${description}.`, w, h, parts.join(''));
};

// ---- Waterfall: F, minus W, plus G, plus X, gives N ----

export interface WaterfallStep {
  label: string;
  /** Signed change, or the total for the first and last bars. */
  pence: bigint;
  kind: 'total' | 'down' | 'up';
}

export const waterfallChart = (id: string, title: string, steps: WaterfallStep[]): Chart => {
  const [w, h, left, right, top, bottom] = [640, 320, 8, 8, 36, 60];
  const plotH = h - top - bottom;
  let running = 0n;
  const bars = steps.map((s) => {
    let from: bigint;
    let to: bigint;
    if (s.kind === 'total') {
      from = 0n;
      to = s.pence;
      running = s.pence;
    } else {
      from = running;
      running = s.kind === 'down' ? running - s.pence : running + s.pence;
      to = running;
    }
    return { ...s, from, to };
  });
  const max = bars.reduce((m, b) => (b.to > m ? b.to : b.from > m ? b.from : m), 1n);
  const y = (v: bigint) => top + plotH - (plotH * Number(v)) / Number(max);
  const slot = (w - left - right) / steps.length;
  const parts: string[] = [`<line x1="${left}" x2="${w - right}" y1="${y(0n)}" y2="${y(0n)}" stroke="${COLOURS.grey}"/>`];
  bars.forEach((b, i) => {
    const x = left + slot * i + slot * 0.2;
    const bw = slot * 0.6;
    const hi = b.from > b.to ? b.from : b.to;
    const lo = b.from > b.to ? b.to : b.from;
    const height = Math.max(1.5, y(lo) - y(hi));
    const colour = b.kind === 'total' ? COLOURS.blue : b.kind === 'down' ? COLOURS.red : COLOURS.green;
    parts.push(`<rect x="${x.toFixed(1)}" y="${y(hi).toFixed(1)}" width="${bw.toFixed(1)}" height="${height.toFixed(1)}" fill="${colour}"/>`);
    const sign = b.kind === 'down' ? '\u2212' : b.kind === 'up' ? '+' : '';
    parts.push(text(x + bw / 2, y(hi) - 8, `${sign}${money(b.pence)}`, `text-anchor="middle" font-size="19" fill="${COLOURS.dark}"`));
    parts.push(text(x + bw / 2, h - bottom + 24, b.label, `text-anchor="middle" font-size="19" fill="${COLOURS.dark}"`));
    if (i < bars.length - 1) {
      parts.push(`<line x1="${(x + bw).toFixed(1)}" x2="${(x + slot).toFixed(1)}" y1="${y(b.to).toFixed(1)}" y2="${y(b.to).toFixed(1)}" stroke="${COLOURS.grey}" stroke-dasharray="3 3"/>`);
    }
  });
  const description = steps.map((s) => `${s.label} ${s.kind === 'down' ? 'minus ' : s.kind === 'up' ? 'plus ' : ''}${money(s.pence)}`).join(', ');
  return frame(id, title, `${description}.`, w, h, parts.join(''));
};

// ---- Support spend per head against the running-cost allowance ----

export interface SpendYear {
  label: string;
  perHeadPence: bigint | null;
  allowancePerHeadPence: bigint | null;
}

export const spendChart = (id: string, title: string, years: SpendYear[]): Chart => {
  const [w, h, left, right, top, bottom] = [640, 260, 72, 170, 16, 36];
  const plotH = h - top - bottom;
  const values = years.flatMap((y) => [y.perHeadPence ?? 0n, y.allowancePerHeadPence ?? 0n]);
  const max = values.reduce((m, v) => (v > m ? v : m), 100n);
  const y = (v: bigint) => top + plotH - (plotH * Number(v)) / Number(max);
  const slot = (w - left - right) / Math.max(1, years.length);
  const parts: string[] = [];
  for (const f of [0n, max / 2n, max]) {
    parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(f)}" y2="${y(f)}" stroke="${COLOURS.pale}"/>`);
    parts.push(text(left - 6, y(f) + 4, money(f), `text-anchor="end" font-size="14" fill="${COLOURS.dark}"`));
  }
  years.forEach((yr, i) => {
    const x = left + slot * i + slot * 0.25;
    const bw = slot * 0.5;
    if (yr.perHeadPence !== null) {
      parts.push(`<rect x="${x.toFixed(1)}" y="${y(yr.perHeadPence).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0n) - y(yr.perHeadPence)).toFixed(1)}" fill="${COLOURS.blue}"/>`);
      parts.push(text(x + bw / 2, y(yr.perHeadPence) - 6, money(yr.perHeadPence), `text-anchor="middle" font-size="15" fill="${COLOURS.dark}"`));
    }
    if (yr.allowancePerHeadPence !== null) {
      const ay = y(yr.allowancePerHeadPence);
      parts.push(`<line x1="${(x - slot * 0.15).toFixed(1)}" x2="${(x + bw + slot * 0.15).toFixed(1)}" y1="${ay.toFixed(1)}" y2="${ay.toFixed(1)}" stroke="${COLOURS.red}" stroke-width="3"/>`);
    }
    parts.push(text(x + bw / 2, h - 12, yr.label, `text-anchor="middle" font-size="15" fill="${COLOURS.dark}"`));
  });
  parts.push(`<rect x="${w - right + 12}" y="${top + 4}" width="12" height="12" fill="${COLOURS.blue}"/>`);
  parts.push(text(w - right + 30, top + 14, 'spend per head', `font-size="14" fill="${COLOURS.dark}"`));
  parts.push(`<line x1="${w - right + 12}" x2="${w - right + 24}" y1="${top + 32}" y2="${top + 32}" stroke="${COLOURS.red}" stroke-width="3"/>`);
  parts.push(text(w - right + 30, top + 36, 'allowance per head', `font-size="14" fill="${COLOURS.dark}"`));
  const description = years
    .map((yr) => `${yr.label}: ${yr.perHeadPence === null ? 'no population registered' : `${money(yr.perHeadPence)} a head`}${yr.allowancePerHeadPence === null ? '' : ` against an allowance of ${money(yr.allowancePerHeadPence)}`}`)
    .join('; ');
  return frame(id, title, `${description}.`, w, h, parts.join(''));
};

// ---- Payment performance: the share paid within 30 days, by count and by value, against the code's target ----

export interface ShareYear {
  label: string;
  /** Shares in basis points; null when nothing was assessed that year. */
  byCountBp: number | null;
  byValueBp: number | null;
}

export const paymentShareChart = (id: string, title: string, years: ShareYear[], targetBp: number): Chart => {
  const [w, h, left, right, top, bottom] = [640, 260, 56, 150, 16, 36];
  const plotH = h - top - bottom;
  const y = (bp: number) => top + plotH - (plotH * bp) / 10_000;
  const slot = (w - left - right) / Math.max(1, years.length);
  const parts: string[] = [];
  for (const bp of [0, 5000, 10_000]) {
    parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(bp)}" y2="${y(bp)}" stroke="${COLOURS.pale}"/>`);
    parts.push(text(left - 6, y(bp) + 4, percent(bp), `text-anchor="end" font-size="14" fill="${COLOURS.dark}"`));
  }
  years.forEach((yr, i) => {
    const bw = slot * 0.3;
    const bars: [number | null, string, number][] = [
      [yr.byCountBp, COLOURS.blue, left + slot * i + slot * 0.15],
      [yr.byValueBp, COLOURS.grey, left + slot * i + slot * 0.15 + bw + 4],
    ];
    for (const [bp, colour, x] of bars) {
      if (bp === null) {
        parts.push(text(x + bw / 2, y(0) - 6, 'none', `text-anchor="middle" font-size="13" fill="${COLOURS.dark}"`));
        continue;
      }
      parts.push(`<rect x="${x.toFixed(1)}" y="${y(bp).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0) - y(bp)).toFixed(1)}" fill="${colour}"/>`);
      parts.push(text(x + bw / 2, y(bp) - 6, percent(bp), `text-anchor="middle" font-size="13" fill="${COLOURS.dark}"`));
    }
    parts.push(text(left + slot * i + slot / 2, h - 12, yr.label, `text-anchor="middle" font-size="15" fill="${COLOURS.dark}"`));
  });
  parts.push(`<line x1="${left}" x2="${w - right}" y1="${y(targetBp)}" y2="${y(targetBp)}" stroke="${COLOURS.red}" stroke-width="2" stroke-dasharray="6 4"/>`);
  const legend: [string, string][] = [
    [COLOURS.blue, 'by count'],
    [COLOURS.grey, 'by value'],
  ];
  legend.forEach(([colour, label], i) => {
    parts.push(`<rect x="${w - right + 12}" y="${top + 4 + i * 22}" width="12" height="12" fill="${colour}"/>`);
    parts.push(text(w - right + 30, top + 14 + i * 22, label, `font-size="14" fill="${COLOURS.dark}"`));
  });
  parts.push(`<line x1="${w - right + 12}" x2="${w - right + 24}" y1="${top + 54}" y2="${top + 54}" stroke="${COLOURS.red}" stroke-width="2"/>`);
  parts.push(text(w - right + 30, top + 58, `target ${percent(targetBp)}`, `font-size="14" fill="${COLOURS.dark}"`));
  const share = (bp: number | null) => (bp === null ? 'nothing assessed' : percent(bp));
  const description = years.map((yr) => `${yr.label}: ${share(yr.byCountBp)} by count, ${share(yr.byValueBp)} by value`).join('; ');
  return frame(id, title, `${description}; the target is ${percent(targetBp)}.`, w, h, parts.join(''));
};
