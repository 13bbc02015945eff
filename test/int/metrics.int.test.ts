// Issue 10: operators' view. GET /metrics on both services (no token, Prometheus text): requests by route template
// and status, latency, problem codes, store appends and group commits; request logs are JSON lines naming the caller
// and the correlation id, 5xx at error and everything else at info, and nothing secret.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreeContract, extraIn, startInProcess, type InProcess } from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let contractId: string;
const lines: string[] = [];

/** The sample of a series whose labels include all of `labels`, or undefined. */
const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
};

const scrape = async (url: string): Promise<{ status: number; type: string; text: string }> => {
  const res = await fetch(`${url}/metrics`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  h = await startInProcess({ logDestination: sink, logLevel: 'info' });
  contractId = await agreeContract(h, PARTIES);
  await extraIn(h, contractId, PARTIES, 'accepted');
  // refused by the rules (409), and without a token (401)
  const ccg = await h.token('ccg', '08J');
  const extra = await extraIn(h, contractId, PARTIES, 'accepted');
  await h.post(ccg, `/extras/${extra}/dispute`, { businessDate: '2025-06-20', reason: 'not-requested' });
  await h.post(undefined, `/contracts/${contractId}/extras`, {});
  await h.get(await h.token('auditor', 'NAO'), `/contracts/${contractId}/settlements/2025-26-Q1`);
});
afterAll(() => h.close());

describe('GET /metrics (issue 10)', () => {
  it('answers on the command service without a token, counting requests by route template and status', async () => {
    const m = await scrape(h.commandUrl);
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(m.text, 'ledger_http_requests_total', { route: '/contracts/:id/extras', status: '201', service: 'command' })).toBe(2);
    expect(sample(m.text, 'ledger_http_requests_total', { route: '/extras/:childId/dispute', status: '409' })).toBe(1);
    expect(sample(m.text, 'ledger_http_problems_total', { code: 'transition-not-allowed', status: '409' })).toBe(1);
    expect(sample(m.text, 'ledger_http_problems_total', { code: 'missing-token', status: '401' })).toBe(1);
    expect(sample(m.text, 'ledger_http_request_duration_seconds_count', { route: '/contracts/:id/extras', method: 'POST' })).toBe(2);
  });

  it('times the store’s appends and counts its group commits', async () => {
    const m = await scrape(h.commandUrl);
    // the agreement, two extras raised and two accepted; the refused dispute never reached the store
    expect(sample(m.text, 'ledger_store_append_duration_seconds_count', { outcome: 'ok' })).toBe(5);
    expect(sample(m.text, 'ledger_store_commit_appends_count', {})).toBeGreaterThanOrEqual(1);
    expect(m.text).toContain('ledger_process_cpu_seconds_total');
  });

  it('answers on the query service, without a token', async () => {
    const m = await scrape(h.queryUrl);
    expect(m.status).toBe(200);
    expect(sample(m.text, 'ledger_http_requests_total', { route: '/contracts/:id/settlements/:quarter', status: '200', service: 'query' })).toBe(1);
  });
});

describe('request logs (issue 10)', () => {
  const requests = () =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; correlationId?: string; caller?: unknown; req?: { method: string; path: string }; res?: { status: number }; ms?: number })
      .filter((l) => l.msg === 'request' || l.msg === 'request failed');

  it('are JSON, one object a line', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
  });
  it('name the caller and the correlation id, with method, path, status and time', () => {
    const dispute = requests().find((l) => l.req?.path.endsWith('/dispute') && l.res?.status === 409);
    expect(dispute).toMatchObject({ level: 30, caller: { sub: 'ccg-08j', org: '08J', roles: ['ccg'] }, req: { method: 'POST' } });
    expect(dispute?.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof dispute?.ms).toBe('number');
    const anonymous = requests().find((l) => l.res?.status === 401);
    expect(anonymous).toMatchObject({ level: 30 });
    expect(anonymous?.caller).toBeUndefined();
  });
  it('never carry a token or a query string', () => {
    const text = lines.join('\n');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(text).not.toMatch(/[Bb]earer/);
  });
});
