// A second contract, with figures unlike the worked example's, through its whole life over HTTP: variation, break
// notice, extras, challenges, and a year of settlements with the gain-share cap. Expected figures are worked by hand
// from DOMAIN.md in the comments; nothing here calls the domain package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '@csu-ledger/cli';
import { problem, problemOf, startSystem, type Body, type System, type User } from '../support/system.ts';

// Unregistered organisations on purpose (DOMAIN.md: views then show the code alone).
const CCG = 'QWE';
const CSU = '0DE';

// Annual fee 99,999,999p: instalment m = floor(A·m/12) − floor(A·(m−1)/12), A/12 = 8,333,333.25, so
//   M01..M12 = 8,333,333 · 8,333,333 · 8,333,333 · 8,333,334 · 8,333,333 · 8,333,333 ·
//              8,333,333 · 8,333,334 · 8,333,333 · 8,333,333 · 8,333,333 · 8,333,334   (sum 99,999,999)
// Q1 = 24,999,999; Q2 = Q3 = Q4 = 25,000,000. At risk 15%: R = 3,750,000 for Q2..Q4.
const TERMS = {
  ccg: CCG,
  csu: CSU,
  vehicle: 'LPF-call-off',
  firstMonth: '2025-26-M04',
  lastMonth: '2026-27-M03',
  annualFeePence: 99_999_999,
  feeAtRiskBp: 1500,
  gainShareBp: 2500,
  gainShareCapPence: 1_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 10,
  kpis: [
    // measured with a floor: s = (a − 0.88) / 0.07 between floor and target
    {
      id: 'M1',
      name: 'Press queries answered within 2 working days',
      serviceLine: 'communications',
      weightBp: 6000,
      targetBp: 9500,
      floorBp: 8800,
      kind: 'measured',
    },
    // deliverable due on working day 5 of the following month, every month must be met (target 100%)
    {
      id: 'D1',
      name: 'Monthly contract monitoring pack by WD5',
      serviceLine: 'acute-contracting',
      weightBp: 4000,
      targetBp: 10000,
      kind: 'deliverable',
      dueWorkingDay: 5,
    },
  ],
};

let sys: System;
let admin: User;
let csu: User;
let ccg: User;

beforeAll(async () => {
  sys = await startSystem('lifecycle');
  admin = sys.as('admin', 'NHS');
  csu = sys.as('csu', CSU);
  ccg = sys.as('ccg', CCG);
});
afterAll(async () => {
  await sys?.stop();
});

/** The answer, after checking its status (the body is in the message when it is not the one expected). */
const expectStatus = <T>(a: Answer<T>, status: number): Answer<T> => {
  expect(a.status, `${a.status} ${JSON.stringify(a.body)}`).toBe(status);
  return a;
};

const agree = async (contractId: string): Promise<void> => {
  expectStatus(await sys.post(admin, '/contracts', { contractId, businessDate: '2025-06-20', ...TERMS }), 201);
};
const deliver = (id: string, kpiId: string, month: string, deliveredOn: string) =>
  sys.post(csu, `/contracts/${id}/deliveries`, { kpiId, month, deliveredOn });
const measure = (id: string, month: string, achievedBp: number, businessDate: string) =>
  sys.post(csu, `/contracts/${id}/measurements`, { businessDate, kpiId: 'M1', month, achievedBp });
const raiseExtra = async (id: string, businessDate: string, amountPence: number): Promise<string> => {
  const a = await sys.post<{ extraId: string }>(csu, `/contracts/${id}/extras`, {
    businessDate,
    amountPence,
    description: `Ad hoc analysis (${amountPence}p)`,
    serviceLine: 'business-intelligence',
    requestedBy: 'Deputy Director of Finance',
  });
  return expectStatus(a, 201).body.extraId;
};
const raiseChallenge = async (
  id: string,
  businessDate: string,
  valuePence: number,
  extra: Body = {},
): Promise<string> => {
  const a = await sys.post<{ challengeId: string }>(csu, `/contracts/${id}/challenges`, {
    businessDate,
    trust: 'RAX',
    activityMonth: '2025-26-M03',
    category: 'coding-hrg',
    activityLines: 40,
    valuePence,
    ...extra,
  });
  return expectStatus(a, 201).body.challengeId;
};
const settlement = async (id: string, quarter: string): Promise<Body> =>
  expectStatus(await sys.get(ccg, `/contracts/${id}/settlements/${quarter}`), 200).body;

