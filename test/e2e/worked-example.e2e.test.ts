// DOMAIN.md's worked example, end to end: sent as the users it names would send it, read back from the query
// service, then approved by the CCG. Every expected figure is DOMAIN.md's or worked by hand in a comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_ID, DEMO_ACTORS, workedExample, type DemoRequest } from '@csu-ledger/cli';
import { problem, problemOf, startSystem, type System, type User } from '../support/system.ts';

const Q1 = '2025-26-Q1';
const Q2 = '2025-26-Q2';
const C = `/contracts/${CONTRACT_ID}`;

interface Sent {
  request: DemoRequest;
  path: string;
  correlationId: string;
  status: number;
  body: Record<string, string>;
}

interface HistoryEvent {
  position: string;
  eventId: string;
  type: string;
  streamName: string;
  businessDate: string | null;
  recordedAt: string;
  actor: { sub: string; name: string; org: string; role: string } | null;
  correlationId: string | null;
  causationId: string | null;
  data: Record<string, unknown>;
}
interface History {
  items: HistoryEvent[];
  next: string | null;
}

// Positions answered by commands are decimal strings (API.md: `"position": "<global log position>"`).
const POSITION = /^[1-9]\d*$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let sys: System;
const sent: Sent[] = [];
let startedAt: string;
let loadedAt: string;
/** When the first item settled after the approval was recorded. */
let lateRecordedFrom: string;
const user = (as: DemoRequest['as']): User => sys.as(as.role, as.org, as.sub, as.name);
let auditor: User;
let ccg: User;
let csu: User;

beforeAll(async () => {
  sys = await startSystem('worked-example');
  auditor = sys.as('auditor', 'NAO');
  ccg = user(DEMO_ACTORS.ccg);
  csu = user(DEMO_ACTORS.csu);
  startedAt = new Date().toISOString();
  // Like loadDemo, but keeps every answer (and a correlation id of ours per request) so the test can check them.
  const saved = new Map<string, string>();
  for (const [i, request] of workedExample.entries()) {
    const path = request.path.replace(/\{(\w+)\}/g, (_, k: string) => saved.get(k) ?? k);
    const correlationId = `worked-example-${i}`;
    const a = await sys.post<Record<string, string>>(user(request.as), path, request.body, {
      headers: { 'X-Correlation-Id': correlationId },
    });
    sent.push({ request, path, correlationId, status: a.status, body: a.body });
    if (request.saveAs) saved.set(request.saveAs, a.body.extraId ?? a.body.challengeId ?? '');
  }
  loadedAt = new Date().toISOString();
});

afterAll(async () => {
  await sys?.stop();
});

/** The id a request of the example created, by the name the example saves it under. */
const idOf = (saveAs: string): string => {
  const s = sent.find((x) => x.request.saveAs === saveAs);
  return s?.body.extraId ?? s?.body.challengeId ?? `(no ${saveAs})`;
};

const creates = (path: string): boolean =>
  path === '/organisations' || path === '/contracts' || /\/(extras|challenges)$/.test(path);

