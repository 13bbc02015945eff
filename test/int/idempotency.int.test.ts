// Idempotency over real HTTP (API.md: Conventions, issue 6): a command retried with one Idempotency-Key writes once
// and answers the same every time, one after another or all at once; the same key with another body is 409
// `idempotency-key-reused` and writes nothing; keys belong to their caller; a creation retried names the same new id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractStream } from '@csu-ledger/domain';
import {
  agreeContract,
  anotherCommandProcess,
  contractBody,
  extraBody,
  extraIn,
  must,
  startInProcess,
  TODAY,
  type InProcess,
  type Json,
  type Reply,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
const RETRIES = 100;

let h: InProcess;
let contractId: string;
beforeAll(async () => {
  h = await startInProcess();
  contractId = await agreeContract(h, PARTIES);
});
afterAll(() => h?.close());

const csu = (sub?: string) => h.token('csu', PARTIES.csu, sub);
const ccg = () => h.token('ccg', PARTIES.ccg);
let keys = 0;
/** A fresh key per test, so no test depends on another's. */
const newKey = (): string => `retry-${++keys}-${Date.now()}`;
const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });
const measurement = (achievedBp: number, month = '2025-26-M04'): Json => ({
  businessDate: TODAY,
  kpiId: 'K3',
  month,
  achievedBp,
});

/** What a client can compare: status, body (ids, position, revision) and ETag. */
const answer = (r: Reply) => ({ status: r.status, body: r.body, etag: r.headers.get('etag') });

const expectOneAnswer = (replies: Reply[], status: number): void => {
  const first = answer(replies[0]!);
  expect(first.status, replies[0]!.text).toBe(status);
  for (const r of replies) expect(answer(r)).toEqual(first);
};

const eventsAt = async (stream: string) => h.store.readStream(stream);

describe('one command retried with one Idempotency-Key', () => {
  it(`${RETRIES} times one after another: written once, the same answer every time`, async () => {
    const key = newKey();
    const token = await csu();
    const before = await h.head();
    const replies: Reply[] = [];
    for (let i = 0; i < RETRIES; i++)
      replies.push(await h.post(token, `/contracts/${contractId}/measurements`, measurement(9100), withKey(key)));

    expectOneAnswer(replies, 200);
    expect(await h.head()).toBe(before + 1n);
    const stored = (await eventsAt(contractStream(contractId))).filter((e) => e.position === before + 1n);
    expect(stored.map((e) => e.type)).toEqual(['MeasurementReported']);
    expect(replies[0]!.body.position).toBe((before + 1n).toString());
  });

  it(`${RETRIES} times at once: written once, the same answer every time`, async () => {
    const key = newKey();
    const token = await csu();
    const before = await h.head();
    const replies = await Promise.all(
      Array.from({ length: RETRIES }, () =>
        h.post(token, `/contracts/${contractId}/measurements`, measurement(9200), withKey(key)),
      ),
    );

    expectOneAnswer(replies, 200);
    expect(await h.head()).toBe(before + 1n);
  });

  it('a retry whose body differs only in key order is the same request', async () => {
    const key = newKey();
    const token = await csu();
    const first = must(await h.post(token, `/contracts/${contractId}/measurements`, measurement(9300), withKey(key)));
    const before = await h.head();
    const reordered = { achievedBp: 9300, month: '2025-26-M04', kpiId: 'K3', businessDate: TODAY };
    const again = await h.post(token, `/contracts/${contractId}/measurements`, reordered, withKey(key));
    expect(answer(again)).toEqual(answer(first));
    expect(await h.head()).toBe(before);
  });

  it('a retry after the stream moved on, when the domain would now refuse the command, still gets the first answer', async () => {
    const extraId = await extraIn(h, contractId, PARTIES, 'awaiting-ccg');
    const key = newKey();
    const token = await ccg();
    const first = must(await h.post(token, `/extras/${extraId}/accept`, { businessDate: TODAY }, withKey(key)));
    // without the key the same command is now refused: the extra is accepted
    const refused = await h.post(token, `/extras/${extraId}/accept`, { businessDate: TODAY });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('transition-not-allowed');
    const before = await h.head();
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.post(token, `/extras/${extraId}/accept`, { businessDate: TODAY }, withKey(key)),
      ),
    );
    for (const r of replies) expect(answer(r)).toEqual(answer(first));
    expect(await h.head()).toBe(before);
  });
});