const noOpenItems = { disputedExtras: { count: 0, valuePence: 0 }, openChallenges: { count: 0, valuePence: 0 } };

describe('contract terms over time', () => {
  it('settles quarters from a variation onwards on the new terms, earlier ones on the agreed terms', async () => {
    const id = 'LIFE-VARY';
    await agree(id);
    // DOMAIN.md: a variation takes effect from the first month of a *later* quarter.
    const current = await sys.post(admin, `/contracts/${id}/variations`, {
      businessDate: '2025-10-15',
      effectiveQuarter: '2025-26-Q3',
      annualFeePence: 1,
    });
    expect(problemOf(current)).toEqual(problem(400, 'invalid-variation'));
    expect(
      (
        await sys.post(csu, `/contracts/${id}/variations`, {
          businessDate: '2025-10-15',
          effectiveQuarter: '2025-26-Q4',
          annualFeePence: 1,
        })
      ).status,
    ).toBe(403);
    expectStatus(
      await sys.post(admin, `/contracts/${id}/variations`, {
        businessDate: '2025-10-15',
        effectiveQuarter: '2025-26-Q4',
        annualFeePence: 120_000_000,
        feeAtRiskBp: 2000,
      }),
      200,
    );

    // Nothing delivered, nothing measured: D1 is missed every month (all due dates are long past) and M1 drops
    // out, so S = 0 and W = R. No recoveries or extras.
    // Q3, agreed terms: F = 25,000,000, R = 3,750,000, N = 21,250,000.
    expect(await settlement(id, '2025-26-Q3')).toMatchObject({
      feePence: 25_000_000,
      atRiskPence: 3_750_000,
      performanceScoreBp: 0,
      withheldPence: 3_750_000,
      netPayablePence: 21_250_000,
    });
    // Q4, varied: 120,000,000 / 12 = 10,000,000 a month, F = 30,000,000, R = 20% = 6,000,000, N = 24,000,000.
    expect(await settlement(id, '2025-26-Q4')).toMatchObject({
      feePence: 30_000_000,
      atRiskPence: 6_000_000,
      withheldPence: 6_000_000,
      netPayablePence: 24_000_000,
    });
    // The varied terms stay in force into the next financial year: 2026-27-Q1 = 3 × 10,000,000.
    expect(await settlement(id, '2026-27-Q1')).toMatchObject({ feePence: 30_000_000, atRiskPence: 6_000_000 });

    const detail = expectStatus(await sys.get(ccg, `/contracts/${id}`), 200).body;
    expect(detail).toMatchObject({
      ccg: { code: CCG },
      csu: { code: CSU },
      termEndMonth: '2026-27-M03',
      terms: { annualFeePence: 120_000_000, feeAtRiskBp: 2000, gainShareBp: 2500, gainShareCapPence: 1_000_000 },
      variations: [
        {
          effectiveFrom: '2025-26-M10',
          terms: expect.objectContaining({ annualFeePence: 120_000_000, feeAtRiskBp: 2000 }) as unknown,
        },
      ],
    });
    expect(detail.ccg).not.toHaveProperty('name');
  });

  it('ends the term early on a break notice by the CCG: no fee, deliveries or measurements after it; one notice only', async () => {
    const id = 'LIFE-BREAK';
    await agree(id);
    // Another commissioner cannot even see the contract (API.md: never reveal another organisation's contract).
    expect(
      (await sys.post(sys.as('ccg', '36L'), `/contracts/${id}/break-notices`, { businessDate: '2025-12-10' })).status,
    ).toBe(404);
    // Served 10 Dec 2025 with 3 months' notice: 10 Mar 2026 falls in 2025-26-M12, so the term ends 31 Mar 2026.
    expectStatus(await sys.post(ccg, `/contracts/${id}/break-notices`, { businessDate: '2025-12-10' }), 200);

    expect(await settlement(id, '2025-26-Q4')).toMatchObject({ feePence: 25_000_000 }); // still inside the term
    // 2026-27-Q1 would have been 24,999,999 (M01..M03); all three months now lie after the term's end.
    expect(await settlement(id, '2026-27-Q1')).toMatchObject({
      contractId: id,
      quarter: '2026-27-Q1',
      status: 'open',
      feePence: 0,
      atRiskPence: 0,
      performanceScoreBp: 10000, // no KPI can be assessed: S = 1
      withheldPence: 0,
      recoveredPence: 0,
      gainSharePence: 0,
      extrasPence: 0,
      netPayablePence: 0,
      ...noOpenItems,
    });
    expect(problemOf(await deliver(id, 'D1', '2026-27-M01', '2026-05-05'))).toEqual(problem(409, 'outside-term'));
    expect(problemOf(await measure(id, '2026-27-M02', 9000, '2026-06-01'))).toEqual(problem(409, 'outside-term'));
    expectStatus(await deliver(id, 'D1', '2025-26-M12', '2026-04-02'), 200); // the term's last month still counts

    const second = await sys.post(csu, `/contracts/${id}/break-notices`, { businessDate: '2026-01-05' });
    expect(problemOf(second)).toEqual(problem(409, 'break-notice-already-served'));

    expect(expectStatus(await sys.get(csu, `/contracts/${id}`), 200).body).toMatchObject({
      lastMonth: '2026-27-M03',
      termEndMonth: '2025-26-M12',
      status: 'ended',
      breakNotice: { servedOn: '2025-12-10', servedBy: 'ccg', termEndMonth: '2025-26-M12' },
    });
  });

  it('never ends the term later than agreed; the CSU may serve notice too', async () => {
    const id = 'LIFE-LATE-NOTICE';
    await agree(id);
    // 20 Apr 2026 + 3 months = July 2026, after the agreed last month (2026-27-M03): the term ends as agreed.
    expectStatus(await sys.post(csu, `/contracts/${id}/break-notices`, { businessDate: '2026-04-20' }), 200);
    expect(expectStatus(await sys.get(ccg, `/contracts/${id}`), 200).body).toMatchObject({
      termEndMonth: '2026-27-M03',
      breakNotice: { servedOn: '2026-04-20', servedBy: 'csu', termEndMonth: '2026-27-M03' },
    });
    expect(await settlement(id, '2026-27-Q1')).toMatchObject({ feePence: 24_999_999 });
  });

  // A deliverable may be due on a working day some months do not have (April 2026 has 20): it is then due on the
  // month's last working day, and every read still answers (calendar.ts dueDate).
  it('settles a contract whose deliverable is due on a working day some months do not have', async () => {
    const id = 'LIFE-WD21';
    const kpis = [{ ...TERMS.kpis[1]!, dueWorkingDay: 21, weightBp: 10000 }];
    const agreed = await sys.post(admin, '/contracts', { ...TERMS, contractId: id, businessDate: '2025-06-20', kpis });
    expect(agreed.status).toBe(201);
    // 2025-26-Q4: M12 (March 2026) would be due on working day 21 of April 2026, which has only 20.
    expect((await sys.get(ccg, `/contracts/${id}/settlements/2025-26-Q4`)).status).toBe(200);
    expect((await sys.get(ccg, `/contracts/${id}/performance/2025-26-Q2`)).status).toBe(200);
  });
});