describe('the worked example (DOMAIN.md), loaded through the API', () => {
  it('accepts every request: 201 with the new id when it creates something, else 200, each with a position', () => {
    expect(sent).toHaveLength(workedExample.length);
    for (const s of sent) {
      expect({ path: s.path, status: s.status }).toEqual({ path: s.path, status: creates(s.request.path) ? 201 : 200 });
      expect(s.body.position).toMatch(POSITION);
      if (s.request.path === '/contracts') expect(s.body.contractId).toBe(CONTRACT_ID);
      if (s.request.saveAs?.startsWith('extra')) expect(s.body.extraId).toMatch(new RegExp(`^${CONTRACT_ID}\\.extra-`));
      if (s.request.saveAs?.startsWith('challenge'))
        expect(s.body.challengeId).toMatch(new RegExp(`^${CONTRACT_ID}\\.challenge-`));
    }
    // One event per command here, so positions strictly increase in the order sent.
    const positions = sent.map((s) => BigInt(s.body.position!));
    expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(positions).size).toBe(positions.length);
  });

  it('settles Q1 at N = 41,700,000p with every figure of the worked example', async () => {
    const a = await sys.get(ccg, `${C}/settlements/${Q1}`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      contractId: CONTRACT_ID,
      quarter: Q1,
      status: 'open',
      feePence: 40_000_000, // 160,000,000 / 4
      atRiskPence: 4_000_000, // 10% of F
      performanceScoreBp: 6000, // S = (0·4000 + 1·3000 + 1·3000) / 10000
      withheldPence: 1_600_000, // R · (1 − 0.6)
      recoveredPence: 12_000_000, // 8,000,000 + 4,000,000
      gainSharePence: 2_400_000, // 20% of V, under the 15,000,000 cap
      extrasPence: 900_000, // the resolved figure, not the 1,850,000 claimed
      netPayablePence: 41_700_000, // 40,000,000 − 1,600,000 + 2,400,000 + 900,000
      disputedExtras: { count: 1, valuePence: 420_000 },
      openChallenges: { count: 0, valuePence: 0 },
    });
  });

  it('shows Q1 performance per KPI: K1 2/3 below target, K2 all met, K3 mean 9600', async () => {
    const a = await sys.get<{ kpis: unknown[]; performanceScoreBp: number; status: string }>(
      auditor,
      `${C}/performance/${Q1}`,
    );
    expect(a.status).toBe(200);
    expect(a.body.performanceScoreBp).toBe(6000);
    expect(a.body.status).toBe('open');
    expect(a.body.kpis).toMatchObject([
      // K1 M01 due WD10 of May 2025 = 15 May (5 May is a bank holiday); delivered 20 May: missed.
      expect.objectContaining({
        kpiId: 'K1',
        kind: 'deliverable',
        weightBp: 4000,
        targetBp: 9500,
        months: [
          expect.objectContaining({ month: '2025-26-M01', status: 'missed' }),
          expect.objectContaining({ month: '2025-26-M02', status: 'met' }),
          expect.objectContaining({ month: '2025-26-M03', status: 'met' }),
        ],
        achievementBp: 6667, // 2/3 rounded half up to a basis point
        scoreBp: 0, // below target with floor = target
      }),
      expect.objectContaining({
        kpiId: 'K2',
        kind: 'deliverable',
        months: [
          expect.objectContaining({ month: '2025-26-M01', status: 'met' }),
          expect.objectContaining({ month: '2025-26-M02', status: 'met' }),
          expect.objectContaining({ month: '2025-26-M03', status: 'met' }),
        ],
        achievementBp: 10000,
        scoreBp: 10000,
      }),
      expect.objectContaining({
        kpiId: 'K3',
        kind: 'measured',
        months: [
          expect.objectContaining({ month: '2025-26-M01', status: 'reported', achievedBp: 9600 }),
          expect.objectContaining({ month: '2025-26-M02', status: 'reported', achievedBp: 9500 }),
          expect.objectContaining({ month: '2025-26-M03', status: 'reported', achievedBp: 9700 }),
        ],
        achievementBp: 9600,
        scoreBp: 10000,
      }),
    ]);
  });

  it('lists the extras with their states and amounts', async () => {
    const a = await sys.get<{ items: unknown[] }>(csu, `${C}/extras`);
    expect(a.status).toBe(200);
    const [extra1, extra2] = [idOf('extra1'), idOf('extra2')];
    expect(a.body.items).toHaveLength(2);
    expect(a.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          extraId: extra1,
          status: 'resolved',
          raisedOn: '2025-04-15',
          originalPence: 1_850_000,
          payablePence: 900_000,
          disputeReason: 'covered-by-core-offer',
          settledInQuarter: Q1,
        }),
        expect.objectContaining({
          extraId: extra2,
          status: 'disputed',
          raisedOn: '2025-05-19',
          amountPence: 420_000,
          payablePence: null,
          disputeReason: 'not-requested',
          settledInQuarter: null,
        }),
      ]),
    );
  });

  it('lists the challenges with values, responses, response deadlines and overdue', async () => {
    const a = await sys.get<{ items: unknown[] }>(ccg, `${C}/challenges`);
    expect(a.status).toBe(200);
    const [ch1, ch2] = [idOf('challenge1'), idOf('challenge2')];
    expect(a.body.items).toHaveLength(2);
    expect(a.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          challengeId: ch1,
          status: 'resolved',
          trust: 'RAX',
          category: 'emergency-readmission-30d',
          activityLines: 120,
          phase: 'first',
          raisedOn: '2025-05-06',
          valuePence: 9_000_000,
          acceptedPence: 8_000_000,
          rejectedPence: 1_000_000,
          recoveredPence: 8_000_000,
          settledInQuarter: Q1,
          // 20 working days after 6 May 2025, skipping the 26 May bank holiday.
          responseDeadline: '2025-06-04',
          overdue: false,
        }),
        expect.objectContaining({
          challengeId: ch2,
          status: 'resolved',
          category: 'duplicate-activity',
          valuePence: 4_000_000,
          recoveredPence: 4_000_000,
          responses: [],
          settledInQuarter: Q1,
          responseDeadline: '2025-06-10', // 20 working days after 12 May 2025
          overdue: false, // resolved, so never overdue
        }),
      ]),
    );
  });

  it("records every event in the contract's history with business date, recorded time, actor, correlation and causation", async () => {
    const a = await sys.get<History>(auditor, `${C}/history`);
    expect(a.status).toBe(200);
    // The organisations' events belong to the register, not to the contract.
    const contractRequests = sent.filter((s) => !s.path.startsWith('/organisations'));
    const events = a.body.items;
    expect(events.map((e) => e.type)).toEqual([
      'ContractAgreed',
      ...Array<string>(6).fill('DeliverableDelivered'),
      ...Array<string>(3).fill('MeasurementReported'),
      'ChallengeRaised',
      'TrustResponded',
      'ChallengeResolved',
      'ChallengeRaised',
      'ChallengeResolved',
      'ExtraRaised',
      'ExtraDisputed',
      'ExtraResolved',
      'ExtraRaised',
      'ExtraDisputed',
    ]);
    expect(events).toHaveLength(contractRequests.length);
    events.forEach((e, i) => {
      const s = contractRequests[i]!;
      const { role, org, sub, name } = s.request.as;
      expect(e.position).toBe(s.body.position);
      expect(e.businessDate).toBe(s.request.body.businessDate ?? s.request.body.deliveredOn);
      expect(e.recordedAt).toMatch(ISO_UTC);
      expect(e.recordedAt >= startedAt && e.recordedAt <= loadedAt).toBe(true);
      expect(e.actor).toEqual({ sub, name, org, role });
      expect(e.correlationId).toBe(s.correlationId);
      expect(e.causationId).toEqual(expect.any(String));
      expect(e.causationId).not.toBe(e.correlationId);
    });
    // Recorded times never go backwards in log order; each command has a causation id of its own.
    expect(events.map((e) => e.recordedAt)).toEqual(events.map((e) => e.recordedAt).sort());
    expect(new Set(events.map((e) => e.causationId)).size).toBe(events.length);
  });

  it('shows the contract: parties by name, terms in force, term end and status', async () => {
    const a = await sys.get(csu, C);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      contractId: CONTRACT_ID,
      ccg: { code: '08J', name: 'NHS Kingston CCG' },
      csu: { code: '0AX', name: 'South London Commissioning Support Unit' },
      vehicle: 'SLA',
      firstMonth: '2025-26-M01',
      lastMonth: '2025-26-M12',
      termEndMonth: '2025-26-M12',
      // The term ended in March 2026; these tests run later than that.
      status: 'ended',
      breakNotice: null,
      terms: {
        annualFeePence: 160_000_000,
        feeAtRiskBp: 1000,
        gainShareBp: 2000,
        gainShareCapPence: 15_000_000,
        breakNoticeMonths: 3,
        trustResponseWorkingDays: 20,
        kpis: [
          expect.objectContaining({ id: 'K1', kind: 'deliverable', weightBp: 4000, targetBp: 9500, dueWorkingDay: 10 }),
          expect.objectContaining({ id: 'K2', kind: 'deliverable', weightBp: 3000, targetBp: 9000, dueWorkingDay: 8 }),
          expect.objectContaining({ id: 'K3', kind: 'measured', weightBp: 3000, targetBp: 9500 }),
        ],
      },
    });
  });

  it("reports Kingston CCG's support spend for 2025-26 per head and as a share of its running-cost allowance", async () => {
    const a = await sys.get(ccg, '/organisations/08J/support-spend?year=2025-26');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      code: '08J',
      year: '2025-26',
      population: 180_000,
      runningCostAllowancePencePerHead: 2500,
      contracts: [{ contractId: CONTRACT_ID, csu: '0AX', feePence: 160_000_000 }],
      corePence: 160_000_000,
      perHeadPence: 889, // 160,000,000 / 180,000 = 888.89
      shareOfRunningCostAllowanceBp: 3556, // 160,000,000 / (180,000 · 2,500) = 35.56%
    });
    // Another commissioner may not see it.
    const other = await sys.get(sys.as('ccg', '36L'), '/organisations/08J/support-spend?year=2025-26');
    expect(other.status).toBe(404);
  });
});