describe('the same key for another request', () => {
  const expectReused = (r: Reply): void => {
    expect(r.status, r.text).toBe(409);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('idempotency-key-reused');
  };

  it('another body on the same endpoint → 409 idempotency-key-reused, nothing written', async () => {
    const key = newKey();
    const token = await csu();
    must(await h.post(token, `/contracts/${contractId}/measurements`, measurement(9400), withKey(key)));
    const before = await h.head();
    expectReused(await h.post(token, `/contracts/${contractId}/measurements`, measurement(9401), withKey(key)));
    expectReused(
      await h.post(
        token,
        `/contracts/${contractId}/measurements`,
        { ...measurement(9400), note: 'one more field' },
        withKey(key),
      ),
    );
    expect(await h.head()).toBe(before);
  });

  it('another stream (another contract, or a creation) → 409 idempotency-key-reused, nothing written', async () => {
    const key = newKey();
    const token = await csu();
    must(await h.post(token, `/contracts/${contractId}/measurements`, measurement(9500), withKey(key)));
    const other = await agreeContract(h, PARTIES);
    const before = await h.head();
    expectReused(await h.post(token, `/contracts/${other}/measurements`, measurement(9500), withKey(key)));
    expectReused(await h.post(token, `/contracts/${contractId}/extras`, extraBody(), withKey(key)));
    expect(await h.head()).toBe(before);
  });

  it('two bodies racing with one key: one body wins every one of its requests, the other gets 409 every time', async () => {
    const key = newKey();
    const token = await csu();
    const before = await h.head();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.post(token, `/contracts/${contractId}/measurements`, measurement(i % 2 === 0 ? 9600 : 9601), withKey(key)),
      ),
    );
    const won = replies.filter((r) => r.status === 200);
    const lost = replies.filter((r) => r.status !== 200);
    expect(won.length === 10 && lost.length === 10, replies.map((r) => r.status).join(' ')).toBe(true);
    expectOneAnswer(won, 200);
    lost.forEach(expectReused);
    // the winners all sent the same body
    expect(
      new Set(replies.map((r, i) => (r.status === 200 ? i % 2 : undefined)).filter((x) => x !== undefined)).size,
    ).toBe(1);
    expect(await h.head()).toBe(before + 1n);
  });
});

describe('keys are scoped per caller', () => {
  it("another user's same key (same organisation, same body) writes its own command, and each retry gets its own answer", async () => {
    const key = newKey();
    const alice = await csu('alice-0ax');
    const bob = await csu('bob-0ax');
    const before = await h.head();
    const a = must(await h.post(alice, `/contracts/${contractId}/measurements`, measurement(9700), withKey(key)));
    const b = must(await h.post(bob, `/contracts/${contractId}/measurements`, measurement(9700), withKey(key)));
    expect(b.body.position).not.toBe(a.body.position);
    expect(await h.head()).toBe(before + 2n);
    expect(
      answer(await h.post(alice, `/contracts/${contractId}/measurements`, measurement(9700), withKey(key))),
    ).toEqual(answer(a));
    expect(answer(await h.post(bob, `/contracts/${contractId}/measurements`, measurement(9700), withKey(key)))).toEqual(
      answer(b),
    );
    expect(await h.head()).toBe(before + 2n);
    // and each event records who did it
    const events = await eventsAt(contractStream(contractId));
    const actorAt = (position: string) =>
      (events.find((e) => e.position.toString() === position)!.metadata as { actor: { sub: string } }).actor.sub;
    expect([actorAt(a.body.position as string), actorAt(b.body.position as string)]).toEqual(['alice-0ax', 'bob-0ax']);
  });
});

