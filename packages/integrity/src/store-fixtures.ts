// For integration tests: a real SQLite store in a fresh folder, written the way the command service writes.
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEventStore, type EventStore, type RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents } from './chain.ts';

export const tempDir = (label: string): Promise<string> => mkdtemp(join(tmpdir(), `csu-ledger-${label}-`));

/** `clock` fixes recorded times, for tests whose verdict depends on which of two out-of-order checks fires first. */
export const openStore = (dir: string, clock?: () => Date) =>
  createSqliteEventStore(join(dir, 'events.db'), { pollIntervalMs: 1, ...(clock ? { clock } : {}) });

/** A clock one second further on at each call: distinct, increasing recorded times however fast the machine. */
export const steppingClock = (from = Date.parse('2026-04-01T09:00:00.000Z')): (() => Date) => {
  let next = from;
  return () => new Date((next += 1000));
};

/** Appends one chained event at the end of its stream, as pipeline.ts does. */
export const appendChained = async (
  store: EventStore,
  streamName: string,
  type: string,
  data: unknown,
  metadata: Record<string, unknown> = { actor: { sub: 'u1', org: '0AX', role: 'csu' }, correlationId: randomUUID() },
): Promise<RecordedEvent> => {
  const last = (await store.readStream(streamName)).at(-1);
  const result = await store.appendToStream(streamName, chainEvents(streamName, last, [{ eventId: randomUUID(), type, data, metadata }]), {
    expectedRevision: last ? last.revision : 'no-stream',
  });
  return result.events[0]!;
};