describe('extras (DOMAIN.md: Extras)', () => {
  it('follows revise → accept, dispute → escalate → resolve and withdraw, and refuses every other transition', async () => {
    const id = 'LIFE-EXTRAS';
    await agree(id);
    const transitionRefused = (a: Answer) => expect(problemOf(a)).toEqual(problem(409, 'transition-not-allowed'));

    // A: 500,000 disputed as excessive, revised to 400,000 (back to the CCG), accepted.
    const a = await raiseExtra(id, '2025-07-10', 500_000);
    expectStatus(
      await sys.post(ccg, `/extras/${a}/dispute`, { businessDate: '2025-07-15', reason: 'amount-excessive' }),
      200,
    );
    expectStatus(await sys.post(csu, `/extras/${a}/revise`, { businessDate: '2025-07-20', amountPence: 400_000 }), 200);
    expectStatus(await sys.post(ccg, `/extras/${a}/accept`, { businessDate: '2025-08-01' }), 200);
    transitionRefused(await sys.post(csu, `/extras/${a}/revise`, { businessDate: '2025-08-02', amountPence: 300_000 }));
    transitionRefused(await sys.post(ccg, `/extras/${a}/dispute`, { businessDate: '2025-08-02', reason: 'other' }));

    // B: 300,000 disputed, escalated to formal dispute resolution, resolved at 150,000.
    const b = await raiseExtra(id, '2025-08-05', 300_000);
    expectStatus(
      await sys.post(ccg, `/extras/${b}/dispute`, { businessDate: '2025-08-10', reason: 'not-requested' }),
      200,
    );
    expectStatus(await sys.post(csu, `/extras/${b}/escalate`, { businessDate: '2025-08-20' }), 200);
    // After escalation only resolve or withdraw may follow.
    transitionRefused(await sys.post(csu, `/extras/${b}/revise`, { businessDate: '2025-08-25', amountPence: 200_000 }));
    transitionRefused(await sys.post(ccg, `/extras/${b}/accept`, { businessDate: '2025-08-25' }));
    expectStatus(
      await sys.post(ccg, `/extras/${b}/resolve`, { businessDate: '2025-09-15', agreedPence: 150_000 }),
      200,
    );
    transitionRefused(await sys.post(ccg, `/extras/${b}/escalate`, { businessDate: '2025-09-16' }));

    // C: withdrawn by the CSU; nothing may follow.
    const c = await raiseExtra(id, '2025-09-01', 77_777);
    expectStatus(await sys.post(csu, `/extras/${c}/withdraw`, { businessDate: '2025-09-02' }), 200);
    transitionRefused(await sys.post(ccg, `/extras/${c}/accept`, { businessDate: '2025-09-03' }));

    // D: awaiting the CCG; escalation is only for a dispute, so it stays awaiting (and counts as open).
    const d = await raiseExtra(id, '2025-09-20', 123_456);
    transitionRefused(await sys.post(csu, `/extras/${d}/escalate`, { businessDate: '2025-09-21' }));
    transitionRefused(
      await sys.post(ccg, `/extras/${d}/resolve`, { businessDate: '2025-09-21', agreedPence: 100_000 }),
    );
    // Roles: the CCG may not revise, the CSU may not accept its own charge.
    expect((await sys.post(csu, `/extras/${d}/accept`, { businessDate: '2025-09-21' })).status).toBe(403);

    const list = expectStatus(await sys.get<{ items: Body[] }>(csu, `/contracts/${id}/extras`), 200).body.items;
    const byId = new Map(list.map((x) => [x.extraId, x]));
    expect(list).toHaveLength(4);
    expect(byId.get(a)).toMatchObject({
      status: 'accepted',
      originalPence: 500_000,
      amountPence: 400_000,
      payablePence: 400_000,
      settledInQuarter: '2025-26-Q2',
    });
    expect(byId.get(b)).toMatchObject({
      status: 'resolved',
      amountPence: 300_000,
      payablePence: 150_000,
      disputeReason: 'not-requested',
      settledInQuarter: '2025-26-Q2',
    });
    expect(byId.get(c)).toMatchObject({ status: 'withdrawn', payablePence: null, settledInQuarter: null });
    expect(byId.get(d)).toMatchObject({ status: 'awaiting-ccg', amountPence: 123_456, payablePence: null });

    // Only accepted or resolved amounts are payable: X = 400,000 + 150,000; D is open (raised by 30 Sep 2025).
    expect(await settlement(id, '2025-26-Q2')).toMatchObject({
      extrasPence: 550_000,
      disputedExtras: { count: 1, valuePence: 123_456 },
    });
    const history = expectStatus(await sys.get<{ items: { type: string }[] }>(ccg, `/contracts/${id}/history`), 200)
      .body.items;
    // 1 agreement + A 4 + B 4 + C 2 + D 1: refusals record nothing.
    expect(history).toHaveLength(12);
  });
});

