// The HTTP conventions that make retries and concurrent users safe (API.md: Conventions): read-your-writes with
// X-Min-Position, Idempotency-Key, and If-Match against the stream revision in the ETag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '@csu-ledger/cli';
// Every answer is held to the services' OpenAPI documents (issue 10).
import { checkedCall as call } from '../support/openapi.ts';
import { problem, problemOf, startSystem, type System, type User } from '../support/system.ts';
import { smallContract } from '../support/contracts.ts';

const CCG = '08J';
const CSU = '0AX';

let sys: System;
let admin: User;
let csu: User;
let ccg: User;

beforeAll(async () => {
  sys = await startSystem('read-your-writes');
  admin = sys.as('admin', 'NHS');
  csu = sys.as('csu', CSU);
  ccg = sys.as('ccg', CCG);
});
afterAll(async () => {
  await sys?.stop();
});

const agree = async (contractId: string): Promise<Answer<{ position: string }>> => {
  const a = await sys.post<{ position: string }>(
    admin,
    '/contracts',
    smallContract(contractId, { ccg: CCG, csu: CSU }, { gainShareBp: 2000 }),
  );
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  return a;
};

const extraBody = (amountPence: number) => ({
  businessDate: '2025-05-01',
  amountPence,
  description: 'Ad hoc extract',
  serviceLine: 'business-intelligence',
  requestedBy: 'Head of Contracting',
});

interface HistoryEvent {
  position: string;
  type: string;
  data: Record<string, unknown>;
}
const history = async (contractId: string, minPosition?: string): Promise<HistoryEvent[]> => {
  const a = await sys.get<{ items: HistoryEvent[]; next: string | null }>(
    ccg,
    `/contracts/${contractId}/history?limit=1000`,
    minPosition ? { minPosition } : {},
  );
  expect(a.status).toBe(200);
  expect(a.body.next).toBeNull();
  return a.body.items;
};

describe('read-your-writes (X-Min-Position)', () => {
  it('answers 503 with Retry-After, within a few seconds, when the read models cannot reach the position', async () => {
    await agree('RYW-FUTURE');
    const started = Date.now();
    const a = await sys.get(ccg, '/contracts/RYW-FUTURE', { minPosition: '999999999999' });
    const elapsed = Date.now() - started;
    expect(problemOf(a)).toEqual(problem(503, 'not-ready'));
    expect(a.headers.get('retry-after')).toMatch(/^\d+$/);
    // The wait is bounded (5 s), not until the position comes, which it never will: a bound far above it, so that a
    // busy machine cannot fail this, and far below an unbounded wait (the test's own time-out).
    expect(elapsed).toBeLessThan(40_000);
  });

  it('refuses a position that is not a position (400)', async () => {
    const a = await sys.get(ccg, '/contracts', { minPosition: 'latest' });
    expect(problemOf(a)).toEqual(problem(400, 'validation-failed'));
  });

  it('includes the write whose position the caller passes, every time, straight after the command', async () => {
    const id = 'RYW-FRESH';
    await agree(id);
    for (let i = 1; i <= 25; i++) {
      const raised = await sys.post<{ extraId: string; position: string }>(
        csu,
        `/contracts/${id}/extras`,
        extraBody(1000 + i),
      );
      expect(raised.status).toBe(201);
      // Read at once with the position just answered: the new extra must be there.
      const read = await sys.get<{ items: { extraId: string }[] }>(csu, `/contracts/${id}/extras`, {
        minPosition: raised.body.position,
      });
      expect(read.status).toBe(200);
      expect(read.body.items.map((x) => x.extraId)).toContain(raised.body.extraId);
      expect(read.body.items).toHaveLength(i);
    }
  });

  it('waits for a position not yet written when the write arrives within the wait', async () => {
    const id = 'RYW-WAIT';
    const { body } = await agree(id);
    // Ask for the next position before anything has written it; then write it while the read waits.
    const next = (BigInt(body.position) + 1n).toString();
    // The read goes first and the write straight after (no pause that a busy machine could stretch past the read's
    // 5 s wait): the read reaches the query service long before the write has been projected.
    const pending = sys.get<{ items: unknown[] }>(csu, `/contracts/${id}/extras`, { minPosition: next });
    const raised = await sys.post<{ extraId: string; position: string }>(
      csu,
      `/contracts/${id}/extras`,
      extraBody(4242),
    );
    expect(raised.body.position).toBe(next);
    const read = await pending;
    expect(read.status).toBe(200);
    expect(read.body.items).toEqual([expect.objectContaining({ extraId: raised.body.extraId, amountPence: 4242 })]);
    // GET /health reports the projected position (API.md), which now includes the write.
    const health = (await (await fetch(`${sys.queryUrl()}/health`)).json()) as { status: string; position?: string };
    expect(health, JSON.stringify(health)).toMatchObject({
      status: 'ok',
      position: expect.stringMatching(/^\d+$/) as unknown,
    });
    expect(BigInt(health.position!)).toBeGreaterThanOrEqual(BigInt(next));
  });
});

