// The KurrentDB adapter and client.ts, run by the real client (@kurrent/kurrentdb-client: its grpc-js calls and its
// Rust bridge alike) against a FAKE KurrentDB server: a TEST DOUBLE speaking the client package's own gRPC service
// definitions (fake-server/), not a real server. First the whole conformance suite; then, scripted, what a real
// cluster shows rarely. The real server runs in esdb-event-store.int.test.ts wherever a container engine exists.
import { randomUUID } from 'node:crypto';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEventStore } from '../conformance.ts';
import type { EventStore, NewEvent, RecordedEvent } from '../port.ts';
import { connectKurrent } from './client.ts';
import { createEsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store.ts';
import { startFakeKurrentDB } from './fake-server/index.ts';

const DOUBLE = 'a FAKE KurrentDB gRPC server (test double, not a real server)';
const fake = await startFakeKurrentDB();
const stores: EventStore[] = [];
afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  await fake.stop();
});

const open = (options: EsdbEventStoreOptions = {}, url = fake.url): EventStore => {
  const store = createEsdbEventStore(url, options);
  stores.push(store);
  return store;
};
const event = (type = 'T', data: unknown = { n: 1 }): NewEvent => ({ eventId: randomUUID(), type, data, metadata: {} });
const ids = (events: readonly { eventId: string }[]): string[] => events.map((e) => e.eventId);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEventStore(`kurrentdb adapter on ${DOUBLE}`, () => {
  const store = createEsdbEventStore(fake.url);
  return Promise.resolve({
    store,
    reopen: () => Promise.resolve(createEsdbEventStore(fake.url)),
    dispose: () => store.close(),
    // The server, the client's Rust bridge and the test share this machine's two cores with every other test file.
    subscriptionPatienceMs: 25_000,
  });
});

