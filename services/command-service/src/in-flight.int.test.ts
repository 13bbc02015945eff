// The in-flight overlay on a real SQLite store: events handed to the store and not yet committed are shown after the
// committed ones, to a page read forwards as to a read from the end backwards (newest first).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createSqliteEventStore, type EventStore, type NewEvent } from '@csu-ledger/event-store';
import { createInFlight } from './in-flight.ts';

const ev = (i: number): NewEvent => ({ eventId: randomUUID(), type: 'Counted', data: { i }, metadata: {} });

it('shows events in flight to pages read forwards and to reads backwards from the end or a revision', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'csu-ledger-in-flight-'));
  const store = createSqliteEventStore(join(dir, 'events.db'));
  try {
    await store.appendToStream('s', [ev(0), ev(1)], { expectedRevision: 'no-stream' });
    // The store takes the append only when let through: until then its events are in flight.
    let letThrough!: () => void;
    const gate = new Promise<void>((resolve) => (letThrough = resolve));
    const held: EventStore = { ...store, appendToStream: async (...args) => (await gate, store.appendToStream(...args)) };
    const inFlight = createInFlight(held);
    const appended = inFlight.append('s', [ev(2), ev(3)], { expectedRevision: 1 });
    const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
      (await inFlight.store.readStream('s', options)).map((e) => e.revision);

    expect(await revisions({})).toEqual([0, 1, 2, 3]);
    expect(await revisions({ maxCount: 3 })).toEqual([0, 1, 2]);
    expect(await revisions({ fromRevision: 1, maxCount: 2 })).toEqual([1, 2]);
    expect(await revisions({ direction: 'backwards' })).toEqual([3, 2, 1, 0]);
    expect(await revisions({ direction: 'backwards', maxCount: 3 })).toEqual([3, 2, 1]);
    expect(await revisions({ direction: 'backwards', fromRevision: 2 })).toEqual([2, 1, 0]);
    expect(await revisions({ direction: 'backwards', fromRevision: 0 })).toEqual([0]);
    letThrough();
    await appended;
    expect(await revisions({ direction: 'backwards', maxCount: 2 })).toEqual([3, 2]);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