describe('Idempotency-Key', () => {
  it('answers a retry with the same key and body exactly as the first time, and records one event', async () => {
    const id = 'IDEM-RETRY';
    await agree(id);
    const headers = { 'Idempotency-Key': 'raise-extra-0001' };
    const first = await sys.post<{ extraId: string; position: string }>(
      csu,
      `/contracts/${id}/extras`,
      extraBody(5000),
      { headers },
    );
    expect(first.status).toBe(201);
    const head = await sys.headPosition();
    // Key order in the body does not make it another request.
    const { amountPence, ...rest } = extraBody(5000);
    const retry = await sys.post<{ extraId: string; position: string }>(
      csu,
      `/contracts/${id}/extras`,
      { ...rest, amountPence },
      { headers },
    );
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await sys.headPosition()).toBe(head);
    const raised = (await history(id)).filter((e) => e.type === 'ExtraRaised');
    expect(raised).toEqual([
      expect.objectContaining({
        position: first.body.position,
        data: expect.objectContaining({ extraId: first.body.extraId }) as unknown,
      }),
    ]);
  });

  it('records one event when the same request is sent several times at once', async () => {
    const id = 'IDEM-PARALLEL';
    await agree(id);
    const headers = { 'Idempotency-Key': 'parallel-raise' };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        sys.post<{ extraId: string }>(csu, `/contracts/${id}/extras`, extraBody(6000), { headers }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array<number>(6).fill(201));
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body);
    expect((await history(id)).filter((e) => e.type === 'ExtraRaised')).toHaveLength(1);
  });

  it('replays a command on a busy stream even after other events were appended to it', async () => {
    const id = 'IDEM-BUSY';
    await agree(id);
    const headers = { 'Idempotency-Key': 'deliver-m01' };
    const body = { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' };
    const first = await sys.post(csu, `/contracts/${id}/deliveries`, body, { headers });
    expect(first.status).toBe(200);
    expect(
      (
        await sys.post(csu, `/contracts/${id}/deliveries`, {
          kpiId: 'K1',
          month: '2025-26-M02',
          deliveredOn: '2025-06-12',
        })
      ).status,
    ).toBe(200);
    const retry = await sys.post(csu, `/contracts/${id}/deliveries`, body, { headers });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect((await history(id)).filter((e) => e.type === 'DeliverableDelivered')).toHaveLength(2);
  });

  it('refuses the same key with another body (409 idempotency-key-reused), on the same path or another, storing nothing', async () => {
    const id = 'IDEM-REUSED';
    await agree(id);
    const headers = { 'Idempotency-Key': 'reused-key' };
    const first = await sys.post(csu, `/contracts/${id}/extras`, extraBody(7000), { headers });
    expect(first.status).toBe(201);
    const head = await sys.headPosition();
    const otherBody = await sys.post(csu, `/contracts/${id}/extras`, extraBody(7001), { headers });
    expect(problemOf(otherBody)).toEqual(problem(409, 'idempotency-key-reused'));
    const otherPath = await sys.post(
      csu,
      `/contracts/${id}/deliveries`,
      { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' },
      { headers },
    );
    expect(problemOf(otherPath)).toEqual(problem(409, 'idempotency-key-reused'));
    expect(await sys.headPosition()).toBe(head);
    expect(await history(id)).toHaveLength(2);
  });

  it("keeps one user's key apart from another user's", async () => {
    const id = 'IDEM-USERS';
    await agree(id);
    const colleague = sys.as('csu', CSU, 'csu-0ax-2', 'Another account manager');
    const headers = { 'Idempotency-Key': 'shared-key' };
    const mine = await sys.post<{ extraId: string; position: string }>(
      csu,
      `/contracts/${id}/extras`,
      extraBody(8000),
      { headers },
    );
    const theirs = await sys.post<{ extraId: string; position: string }>(
      colleague,
      `/contracts/${id}/extras`,
      extraBody(8000),
      { headers },
    );
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.extraId).not.toBe(mine.body.extraId);
    expect(BigInt(theirs.body.position)).toBeGreaterThan(BigInt(mine.body.position));
    // And a different body under the same key is that user's own first request, not a reuse of mine.
    const theirsToo = await sys.post(
      colleague,
      `/contracts/${id}/deliveries`,
      { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' },
      { headers: { 'Idempotency-Key': 'mine-only' } },
    );
    expect(theirsToo.status).toBe(200);
    const events = await history(id);
    expect(events.filter((e) => e.type === 'ExtraRaised')).toHaveLength(2);
  });
});