describe('acute activity challenges (DOMAIN.md: Acute activity challenges)', () => {
  it('follows raise → respond twice → escalate → resolve, never recovering more than challenged', async () => {
    const id = 'LIFE-CHALLENGES';
    await agree(id);
    const ch = await raiseChallenge(id, '2025-07-07', 3_500_000, { phase: 'post' });
    expectStatus(
      await sys.post(csu, `/challenges/${ch}/responses`, {
        businessDate: '2025-07-14',
        acceptedPence: 2_000_000,
        rejectedPence: 1_500_000,
      }),
      200,
    );
    expectStatus(
      await sys.post(csu, `/challenges/${ch}/responses`, {
        businessDate: '2025-07-28',
        acceptedPence: 3_000_002,
        rejectedPence: 497_998,
      }),
      200,
    );
    expectStatus(
      await sys.post(csu, `/challenges/${ch}/escalate`, { businessDate: '2025-08-04', detail: 'coding dispute' }),
      200,
    );
    // Escalated: only resolve or withdraw follow.
    expect(
      problemOf(
        await sys.post(csu, `/challenges/${ch}/responses`, {
          businessDate: '2025-08-05',
          acceptedPence: 1,
          rejectedPence: 0,
        }),
      ),
    ).toEqual(problem(409, 'transition-not-allowed'));
    expect(
      problemOf(
        await sys.post(csu, `/challenges/${ch}/resolve`, { businessDate: '2025-09-10', recoveredPence: 3_500_001 }),
      ),
    ).toEqual(problem(409, 'amount-exceeds-challenge'));
    expectStatus(
      await sys.post(csu, `/challenges/${ch}/resolve`, { businessDate: '2025-09-10', recoveredPence: 3_000_002 }),
      200,
    );
    expect(
      problemOf(await sys.post(csu, `/challenges/${ch}/resolve`, { businessDate: '2025-09-11', recoveredPence: 1 })),
    ).toEqual(problem(409, 'transition-not-allowed'));
    // The CCG does not record the trust's replies (API.md: csu only).
    expect((await sys.post(ccg, `/challenges/${ch}/withdraw`, { businessDate: '2025-09-12' })).status).toBe(403);

    const list = expectStatus(await sys.get<{ items: Body[] }>(ccg, `/contracts/${id}/challenges`), 200).body
      .items;
    expect(list).toEqual([
      expect.objectContaining({
        challengeId: ch,
        status: 'resolved',
        phase: 'post',
        valuePence: 3_500_000,
        responses: [
          { respondedOn: '2025-07-14', acceptedPence: 2_000_000, rejectedPence: 1_500_000 },
          { respondedOn: '2025-07-28', acceptedPence: 3_000_002, rejectedPence: 497_998 },
        ],
        acceptedPence: 3_000_002, // the latest response
        rejectedPence: 497_998,
        recoveredPence: 3_000_002,
        settledInQuarter: '2025-26-Q2',
        overdue: false,
      }),
    ]);
    // G = roundHalfUp(3,000,002 · 25%) = roundHalfUp(750,000.5) = 750,001 (half up, under the 1,000,000 cap).
    expect(await settlement(id, '2025-26-Q2')).toMatchObject({
      recoveredPence: 3_000_002,
      gainSharePence: 750_001,
      ...noOpenItems,
    });
  });

  it('marks a challenge the trust never answered as overdue once the response deadline has passed', async () => {
    const id = 'LIFE-OVERDUE';
    await agree(id);
    const old = await raiseChallenge(id, '2025-07-01', 654_321);
    const withdrawn = await raiseChallenge(id, '2025-07-02', 111_111);
    expectStatus(await sys.post(csu, `/challenges/${withdrawn}/withdraw`, { businessDate: '2025-07-03' }), 200);
    expect(
      problemOf(
        await sys.post(csu, `/challenges/${withdrawn}/responses`, {
          businessDate: '2025-07-04',
          acceptedPence: 0,
          rejectedPence: 1,
        }),
      ),
    ).toEqual(problem(409, 'transition-not-allowed'));
    // Raised yesterday (UTC, so never after today in England): its deadline is 10 working days away.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const recent = await raiseChallenge(id, yesterday, 222_222);

    const list = expectStatus(await sys.get<{ items: Body[] }>(csu, `/contracts/${id}/challenges`), 200).body
      .items;
    const byId = new Map(list.map((c) => [c.challengeId, c]));
    // 10 working days after Tue 1 Jul 2025: 2,3,4,7,8,9,10,11,14,15 July.
    expect(byId.get(old)).toMatchObject({
      status: 'raised',
      responses: [],
      responseDeadline: '2025-07-15',
      overdue: true,
    });
    expect(byId.get(withdrawn)).toMatchObject({ status: 'withdrawn', overdue: false });
    expect(byId.get(recent)).toMatchObject({ status: 'raised', overdue: false });
    // Open challenges raised by the quarter's last day: the old one only (the withdrawn one is closed).
    expect(await settlement(id, '2025-26-Q2')).toMatchObject({ openChallenges: { count: 1, valuePence: 654_321 } });
  });
});