describe('approving Q1 (DOMAIN.md: SettlementApproved)', () => {
  it('refuses a stale figure with 409 stale-settlement and stores nothing', async () => {
    const before = await sys.get<History>(auditor, `${C}/history`);
    const head = await sys.headPosition();
    const a = await sys.post(ccg, `${C}/settlements/${Q1}/approval`, {
      businessDate: '2025-07-15',
      netPayablePence: 41_699_999,
    });
    expect(problemOf(a)).toEqual(problem(409, 'stale-settlement'));
    // RFC 9457 members besides `code`.
    const text = expect.any(String) as unknown;
    expect(a.body).toMatchObject({ status: 409, type: text, title: text, detail: text });
    expect(await sys.headPosition()).toBe(head);
    const after = await sys.get<History>(auditor, `${C}/history`);
    expect(after.body.items).toHaveLength(before.body.items.length);
    const settlement = await sys.get(ccg, `${C}/settlements/${Q1}`);
    expect(settlement.body).toMatchObject({ status: 'open', netPayablePence: 41_700_000 });
  });

  it('refuses Q2 while Q1 is open (409 earlier-quarter-open)', async () => {
    const a = await sys.post(ccg, `${C}/settlements/${Q2}/approval`, {
      businessDate: '2025-10-15',
      netPayablePence: 36_000_000,
    });
    expect(problemOf(a)).toEqual(problem(409, 'earlier-quarter-open'));
  });

  it('approves 41,700,000p; the settlement is then approved with the same figures', async () => {
    const a = await sys.post(ccg, `${C}/settlements/${Q1}/approval`, {
      businessDate: '2025-07-15',
      netPayablePence: 41_700_000,
    });
    expect(a.status).toBe(200);
    expect(a.body.position).toMatch(POSITION);
    const s = await sys.get(auditor, `${C}/settlements/${Q1}`);
    expect(s.body).toMatchObject({
      status: 'approved',
      feePence: 40_000_000,
      withheldPence: 1_600_000,
      gainSharePence: 2_400_000,
      extrasPence: 900_000,
      netPayablePence: 41_700_000,
      disputedExtras: { count: 1, valuePence: 420_000 },
    });
    const h = await sys.get<History>(auditor, `${C}/history`);
    const approval = h.body.items.at(-1)!;
    // Issue 10: an approved settlement shows who approved it, and when (business date and recorded instant).
    expect(s.body).toMatchObject({
      approval: {
        businessDate: '2025-07-15',
        recordedAt: approval.recordedAt,
        approvedBy: { sub: DEMO_ACTORS.ccg.sub, name: DEMO_ACTORS.ccg.name, org: '08J', role: 'ccg' },
        eventId: approval.eventId,
      },
    });
    expect(approval).toMatchObject({
      type: 'SettlementApproved',
      businessDate: '2025-07-15',
      actor: { sub: DEMO_ACTORS.ccg.sub, org: '08J', role: 'ccg' },
      data: expect.objectContaining({ quarter: Q1, netPayablePence: 41_700_000 }) as unknown,
    });
    const detail = await sys.get<{ approvedQuarters: unknown[] }>(ccg, C);
    expect(detail.body.approvedQuarters).toEqual([
      expect.objectContaining({ quarter: Q1, netPayablePence: 41_700_000 }),
    ]);
  });

  it('closes Q1: deliveries, rejections and measurements for its months are refused with 409 quarter-closed', async () => {
    const head = await sys.headPosition();
    const delivery = await sys.post(csu, `${C}/deliveries`, {
      kpiId: 'K1',
      month: '2025-26-M01',
      deliveredOn: '2025-07-20',
    });
    expect(problemOf(delivery)).toEqual(problem(409, 'quarter-closed'));
    const measurement = await sys.post(csu, `${C}/measurements`, {
      businessDate: '2025-07-20',
      kpiId: 'K3',
      month: '2025-26-M02',
      achievedBp: 10000,
    });
    expect(problemOf(measurement)).toEqual(problem(409, 'quarter-closed'));
    const rejection = await sys.post(ccg, `${C}/rejections`, {
      businessDate: '2025-07-20',
      kpiId: 'K2',
      month: '2025-26-M03',
      reason: 'late fix',
    });
    expect(problemOf(rejection)).toEqual(problem(409, 'quarter-closed'));
    const again = await sys.post(ccg, `${C}/settlements/${Q1}/approval`, {
      businessDate: '2025-07-16',
      netPayablePence: 41_700_000,
    });
    expect(problemOf(again)).toEqual(problem(409, 'quarter-closed'));
    expect(await sys.headPosition()).toBe(head);
    const s = await sys.get(auditor, `${C}/settlements/${Q1}`);
    expect(s.body).toMatchObject({ status: 'approved', performanceScoreBp: 6000, netPayablePence: 41_700_000 });
  });

  it('counts an extra accepted and a challenge resolved after approval with Q1 business dates in Q2, leaving Q1 as approved', async () => {
    const raised = await sys.post<{ extraId: string }>(csu, `${C}/extras`, {
      businessDate: '2025-06-02',
      amountPence: 250_000,
      description: 'Extra validation of a disputed readmissions batch',
      serviceLine: 'acute-contracting',
      requestedBy: 'Head of Contracting, Kingston CCG',
    });
    expect(raised.status).toBe(201);
    const accepted = await sys.post(ccg, `/extras/${raised.body.extraId}/accept`, { businessDate: '2025-06-20' });
    expect(accepted.status).toBe(200);
    const challenge = await sys.post<{ challengeId: string }>(csu, `${C}/challenges`, {
      businessDate: '2025-06-05',
      trust: 'RAX',
      activityMonth: '2025-26-M02',
      category: 'non-contracted',
      activityLines: 12,
      valuePence: 1_000_000,
    });
    expect(challenge.status).toBe(201);
    const resolved = await sys.post(csu, `/challenges/${challenge.body.challengeId}/resolve`, {
      businessDate: '2025-06-28',
      recoveredPence: 1_000_000,
    });
    expect(resolved.status).toBe(200);
    lateRecordedFrom = (await sys.get<History>(auditor, `${C}/history`)).body.items.find(
      (e) => e.type === 'ExtraRaised' && e.data.extraId === raised.body.extraId,
    )!.recordedAt;

    const q1 = await sys.get(ccg, `${C}/settlements/${Q1}`);
    expect(q1.body).toMatchObject({ status: 'approved', extrasPence: 900_000, netPayablePence: 41_700_000 });
    // Q2: F = 13,333,333 + 13,333,333 + 13,333,334 = 40,000,000; R = 4,000,000. K1 and K2 have nothing delivered
    // and are past due (missed, s = 0); K3 has no reports and drops out, so S = 0 and W = R. No recoveries.
    // X = 250,000 (the late acceptance); V = 1,000,000 (the late resolution), G = 20% = 200,000, far under what is
    // left of the cap (15,000,000 − 2,400,000). N = 40,000,000 − 4,000,000 + 200,000 + 250,000 = 36,450,000.
    // The 420,000p extra is still disputed.
    const q2 = await sys.get(ccg, `${C}/settlements/${Q2}`);
    expect(q2.body).toMatchObject({
      contractId: CONTRACT_ID,
      quarter: Q2,
      status: 'open',
      feePence: 40_000_000,
      atRiskPence: 4_000_000,
      performanceScoreBp: 0,
      withheldPence: 4_000_000,
      recoveredPence: 1_000_000,
      gainSharePence: 200_000,
      extrasPence: 250_000,
      netPayablePence: 36_450_000,
      disputedExtras: { count: 1, valuePence: 420_000 },
      openChallenges: { count: 0, valuePence: 0 },
    });
    const extras = await sys.get<{ items: { extraId: string; settledInQuarter: string | null }[] }>(
      ccg,
      `${C}/extras`,
    );
    expect(extras.body.items.find((x) => x.extraId === raised.body.extraId)).toMatchObject({
      status: 'accepted',
      payablePence: 250_000,
      settledInQuarter: Q2,
    });
  });
});

