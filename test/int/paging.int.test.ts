// Issue 9, item 4 (API.md: lists and history are paged; unknown query parameters are 400). Before: every list came
// whole in its own shape (`contracts`, `extras`, `challenges`, `events`, …); a history of 2,500 events was 2–3 MB;
// unknown parameters were ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agreeContract,
  allPages,
  challengeIn,
  extraIn,
  must,
  startInProcess,
  type InProcess,
  type Json,
  type Reply,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const OTHER = { ccg: '09K', csu: '0BY' };
let h: InProcess;
let big: string;
let extras: string[];
let challenges: string[];
let auditor: string;
let contracts: string[];

type Page<T = Json> = { items: T[]; next: string | null };

const refused = (r: Reply, param: string, message?: RegExp): void => {
  expect(r.status, r.text).toBe(400);
  expect(r.body).toMatchObject({ code: 'validation-failed' });
  const errors = r.body.errors as { path: string; message: string }[];
  expect(errors.map((e) => e.path)).toContain(param);
  if (message) expect(errors.find((e) => e.path === param)!.message).toMatch(message);
};

beforeAll(async () => {
  h = await startInProcess();
  const admin = await h.token('admin', 'NHS');
  for (const [code, name, kind] of [
    ['08J', 'Kingston CCG', 'ccg'],
    ['0AX', 'South London CSU', 'csu'],
    ['09K', 'Other CCG', 'ccg'],
    ['RAX', 'Kingston Hospital', 'trust'],
  ] as const) {
    must(await h.post(admin, '/organisations', { businessDate: '2013-04-01', code, name, kind }));
  }
  contracts = [];
  for (let i = 0; i < 5; i += 1) contracts.push(await agreeContract(h, PARTIES));
  contracts.push(await agreeContract(h, OTHER));
  big = contracts[0]!;
  const csu = await h.token('csu', '0AX');
  // 240 measurements: with the agreement and what follows, a history of more than two default pages.
  for (let i = 0; i < 240; i += 1) {
    const month = `2025-26-M${String(1 + (i % 12)).padStart(2, '0')}`;
    must(
      await h.post(csu, `/contracts/${big}/measurements`, {
        businessDate: '2026-04-20',
        kpiId: 'K3',
        month,
        achievedBp: 9000 + i,
      }),
    );
  }
  extras = [];
  for (let i = 0; i < 5; i += 1) extras.push(await extraIn(h, big, PARTIES, i % 2 === 0 ? 'accepted' : 'disputed'));
  challenges = [];
  for (let i = 0; i < 4; i += 1) challenges.push(await challengeIn(h, big, PARTIES, 'responded'));
  auditor = await h.token('auditor', 'NAO');
});
afterAll(() => h.close());

describe('every list and the history answer { items, next }, paged by limit and after', () => {
  it('history: 100 by default, next leads through every event exactly once, in log order', async () => {
    const first = must(
      await h.get<Page<{ position: string }> & { contractId: string }>(auditor, `/contracts/${big}/history`),
    ).body;
    expect(first.contractId).toBe(big);
    expect(first.items).toHaveLength(100);
    expect(typeof first.next).toBe('string');
    const all = await allPages<{ position: string; type: string }>(h, auditor, `/contracts/${big}/history`, 37);
    const group = (await h.store.readStreamGroup(`contract-${big}`)).map((e) => e.position.toString());
    expect(all.map((e) => e.position)).toEqual(group);
    expect(all.length).toBeGreaterThan(250);
    const whole = must(await h.get<Page>(auditor, `/contracts/${big}/history?limit=1000`)).body;
    expect(whole.items).toHaveLength(group.length);
    expect(whole.next).toBeNull();
  });

  it('limit: a whole number from 1 to 1,000; more is 400', async () => {
    for (const bad of ['1001', '0', '-1', 'abc', '1.5', '1e3', '']) {
      refused(await h.get(auditor, `/contracts/${big}/history?limit=${bad}`), 'limit');
    }
    refused(await h.get(auditor, '/contracts?limit=1001'), 'limit', /more than 1000/);
    expect(must(await h.get<Page>(auditor, `/contracts/${big}/history?limit=1`)).body.items).toHaveLength(1);
  });

  it('after: only a cursor this list wrote; a made-up one, or another list’s, is 400', async () => {
    const page = must(await h.get<Page>(auditor, `/contracts/${big}/extras?limit=1`)).body;
    refused(await h.get(auditor, `/contracts/${big}/challenges?after=${page.next!}`), 'after');
    refused(await h.get(auditor, `/contracts/${big}/history?after=${page.next!}`), 'after');
    for (const bad of [
      'x',
      'eyJ4IjoxfQ',
      Buffer.from(JSON.stringify(['history', '007'])).toString('base64url'),
      '%00',
      'a'.repeat(500),
    ]) {
      refused(await h.get(auditor, `/contracts/${big}/history?after=${bad}`), 'after');
    }
  });

  it('/contracts: the caller’s contracts in id order, a page at a time, with the summary each showed before', async () => {
    const ccg = await h.token('ccg', '08J');
    const first = must(
      await h.get<Page<{ contractId: string; ccg: Json; status: string }>>(ccg, '/contracts?limit=2'),
    ).body;
    expect(first.items).toHaveLength(2);
    const mine = await allPages<{ contractId: string }>(h, ccg, '/contracts', 2);
    expect(mine.map((c) => c.contractId)).toEqual(contracts.slice(0, 5).sort());
    expect(first.items[0]).toMatchObject({
      ccg: { code: '08J', name: 'Kingston CCG' },
      csu: { code: '0AX', name: 'South London CSU' },
      firstMonth: '2025-26-M01',
      lastMonth: '2027-28-M12',
      termEnd: '2028-03-31',
      status: 'active',
      annualFeePence: 160_000_000,
      vehicle: 'SLA',
    });
    const all = await allPages<{ contractId: string }>(h, auditor, '/contracts', 4);
    expect(all.map((c) => c.contractId)).toEqual([...contracts].sort());
  });

  it('/contracts/{id}/extras and /challenges: in the order raised, a page at a time', async () => {
    const csu = await h.token('csu', '0AX');
    expect((await allPages<{ extraId: string }>(h, csu, `/contracts/${big}/extras`, 2)).map((x) => x.extraId)).toEqual(
      extras,
    );
    const page = must(await h.get<Page & { contractId: string }>(csu, `/contracts/${big}/challenges?limit=3`)).body;
    expect(page.contractId).toBe(big);
    expect(page.items).toHaveLength(3);
    expect(
      (await allPages<{ challengeId: string }>(h, csu, `/contracts/${big}/challenges`, 3)).map((c) => c.challengeId),
    ).toEqual(challenges);
  });

  it('/contracts/{id}/settlements: every quarter of the term, in order, a page at a time', async () => {
    const quarters = (await allPages<{ quarter: string }>(h, auditor, `/contracts/${big}/settlements`, 5)).map(
      (s) => s.quarter,
    );
    expect(quarters).toHaveLength(12);
    expect(quarters[0]).toBe('2025-26-Q1');
    expect(quarters.at(-1)).toBe('2027-28-Q4');
  });

  it('/contracts/{id}/settlements/{quarter}/late-items: { items, next } with its context', async () => {
    const body = must(await h.get<Page & Json>(auditor, `/contracts/${big}/settlements/2025-26-Q1/late-items`)).body;
    expect(body).toMatchObject({ contractId: big, quarter: '2025-26-Q1', status: 'open', items: [], next: null });
  });

  it('/organisations: the register in code order, a page at a time', async () => {
    const csu = await h.token('csu', '0AX');
    const codes = (await allPages<{ code: string; name: string }>(h, csu, '/organisations', 3)).map((o) => o.code);
    expect(codes).toEqual(['08J', '09K', '0AX', 'RAX']);
  });
});