describe(`kurrentdb adapter on ${DOUBLE}: scripted cluster behaviour`, () => {
  it('ends identical submits from two processes as one write and one duplicate, though the server drops the second unanswered', async () => {
    // Two processes (two stores, two connections), each giving up waiting after 200 ms and looking the outcome up.
    const [a, b] = [open({ appendTimeoutMs: 200 }), open({ appendTimeoutMs: 200 })];
    const name = `twin-${randomUUID()}`;
    const batch = [event('A'), event('B')];
    await fake.hold(`ledger-${name}`, 'commit'); // the first write is written, but not yet replicated
    const before = (await fake.stats()).dropped;
    const first = a.appendToStream(name, batch, { expectedRevision: 'no-stream' });
    await fake.held(`ledger-${name}`);
    // Written, but not committed: the server checks against it already, and nobody reads it yet.
    expect((await fake.records(`ledger-${name}`)).map((r) => r.committed)).toEqual([false, false]);
    expect(await b.readStream(name)).toEqual([]);
    const second = b.appendToStream(name, batch, { expectedRevision: 'no-stream' });
    await sleep(600); // the server drops the second (IdempotentNotReady); its adapter looks, and asks again
    expect((await fake.stats()).dropped).toBeGreaterThan(before);
    await fake.release(`ledger-${name}`);

    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.duplicate)).toEqual([false, true]);
    expect(results[1]?.events).toEqual(results[0]?.events);
    expect(ids(await a.readStream(name))).toEqual(ids(batch));

    // In one process the second waits for the first: the server sees one write.
    const again = [event()];
    const twice = await Promise.all([0, 1].map(() => a.appendToStream(name, again, { expectedRevision: 1 })));
    expect(twice.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect((await fake.records(`ledger-${name}`)).length).toBe(3);
  });

  it('takes a write whose answer was lost for its own: not a duplicate, stored once', async () => {
    const store = open({ appendTimeoutMs: 150 });
    const name = `lost-${randomUUID()}`;
    const dropped = (await fake.stats()).dropped;
    await fake.hold(`ledger-${name}`, 'commit');
    const appending = store.appendToStream(name, [event()], { expectedRevision: 'no-stream' });
    await fake.held(`ledger-${name}`);
    await sleep(500); // no answer: the adapter asks again (dropped: its own write is not replicated) and waits
    expect((await fake.stats()).dropped).toBeGreaterThan(dropped);
    await fake.release(`ledger-${name}`);
    const result = await appending;
    expect(result.duplicate).toBe(false);
    expect((await fake.records(`ledger-${name}`)).map((r) => r.stream)).toEqual([`ledger-${name}`]);
  });

  it('reads its writes from the leader while the follower it was connected to lags behind', async () => {
    await fake.settings({ followerLagMs: 2_000 });
    try {
      const store = open({}, fake.clusterUrl('follower'));
      const root = `lag-${randomUUID()}`;
      const before = (await fake.stats()).followerRefusals;
      const { events } = await store.appendToStream(root, [event()], { expectedRevision: 'no-stream' });
      await store.appendToStream(`${root}.extra-1`, [event()], { expectedRevision: 'no-stream' });
      expect(ids(await store.readStream(root))).toEqual(ids(events));
      expect(await store.readStreamGroup(root)).toHaveLength(2);
      expect((await fake.stats()).followerRefusals).toBeGreaterThan(before);

      // What a read that may go to a follower would have answered: nothing yet.
      const client = KurrentDBClient.connectionString(fake.clusterUrl('follower'));
      const seen: unknown[] = [];
      try {
        for await (const e of client.readStream(`ledger-${root}`)) seen.push(e);
      } catch {
        // stream not found on the follower: the point
      }
      await client.dispose();
      expect(seen).toEqual([]);
    } finally {
      await fake.settings({ followerLagMs: 0 });
    }
  });

  it("refuses an append over the server's append size with the server's error, and writes nothing of it", async () => {
    await fake.settings({ maxAppendSize: 1024 * 1024 }); // KurrentDB's default before 25.1
    try {
      const store = open();
      const name = `large-${randomUUID()}`;
      const blob = 'x'.repeat(1_100_000);
      await expect(
        store.appendToStream(name, [event('Big', { blob })], { expectedRevision: 'no-stream' }),
      ).rejects.toThrow(/maximum allowed size/i);
      expect(await store.readStream(name)).toEqual([]);
      expect(await fake.records(`ledger-${name}`)).toEqual([]);
      expect(await fake.records('event-id:ledger-')).not.toContainEqual(expect.objectContaining({ type: 'Big' }));
    } finally {
      await fake.settings({ maxAppendSize: 256 * 1024 * 1024 });
    }
  });

  it('reads and subscribes after a position that is not a record boundary, which the server refuses to read from', async () => {
    const store = open();
    const prefix = `boundary-${randomUUID()}`;
    const { events } = await store.appendToStream(prefix, [event(), event()], { expectedRevision: 'no-stream' });
    const [first, second] = events;
    const before = (await fake.stats()).allReadsFromStart;
    const after = (first?.position ?? 0n) + 1n; // inside the first record
    expect(ids(await store.readAll({ after, maxCount: 1 }))).toEqual(ids([second ?? event()]));
    expect((await fake.stats()).allReadsFromStart).toBeGreaterThan(before); // refused, so read from the start
    const live = await firstValueFrom(store.subscribeToAll({ after }).pipe(take(1), toArray()));
    expect(ids(live)).toEqual(ids([second ?? event()]));
  });

  it('keeps recorded times from going backwards when the leader clock does, the same on every read', async () => {
    const store = open();
    const name = `clock-${randomUUID()}`;
    const start = await store.headPosition();
    await store.appendToStream(name, [event()], { expectedRevision: 'no-stream' });
    await fake.settings({ clockOffsetMs: -30_000 }); // a new leader whose clock is half a minute behind
    try {
      const late = await store.appendToStream(name, [event(), event()], { expectedRevision: 0 });
      const times = (events: readonly RecordedEvent[]) => events.map((e) => e.recordedAt);
      const stream = await store.readStream(name);
      expect(times(stream)).toEqual([...times(stream)].sort());
      expect(new Set(times(stream)).size).toBe(1); // the late two are clamped to the first
      expect(times(late.events)).toEqual(times(stream.slice(1)));
      expect(times(await store.readStream(name, { fromRevision: 2 }))).toEqual(times(stream.slice(2)));
      expect(times((await store.readAll({ after: start })).filter((e) => e.streamName === name))).toEqual(
        times(stream),
      );
      const live = await firstValueFrom(
        store.subscribeToAll({ after: stream[0]?.position ?? 0n }).pipe(take(2), toArray()),
      );
      expect(times(live)).toEqual(times(stream.slice(1)));
    } finally {
      await fake.settings({ clockOffsetMs: 0 });
    }
  });

  it('refuses an approval when a new child stream commits between its group check and its commit', async () => {
    const store = open();
    const root = `window-${randomUUID()}`;
    await store.appendToStream(root, [event('ContractAgreed')], { expectedRevision: 'no-stream' });
    const seen = (await store.readStreamGroup(root)).at(-1)?.position ?? 0n;
    await fake.hold(`ledger-${root}.settlement`, 'check'); // the approval has read its group and sent its commit
    const approval = store.appendToStream(`${root}.settlement`, [event('SettlementApproved')], {
      expectedRevision: 'no-stream',
      unchangedGroup: { streamPrefix: root, afterPosition: seen },
    });
    await fake.held(`ledger-${root}.settlement`);
    const item = await store.appendToStream(`${root}.extra-1`, [event('ExtraRaised')], {
      expectedRevision: 'no-stream',
    });
    await fake.release(`ledger-${root}.settlement`);
    await expect(approval).rejects.toMatchObject({ reason: 'group-changed' });
    expect(ids(await store.readStreamGroup(root)).slice(1)).toEqual(ids(item.events));
  });

  it('reads a stream group by stream, never by scanning $all', async () => {
    const store = open();
    const root = `noscan-${randomUUID()}`;
    for (const name of [root, `${root}.a`, `${root}.b.c`]) {
      await store.appendToStream(name, [event()], { expectedRevision: 'no-stream' });
    }
    const before = await fake.stats();
    expect(await store.readStreamGroup(root)).toHaveLength(3);
    const after = await fake.stats();
    expect(after.allReadsFromStart).toBe(before.allReadsFromStart);
    expect(after.allReads - before.allReads).toBe(1); // the backward read of the times just before it
  });

  it('indexes the streams of a log written before the group index, once, at its first start', async () => {
    const prefix = `old-${randomUUID().slice(0, 8)}-`;
    const c = connectKurrent(fake.url);
    const record = (stream: string) => ({
      stream: `${prefix}${stream}`,
      id: randomUUID(),
      type: 'Legacy',
      data: {},
      properties: {},
    });
    // An earlier version wrote these: no index entries, no marker.
    await c.appendRecords([record('c-1'), record('c-1.extra-1'), record('c-1.extra-2.line'), record('c-2')], []);
    await c.dispose();
    const before = (await fake.stats()).allReadsFromStart;
    const store = open({ streamPrefix: prefix });
    expect((await store.readStreamGroup('c-1')).map((e) => e.streamName)).toEqual([
      'c-1',
      'c-1.extra-1',
      'c-1.extra-2.line',
    ]);
    expect((await fake.stats()).allReadsFromStart).toBe(before + 1); // the one scan
    expect(await fake.records(`stream-groups-indexed:${prefix}`)).toHaveLength(1);
    await open({ streamPrefix: prefix }).readStreamGroup('c-2');
    expect((await fake.stats()).allReadsFromStart).toBe(before + 1); // later starts read the marker only
  });
});

describe(`kurrentdb adapter on ${DOUBLE} that plays a server older than 26.1`, () => {
  it('fails every call, saying it needs KurrentDB 26.1, rather than appending without its checks', async () => {
    const old = await startFakeKurrentDB({ appendRecords: false });
    try {
      const store = createEsdbEventStore(old.url);
      await expect(store.appendToStream('s', [event()], { expectedRevision: 'no-stream' })).rejects.toThrow(
        /KurrentDB 26\.1 or later/,
      );
      await expect(store.readStream('s')).rejects.toThrow(/26\.1/);
      await store.close();
      expect(await old.records('')).toEqual([]);
    } finally {
      await old.stop();
    }
  });
});
