// Issue 9, item 5: time-travel input over HTTP. Before: asOf=9999-12-31 and asAt in year 9999 were 500s; asAt with
// -12:00 in 9999 sorted wrongly as text; asOf/asAt in the future invented a settlement (withheld on a quarter not yet
// due); asAt without an offset was read in the host's time zone; asAt 2025-02-30T… became 2 March; an unencoded '+'
// (a space) was read as nothing in particular. Each must be 400 'validation-failed' naming the parameter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agreeContract,
  extraIn,
  FIXED_NOW,
  must,
  startInProcess,
  TODAY,
  type InProcess,
  type Reply,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let id: string;
let auditor: string;

beforeAll(async () => {
  h = await startInProcess();
  id = await agreeContract(h, PARTIES);
  await extraIn(h, id, PARTIES, 'accepted');
  auditor = await h.token('auditor', 'NAO');
});
afterAll(() => h.close());

const refusedAt = (r: Reply, param: string, message: RegExp): void => {
  expect(r.status, r.text).toBe(400);
  expect(r.contentType).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ code: 'validation-failed', status: 400 });
  const errors = r.body.errors as { path: string; message: string }[];
  expect(errors.map((e) => e.path)).toContain(param);
  expect(errors.find((e) => e.path === param)!.message).toMatch(message);
};

const ROUTES = [
  (q: string) => `/contracts/{id}?${q}`,
  (q: string) => `/contracts/{id}/settlements/2025-26-Q1?${q}`,
  (q: string) => `/contracts/{id}/performance/2025-26-Q1?${q}`,
  (q: string) => `/contracts/{id}/settlements?${q}`,
  (q: string) => `/contracts/{id}/settlements/2025-26-Q1/late-items?${q}`,
  (q: string) => `/contracts/{id}/extras?${q}`,
  (q: string) => `/contracts/{id}/challenges?${q}`,
  (q: string) => `/contracts/{id}/history?${q}`,
];
const path = (route: (q: string) => string, q: string) => route(q).replace('{id}', id);

describe('asOf and asAt outside DOMAIN.md Limits are 400, naming the parameter, on every time-travel route', () => {
  const CASES: [string, string, RegExp][] = [
    ['asOf=9999-12-31', 'asOf', /in the future/],
    ['asAt=9999-12-31T23:59:59Z', 'asAt', /in the future/],
    ['asAt=9999-12-31T12:00:00-12:00', 'asAt', /in the future/],
    ['asOf=2026-11-25', 'asOf', /asOf 2026-11-25 is in the future \(today in England is 2026-11-24\)/],
    ['asAt=2026-11-24T12:00:01Z', 'asAt', /in the future/],
    ['asAt=2025-06-30T12:00:00', 'asAt', /UTC offset.*never read in the server's time zone/],
    ['asAt=2025-02-30T12:00:00Z', 'asAt', /2025-02-30 is not a date in the calendar/],
    ['asOf=2025-02-30', 'asOf', /not a date in the calendar/],
    ['asOf=1999-12-31', 'asOf', /before 2000-04-01/],
    ['asAt=2000-03-31T12:00:00Z', 'asAt', /before 2000-04-01/],
    ['asAt=2025-06-30T13:00:00+01:00'.replace('+', ' '), 'asAt', /%2B/],
    ['asAt=2025-06-30', 'asAt', /use asOf/],
    ['asOf=2025-07-01&asAt=2025-06-30T12:00:00Z', 'asOf', /after asAt's date/],
    ['asOf=2025-06-30&asOf=2025-07-01', 'asOf', /once/],
  ];
  it.each(
    ROUTES.flatMap((route) => CASES.map(([q, param, message]) => [route('…'), q, param, message, route] as const)),
  )('%s with %s', async (_name, q, param, message, route) => {
    refusedAt(await h.get(auditor, path(route, q.replace(' ', '%20'))), param, message);
  });
});

describe('what is accepted', () => {
  it('an instant with any offset is the same instant: -05:00 and Z give the same view', async () => {
    const history = must(await h.get<{ items: { recordedAt: string }[] }>(auditor, `/contracts/${id}/history`)).body;
    const last = history.items.at(-1)!.recordedAt;
    const west = new Date(Date.parse(last) - 5 * 3_600_000).toISOString().replace('Z', '-05:00');
    const z = must(await h.get(auditor, `/contracts/${id}/settlements/2025-26-Q1?asAt=${encodeURIComponent(last)}`));
    const w = must(await h.get(auditor, `/contracts/${id}/settlements/2025-26-Q1?asAt=${encodeURIComponent(west)}`));
    expect(w.body).toEqual(z.body);
    expect(z.body).toMatchObject({ extrasPence: 1_850_000 });
  });

  it('today, and now, are not the future', async () => {
    must(await h.get(auditor, `/contracts/${id}/settlements/2025-26-Q1?asOf=${TODAY}`));
    must(await h.get(auditor, `/contracts/${id}/settlements/2025-26-Q1?asAt=${encodeURIComponent(FIXED_NOW)}`));
    must(
      await h.get(
        auditor,
        `/contracts/${id}/settlements/2025-26-Q1?asOf=${TODAY}&asAt=${encodeURIComponent(FIXED_NOW)}`,
      ),
    );
  });

  it('an asAt before anything was recorded: the contract had not been agreed then (404), not an invented view', async () => {
    const r = await h.get(auditor, `/contracts/${id}/settlements/2025-26-Q1?asAt=2001-01-01T00:00:00Z`);
    expect(r.status).toBe(404);
    expect(r.body.detail).toMatch(/had not been agreed by then/);
  });
});