describe('a year of settlements (DOMAIN.md: Settlement)', () => {
  const id = 'LIFE-YEAR';

  beforeAll(async () => {
    await agree(id);
    const ok = async (a: Promise<Answer>) => void expectStatus(await a, 200);

    // ---- 2025-26-Q2 (July–September 2025) ----
    // D1 due WD5 of the next month: M04 → Thu 7 Aug, M05 → Fri 5 Sep, M06 → Tue 7 Oct 2025.
    await ok(deliver(id, 'D1', '2025-26-M04', '2025-08-07')); // on the due date: met
    await ok(deliver(id, 'D1', '2025-26-M05', '2025-09-05'));
    await ok(deliver(id, 'D1', '2025-26-M06', '2025-10-02'));
    await ok(
      sys.post(ccg, `/contracts/${id}/rejections`, {
        businessDate: '2025-10-03',
        kpiId: 'D1',
        month: '2025-26-M06',
        reason: 'figures do not reconcile',
      }),
    );
    await ok(deliver(id, 'D1', '2025-26-M06', '2025-10-07')); // re-delivered on the due date: met
    await ok(measure(id, '2025-26-M04', 9000, '2025-08-01'));
    await ok(measure(id, '2025-26-M05', 9400, '2025-09-01'));
    await ok(measure(id, '2025-26-M05', 8800, '2025-09-03')); // replaces 9400
    await ok(measure(id, '2025-26-M06', 9200, '2025-10-01'));
    const ch1 = await raiseChallenge(id, '2025-07-07', 3_500_000);
    await ok(sys.post(csu, `/challenges/${ch1}/resolve`, { businessDate: '2025-09-10', recoveredPence: 3_000_002 }));
    await raiseChallenge(id, '2025-07-01', 654_321); // never answered: open in every quarter from Q2
    const xa = await raiseExtra(id, '2025-07-10', 400_000);
    await ok(sys.post(ccg, `/extras/${xa}/accept`, { businessDate: '2025-08-01' }));
    const xb = await raiseExtra(id, '2025-08-05', 300_000);
    await ok(sys.post(ccg, `/extras/${xb}/dispute`, { businessDate: '2025-08-10', reason: 'not-requested' }));
    await ok(sys.post(ccg, `/extras/${xb}/resolve`, { businessDate: '2025-09-15', agreedPence: 150_000 }));
    await raiseExtra(id, '2025-09-20', 123_456); // still awaiting the CCG: open in every quarter from Q2

    // ---- 2025-26-Q3 (October–December 2025) ----
    // D1: M07 due Fri 7 Nov (delivered 6 Nov: met); M08 due Fri 5 Dec (never delivered: missed); M09 due Thu 8 Jan
    // 2026 (1 Jan is a bank holiday; delivered 9 Jan: missed).
    await ok(deliver(id, 'D1', '2025-26-M07', '2025-11-06'));
    await ok(deliver(id, 'D1', '2025-26-M09', '2026-01-09'));
    await ok(measure(id, '2025-26-M07', 9500, '2025-11-01'));
    const ch2 = await raiseChallenge(id, '2025-10-01', 2_000_000);
    await ok(sys.post(csu, `/challenges/${ch2}/resolve`, { businessDate: '2025-11-14', recoveredPence: 2_000_000 }));
    await ok(
      sys.post(admin, `/contracts/${id}/variations`, {
        businessDate: '2025-10-15',
        effectiveQuarter: '2025-26-Q4',
        annualFeePence: 120_000_000,
        feeAtRiskBp: 2000,
      }),
    );

    // ---- 2025-26-Q4 (January–March 2026), varied terms ----
    // D1: M10 due Fri 6 Feb, M11 due Fri 6 Mar (neither delivered: missed); M12 due Thu 9 Apr 2026 (Good Friday
    // 3 Apr and Easter Monday 6 Apr are bank holidays), delivered that day: met.
    await ok(deliver(id, 'D1', '2025-26-M12', '2026-04-09'));
    await ok(measure(id, '2025-26-M10', 8800, '2026-02-01'));
    await ok(measure(id, '2025-26-M12', 9150, '2026-04-01'));
    const ch5 = await raiseChallenge(id, '2026-01-05', 400_000);
    await ok(sys.post(csu, `/challenges/${ch5}/resolve`, { businessDate: '2026-02-10', recoveredPence: 400_000 }));
    // Served 20 Jan 2026 with 3 months' notice: 20 Apr 2026 falls in 2026-27-M01, the term's new last month.
    await ok(sys.post(ccg, `/contracts/${id}/break-notices`, { businessDate: '2026-01-20' }));

    // ---- 2026-27-Q1 (April–June 2026), only April in the term ----
    // D1 M01 due Fri 8 May 2026 (4 May is a bank holiday), delivered that day: met.
    await ok(deliver(id, 'D1', '2026-27-M01', '2026-05-08'));
    const ch6 = await raiseChallenge(id, '2026-04-15', 900_000);
    await ok(sys.post(csu, `/challenges/${ch6}/resolve`, { businessDate: '2026-06-10', recoveredPence: 800_000 }));
  });

  const open = { disputedExtras: { count: 1, valuePence: 123_456 }, openChallenges: { count: 1, valuePence: 654_321 } };

  it('Q2: exact S for the money, half-up rounding once, gain share rounded half up', async () => {
    // M1: reports 9000, 8800 (replacing 9400), 9200 → mean 9000 → s = (0.90 − 0.88) / (0.95 − 0.88) = 2/7.
    // D1: 3/3 met → s = 1. S = (6000 · 2/7 + 4000 · 1) / 10000 = 4/7 (5714.29 bp, shown as 5714).
    // F = 25,000,000; R = 3,750,000; W = roundHalfUp(3,750,000 · 3/7 = 1,607,142.857) = 1,607,143
    //   (with S rounded to 5714 bp first it would be 1,607,250: the money must use S exactly).
    // V = 3,000,002; G = roundHalfUp(750,000.5) = 750,001. X = 400,000 + 150,000 = 550,000.
    // N = 25,000,000 − 1,607,143 + 750,001 + 550,000 = 24,692,858.
    expect(await settlement(id, '2025-26-Q2')).toMatchObject({
      contractId: id,
      quarter: '2025-26-Q2',
      status: 'open',
      feePence: 25_000_000,
      atRiskPence: 3_750_000,
      performanceScoreBp: 5714,
      withheldPence: 1_607_143,
      recoveredPence: 3_000_002,
      gainSharePence: 750_001,
      extrasPence: 550_000,
      netPayablePence: 24_692_858,
      ...open,
    });
    const perf = expectStatus(
      await sys.get<{ kpis: Body[]; performanceScoreBp: number }>(csu, `/contracts/${id}/performance/2025-26-Q2`),
      200,
    ).body;
    expect(perf.performanceScoreBp).toBe(5714);
    expect(perf.kpis).toMatchObject([
      expect.objectContaining({
        kpiId: 'M1',
        floorBp: 8800,
        months: [
          expect.objectContaining({ month: '2025-26-M04', status: 'reported', achievedBp: 9000 }),
          expect.objectContaining({ month: '2025-26-M05', status: 'reported', achievedBp: 8800 }),
          expect.objectContaining({ month: '2025-26-M06', status: 'reported', achievedBp: 9200 }),
        ],
        achievementBp: 9000,
        scoreBp: 2857, // 2/7
      }),
      expect.objectContaining({
        kpiId: 'D1',
        months: [
          expect.objectContaining({ month: '2025-26-M04', status: 'met' }),
          expect.objectContaining({ month: '2025-26-M05', status: 'met' }),
          expect.objectContaining({ month: '2025-26-M06', status: 'met' }),
        ],
        achievementBp: 10000,
        scoreBp: 10000,
      }),
    ]);
  });

  it('Q3: gain share capped at what is left of the annual cap', async () => {
    // M1: 9500 → s = 1; D1: 1 met, 2 missed → 1/3 < 100% → s = 0. S = 0.6; W = 3,750,000 · 0.4 = 1,500,000.
    // V = 2,000,000 → 25% = 500,000, but the cap has 1,000,000 − 750,001 = 249,999 left: G = 249,999.
    // N = 25,000,000 − 1,500,000 + 249,999 = 23,749,999.
    expect(await settlement(id, '2025-26-Q3')).toMatchObject({
      contractId: id,
      quarter: '2025-26-Q3',
      status: 'open',
      feePence: 25_000_000,
      atRiskPence: 3_750_000,
      performanceScoreBp: 6000,
      withheldPence: 1_500_000,
      recoveredPence: 2_000_000,
      gainSharePence: 249_999,
      extrasPence: 0,
      netPayablePence: 23_749_999,
      ...open,
    });
  });

  it('Q4: settled on the varied terms, with the annual cap used up', async () => {
    // F = 3 × 10,000,000; R = 20% = 6,000,000. M1: 8800 and 9150 → mean 8975 → s = 0.0175 / 0.07 = 1/4.
    // D1: 1 met of 3 → s = 0. S = 0.6 · 1/4 = 0.15; W = 6,000,000 · 0.85 = 5,100,000.
    // V = 400,000 → 100,000, but 750,001 + 249,999 = 1,000,000 already: G = 0. N = 24,900,000.
    expect(await settlement(id, '2025-26-Q4')).toMatchObject({
      contractId: id,
      quarter: '2025-26-Q4',
      status: 'open',
      feePence: 30_000_000,
      atRiskPence: 6_000_000,
      performanceScoreBp: 1500,
      withheldPence: 5_100_000,
      recoveredPence: 400_000,
      gainSharePence: 0,
      extrasPence: 0,
      netPayablePence: 24_900_000,
      ...open,
    });
  });

  it('2026-27-Q1: a new financial year resets the cap; the break notice leaves only April in the term', async () => {
    // F = April only = 10,000,000 (May and June fall after the term's end); R = 2,000,000.
    // D1 met, M1 nothing reported (drops out) → S = 1, W = 0. V = 800,000 → G = 200,000 (new year's cap).
    // N = 10,000,000 + 200,000 = 10,200,000.
    expect(await settlement(id, '2026-27-Q1')).toMatchObject({
      contractId: id,
      quarter: '2026-27-Q1',
      status: 'open',
      feePence: 10_000_000,
      atRiskPence: 2_000_000,
      performanceScoreBp: 10000,
      withheldPence: 0,
      recoveredPence: 800_000,
      gainSharePence: 200_000,
      extrasPence: 0,
      netPayablePence: 10_200_000,
      ...open,
    });
    expect(await settlement(id, '2026-27-Q2')).toMatchObject({
      feePence: 0,
      withheldPence: 0,
      gainSharePence: 0,
      netPayablePence: 0,
    });
    expect(problemOf(await deliver(id, 'D1', '2026-27-M02', '2026-06-05'))).toEqual(problem(409, 'outside-term'));
    expect(problemOf(await measure(id, '2026-27-M03', 9900, '2026-07-01'))).toEqual(problem(409, 'outside-term'));
    expect(expectStatus(await sys.get(ccg, `/contracts/${id}`), 200).body).toMatchObject({
      termEndMonth: '2026-27-M01',
      status: 'ended',
      breakNotice: { servedOn: '2026-01-20', servedBy: 'ccg', termEndMonth: '2026-27-M01' },
      terms: { annualFeePence: 120_000_000, feeAtRiskBp: 2000 },
    });
  });

  it('keeps the contract from other organisations (404), and actions from the wrong role (403)', async () => {
    expect((await sys.get(sys.as('csu', '0AX'), `/contracts/${id}/settlements/2025-26-Q2`)).status).toBe(404);
    expect((await sys.get(sys.as('ccg', '08J'), `/contracts/${id}`)).status).toBe(404);
    expect(
      (
        await sys.post(ccg, `/contracts/${id}/deliveries`, {
          kpiId: 'D1',
          month: '2025-26-M08',
          deliveredOn: '2025-12-01',
        })
      ).status,
    ).toBe(403);
    expect((await sys.get(sys.as('auditor', 'NAO'), `/contracts/${id}/settlements/2025-26-Q2`)).status).toBe(200);
    // The auditor sees everything and may do nothing.
    const auditorBreak = await sys.post(sys.as('auditor', 'NAO'), `/contracts/${id}/break-notices`, {
      businessDate: '2026-01-21',
    });
    expect(problemOf(auditorBreak)).toEqual(problem(403, 'forbidden'));
  });
});
