// The adapter's own logic (event-id claims, retries, the group check, prefixes, subscriptions, closing) through the
// whole conformance suite, over an in-memory stand-in for the server's side of client.ts. It proves the adapter, not
// the server or the client: that is esdb-event-store.int.test.ts, wherever a container engine exists. The stand-in
// keeps to the server semantics the adapter relies on: per-stream expected revisions, the idempotent no-op for the
// same ids at the same place, positions that grow with gaps (as byte offsets do), and stream-name filters.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeEventStore } from '../conformance.ts';
import { DuplicateEventIdError, type NewEvent } from '../port.ts';
import type { EsdbConnection, StreamFilter } from './client.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';
import type { ServerEvent } from './mapping.ts';

const createStandIn = (): EsdbConnection & { log: ServerEvent[] } => {
  const log: ServerEvent[] = [];
  const streams = new Map<string, ServerEvent[]>();
  const wakers = new Set<() => void>();
  let next = 1_024n;
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  const matches = (filter: StreamFilter, streamId: string): boolean =>
    'regex' in filter ? new RegExp(filter.regex).test(streamId) : filter.prefixes.some((p) => streamId.startsWith(p));
  const positionOf = (e: ServerEvent): bigint => e.position?.commit ?? 0n;

  return {
    log,
    append: async (stream, events, expected) => {
      await tick();
      const current = streams.get(stream) ?? [];
      const ids = events.map((e) => e.eventId.toLowerCase());
      const start =
        expected === 'no-stream' ? 0 : expected === 'any' ? current.findIndex((e) => e.id === ids[0]) : expected + 1;
      if (start >= 0 && start < current.length && ids.every((id, i) => current[start + i]?.id === id)) {
        return { ok: true, lastRevision: BigInt(start + ids.length - 1) }; // the server's idempotent no-op
      }
      const last = current.length - 1;
      if (expected === 'no-stream' ? last >= 0 : expected !== 'any' && expected !== last) {
        return { ok: false, current: last < 0 ? 'no-stream' : BigInt(last) };
      }
      for (const e of events) {
        const json = JSON.stringify(e.data ?? null);
        const record: ServerEvent = {
          streamId: stream,
          id: e.eventId.toLowerCase(),
          revision: BigInt(current.length),
          type: e.type,
          isJson: true,
          data: JSON.parse(json) as unknown,
          metadata: JSON.parse(JSON.stringify(e.metadata)) as unknown,
          created: new Date(),
          position: { commit: next, prepare: next },
        };
        next += 100n + BigInt(json.length);
        current.push(record);
        log.push(record);
      }
      streams.set(stream, current);
      for (const wake of [...wakers]) wake();
      return { ok: true, lastRevision: BigInt(current.length - 1) };
    },
    readStream: async (stream, fromRevision, maxCount = Infinity) => {
      await tick();
      return (streams.get(stream) ?? []).slice(Number(fromRevision), Number(fromRevision) + maxCount);
    },
    lastRevision: async (stream) => {
      await tick();
      const length = streams.get(stream)?.length ?? 0;
      return length === 0 ? 'no-stream' : BigInt(length - 1);
    },
    lastEventWithPrefix: async (prefix) => {
      await tick();
      return log.findLast((e) => e.streamId.startsWith(prefix));
    },
    readFiltered: async (filter, after, limit) => {
      await tick();
      return log.filter((e) => positionOf(e) > after && matches(filter, e.streamId)).slice(0, limit);
    },
    subscribe: (filter, after, on) => {
      let index = 0;
      let stopped = false;
      const pump = (): void => {
        while (!stopped && index < log.length) {
          const event = log[index++];
          if (event && positionOf(event) > after && matches(filter, event.streamId)) on.event(event);
        }
      };
      const wake = (): void => void setImmediate(pump);
      wakers.add(wake);
      wake();
      return () => {
        stopped = true;
        wakers.delete(wake);
      };
    },
    dispose: () => Promise.resolve(),
  };
};

const server = createStandIn();
const open = (streamPrefix?: string) =>
  createEsdbEventStore('esdb://stand-in:2113', { streamPrefix, connect: () => server });

describeEventStore('esdb adapter over an in-memory stand-in for the server', () => {
  const store = open();
  return Promise.resolve({ store, reopen: () => Promise.resolve(open()), dispose: () => store.close() });
});

describe('esdb adapter, server writes', () => {
  const event = (): NewEvent => ({ eventId: randomUUID(), type: 'T', data: {}, metadata: {} });

  it('writes each event under the prefix, after one claim per id outside it', async () => {
    const store = open('ledger-');
    const name = `contract-${randomUUID()}`;
    const batch = [event(), event()];
    const before = server.log.length;
    await store.appendToStream(name, batch, { expectedRevision: 'no-stream' });
    const written = server.log.slice(before).map((e) => e.streamId);
    expect(written.slice(0, 2).sort()).toEqual(batch.map((e) => `event-id:ledger-${e.eventId}`).sort());
    expect(written.slice(2)).toEqual([`ledger-${name}`, `ledger-${name}`]);

    // A retry writes nothing at all, not even a claim; the same id for another deployment is another claim.
    await store.appendToStream(name, batch, { expectedRevision: 'no-stream' });
    expect(server.log.length).toBe(before + 4);
    await open('ledger2-').appendToStream(name, [batch[0] ?? event()], { expectedRevision: 'no-stream' });
    await expect(
      store.appendToStream(`${name}-other`, [batch[0] ?? event()], { expectedRevision: 'any' }),
    ).rejects.toThrow(DuplicateEventIdError);
  });

  it('finds a retry whose first attempt claimed its ids but never landed, and appends it', async () => {
    const store = open();
    const name = `contract-${randomUUID()}`;
    await store.appendToStream(name, [event()], { expectedRevision: 'no-stream' });
    const batch = [event()];
    await expect(store.appendToStream(name, batch, { expectedRevision: 'no-stream' })).rejects.toMatchObject({
      reason: 'wrong-expected-revision',
    });
    const landed = await store.appendToStream(name, batch, { expectedRevision: 0 });
    expect(landed).toMatchObject({ duplicate: false, nextRevision: 1 });
  });
});