describe('history filters: type, from, to (business dates), with asOf/asAt', () => {
  it('type: one or more event types, comma-separated', async () => {
    const raised = await allPages<{ type: string }>(
      h,
      auditor,
      `/contracts/${big}/history?type=ExtraRaised,ChallengeRaised`,
    );
    expect(raised.map((e) => e.type).sort()).toEqual([
      ...Array<string>(4).fill('ChallengeRaised'),
      ...Array<string>(5).fill('ExtraRaised'),
    ]);
    refused(await h.get(auditor, `/contracts/${big}/history?type=ExtraRaised,Nonsense`), 'type', /Nonsense/);
  });

  it('from and to bound the business date, both ends included', async () => {
    const window = await allPages<{ businessDate: string }>(
      h,
      auditor,
      `/contracts/${big}/history?from=2025-04-15&to=2025-04-22`,
    );
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((e) => e.businessDate >= '2025-04-15' && e.businessDate <= '2025-04-22')).toBe(true);
    expect(window.map((e) => e.businessDate)).toContain('2025-04-15');
    expect(window.map((e) => e.businessDate)).toContain('2025-04-22');
    refused(await h.get(auditor, `/contracts/${big}/history?from=2025-05-01&to=2025-04-01`), 'from', /after to/);
    refused(await h.get(auditor, `/contracts/${big}/history?from=2025-02-30`), 'from', /not a date/);
  });
});

describe('unknown query parameters are 400, naming the parameter, on every route', () => {
  const ROUTES = [
    '/contracts',
    '/contracts/{id}',
    '/contracts/{id}/performance/2025-26-Q1',
    '/contracts/{id}/settlements/2025-26-Q1',
    '/contracts/{id}/settlements/2025-26-Q1/late-items',
    '/contracts/{id}/settlements',
    '/contracts/{id}/extras',
    '/contracts/{id}/challenges',
    '/contracts/{id}/history',
    '/organisations',
    '/organisations/08J/support-spend?year=2025-26',
    '/audit/verify',
    '/diagnostics/event-loop',
  ];
  it.each(ROUTES)('%s?asof=… (a misspelt asOf) and ?foo', async (route) => {
    const path = route.replace('{id}', big);
    const join = path.includes('?') ? '&' : '?';
    const misspelt = await h.get(auditor, `${path}${join}asof=2025-06-30`);
    refused(misspelt, 'asof', /unknown query parameter "asof"/);
    refused(await h.get(auditor, `${path}${join}foo=1&bar=2`), 'bar');
  });

  it('names that are not plain: __proto__, constructor, an array or object syntax', async () => {
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty', 'asOf[]', 'limit[x]']) {
      refused(
        await h.get(auditor, `/contracts/${big}/history?${encodeURIComponent(name)}=1`),
        name,
        /unknown query parameter/,
      );
    }
  });

  it('lists what the route takes', async () => {
    const r = await h.get(auditor, `/contracts/${big}/history?page=2`);
    refused(r, 'page', /takes asOf, asAt, limit, after, type, from, to/);
  });
});
