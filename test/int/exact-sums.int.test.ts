// Issue 9, item 1: no figure a user can record may make a view or an approval fail (DOMAIN.md: Limits, "every sum
// is exact whatever the number of items"). Before the Limits existed, two challenges of 9,007,199,254,740,991p
// resolved at that value made the settlement, the settlement list and the approvals answer 500 forever. The Limits
// now refuse such amounts at input, but a log may already hold them: the events are appended here as an older
// version of the service recorded them, and every view must still answer, to the penny.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreeContract, must, startInProcess, type InProcess } from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const HUGE = Number.MAX_SAFE_INTEGER; // 9,007,199,254,740,991p
const actor = { sub: 'csu-0ax', name: 'csu at 0AX', org: '0AX', role: 'csu' };

let h: InProcess;
let contractId: string;

/** An extra's or challenge's events, appended as an earlier version of the command service would have. */
const recordChild = async (kind: 'extra' | 'challenge', events: { type: string; data: Record<string, unknown> }[]): Promise<void> => {
  const id = `${contractId}.${kind}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const key = kind === 'extra' ? 'extraId' : 'challengeId';
  await h.store.appendToStream(
    `contract-${id}`,
    events.map((e) => ({
      eventId: randomUUID(),
      type: e.type,
      data: { [key]: id, contractId, ...e.data },
      metadata: { actor, correlationId: randomUUID() },
    })),
    { expectedRevision: 'no-stream' },
  );
};

/** The raw JSON text of a settlement field: exact digits, whatever JSON.parse would make of them. */
const rawField = (text: string, field: string): string | undefined => new RegExp(`"${field}":(-?\\d+)`).exec(text)?.[1];

beforeAll(async () => {
  h = await startInProcess();
  contractId = await agreeContract(h, PARTIES);
  const challenge = { trust: 'RAX', activityMonth: '2025-26-M01', category: 'coding-hrg', activityLines: 1, valuePence: HUGE };
  for (const day of ['2025-05-06', '2025-05-07']) {
    await recordChild('challenge', [
      { type: 'ChallengeRaised', data: { businessDate: day, ...challenge } },
      { type: 'ChallengeResolved', data: { businessDate: '2025-06-20', recoveredPence: HUGE } },
    ]);
  }
  const extra = { amountPence: HUGE, description: 'd', serviceLine: 'finance', requestedBy: 'r' };
  // Two still disputed in Q1 (their value is shown, for reading only) and two accepted in Q2 (X of Q2).
  for (const day of ['2025-05-08', '2025-05-09']) {
    await recordChild('extra', [
      { type: 'ExtraRaised', data: { businessDate: day, ...extra } },
      { type: 'ExtraDisputed', data: { businessDate: '2025-05-20', reason: 'amount-excessive' } },
    ]);
  }
  for (const day of ['2025-07-08', '2025-07-09']) {
    await recordChild('extra', [
      { type: 'ExtraRaised', data: { businessDate: day, ...extra } },
      { type: 'ExtraAccepted', data: { businessDate: '2025-07-20', amountPence: HUGE } },
    ]);
  }
});
afterAll(() => h.close());

describe('sums beyond 2^53 (issue 9, item 1)', () => {
  const twice = (BigInt(HUGE) * 2n).toString(); // 18,014,398,509,481,982

  it('settles Q1 exactly: V is the exact sum, G is capped, disputed value exact', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const q1 = await h.get(auditor, `/contracts/${contractId}/settlements/2025-26-Q1`, { minPosition: (await h.head()).toString() });
    expect(q1.status, q1.text).toBe(200);
    expect(rawField(q1.text, 'recoveredPence')).toBe(twice);
    expect(rawField(q1.text, 'gainSharePence')).toBe('15000000'); // the annual cap
    expect(rawField(q1.text, 'valuePence')).toBe(twice); // disputedExtras, the first valuePence in the body
    // Nothing delivered, nothing measured: S = 0, W = R = 4,000,000; N = 40,000,000 − 4,000,000 + 15,000,000.
    expect(rawField(q1.text, 'netPayablePence')).toBe('51000000');
  });

  it('answers the list of every quarter', async () => {
    const r = await h.get(await h.token('ccg', '08J'), `/contracts/${contractId}/settlements`);
    expect(r.status, r.text).toBe(200);
  });

  it('shows Q2 with its extras summed exactly, beyond what an approval may carry', async () => {
    const r = await h.get(await h.token('ccg', '08J'), `/contracts/${contractId}/settlements/2025-26-Q2`);
    expect(r.status, r.text).toBe(200);
    expect(rawField(r.text, 'extrasPence')).toBe(twice);
    // N = 40,000,000 − 4,000,000 + 0 (cap used up in Q1) + 2·HUGE
    expect(rawField(r.text, 'netPayablePence')).toBe((36_000_000n + BigInt(HUGE) * 2n).toString());
  });

  it('approves Q1, and the approved view keeps the exact sums it froze', async () => {
    const ccg = await h.token('ccg', '08J');
    const approval = await h.post(ccg, `/contracts/${contractId}/settlements/2025-26-Q1/approval`, {
      businessDate: '2025-07-21',
      netPayablePence: 51_000_000,
    });
    expect(approval.status, approval.text).toBe(200);
    const q1 = must(await h.get(ccg, `/contracts/${contractId}/settlements/2025-26-Q1`));
    expect(q1.body).toMatchObject({ status: 'approved' });
    expect(rawField(q1.text, 'recoveredPence')).toBe(twice);
    expect(rawField(q1.text, 'valuePence')).toBe(twice);
    expect(rawField(q1.text, 'netPayablePence')).toBe('51000000');
  });

  it('lists the extras and challenges with their amounts', async () => {
    const ccg = await h.token('ccg', '08J');
    for (const path of ['extras', 'challenges']) {
      const r = await h.get(ccg, `/contracts/${contractId}/${path}`);
      expect(r.status, r.text).toBe(200);
    }
  });
});
