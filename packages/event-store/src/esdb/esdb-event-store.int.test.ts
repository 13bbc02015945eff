// The KurrentDB adapter against a REAL KurrentDB server (26.1, in a container via testcontainers): the conformance
// suite, then what only this store has: the deployment prefix on a shared server, positions and times as the
// server's, retries as the server's no-ops. Where no container engine exists the whole file is registered as skipped,
// with the reason printed and in every test's name, so the run's summary counts and names it; it never passes silently.
// esdb-fake-server.int.test.ts runs the same suite everywhere against a fake server (a test double).
import { randomUUID } from 'node:crypto';
import { firstValueFrom, filter as where, take, toArray } from 'rxjs';
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEventStore } from '../conformance.ts';
import type { EventStore, NewEvent } from '../port.ts';
import { connectKurrent, type KurrentConnection } from './client.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';
import { recordedTime } from './mapping.ts';

// Pinned for repeatable runs (the adapter needs 26.1+: AppendRecords with consistency checks); another image with
// LEDGER_TEST_KURRENTDB_IMAGE. The compose cluster (infra/compose/kurrentdb-cluster.yml) runs the same one.
const IMAGE = process.env.LEDGER_TEST_KURRENTDB_IMAGE ?? 'docker.kurrent.io/kurrent-latest/kurrentdb:26.1.0';
const PORT = 2113;

// Before anything else: testcontainers answers in milliseconds when no engine is there.
const noEngine = await getContainerRuntimeClient().then(
  () => undefined,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);

let container: StartedTestContainer | undefined;
let url = '';
let raw: KurrentConnection | undefined;
const stores: EventStore[] = [];
const open = (streamPrefix?: string): EventStore => {
  const store = createEsdbEventStore(url, { streamPrefix });
  stores.push(store);
  return store;
};
const event = (type = 'T', data: unknown = { n: 1 }): NewEvent => ({ eventId: randomUUID(), type, data, metadata: {} });
/** A record of another application, written straight to the server. */
const foreign = (stream: string) => ({ stream, id: randomUUID(), type: 'Other', data: {}, properties: {} });

const startServer = async (): Promise<void> => {
  container = await new GenericContainer(IMAGE)
    .withExposedPorts(PORT)
    // In memory, no projections, plain HTTP/2; the append sizes the compose cluster sets (the suite writes a 1 MB event).
    .withCommand([
      '--insecure',
      '--run-projections=None',
      '--mem-db',
      '--max-append-size=8388608',
      '--max-append-event-size=4194304',
    ])
    .withWaitStrategy(Wait.forHttp('/health/live', PORT).forStatusCode(204))
    .withStartupTimeout(180_000)
    .start();
  url = `kurrentdb://${container.getHost()}:${container.getMappedPort(PORT)}?tls=false`;
  raw = connectKurrent(url);
  // Live is not yet leader: wait until a write goes through.
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await raw.appendRecords([foreign('readiness-probe')], []).catch(() => undefined);
    if (outcome?.kind === 'written') return;
    if (attempt >= 60) throw new Error(`KurrentDB did not take a write: ${JSON.stringify(outcome)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

const suites = (): void => {
  beforeAll(startServer, 300_000);
  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await raw?.dispose();
    await container?.stop();
  }, 60_000);

  describeEventStore('esdb', () => {
    const store = open();
    return Promise.resolve({ store, reopen: () => Promise.resolve(open()), dispose: () => store.close() });
  });

  describe('KurrentDB specifics', () => {
    it("keeps to its prefix: other applications' and deployments' streams are neither read nor counted", async () => {
      const ours = open('ledger-');
      const other = open('ledger2-');
      const name = `contract-${randomUUID()}`;
      const start = await ours.headPosition();
      const live = firstValueFrom(ours.subscribeToAll({ after: start }).pipe(take(1)));
      await raw?.appendRecords([foreign(`someone-else-${randomUUID()}`)], []);
      await other.appendToStream(name, [event()], { expectedRevision: 'no-stream' });
      const { events } = await ours.appendToStream(name, [event()], { expectedRevision: 'no-stream' });

      expect((await live).eventId).toBe(events[0]?.eventId);
      expect((await ours.readAll({ after: start })).map((e) => e.eventId)).toEqual([events[0]?.eventId]);
      expect(await ours.headPosition()).toBe(events[0]?.position);
      expect(await ours.readStream(name)).toEqual(events);
      // On the server the stream carries the prefix, and the other deployment's is separate.
      expect((await raw?.readStream(`ledger-${name}`, 0n))?.map((e) => e.id)).toEqual([events[0]?.eventId]);
      expect(await raw?.readStream(`ledger2-${name}`, 0n)).toHaveLength(1);
    });

    it("records the server's commit (= prepare) position and created time, to the second", async () => {
      const store = open();
      const name = `positions-${randomUUID()}`;
      const { events } = await store.appendToStream(name, [event(), event(), event()], {
        expectedRevision: 'no-stream',
      });
      const onServer = (await raw?.readStream(`ledger-${name}`, 0n)) ?? [];
      expect(onServer.map((e) => e.position?.commit)).toEqual(events.map((e) => e.position));
      expect(onServer.every((e) => e.position?.commit === e.position?.prepare)).toBe(true);
      expect(onServer.map((e) => recordedTime(e.created))).toEqual(events.map((e) => e.recordedAt));
    });

    it('answers a retry from the stored events, and the server stores nothing more', async () => {
      const store = open();
      const name = `retry-${randomUUID()}`;
      const batch = [event('A'), event('B')];
      const first = await store.appendToStream(name, batch, { expectedRevision: 'no-stream' });
      const again = await Promise.all(
        [0, 1, 2].map(() => store.appendToStream(name, batch, { expectedRevision: 'no-stream' })),
      );
      expect(again.every((r) => r.duplicate)).toBe(true);
      expect(await raw?.readStream(`ledger-${name}`, 0n)).toHaveLength(2);
      expect(again[0]?.events).toEqual(first.events);
    });

    it('delivers a subscription in order to each of two stores on the same server', async () => {
      const [a, b] = [open(), open()];
      const prefix = `fanout-${randomUUID()}`;
      const start = await a.headPosition();
      const seen = [a, b].map((s) =>
        firstValueFrom(
          s.subscribeToAll({ after: start }).pipe(
            where((e) => e.streamName.startsWith(prefix)),
            take(20),
            toArray(),
          ),
        ),
      );
      const written = [];
      for (let i = 0; i < 20; i += 1) {
        written.push(
          ...(await (i % 2 ? a : b).appendToStream(`${prefix}-${i % 3}`, [event()], { expectedRevision: 'any' }))
            .events,
        );
      }
      for (const received of await Promise.all(seen))
        expect(received.map((e) => e.eventId)).toEqual(written.map((e) => e.eventId));
    });
  });
};

if (noEngine === undefined) {
  describe(`kurrentdb adapter on a REAL KurrentDB server (${IMAGE} in a container)`, suites);
} else {
  console.warn(
    `SKIPPED kurrentdb conformance on a real server: no container engine (${noEngine}); needs Docker or Podman`,
  );
  describe.skip(
    'kurrentdb adapter on a REAL KurrentDB server: SKIPPED, no container engine (needs Docker or Podman)',
    suites,
  );
}
