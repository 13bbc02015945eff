// Issue 14: GET /contracts/{id}/settlements/{quarter}/diff?from=&to= — the worked example's Q1 as the system knew it at
// two instants, side by side, and the events recorded between them that moved a figure. Figures worked by hand from
// DOMAIN.md: before the money items, F = 40,000,000p, W = 1,600,000p (S = 0.6), G = X = 0, so N = 38,400,000p; after
// them G = 20% of 12,000,000p = 2,400,000p and X = 900,000p, so N = 41,700,000p.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_ID, DEMO_ACTORS, workedExample, type DemoRequest } from '@csu-ledger/cli';
import { HttpError } from '@csu-ledger/http';
import { foldPast } from '../../services/query-service/src/past.ts';
import { settlementDiff } from '../../services/query-service/src/settlement-diff.ts';
import { parseInstant } from '../../services/query-service/src/time-travel.ts';
import { must, startInProcess, type InProcess } from '../support/in-process.ts';

let h: InProcess;
const at: Record<'kpis' | 'money' | 'approved' | 'late', string> = { kpis: '', money: '', approved: '', late: '' };
const Q1 = '2025-26-Q1';
const diffPath = (quarter: string, from: string, to: string) =>
  `/contracts/${CONTRACT_ID}/settlements/${quarter}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

/** The store's recorded time of the last event: an instant after everything written so far. */
const now = async (): Promise<string> => (await h.store.readAll({ after: (await h.head()) - 1n })).at(-1)!.recordedAt;

const send = async (requests: DemoRequest[], saved: Map<string, string>) => {
  for (const r of requests) {
    const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => saved.get(k) ?? k);
    const { body } = must(await h.post<Record<string, string>>(await h.token(r.as.role, r.as.org, r.as.sub), path, r.body));
    if (r.saveAs) saved.set(r.saveAs, body.extraId ?? body.challengeId ?? '');
  }
};

interface Change {
  cause: 'event' | 'elapsed';
  type?: string;
  businessDate?: string;
  recordedAt?: string;
  actor?: { sub: string; org: string; role: string };
  figures: { figure: string; before: unknown; after: unknown }[];
}
interface Diff {
  from: { asAt: string; settlement: { netPayablePence: number; status: string } | null };
  to: { asAt: string; settlement: { netPayablePence: number; status: string } };
  figures: { figure: string; from: unknown; to: unknown; difference: unknown }[];
  changes: Change[];
  eventsExamined: number;
}

beforeAll(async () => {
  h = await startInProcess();
  const saved = new Map<string, string>();
  const firstMoney = workedExample.findIndex((r) => r.path.endsWith('/challenges'));
  await send(workedExample.slice(0, firstMoney), saved); // the register, the contract, deliveries and measurements
  at.kpis = await now();
  await send(workedExample.slice(firstMoney), saved); // challenges and extras
  at.money = await now();
  const ccg = await h.token('ccg', '08J', DEMO_ACTORS.ccg.sub);
  must(await h.post(ccg, `/contracts/${CONTRACT_ID}/settlements/${Q1}/approval`, { businessDate: '2025-07-21', netPayablePence: 41_700_000 }));
  at.approved = await now();
  // A late extra dated in Q1, accepted after its approval: it lands in Q2 (DOMAIN.md: roll-forward).
  const csu = await h.token('csu', '0AX', DEMO_ACTORS.csu.sub);
  const { body: late } = must(
    await h.post<{ extraId: string }>(csu, `/contracts/${CONTRACT_ID}/extras`, {
      businessDate: '2025-06-30', amountPence: 123_456, description: 'Late data request', serviceLine: 'business-intelligence', requestedBy: 'CCG',
    }),
  );
  must(await h.post(ccg, `/extras/${late.extraId}/accept`, { businessDate: '2025-07-25' }));
  at.late = await now();
}, 60_000);
afterAll(() => h.close());

describe('the settlement diff between two instants', () => {
  it("shows Q1 before and after the money items side by side, and each event that moved a figure, with who and when", async () => {
    const auditor = await h.token('auditor', 'NAO');
    const { status, body, text } = await h.get<Diff>(auditor, diffPath(Q1, at.kpis, at.money));
    expect(status).toBe(200);
    expect(body.from).toMatchObject({ asAt: at.kpis, settlement: { status: 'open', netPayablePence: 38_400_000, withheldPence: 1_600_000, gainSharePence: 0, extrasPence: 0 } });
    expect(body.to).toMatchObject({ asAt: at.money, settlement: { status: 'open', netPayablePence: 41_700_000, gainSharePence: 2_400_000, extrasPence: 900_000 } });
    const figure = (name: string) => body.figures.find((f) => f.figure === name);
    expect(figure('netPayablePence')).toEqual({ figure: 'netPayablePence', from: 38_400_000, to: 41_700_000, difference: 3_300_000 });
    expect(figure('withheldPence')).toEqual({ figure: 'withheldPence', from: 1_600_000, to: 1_600_000, difference: 0 });
    expect(figure('disputedExtras.valuePence')).toEqual({ figure: 'disputedExtras.valuePence', from: 0, to: 420_000, difference: 420_000 });
    expect(text).toContain('"figure":"netPayablePence","from":38400000,"to":41700000,"difference":3300000'); // exact JSON integers
    // A trust's response and the two disputes moved nothing: they are not listed.
    expect(body.changes.map((c) => c.type)).toEqual(['ChallengeRaised', 'ChallengeResolved', 'ChallengeRaised', 'ChallengeResolved', 'ExtraRaised', 'ExtraResolved', 'ExtraRaised']);
    expect(body.eventsExamined).toBe(10);
    const resolved = body.changes[1]!;
    expect(resolved).toMatchObject({ cause: 'event', businessDate: '2025-06-20', actor: { sub: DEMO_ACTORS.csu.sub, org: '0AX', role: 'csu' } });
    expect(Date.parse(resolved.recordedAt!)).toBeGreaterThan(Date.parse(at.kpis));
    expect(resolved.figures).toEqual([
      { figure: 'recoveredPence', before: 0, after: 8_000_000 },
      { figure: 'gainSharePence', before: 0, after: 1_600_000 },
      { figure: 'netPayablePence', before: 38_400_000, after: 40_000_000 },
      { figure: 'openChallenges.count', before: 1, after: 0 },
      { figure: 'openChallenges.valuePence', before: 9_000_000, after: 0 },
    ]);
    expect(body.changes.at(-2)!.figures).toContainEqual({ figure: 'extrasPence', before: 0, after: 900_000 });
  });

  it('shows the approval changing only the status, and a late item landing in the next quarter, not the approved one', async () => {
    const ccg = await h.token('ccg', '08J');
    const q1 = await h.get<Diff>(ccg, diffPath(Q1, at.money, at.late));
    expect(q1.body.changes.map((c) => [c.type, c.figures.map((f) => f.figure)])).toEqual([['SettlementApproved', ['status']]]);
    expect(q1.body.to.settlement).toMatchObject({ status: 'approved', netPayablePence: 41_700_000 });
    const q2 = await h.get<Diff>(ccg, diffPath('2025-26-Q2', at.approved, at.late));
    expect(q2.body.changes.map((c) => c.type)).toEqual(['ExtraRaised', 'ExtraAccepted']);
    expect(q2.body.changes[1]!.figures).toContainEqual({ figure: 'extrasPence', before: 0, after: 123_456 });
    // Nothing recorded between two equal instants: the same figures, no changes.
    const still = await h.get<Diff>(ccg, diffPath(Q1, at.late, at.late));
    expect(still.body).toMatchObject({ changes: [], eventsExamined: 0 });
  });

  it('answers from before the contract was agreed with no figures then', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const { body } = await h.get<Diff>(auditor, diffPath(Q1, '2026-01-01T00:00:00Z', at.kpis));
    expect(body.from.settlement).toBeNull();
    expect(body.changes[0]).toMatchObject({ type: 'ContractAgreed', figures: expect.arrayContaining([{ figure: 'status', before: null, after: 'open' }]) as unknown });
  });

  it('checks its parameters strictly and shows the contract only to who may see it', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const base = `/contracts/${CONTRACT_ID}/settlements/${Q1}/diff`;
    const refused = async (query: string, path: string, message: RegExp) => {
      const r = await h.get<{ code: string; errors: { path: string; message: string }[] }>(auditor, `${base}${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.errors, query).toContainEqual({ path, message: expect.stringMatching(message) as unknown });
    };
    await refused(`?from=${at.kpis}`, 'to', /to is required/);
    await refused(`?from=${at.money}&to=${at.kpis}`, 'from', /is after to/);
    await refused(`?from=2025-07-21&to=${at.kpis}`, 'from', /must be an instant/);
    await refused(`?from=${at.kpis}&to=9999-01-01T00:00:00Z`, 'to', /in the future/);
    await refused(`?from=${at.kpis}&to=${at.money}&asOf=2025-06-30`, 'asOf', /unknown query parameter "asOf"; this route takes from, to/);
    expect((await h.get(auditor, `/contracts/${CONTRACT_ID}/settlements/Q1/diff?from=${at.kpis}&to=${at.money}`)).status).toBe(400);
    const other = await h.token('ccg', '99X');
    expect((await h.get(other, diffPath(Q1, at.kpis, at.money))).status).toBe(404);
    expect((await h.get(await h.token('csu', '0AX'), diffPath(Q1, at.kpis, at.money))).status).toBe(200);
  });
});

