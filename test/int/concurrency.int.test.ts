// Concurrency over real HTTP (issue 6): many commands at once on one stream. The command handler serialises them per
// stream and retries optimistic-concurrency conflicts, so every command the domain allows succeeds, every one it
// refuses gets its 409 code, and the stream stays valid: exactly one event per acknowledged command, dense revisions.
// The one-app proofs run on every store there is: SQLite, and PostgreSQL on a real server started here from npm.
// Last, two command apps (two processes' worth) on one SQLite file race on one stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractStream } from '@csu-ledger/domain';
import { createPostgresEventStore, type RecordedEvent } from '@csu-ledger/event-store';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../packages/event-store/src/postgres/embedded-server.ts';
import {
  agreeContract,
  allPages,
  anotherCommandProcess,
  extraIn,
  must,
  netPayable,
  startInProcess,
  TODAY,
  type InProcess,
  type Json,
} from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
/** Months of FY 2025-26 and 2026-27 that have begun by the services' today (2026-11-24): M01 … M08 of 2026-27. */
const BEGUN = [
  ...Array.from({ length: 12 }, (_, i) => `2025-26-M${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 8 }, (_, i) => `2026-27-M${String(i + 1).padStart(2, '0')}`),
];

/** The harness of the describe block running now: each block starts its own in its beforeAll and closes it after. */
let h: InProcess;

const csu = () => h.token('csu', PARTIES.csu);
const ccg = () => h.token('ccg', PARTIES.ccg);
const measurement = (month: string, achievedBp: number): Json => ({
  businessDate: TODAY,
  kpiId: 'K3',
  month,
  achievedBp,
});
const delivery = (kpiId: string, month: string): Json => ({ kpiId, month, deliveredOn: TODAY });

interface Ack {
  position: string;
  revision: number;
}

/** The stream is valid: revisions 0…n-1 in order, positions strictly increasing, no event id twice. */
const expectValidStream = (events: RecordedEvent[]): void => {
  expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
  for (let i = 1; i < events.length; i++) expect(events[i]!.position > events[i - 1]!.position).toBe(true);
  expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
};

/** Every acknowledged command is in the stream, at the position and revision it was told. */
const expectAcknowledged = (events: RecordedEvent[], acks: Ack[]): void => {
  const byPosition = new Map(events.map((e) => [e.position.toString(), e]));
  for (const ack of acks) {
    const event = byPosition.get(ack.position);
    expect(event, `acknowledged position ${ack.position} is not in the stream`).toBeDefined();
    expect(event!.revision).toBe(ack.revision);
  }
  expect(new Set(acks.map((a) => a.position)).size).toBe(acks.length);
};

describe.each(['sqlite', 'postgres'] as const)('one command app on %s, many commands on one stream at once', (kind) => {
  let pg: EmbeddedServer | undefined;
  beforeAll(async () => {
    if (kind === 'sqlite') {
      h = await startInProcess();
    } else {
      pg = await startEmbeddedPostgres({ fastInit: true });
      h = await startInProcess({ store: await createPostgresEventStore(await pg.createDatabase('ledger_concurrency')) });
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await pg?.stop();
  });

  it('100 concurrent deliveries and measurements on one contract all succeed: 100 new events, dense revisions', async () => {
    const id = await agreeContract(h, PARTIES);
    const stream = contractStream(id);
    const before = await h.store.readStream(stream);
    const token = await csu();
    const bodies = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? { path: 'measurements', body: measurement(BEGUN[i % BEGUN.length]!, (i * 97) % 10_001) }
        : { path: 'deliveries', body: delivery(i % 4 === 1 ? 'K1' : 'K2', BEGUN[i % BEGUN.length]!) },
    );
    const replies = await Promise.all(bodies.map((b) => h.post<Ack>(token, `/contracts/${id}/${b.path}`, b.body)));

    for (const r of replies) expect(r.status, r.text).toBe(200);
    const after = await h.store.readStream(stream);
    expect(after).toHaveLength(before.length + 100);
    expectValidStream(after);
    expectAcknowledged(
      after,
      replies.map((r) => r.body),
    );
    expect(after.slice(before.length).filter((e) => e.type === 'MeasurementReported')).toHaveLength(50);
    expect(after.slice(before.length).filter((e) => e.type === 'DeliverableDelivered')).toHaveLength(50);

    // and the read side agrees: the history shows each of them once
    const history = await allPages<{ type: string; position: string }>(h, await ccg(), `/contracts/${id}/history`);
    const recorded = history.filter(
      (e) => e.type === 'MeasurementReported' || e.type === 'DeliverableDelivered',
    );
    expect(recorded.map((e) => e.position).sort()).toEqual(replies.map((r) => r.body.position).sort());
  });

  it('a mix the domain partly refuses: exactly the refused ones get 409 with their code, nothing of theirs is stored', async () => {
    const id = await agreeContract(h, PARTIES);
    must(
      await h.post(await ccg(), `/contracts/${id}/settlements/2025-26-Q1/approval`, {
        businessDate: '2025-07-01',
        netPayablePence: await netPayable(h, id, '2025-26-Q1'),
      }),
    );
    const stream = contractStream(id);
    const before = await h.store.readStream(stream);
    // i % 4 == 0: a month of the approved quarter; i % 4 == 1: after the term (2027-28 is its last year); else allowed
    const expected = (i: number): string | undefined =>
      i % 4 === 0 ? 'quarter-closed' : i % 4 === 1 ? 'outside-term' : undefined;
    const month = (i: number): string =>
      i % 4 === 0 ? '2025-26-M02' : i % 4 === 1 ? '2028-29-M01' : BEGUN[3 + (i % 17)]!;
    const token = await csu();
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        h.post<Ack & { code?: string }>(token, `/contracts/${id}/measurements`, measurement(month(i), 9000 + i)),
      ),
    );

    replies.forEach((r, i) => {
      const code = expected(i);
      if (code === undefined) {
        expect(r.status, `#${i}: ${r.text}`).toBe(200);
      } else {
        expect(r.status, `#${i}: ${r.text}`).toBe(409);
        expect(r.contentType).toMatch(/^application\/problem\+json/);
        expect(r.body.code).toBe(code);
      }
    });
    const after = await h.store.readStream(stream);
    const accepted = replies.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(50);
    expect(after).toHaveLength(before.length + 50);
    expectValidStream(after);
    expectAcknowledged(
      after,
      accepted.map((r) => r.body),
    );
  });

  it('a break notice racing 50 measurements: each is judged on the term in force when it is recorded', async () => {
    const id = await agreeContract(h, PARTIES);
    const token = await csu();
    // Served 2025-06-15 with 3 months' notice, the term ends with 2025-26-M06: later months become outside-term.
    const later = BEGUN.slice(6);
    const sendMeasurement = (i: number) => () =>
      h.post<Ack & { code?: string }>(
        token,
        `/contracts/${id}/measurements`,
        measurement(later[i % later.length]!, 9000 + i),
      );
    const ccgToken = await ccg();
    const serveNotice = () =>
      h.post<Ack & { code?: string }>(ccgToken, `/contracts/${id}/break-notices`, { businessDate: '2025-06-15' });
    // sent in this order, the notice among them
    const sends = Array.from({ length: 50 }, (_, i) => sendMeasurement(i));
    sends.splice(20, 0, serveNotice);
    const replies = await Promise.all(sends.map((send) => send()));
    const [served] = replies.splice(20, 1);
    const measurements = replies;

    expect(served!.status, served!.text).toBe(200);
    const noticeAt = BigInt(served!.body.position);
    let before = 0;
    let after = 0;
    for (const r of measurements) {
      if (r.status === 200) {
        expect(
          BigInt(r.body.position) < noticeAt,
          'a measurement outside the new term was stored after the notice',
        ).toBe(true);
        before++;
      } else {
        expect(r.status, r.text).toBe(409);
        expect(r.body.code).toBe('outside-term');
        after++;
      }
    }
    // both sides of the race happened, so the check above was exercised both ways
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);
    const events = await h.store.readStream(contractStream(id));
    expectValidStream(events);
    expect(events).toHaveLength(1 + before + 1);
  });

  it('20 concurrent answers to one extra: exactly one wins, 19 get 409 transition-not-allowed, one answer event', async () => {
    const id = await agreeContract(h, PARTIES);
    const extraId = await extraIn(h, id, PARTIES, 'awaiting-ccg');
    const token = await ccg();
    const verbs = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'accept' : 'dispute'));
    const replies = await Promise.all(
      verbs.map((verb) =>
        h.post<Ack & { code?: string }>(
          token,
          `/extras/${extraId}/${verb}`,
          verb === 'accept' ? { businessDate: TODAY } : { businessDate: TODAY, reason: 'not-requested' },
        ),
      ),
    );

    const winners = replies.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(winners, replies.map((r) => r.status).join(' ')).toHaveLength(1);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(r.status, r.text).toBe(409);
      expect(r.contentType).toMatch(/^application\/problem\+json/);
      expect(r.body.code).toBe('transition-not-allowed');
    }
    const events = await h.store.readStream(contractStream(extraId));
    expectValidStream(events);
    const answers = events.filter((e) => e.type === 'ExtraAccepted' || e.type === 'ExtraDisputed');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.type).toBe(verbs[winners[0]!] === 'accept' ? 'ExtraAccepted' : 'ExtraDisputed');
    expect(answers[0]!.position.toString()).toBe(replies[winners[0]!]!.body.position);
  });
});

