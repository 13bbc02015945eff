// Issue 11: a month's KPI returns recorded as one command (POST /contracts/{id}/returns) over real HTTP. Every row is
// decided by the rules of a single delivery or measurement, against the contract as the rows before it leave it; all
// are recorded together, or, if any row is refused, none is and each refused row is named; the same request with the
// same Idempotency-Key records nothing more; only the contract's CSU may send it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreeContract, must, startInProcess, type InProcess } from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let contract: string;
let csu: string;

beforeAll(async () => {
  h = await startInProcess();
  contract = await agreeContract(h, PARTIES);
  csu = await h.token('csu', '0AX');
});
afterAll(async () => h?.close());

// August 2025 (M05): K1 due WD10 of September = 12 September, K2 due WD8 = 10 September.
const august = [
  { kind: 'delivery', kpiId: 'K1', month: '2025-26-M05', deliveredOn: '2025-09-12', reference: 'SLAM-2025-08' },
  { kind: 'delivery', kpiId: 'K2', month: '2025-26-M05', deliveredOn: '2025-09-10' },
  { kind: 'measurement', kpiId: 'K3', month: '2025-26-M05', achievedBp: 9600, businessDate: '2025-09-03' },
];

describe('POST /contracts/{id}/returns', () => {
  it('refuses the whole file when any row breaks a rule, naming every refused row, and stores nothing', async () => {
    const head = await h.head();
    const rows = [
      august[0],
      { kind: 'delivery', kpiId: 'K2', month: '2025-26-M05', deliveredOn: '2025-07-30' }, // before August began
      { kind: 'measurement', kpiId: 'K1', month: '2025-26-M05', achievedBp: 9600, businessDate: '2025-09-03' }, // K1 is a deliverable
    ];
    const r = await h.post(csu, `/contracts/${contract}/returns`, { rows });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation-failed');
    expect(r.body.detail).toBe('2 of 3 rows refused; nothing was recorded');
    expect((r.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['rows[1].deliveredOn', expect.stringMatching(/^rows\[2\]/)]);
    expect(await h.head()).toBe(head);
  });

  it('records every row together, once per Idempotency-Key', async () => {
    const key = { 'idempotency-key': 'returns-august-file-digest' };
    const first = must(await h.post(csu, `/contracts/${contract}/returns`, { rows: august }, { headers: key }));
    const head = await h.head();
    const again = must(await h.post(csu, `/contracts/${contract}/returns`, { rows: august }, { headers: key }));
    expect(again.body.position).toBe(first.body.position);
    expect(await h.head()).toBe(head);
    const perf = must(await h.get<{ kpis: { kpiId: string; months: { month: string; status: string; achievedBp?: number }[] }[] }>(csu, `/contracts/${contract}/performance/2025-26-Q2`)).body;
    const month = (k: string) => perf.kpis.find((x) => x.kpiId === k)!.months.find((m) => m.month === '2025-26-M05')!;
    expect(month('K1').status).toBe('met');
    expect(month('K2').status).toBe('met');
    expect(month('K3').achievedBp).toBe(9600);
  });

  it('decides each row against the rows before it: a delivery and its correction in one file', async () => {
    const rows = [
      { kind: 'delivery', kpiId: 'K1', month: '2025-26-M06', deliveredOn: '2025-10-20' },
      { kind: 'delivery', kpiId: 'K1', month: '2025-26-M06', deliveredOn: '2025-10-14' },
    ];
    must(await h.post(csu, `/contracts/${contract}/returns`, { rows }));
    const history = must(await h.get<{ items: { type: string; data: { month?: string } }[] }>(csu, `/contracts/${contract}/history?type=DeliverableDelivered&limit=1000`)).body.items;
    expect(history.filter((e) => e.data.month === '2025-26-M06')).toHaveLength(2);
  });

  it('is the CSU’s alone, and takes no empty or unknown rows', async () => {
    const head = await h.head();
    expect((await h.post(await h.token('ccg', '08J'), `/contracts/${contract}/returns`, { rows: august })).status).toBe(403);
    expect((await h.post(csu, `/contracts/${contract}/returns`, { rows: [] })).status).toBe(400);
    expect((await h.post(csu, `/contracts/${contract}/returns`, { rows: [{ kind: 'rejection', kpiId: 'K1', month: '2025-26-M05' }] })).status).toBe(400);
    expect(await h.head()).toBe(head);
  });
});