describe('what the passing of time alone changed', () => {
  // The store's clock set by the test: the contract recorded on 1 May 2025, nothing after it.
  let clock = Date.parse('2025-05-01T09:00:00Z');
  let t: InProcess;
  beforeAll(async () => {
    t = await startInProcess({ storeClock: () => new Date(clock) });
    const contract = workedExample.find((r) => r.path === '/contracts')!;
    for (const r of workedExample.slice(0, 3)) must(await t.post(await t.token(r.as.role, r.as.org, r.as.sub), r.path, r.body));
    must(await t.post(await t.token('admin', 'NHS'), contract.path, contract.body));
    clock = Date.parse('2025-05-01T10:00:00Z');
  }, 60_000);
  afterAll(() => t.close());

  it('is one entry of its own: deliverables that fell due undelivered between the two dates', async () => {
    // 1 May: K1 and K2 for April are not yet due (15 and 13 May), K3 unreported: nothing assessed, S = 1, W = 0.
    // 20 May: both due and missed, so S = 0 and W = R = 4,000,000p; N = 40,000,000p − 4,000,000p = 36,000,000p.
    const { body } = must(await t.get<Diff>(await t.token('auditor', 'NAO'), diffPath(Q1, '2025-05-01T12:00:00Z', '2025-05-20T12:00:00Z')));
    expect(body.changes).toEqual([
      {
        cause: 'elapsed',
        from: '2025-05-01',
        to: '2025-05-20',
        figures: [
          { figure: 'performanceScoreBp', before: 10_000, after: 0 },
          { figure: 'withheldPence', before: 0, after: 4_000_000 },
          { figure: 'netPayablePence', before: 40_000_000, after: 36_000_000 },
        ],
      },
    ]);
    expect(body.eventsExamined).toBe(0);
  });
});