describe('If-Match', () => {
  it('refuses a stale revision with 412 and accepts the revision from the previous ETag (contract stream)', async () => {
    const id = 'IFMATCH-CONTRACT';
    const agreed = await agree(id);
    expect(agreed.headers.get('etag')).toBe('"0"');
    const d1 = await sys.post(
      csu,
      `/contracts/${id}/deliveries`,
      { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' },
      { headers: { 'If-Match': agreed.headers.get('etag')! } },
    );
    expect(d1.status).toBe(200);
    expect(d1.headers.get('etag')).toBe('"1"');
    const head = await sys.headPosition();
    const stale = await sys.post(
      csu,
      `/contracts/${id}/deliveries`,
      { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-12' },
      { headers: { 'If-Match': '"0"' } },
    );
    expect(problemOf(stale)).toEqual(problem(412, 'precondition-failed'));
    expect(await sys.headPosition()).toBe(head);
    const fresh = await sys.post(
      csu,
      `/contracts/${id}/deliveries`,
      { kpiId: 'K1', month: '2025-26-M02', deliveredOn: '2025-06-12' },
      { headers: { 'If-Match': d1.headers.get('etag')! } },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('"2"');
  });

  it('guards an extra against a CCG decision on a version it has not seen (extra stream)', async () => {
    const id = 'IFMATCH-EXTRA';
    await agree(id);
    const raised = await sys.post<{ extraId: string }>(csu, `/contracts/${id}/extras`, extraBody(9000));
    const x = raised.body.extraId;
    const seen = raised.headers.get('etag')!;
    // Each decision names the version it was made on: a second one still naming the first version is refused.
    const disputed = await sys.post(
      ccg,
      `/extras/${x}/dispute`,
      { businessDate: '2025-05-02', reason: 'other' },
      { headers: { 'If-Match': seen } },
    );
    expect(disputed.status).toBe(200);
    const stale = await sys.post(
      ccg,
      `/extras/${x}/resolve`,
      { businessDate: '2025-05-03', agreedPence: 1 },
      { headers: { 'If-Match': seen } },
    );
    expect(problemOf(stale)).toEqual(problem(412, 'precondition-failed'));
    const fresh = await sys.post(
      ccg,
      `/extras/${x}/resolve`,
      { businessDate: '2025-05-03', agreedPence: 1 },
      { headers: { 'If-Match': disputed.headers.get('etag')! } },
    );
    expect(fresh.status).toBe(200);
    const extras = await sys.get<{ items: unknown[] }>(ccg, `/contracts/${id}/extras`);
    expect(extras.body.items).toEqual([expect.objectContaining({ extraId: x, status: 'resolved', payablePence: 1 })]);
  });
});

describe('identity', () => {
  it('needs a token for everything but /health (401)', async () => {
    expect((await call(sys.commandUrl(), 'not-a-token', 'POST', '/contracts', {})).status).toBe(401);
    expect((await call(sys.queryUrl(), 'not-a-token', 'GET', '/contracts')).status).toBe(401);
  });
});
