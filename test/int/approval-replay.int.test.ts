// Issue 5: approved figures reproduce exactly. A year of activity with an approval each quarter and late money
// items between them; for every SettlementApproved in the log: the settlement read now, read asAt instants after
// the approval, and recomputed by replaying the log up to the approval all equal the figures the event stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSettlement, figuresToRecord, foldLedger, type SettlementApproved, type StoredLedgerEvent } from '@csu-ledger/domain';
import { agreeContract, must, startInProcess, type InProcess } from '../support/in-process.ts';

const parties = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let contractId: string;

const quarters = ['2025-26-Q1', '2025-26-Q2', '2025-26-Q3', '2025-26-Q4'];
const monthsOf = (q: number) => [1, 2, 3].map((i) => `2025-26-M${String((q - 1) * 3 + i).padStart(2, '0')}`);
// Calendar date inside financial month m (1 = April 2025) on day d.
const dateIn = (m: number, d: number) => {
  const year = m <= 9 ? 2025 : 2026;
  const month = ((m + 2) % 12) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

beforeAll(async () => {
  h = await startInProcess();
  contractId = await agreeContract(h, parties);
  const csu = await h.token('csu', parties.csu);
  const ccg = await h.token('ccg', parties.ccg);
  for (let q = 1; q <= 4; q++) {
    for (const [i, month] of monthsOf(q).entries()) {
      const m = (q - 1) * 3 + i + 1;
      // K1 late every third month, K2 always on time, K3 varying measurements.
      must(await h.post(csu, `/contracts/${contractId}/deliveries`, { kpiId: 'K1', month, deliveredOn: dateIn(m + 1, i === 0 ? 25 : 3) }));
      must(await h.post(csu, `/contracts/${contractId}/deliveries`, { kpiId: 'K2', month, deliveredOn: dateIn(m + 1, 2) }));
      must(await h.post(csu, `/contracts/${contractId}/measurements`, { kpiId: 'K3', month, achievedBp: 8900 + 90 * m, businessDate: dateIn(m + 1, 1) }));
    }
    const { body: x } = must(await h.post<{ extraId: string }>(csu, `/contracts/${contractId}/extras`, {
      businessDate: dateIn((q - 1) * 3 + 1, 10), amountPence: 100_000 * q + 1, description: `Extra ${q}`, serviceLine: 'bi', requestedBy: 'CCG',
    }));
    must(await h.post(ccg, `/extras/${x.extraId}/accept`, { businessDate: dateIn((q - 1) * 3 + 2, 10) }));
    const { body: c } = must(await h.post<{ challengeId: string }>(csu, `/contracts/${contractId}/challenges`, {
      businessDate: dateIn((q - 1) * 3 + 1, 12), trust: 'RAX', activityMonth: monthsOf(q)[0], category: 'coding-hrg', activityLines: 10, valuePence: 40_000_001 * q,
    }));
    must(await h.post(csu, `/challenges/${c.challengeId}/resolve`, { businessDate: dateIn((q - 1) * 3 + 3, 5), recoveredPence: 30_000_003 * q }));
    if (q > 1) {
      // A late item dated in the previous (approved) quarter: rolls into this one.
      const { body: late } = must(await h.post<{ extraId: string }>(csu, `/contracts/${contractId}/extras`, {
        businessDate: dateIn((q - 2) * 3 + 1, 20), amountPence: 7_777, description: 'late', serviceLine: 'bi', requestedBy: 'CCG',
      }));
      must(await h.post(ccg, `/extras/${late.extraId}/accept`, { businessDate: dateIn((q - 2) * 3 + 3, 28) }));
    }
    const quarter = quarters[q - 1]!;
    const { body: seen } = must(await h.get<{ netPayablePence: number }>(ccg, `/contracts/${contractId}/settlements/${quarter}`));
    must(await h.post(ccg, `/contracts/${contractId}/settlements/${quarter}/approval`, { businessDate: dateIn(q * 3 + 1, 15), netPayablePence: seen.netPayablePence }));
  }
}, 60_000);
afterAll(() => h.close());

describe('approved figures reproduce exactly', () => {
  it('for every approval: now, asAt after it, and a replay up to it all equal the recorded figures', async () => {
    const group = (await h.store.readStreamGroup(`contract-${contractId}`)) as unknown as StoredLedgerEvent[];
    const approvals = group.filter((e) => e.type === 'SettlementApproved');
    expect(approvals).toHaveLength(4);
    const auditor = await h.token('auditor', 'NAO');
    for (const a of approvals) {
      const data: SettlementApproved = a.data;
      const { kpis: _k, ...figures } = data.figures;
      const replayed = computeSettlement(foldLedger(group.filter((e) => e.position < a.position)), data.quarter, data.assessedOn);
      expect(figuresToRecord(replayed)).toEqual(data.figures);
      const now = must(await h.get(auditor, `/contracts/${contractId}/settlements/${data.quarter}`)).body;
      expect(now).toMatchObject({ status: 'approved', ...figures });
      const at = must(await h.get(auditor, `/contracts/${contractId}/settlements/${data.quarter}?asAt=${encodeURIComponent(a.recordedAt)}`)).body;
      expect(at).toMatchObject({ status: 'approved', ...figures });
      const later = new Date(Date.parse(group[group.length - 1]!.recordedAt) + 1).toISOString();
      expect(must(await h.get(auditor, `/contracts/${contractId}/settlements/${data.quarter}?asAt=${later}`)).body).toMatchObject(figures);
    }
  });

  it('reports the late items of each approved quarter, where they landed and who recorded them', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const { body } = must(await h.get<{ items: { amountPence: number; landedIn: string; recordedBy: { role: string } }[] }>(auditor, `/contracts/${contractId}/settlements/2025-26-Q1/late-items`));
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ amountPence: 7_777, landedIn: '2025-26-Q2', recordedBy: { role: 'ccg', org: '08J' } });
    const q4 = must(await h.get<{ items: unknown[] }>(auditor, `/contracts/${contractId}/settlements/2025-26-Q4/late-items`)).body;
    expect(q4.items).toEqual([]);
  });

  it('shows an approved quarter open again as of a date before its approval', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const before = must(await h.get(auditor, `/contracts/${contractId}/settlements/2025-26-Q1?asOf=2025-07-01`)).body;
    expect(before).toMatchObject({ status: 'open' });
  });
});