describe('time travel (DOMAIN.md: Settlement; API.md: asOf, asAt)', () => {
  it('asOf a date before the approval: the approval is not seen, so the late items count in Q1', async () => {
    // The approval is dated 2025-07-15; the late acceptance (2025-06-20) and resolution (2025-06-28) are on or
    // before 2025-07-14 and, applied in recorded order without the approval, land in their own quarter, Q1:
    // X = 900,000 + 250,000; V = 12,000,000 + 1,000,000 → G = 2,600,000; S still 0.6 (nothing due after 14 July).
    // N = 40,000,000 − 1,600,000 + 2,600,000 + 1,150,000 = 42,150,000.
    const a = await sys.get(auditor, `${C}/settlements/${Q1}?asOf=2025-07-14`);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      status: 'open',
      performanceScoreBp: 6000,
      recoveredPence: 13_000_000,
      gainSharePence: 2_600_000,
      extrasPence: 1_150_000,
      netPayablePence: 42_150_000,
    });
    const onTheDay = await sys.get(auditor, `${C}/settlements/${Q1}?asOf=2025-07-15`);
    expect(onTheDay.body).toMatchObject({ status: 'approved', netPayablePence: 41_700_000 });
  });

  it('asOf a date inside Q1: only what had happened by then', async () => {
    // By 31 May 2025: K1 M01 was due 15 May and delivered 20 May (missed); M02 and M03 not yet due (pending, left
    // out); K2 M01 met; K3 M01 9600 reported (M02 on 2 June not yet). S = (0·4000 + 1·3000 + 1·3000)/10000 = 0.6.
    // No challenge or extra resolved yet; the first extra (disputed) and the second (disputed 27 May) are open,
    // as are both challenges (9,000,000 + 4,000,000).
    const a = await sys.get(auditor, `${C}/settlements/${Q1}?asOf=2025-05-31`);
    expect(a.body).toMatchObject({
      status: 'open',
      performanceScoreBp: 6000,
      recoveredPence: 0,
      gainSharePence: 0,
      extrasPence: 0,
      netPayablePence: 38_400_000,
      disputedExtras: { count: 2, valuePence: 2_270_000 },
      openChallenges: { count: 2, valuePence: 13_000_000 },
    });
    const perf = await sys.get<{ kpis: { kpiId: string; months: unknown[] }[] }>(
      auditor,
      `${C}/performance/${Q1}?asOf=2025-05-31`,
    );
    expect(perf.body.kpis[0]!.months).toMatchObject([
      expect.objectContaining({ month: '2025-26-M01', status: 'missed' }),
      expect.objectContaining({ month: '2025-26-M02', status: 'pending' }),
      expect.objectContaining({ month: '2025-26-M03', status: 'pending' }),
    ]);
    const history = await sys.get<History>(auditor, `${C}/history?asOf=2025-05-31`);
    expect(history.body.items.every((e) => e.businessDate! <= '2025-05-31')).toBe(true);
    // Agreement, K1 M01, K2 M01, K3 M01, two challenges raised, the trust's response (30 May), two extras raised,
    // two disputes.
    expect(history.body.items).toHaveLength(11);
  });

  it('asAt an instant: only what the system had recorded by then; replaying up to the approval gives its figures', async () => {
    const history = (await sys.get<History>(auditor, `${C}/history`)).body.items;
    const approval = history.find((e) => e.type === 'SettlementApproved')!;
    const justBefore = new Date(Date.parse(approval.recordedAt) - 1).toISOString();
    const before = await sys.get(auditor, `${C}/settlements/${Q1}?asAt=${justBefore}`);
    expect(before.body).toMatchObject({ status: 'open', netPayablePence: 41_700_000, extrasPence: 900_000 });
    const at = await sys.get(auditor, `${C}/settlements/${Q1}?asAt=${approval.recordedAt}`);
    expect(at.body).toMatchObject({
      status: 'approved',
      netPayablePence: 41_700_000,
      withheldPence: 1_600_000,
      gainSharePence: 2_400_000,
    });
    // Before the late items were recorded Q2 had neither of them.
    const q2Before = await sys.get(
      auditor,
      `${C}/settlements/${Q2}?asAt=${new Date(Date.parse(lateRecordedFrom) - 1).toISOString()}`,
    );
    expect(q2Before.body).toMatchObject({ extrasPence: 0, recoveredPence: 0, netPayablePence: 36_000_000 });
    const asAtHistory = await sys.get<History>(auditor, `${C}/history?asAt=${approval.recordedAt}`);
    expect(asAtHistory.body.items.at(-1)!.type).toBe('SettlementApproved');
    expect(asAtHistory.body.items).toHaveLength(history.findIndex((e) => e === approval) + 1);
  });
});

