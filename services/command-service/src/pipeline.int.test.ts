// Issue 15: commands on one stream decide one after another, but the next need not wait for the previous one's
// durable commit: it decides against the events in flight and its append joins the same group commit. Proven on a
// real SQLite store behind a gate that holds appends back, so the order of things is the test's, not the clock's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor, LedgerEvent } from '@csu-ledger/domain';
import { createSqliteEventStore, type AppendOptions, type EventStore, type NewEvent, type RecordedEvent } from '@csu-ledger/event-store';
import { integrityOf } from '@csu-ledger/integrity';
import { createPipeline, type RequestContext } from './pipeline.ts';

const dirs: string[] = [];
const stores: EventStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Held {
  streamName: string;
  events: NewEvent[];
  options: AppendOptions;
  release: (fail?: Error) => void;
}

/** A real store whose appends wait at a gate until the test lets each through (or fails it). */
const gatedStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  dirs.push(dir);
  const real = createSqliteEventStore(join(dir, 'events.db'));
  stores.push(real);
  const held: Held[] = [];
  const waiters: (() => void)[] = [];
  const store: EventStore = {
    ...real,
    appendToStream: (streamName, events, options) =>
      new Promise((resolve, reject) => {
        held.push({
          streamName,
          events,
          options,
          release: (fail) => {
            if (fail) reject(fail);
            else real.appendToStream(streamName, events, options).then(resolve, reject);
          },
        });
        for (const w of waiters.splice(0)) w();
      }),
  };
  /** Resolves once `n` appends have reached the gate. */
  const arrived = (n: number): Promise<void> =>
    held.length >= n ? Promise.resolve() : new Promise((r) => waiters.push(() => void arrived(n).then(r)));
  return { real, store, held, arrived };
};

const actor: Actor = { sub: 'u1', name: 'U', org: '0AX', roles: ['csu'] };
const ctx = (n: number): RequestContext => ({ actor, caller: 'test|0AX|u1', correlationId: `c${n}`, requestHash: `h${n}`, commandId: `cmd-${n}` });
const STREAM = 'organisation-RAX';

/** A command whose decision records how many events it saw before it. */
const command = (store: EventStore, seen: number[]) => ({
  streamName: STREAM,
  load: async () => {
    const streamEvents = await store.readStream(STREAM);
    return { state: streamEvents.length, streamEvents };
  },
  decide: (count: number): LedgerEvent[] => {
    seen.push(count);
    return [{ type: 'OrganisationRenamed', data: { code: 'RAX', name: `Name ${count}`, businessDate: '2025-01-01' } }];
  },
});

describe('the pipeline with appends in flight (issue 15)', () => {
  it('lets the next command decide on the events of one still on its way to the disk, then commits both in order', async () => {
    const { real, store, held, arrived } = gatedStore();
    const pipeline = createPipeline(store);
    const seen: number[] = [];
    const first = pipeline.execute(ctx(1), command(pipeline.store, seen));
    const second = pipeline.execute(ctx(2), command(pipeline.store, seen));
    await arrived(2); // both appends handed over while the first is not yet durable
    expect(seen).toEqual([0, 1]);
    expect(held.map((h) => h.options.expectedRevision)).toEqual(['no-stream', 0]);
    held[0]!.release();
    held[1]!.release();
    const [a, b] = await Promise.all([first, second]);
    expect([a[0]!.revision, b[0]!.revision]).toEqual([0, 1]);
    expect(b[0]!.position > a[0]!.position).toBe(true);
    const stored: RecordedEvent[] = await real.readStream(STREAM);
    expect(integrityOf(stored[1]!.metadata)?.previous).toBe(integrityOf(stored[0]!.metadata)?.hash);
  });

  it('decides the next one again when the one it built on never reaches the disk', async () => {
    const { real, store, held, arrived } = gatedStore();
    const pipeline = createPipeline(store);
    const seen: number[] = [];
    const first = pipeline.execute(ctx(1), command(pipeline.store, seen));
    const second = pipeline.execute(ctx(2), command(pipeline.store, seen));
    await arrived(2);
    held[0]!.release(new Error('disk full'));
    held[1]!.release(); // built on revision 0, which is not there: the store refuses it
    await expect(first).rejects.toThrow('disk full');
    await arrived(3); // decided again, on what is really stored
    expect(seen).toEqual([0, 1, 0]);
    held[2]!.release();
    const b = await second;
    expect(b[0]!.revision).toBe(0);
    expect((await real.readStream(STREAM)).map((e) => (e.data as { name: string }).name)).toEqual(['Name 0']);
  });

  it('answers a retry of a request still in flight only once it is durable, with its real position', async () => {
    const { store, held, arrived } = gatedStore();
    const pipeline = createPipeline(store);
    const seen: number[] = [];
    const keyed = { ...ctx(1), idempotencyKey: 'k-1' };
    const first = pipeline.execute(keyed, command(pipeline.store, seen));
    await arrived(1);
    const retry = pipeline.execute(keyed, command(pipeline.store, seen));
    let answered = false;
    void retry.then(() => (answered = true));
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    held[0]!.release();
    const [a, b] = await Promise.all([first, retry]);
    expect(b).toEqual(a);
    expect(a[0]!.position > 0n).toBe(true);
    expect(seen).toEqual([0]);
  });
});