describe('keys are scoped by issuer, organisation and subject (issue 9), not by subject alone', () => {
  it("one subject holding tokens for both parties: the CCG's request is never answered with the CSU's", async () => {
    const id = await agreeContract(h, PARTIES);
    const key = newKey();
    const atCsu = await h.token('csu', PARTIES.csu, 'pat');
    const atCcg = await h.token('ccg', PARTIES.ccg, 'pat');
    const notice = { businessDate: TODAY };
    must(await h.post(atCsu, `/contracts/${id}/break-notices`, notice, withKey(key)));
    const before = await h.head();
    // the same key, path and body from the same subject acting for the other organisation: its own request, which
    // the rules refuse, rather than a replay of the CSU's notice as if the CCG had served it
    const r = await h.post(atCcg, `/contracts/${id}/break-notices`, notice, withKey(key));
    expect(r.status, r.text).toBe(409);
    expect(r.body.code).toBe('break-notice-already-served');
    expect(await h.head()).toBe(before);
  });
});

describe('creations retried name the same new id', () => {
  it(`POST /contracts/{id}/extras retried ${RETRIES} times (one after another, then at once) → the same extraId, one ExtraRaised`, async () => {
    const key = newKey();
    const token = await csu();
    const before = await h.head();
    const path = `/contracts/${contractId}/extras`;
    const sequential: Reply[] = [];
    for (let i = 0; i < RETRIES / 2; i++) sequential.push(await h.post(token, path, extraBody(), withKey(key)));
    const concurrent = await Promise.all(
      Array.from({ length: RETRIES / 2 }, () => h.post(token, path, extraBody(), withKey(key))),
    );

    expectOneAnswer([...sequential, ...concurrent], 201);
    const extraId = sequential[0]!.body.extraId as string;
    expect(extraId).toMatch(new RegExp(`^${contractId}\\.extra-[0-9a-f]{12}$`));
    expect(await h.head()).toBe(before + 1n);
    expect((await eventsAt(contractStream(extraId))).map((e) => e.type)).toEqual(['ExtraRaised']);
    // the read side lists it once
    const extras = must(await h.get<{ items: { extraId: string }[] }>(await ccg(), `/contracts/${contractId}/extras`))
      .body.items;
    expect(extras.filter((x) => x.extraId === extraId)).toHaveLength(1);
  });

  it('POST /contracts without a contractId retried → the same contractId, one ContractAgreed', async () => {
    const key = newKey();
    const admin = await h.token('admin', 'NHS');
    const { contractId: _omitted, ...body } = contractBody('unused', PARTIES);
    const before = await h.head();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => h.post(admin, '/contracts', body, withKey(key))),
    );
    expectOneAnswer(replies, 201);
    const id = replies[0]!.body.contractId as string;
    expect(await h.head()).toBe(before + 1n);
    expect((await eventsAt(contractStream(id))).map((e) => e.type)).toEqual(['ContractAgreed']);
  });
});

describe('retries landing on two command apps on one SQLite file (two processes’ worth)', () => {
  it('the same request with one key, sent 40 times to each app at once: written once, one answer', async () => {
    const a = await anotherCommandProcess(h);
    const b = await anotherCommandProcess(h);
    try {
      const key = newKey();
      const token = await csu();
      const before = await h.head();
      const replies = await Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          h.post(token, `/contracts/${contractId}/extras`, extraBody(), {
            ...withKey(key),
            baseUrl: i % 2 === 0 ? a.url : b.url,
          }),
        ),
      );
      expectOneAnswer(replies, 201);
      expect(await h.head()).toBe(before + 1n);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