describe('after two approvals (DOMAIN.md: Settlement, late items)', () => {
  it('approves Q2 at 36,450,000p; an item dated in Q1 accepted afterwards skips both approved quarters to Q3', async () => {
    const approved = await sys.post(ccg, `${C}/settlements/${Q2}/approval`, {
      businessDate: '2025-10-15',
      netPayablePence: 36_450_000,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const raised = await sys.post<{ extraId: string }>(csu, `${C}/extras`, {
      businessDate: '2025-06-25',
      amountPence: 333_333,
      description: 'Late validation of June activity',
      serviceLine: 'acute-contracting',
      requestedBy: 'Head of Contracting, Kingston CCG',
    });
    expect(raised.status).toBe(201);
    expect((await sys.post(ccg, `/extras/${raised.body.extraId}/accept`, { businessDate: '2025-06-26' })).status).toBe(
      200,
    );
    expect((await sys.get(ccg, `${C}/settlements/${Q1}`)).body).toMatchObject({
      status: 'approved',
      netPayablePence: 41_700_000,
    });
    expect((await sys.get(ccg, `${C}/settlements/${Q2}`)).body).toMatchObject({
      status: 'approved',
      netPayablePence: 36_450_000,
    });
    // Q3: F = 13,333,333 + 13,333,333 + 13,333,334 = 40,000,000; nothing delivered (K1, K2 missed), K3 unreported:
    // S = 0, W = R = 4,000,000. X = 333,333. N = 40,000,000 − 4,000,000 + 333,333 = 36,333,333.
    expect((await sys.get(ccg, `${C}/settlements/2025-26-Q3`)).body).toMatchObject({
      status: 'open',
      feePence: 40_000_000,
      withheldPence: 4_000_000,
      extrasPence: 333_333,
      netPayablePence: 36_333_333,
    });
    const extras = await sys.get<{ items: { extraId: string }[] }>(ccg, `${C}/extras`);
    expect(extras.body.items.find((x) => x.extraId === raised.body.extraId)).toMatchObject({
      settledInQuarter: '2025-26-Q3',
    });
  });
});