describe('two command apps on one SQLite file (two processes’ worth)', () => {
  beforeAll(async () => {
    h = await startInProcess();
  });
  afterAll(() => h?.close());

  it('100 commands split across both, racing on one stream: no duplicate revision, every acknowledged command in the log', async () => {
    const id = await agreeContract(h, PARTIES);
    const a = await anotherCommandProcess(h);
    const b = await anotherCommandProcess(h);
    try {
      const token = await csu();
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          h.post<Ack & { code?: string }>(
            token,
            `/contracts/${id}/measurements`,
            measurement(BEGUN[i % BEGUN.length]!, 5000 + i),
            { baseUrl: i % 2 === 0 ? a.url : b.url },
          ),
        ),
      );

      const acks = replies.filter((r) => r.status === 200).map((r) => r.body);
      // a command that lost the race more often than the bounded retries allow is refused, never half-done
      for (const r of replies.filter((x) => x.status !== 200)) {
        expect(r.status, r.text).toBe(409);
        expect(r.body.code).toBe('concurrency-conflict');
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      const events = await h.store.readStream(contractStream(id));
      expectValidStream(events);
      expect(events).toHaveLength(1 + acks.length);
      expectAcknowledged(events, acks);
      console.log(
        `two apps: ${acks.length} acknowledged, ${replies.length - acks.length} refused after retries, ${a.conflicts() + b.conflicts()} conflicts retried`,
      );
      expect(acks.length, 'most commands should get through the retries').toBeGreaterThanOrEqual(75);
      expect(
        a.conflicts() + b.conflicts(),
        'the two apps never collided, so optimistic concurrency was not exercised',
      ).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
