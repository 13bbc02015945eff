import { describe, expect, it } from 'vitest';
import { createApi, parseExact, readList, ServiceProblem, stringifyExact } from './api.ts';

describe('answers read exactly', () => {
  it('keeps money of any size as bigint, from the JSON text', () => {
    const body = parseExact('{"netPayablePence":9007199254740993,"feePence":5,"perHeadPence":null,"x":{"valuePence":12}}') as Record<string, unknown>;
    expect(body.netPayablePence).toBe(9_007_199_254_740_993n);
    expect(body.feePence).toBe(5n);
    expect(body.perHeadPence).toBeNull();
    expect((body.x as Record<string, unknown>).valuePence).toBe(12n);
    expect((parseExact('{"runningCostAllowancePencePerHead":2500}') as Record<string, unknown>).runningCostAllowancePencePerHead).toBe(2500n);
  });
  it('leaves other numbers as numbers unless they are too large for a double', () => {
    const body = parseExact('{"weightBp":4000,"shareOfRunningCostAllowanceBp":90071992547409930,"position":"17"}') as Record<string, unknown>;
    expect(body.weightBp).toBe(4000);
    expect(body.shareOfRunningCostAllowanceBp).toBe(90_071_992_547_409_930n);
    expect(body.position).toBe('17');
  });
  it('writes bigints with every digit', () => {
    expect(stringifyExact({ netPayablePence: 2n ** 64n, b: 'x' })).toBe('{"netPayablePence":18446744073709551616,"b":"x"}');
  });
});

describe('list answers, old and paged shapes', () => {
  it('reads { items, next }', () => expect(readList({ items: [1, 2], next: 'abc' }, 'contracts')).toEqual({ items: [1, 2], next: 'abc' }));
  it('reads the older { contracts: [...] } as one last page', () =>
    expect(readList({ contracts: [1] }, 'contracts')).toEqual({ items: [1], next: null }));
  it('never mistakes another answer for an empty list', () => expect(() => readList({ extras: [] }, 'contracts')).toThrow(/neither items nor contracts/));
});

const fakeFetch = (answers: ((url: URL, init: RequestInit) => Response)[]) => {
  const calls: { url: URL; init: RequestInit }[] = [];
  const f = (input: string | URL, init: RequestInit = {}) => {
    const url = new URL(input);
    calls.push({ url, init });
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${url.href}`);
    return Promise.resolve(answer(url, init));
  };
  return { fetch: f as unknown as typeof fetch, calls };
};
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('the client', () => {
  it('follows next to the end of a paged list, with the user token and read-your-writes', async () => {
    const f = fakeFetch([() => json({ items: [1, 2], next: 'c1' }), () => json({ items: [3], next: null })]);
    const api = createApi({ commandUrl: 'http://c', queryUrl: 'http://q', fetch: f.fetch });
    expect(await api.all('tok', '/contracts/X/history?asOf=2025-06-30', 'events', { minPosition: '42' })).toEqual([1, 2, 3]);
    expect(f.calls[0]!.url.searchParams.get('asOf')).toBe('2025-06-30');
    expect(f.calls[0]!.url.searchParams.get('limit')).toBe('1000');
    expect(f.calls[1]!.url.searchParams.get('after')).toBe('c1');
    const headers = f.calls[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer tok');
    expect(headers['x-min-position']).toBe('42');
  });
  it('takes an older service whole list in one answer', async () => {
    const f = fakeFetch([() => json({ contractId: 'X', extras: [{ amountPence: 1 }] })]);
    const api = createApi({ commandUrl: 'http://c', queryUrl: 'http://q', fetch: f.fetch });
    expect(await api.all('tok', '/contracts/X/extras', 'extras')).toEqual([{ amountPence: 1n }]);
  });
  it('turns problem+json into a ServiceProblem with its field paths', async () => {
    const f = fakeFetch([
      () => json({ type: 't', title: 'Validation failed', status: 400, code: 'validation-failed', detail: 'bad', errors: [{ path: 'amountPence', message: 'must be whole pence' }] }, 400),
    ]);
    const api = createApi({ commandUrl: 'http://c', queryUrl: 'http://q', fetch: f.fetch });
    const err = await api.post('tok', '/contracts/X/extras', { amountPence: 5n }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceProblem);
    expect(err).toMatchObject({ status: 400, code: 'validation-failed', errors: [{ path: 'amountPence', message: 'must be whole pence' }] });
    expect(f.calls[0]!.init.body).toBe('{"amountPence":5}');
  });
  it('sends the idempotency key and retries a read the read models are not ready for', async () => {
    const f = fakeFetch([
      () => json({ position: '7' }, 201),
      () => json({ code: 'not-ready', status: 503, title: 'Not ready' }, 503, { 'retry-after': '1' }),
      () => json({ contracts: [] }),
    ]);
    const api = createApi({ commandUrl: 'http://c', queryUrl: 'http://q', fetch: f.fetch });
    expect(await api.post('tok', '/x', {}, { idempotencyKey: 'k'.repeat(20) })).toEqual({ position: '7' });
    expect((f.calls[0]!.init.headers as Record<string, string>)['idempotency-key']).toBe('k'.repeat(20));
    expect(await api.get('tok', '/contracts', { minPosition: '7' })).toEqual({ contracts: [] });
    expect(f.calls).toHaveLength(3);
  });
});
