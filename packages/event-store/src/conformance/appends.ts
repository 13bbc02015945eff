// Conformance: appending: round trip, expected revisions, atomicity, idempotency, durability across reopen.
import { expect, it } from 'vitest';
import { ConcurrencyError, DuplicateEventIdError } from '../port.ts';
import { expectStrictlyIncreasing, ids, newEvent, readOurs, rejectionOf, uniqueName, type Subject } from './helpers.ts';

export const appendTests = (subject: Subject): void => {
  it('appends events of several types and reads them back with data and metadata kept', async () => {
    const { store } = subject();
    const stream = uniqueName('extra');
    const input = [
      newEvent(
        'ExtraRaised',
        { amountPence: 1250, lines: [{ code: 'A1', qty: 2 }], note: null },
        { actor: 'u1', correlationId: 'c-1' },
      ),
      newEvent('ExtraDisputed', { reason: 'not agreed', nested: { deep: [true, false] } }, { actor: 'u2' }),
      newEvent('ExtraResolved', null, {}),
    ];
    const result = await store.appendToStream(stream, input, { expectedRevision: 'no-stream' });

    expect(result.duplicate).toBe(false);
    expect(result.nextRevision).toBe(2);
    expect(result.events.map((e) => [e.eventId, e.streamName, e.revision, e.type, e.data, e.metadata])).toEqual(
      input.map((e, i) => [e.eventId, stream, i, e.type, e.data, e.metadata]),
    );
    expect(result.events.every((e) => typeof e.position === 'bigint')).toBe(true);
    expect(expectStrictlyIncreasing(result.events.map((e) => e.position))).toBe(true);
    expect(await store.readStream(stream)).toEqual(result.events);
    expect(await store.headPosition()).toBe(result.events[2]?.position);
    expect(await store.readStream(uniqueName('missing'))).toEqual([]);
  });

  it("refuses 'no-stream' when the stream exists, and writes nothing", async () => {
    const { store } = subject();
    const stream = uniqueName('s');
    await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' });
    const error = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' }));

    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({
      streamName: stream,
      expected: 'no-stream',
      actual: 0,
      reason: 'wrong-expected-revision',
    });
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('checks a numeric expected revision against the last revision of the stream', async () => {
    const { store } = subject();
    const stream = uniqueName('s');
    await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' });
    const second = await store.appendToStream(stream, [newEvent()], { expectedRevision: 0 });
    expect(second.nextRevision).toBe(1);

    const stale = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 0 }));
    expect(stale).toBeInstanceOf(ConcurrencyError);
    expect(stale).toMatchObject({ expected: 0, actual: 1, reason: 'wrong-expected-revision' });
    const ahead = await rejectionOf(store.appendToStream(stream, [newEvent()], { expectedRevision: 2 }));
    expect(ahead).toMatchObject({ expected: 2, actual: 1 });
    const missing = uniqueName('missing');
    const none = await rejectionOf(store.appendToStream(missing, [newEvent()], { expectedRevision: 0 }));
    expect(none).toBeInstanceOf(ConcurrencyError);
    expect(none).toMatchObject({ streamName: missing, actual: 'no-stream' });

    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1]);
    expect(await store.readStream(missing)).toEqual([]);
  });

  it("appends with 'any' whether or not the stream exists", async () => {
    const { store } = subject();
    const stream = uniqueName('s');
    expect((await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' })).nextRevision).toBe(0);
    expect(
      (await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'any' })).nextRevision,
    ).toBe(2);
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('lets exactly one of several racing appends with the same expected revision win', async () => {
    const { store } = subject();
    const stream = uniqueName('race');
    await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no-stream' });
    const racers = Array.from({ length: 10 }, () => [newEvent(), newEvent()]);
    const results = await Promise.allSettled(
      racers.map((events) => store.appendToStream(stream, events, { expectedRevision: 0 })),
    );

    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
    const stored = await store.readStream(stream);
    expect(ids(stored.slice(1))).toEqual(ids(racers[winners[0] ?? -1] ?? []));
    expect(stored.map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('writes nothing of a batch that fails, whatever the reason', async () => {
    const { store } = subject();
    const prefix = uniqueName('atomic');
    const elsewhere = await store.appendToStream(`${prefix}-other`, [newEvent()], { expectedRevision: 'no-stream' });
    const head = await store.headPosition();
    const stream = `${prefix}-batch`;

    const wrongRevision = await rejectionOf(
      store.appendToStream(stream, [newEvent(), newEvent(), newEvent()], { expectedRevision: 4 }),
    );
    expect(wrongRevision).toBeInstanceOf(ConcurrencyError);
    const reusedId = elsewhere.events[0]?.eventId ?? '';
    const lastReused = await rejectionOf(
      store.appendToStream(stream, [newEvent(), newEvent(), { ...newEvent(), eventId: reusedId }], {
        expectedRevision: 'any',
      }),
    );
    expect(lastReused).toBeInstanceOf(DuplicateEventIdError);
    expect(lastReused).toMatchObject({ eventId: reusedId });
    const twice = newEvent();
    const repeatedInBatch = await rejectionOf(
      store.appendToStream(stream, [newEvent(), twice, twice], { expectedRevision: 'any' }),
    );
    expect(repeatedInBatch).toBeInstanceOf(DuplicateEventIdError);

    expect(await store.readStream(stream)).toEqual([]);
    expect(await store.headPosition()).toBe(head);
    expect(await readOurs(store, head, prefix)).toEqual([]);

    // The same failures racing with appends that succeed (a store may commit them all in one transaction).
    const ok = (n: number) => [newEvent(), newEvent()].map((e) => ({ ...e, data: { n } }));
    const okBatches = [ok(1), ok(2), ok(3)];
    const raced = await Promise.allSettled([
      store.appendToStream(`${prefix}-ok1`, okBatches[0] ?? [], { expectedRevision: 'no-stream' }),
      store.appendToStream(stream, [newEvent(), { ...newEvent(), eventId: reusedId }], { expectedRevision: 'any' }),
      store.appendToStream(`${prefix}-ok2`, okBatches[1] ?? [], { expectedRevision: 'no-stream' }),
      store.appendToStream(stream, [newEvent(), twice, twice], { expectedRevision: 'any' }),
      store.appendToStream(`${prefix}-ok3`, okBatches[2] ?? [], { expectedRevision: 'no-stream' }),
    ]);
    expect(raced.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await store.readStream(stream)).toEqual([]);
    expect(new Set(ids(await readOurs(store, head, prefix)))).toEqual(new Set(ids(okBatches.flat())));
  });

  it('treats a retry with the same event ids as a duplicate: returns the stored events and writes nothing', async () => {
    const { store } = subject();
    const stream = uniqueName('retry');
    const batch = [newEvent('A'), newEvent('B')];
    const first = await store.appendToStream(stream, batch, { expectedRevision: 'no-stream' });
    const head = await store.headPosition();

    // The retry carries the original, now stale, expected revision: it must not be refused for it.
    const retry = await store.appendToStream(stream, batch, { expectedRevision: 'no-stream' });
    expect(retry).toEqual({ duplicate: true, events: first.events, nextRevision: 1 });
    expect(await store.headPosition()).toBe(head);

    await store.appendToStream(stream, [newEvent('C')], { expectedRevision: 1 });
    const later = await store.appendToStream(stream, batch, { expectedRevision: 'any' });
    expect(later.duplicate).toBe(true);
    expect(later.nextRevision).toBe(2);
    expect(later.events).toEqual(first.events);
    expect(await store.readStream(stream)).toHaveLength(3);
  });

  it('refuses event ids already stored anywhere but as this very append', async () => {
    const { store } = subject();
    const prefix = uniqueName('dup');
    const stream = `${prefix}-s`;
    const [e1, e2] = [newEvent(), newEvent()];
    await store.appendToStream(stream, [e1, e2], { expectedRevision: 'no-stream' });
    const head = await store.headPosition();

    const attempts = [
      { target: `${prefix}-other`, events: [e1] }, // another stream
      { target: stream, events: [e1, newEvent()] }, // only some of the ids exist
      { target: stream, events: [e2, e1] }, // same ids, another order
      { target: stream, events: [newEvent(), e2] }, // a stored id later in the batch
    ];
    for (const { target, events } of attempts) {
      const error = await rejectionOf(store.appendToStream(target, events, { expectedRevision: 'any' }));
      expect(error, `${target} ${ids(events).join(',')}`).toBeInstanceOf(DuplicateEventIdError);
    }
    expect(await store.headPosition()).toBe(head);
    expect(ids(await readOurs(store, 0n, prefix))).toEqual(ids([e1, e2]));
  });

  it('finishes pending appends on close, and keeps them across a reopen', async (context) => {
    const { store, reopen } = subject();
    if (!reopen) return context.skip('the adapter gave no reopen(): durability across reopen not checked');
    const prefix = uniqueName('durable');
    const pending = Array.from({ length: 50 }, (_, i) =>
      store.appendToStream(`${prefix}-${i % 5}`, [newEvent('Kept', { i })], { expectedRevision: 'any' }),
    );
    const closed = store.close();
    const results = await Promise.all(pending);
    await closed;

    const again = await reopen();
    try {
      const stored = await readOurs(again, 0n, prefix);
      expect(new Set(ids(stored))).toEqual(new Set(results.flatMap((r) => ids(r.events))));
      const last = stored.at(-1);
      const next = await again.appendToStream(`${prefix}-0`, [newEvent()], { expectedRevision: 9 });
      expect(next.events[0]?.position).toBeGreaterThan(last?.position ?? 0n);
      expect((next.events[0]?.recordedAt ?? '') >= (last?.recordedAt ?? '~')).toBe(true);
    } finally {
      await again.close();
    }
  });
};
