// Conformance: subscribeToAll: catch-up then live, every event once and in order, resumable, and stoppable.
import { expect, it, vi } from 'vitest';
import { collect, expectStrictlyIncreasing, ids, newEvent, readOurs, uniqueName, type Subject } from './helpers.ts';
import type { EventStore } from '../port.ts';

/** `count` single-event appends to one stream, one after the other; `progress` is called after each. */
const writer = async (store: EventStore, stream: string, count: number, progress: () => void): Promise<void> => {
  for (let revision = 0; revision < count; revision += 1) {
    await store.appendToStream(stream, [newEvent('Written', { revision })], {
      expectedRevision: revision === 0 ? 'no-stream' : revision - 1,
    });
    progress();
  }
};

export const subscriptionTests = (subject: Subject): void => {
  it('catches up then goes live: every event once, in global order, while 8 writers append', async () => {
    const { store } = subject();
    const prefix = uniqueName('live');
    const start = await store.headPosition();
    const ours = (e: { streamName: string }): boolean => e.streamName.startsWith(prefix);
    // Some history to catch up on, written in batches.
    for (let b = 0; b < 8; b += 1) {
      const events = Array.from({ length: 50 }, () => newEvent('Earlier'));
      await store.appendToStream(`${prefix}.history`, events, { expectedRevision: b === 0 ? 'no-stream' : b * 50 - 1 });
    }
    const writers = 8;
    const perWriter = 200;
    const total = 400 + writers * perWriter;

    // Subscribe only once the writers are under way, so the catch-up reads a log that is still growing.
    let written = 0;
    let subscribed: Promise<Awaited<ReturnType<typeof collect>>> | undefined;
    const subscribeSoon = (): void => {
      written += 1;
      if (written === 100)
        subscribed = collect(
          store.subscribeToAll({ after: start }),
          ours,
          (seen) => seen.length >= total,
          subject().subscriptionPatienceMs,
        );
    };
    await Promise.all(
      Array.from({ length: writers }, (_, w) => writer(store, `${prefix}.w${w}`, perWriter, subscribeSoon)),
    );
    if (!subscribed) throw new Error('the subscription never started');
    const received = await subscribed;

    const stored = await readOurs(store, start, prefix);
    expect(stored).toHaveLength(total);
    expect(ids(received)).toEqual(ids(stored));
    expect(new Set(ids(received)).size).toBe(total);
    expect(expectStrictlyIncreasing(received.map((e) => e.position))).toBe(true);
    for (let w = 0; w < writers; w += 1) {
      const revisions = received.filter((e) => e.streamName === `${prefix}.w${w}`).map((e) => e.revision);
      expect(revisions).toEqual(Array.from({ length: perWriter }, (_, i) => i));
    }
  });

  it('resumes from a checkpoint with exactly the events after it, then stays live', async () => {
    const { store } = subject();
    const prefix = uniqueName('resume');
    const ours = (e: { streamName: string }): boolean => e.streamName.startsWith(prefix);
    const appended = [];
    for (let i = 0; i < 30; i += 1) {
      appended.push(
        ...(await store.appendToStream(`${prefix}-${i % 3}`, [newEvent()], { expectedRevision: 'any' })).events,
      );
    }
    const checkpoint = appended[9]?.position ?? 0n;
    const rest = ids(appended.slice(10));
    const resumed = await collect(
      store.subscribeToAll({ after: checkpoint }),
      ours,
      (seen) => seen.length >= rest.length,
      subject().subscriptionPatienceMs,
    );
    expect(ids(resumed)).toEqual(rest);
    expect(resumed[0]?.position).toBeGreaterThan(checkpoint);

    // From the head: nothing until the next append, then exactly that.
    const head = appended.at(-1)?.position ?? 0n;
    const next = collect(
      store.subscribeToAll({ after: head }),
      ours,
      (seen) => seen.length >= 1,
      subject().subscriptionPatienceMs,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { events } = await store.appendToStream(`${prefix}-0`, [newEvent()], { expectedRevision: 'any' });
    expect(ids(await next)).toEqual(ids(events));
  });

  it('delivers nothing more after unsubscribe', async () => {
    const { store } = subject();
    const prefix = uniqueName('stop');
    const received: string[] = [];
    const start = await store.headPosition();
    const subscription = store.subscribeToAll({ after: start }).subscribe((e) => {
      if (e.streamName.startsWith(prefix)) received.push(e.eventId);
    });
    const first = await store.appendToStream(prefix, [newEvent()], { expectedRevision: 'no-stream' });
    await vi.waitUntil(() => received.length > 0, { timeout: 20_000, interval: 5 });
    expect(received).toEqual(ids(first.events));

    subscription.unsubscribe();
    const more = await store.appendToStream(prefix, [newEvent(), newEvent()], { expectedRevision: 0 });
    // Not "nothing within 100 ms", which proves little on a busy machine: a live subscription from the same point has
    // been given the two new events, and the one unsubscribed still has only the first.
    const live = await collect(
      store.subscribeToAll({ after: start }),
      (e) => e.streamName.startsWith(prefix),
      (seen) => seen.length >= 3,
    );
    expect(ids(live)).toEqual([...ids(first.events), ...ids(more.events)]);
    expect(received).toEqual(ids(first.events));
  });
};
