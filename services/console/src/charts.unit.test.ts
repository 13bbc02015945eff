import { describe, expect, it } from 'vitest';
import { kpiTrendChart, paymentShareChart, pipelineChart, spendChart, waterfallChart } from './charts.ts';

describe('server-drawn charts', () => {
  it('are images with a title and a description a screen reader reads', () => {
    const c = waterfallChart('w', 'Q1', [
      { label: 'Fee F', pence: 40_000_000n, kind: 'total' },
      { label: 'Withheld W', pence: 1_600_000n, kind: 'down' },
      { label: 'Gain share G', pence: 2_400_000n, kind: 'up' },
      { label: 'Extras X', pence: 900_000n, kind: 'up' },
      { label: 'Net payable N', pence: 41_700_000n, kind: 'total' },
    ]);
    expect(c.svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="w-title w-desc"/);
    expect(c.description).toBe('Fee F £400,000.00, Withheld W minus £16,000.00, Gain share G plus £24,000.00, Extras X plus £9,000.00, Net payable N £417,000.00.');
    expect(c.svg).toContain('−£16,000.00');
  });
  it('escape whatever text they are given', () => {
    const c = kpiTrendChart('k', '<script>alert(1)</script>', [{ label: 'M1', bp: 10_000 }, { label: 'M2', bp: null }], 9500, 9000);
    expect(c.svg).not.toContain('<script>');
    expect(c.svg).toContain('&lt;script&gt;');
    expect(c.description).toContain('M1 100%');
  });
  it('draw nothing misleading for empty data', () => {
    expect(pipelineChart('p', 'None', [{ label: 'Raised', count: 0, valuePence: 0n }]).description).toBe('Raised: 0 worth £0.00.');
    expect(spendChart('s', 'Spend', [{ label: '2025/26', perHeadPence: null, allowancePerHeadPence: 2500n }]).description).toContain('no population registered');
  });
  it('say the shares paid within 30 days against the target, and a year with nothing assessed as such', () => {
    const c = paymentShareChart('pp', 'Paid within 30 days', [{ label: '2025/26', byCountBp: 7500, byValueBp: 9990 }, { label: '2026/27', byCountBp: null, byValueBp: null }], 9500);
    expect(c.description).toBe('2025/26: 75% by count, 99.9% by value; 2026/27: nothing assessed by count, nothing assessed by value; the target is 95%.');
    expect(c.svg).toContain('target 95%');
  });
});