describe('the bounds of one comparison', () => {
  // The job itself on the store the first suite wrote, with bounds small enough to reach: the worked example's money
  // items (10 events between the two instants, 7 recomputed over a dozen records each).
  const diff = async (limits: { events: number; work: number }) => {
    const instant = (text: string) => {
      const r = parseInstant('from', text, new Date(Date.parse(at.late) + 1_000));
      if (!r.ok) throw new Error(r.message);
      return r.value;
    };
    const job = { kind: 'settlement-diff' as const, contractId: CONTRACT_ID, quarter: Q1 as '2025-26-Q1', from: instant(at.kpis), to: instant(at.money) };
    return settlementDiff(h.store, job, (when) => foldPast(h.store, CONTRACT_ID, when), undefined, limits).then(
      () => undefined,
      (err: unknown) => err,
    );
  };

  it('answers within them, and asks for a narrower window past the events or the records a window may take', async () => {
    expect(await diff({ events: 10, work: 1_000 })).toBeUndefined();
    const tooMany = await diff({ events: 9, work: 1_000 });
    expect(tooMany).toBeInstanceOf(HttpError);
    expect(tooMany).toMatchObject({ code: 'validation-failed', message: 'more than 9 events of this contract were recorded between from and to' });
    const tooMuch = await diff({ events: 10, work: 50 });
    expect(tooMuch).toMatchObject({ code: 'validation-failed', message: expect.stringMatching(/too many for one comparison/) as unknown });
  });
});
