// Group commit: the appends queued while the previous commit was in flight go to the database together, as one
// call of `<schema>.append_batch` (migrations.ts): one statement, one implicit transaction, one WAL flush.
import type pg from 'pg';
import { ConcurrencyError, DuplicateEventIdError, type AppendOptions, type RecordedEvent } from '../port.ts';
import { eventColumns, toRecordedEvent, type EventRow } from './rows.ts';

import type { PendingAppend } from '../pending-append.ts';

export type { PendingAppend };

type Outcome = 'ok' | 'duplicate' | 'wrong-expected-revision' | 'group-changed' | 'duplicate-event-id';
/** One row of append_batch per append: outcome, stream revision, first position, recorded time, conflicting id. */
type OutcomeRow = [Outcome, bigint, bigint | null, string | null, string | null];

/** 'any' -> NULL, 'no-stream' -> -1; a number that cannot be a revision can never match (as in SQLite). */
const encodeExpected = (expected: AppendOptions['expectedRevision']): string | null => {
  if (expected === 'any') return null;
  if (expected === 'no-stream') return '-1';
  return Number.isSafeInteger(expected) && expected >= 0 ? String(expected) : '-2';
};

/** 1-based index of the first event id that repeats an earlier one of the same append, 0 when none does. */
const firstRepeat = (events: PendingAppend['events']): number => {
  const seen = new Set<string>();
  for (const [index, { event }] of events.entries()) {
    if (seen.has(event.eventId)) return index + 1;
    seen.add(event.eventId);
  }
  return 0;
};

/** The arguments of append_batch, in its parameter order: per-append arrays, then the flattened events. */
const encode = (batch: readonly PendingAppend[]): unknown[] => {
  const streams: string[] = [];
  const expected: (string | null)[] = [];
  const roots: (string | null)[] = [];
  const after: (string | null)[] = [];
  const counts: number[] = [];
  const repeats: number[] = [];
  const ids: string[] = [];
  const types: string[] = [];
  const datas: string[] = [];
  const metas: string[] = [];
  for (const { streamName, events, options } of batch) {
    streams.push(streamName);
    expected.push(encodeExpected(options.expectedRevision));
    roots.push(options.unchangedGroup?.streamPrefix ?? null);
    after.push(options.unchangedGroup ? String(options.unchangedGroup.afterPosition) : null);
    counts.push(events.length);
    repeats.push(firstRepeat(events));
    for (const { event, dataJson, metadataJson } of events) {
      ids.push(event.eventId);
      types.push(event.type);
      datas.push(dataJson);
      metas.push(metadataJson);
    }
  }
  return [streams, expected, roots, after, counts, repeats, ids, types, datas, metas];
};

export interface BatchCommitter {
  /** Commits the batch and settles every append in it; rejects only if the statement as a whole failed. */
  (batch: readonly PendingAppend[]): Promise<void>;
}

export const createBatchCommitter = (pool: pg.Pool, schema: string): BatchCommitter => {
  const appendQuery = {
    name: `${schema}-append-batch`,
    text: `SELECT * FROM ${schema}.append_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    rowMode: 'array' as const,
  };
  const byIdsQuery = {
    name: `${schema}-events-by-ids`,
    text: `SELECT ${eventColumns} FROM ${schema}.events WHERE event_id = ANY($1::text[])`,
    rowMode: 'array' as const,
  };

  /** The events an idempotent retry finds already stored: read after the commit, they never change. */
  const storedEvents = async (ids: string[]): Promise<Map<string, RecordedEvent>> => {
    if (ids.length === 0) return new Map();
    const { rows } = await pool.query<EventRow>({ ...byIdsQuery, values: [ids] });
    return new Map(rows.map((row) => [row[1], toRecordedEvent(row)]));
  };

  return async (batch) => {
    const { rows } = await pool.query<OutcomeRow>({ ...appendQuery, values: encode(batch) });
    const retried = batch.flatMap((pending, i) =>
      rows[i]?.[0] === 'duplicate' ? pending.events.map((e) => e.event.eventId) : [],
    );
    let stored = new Map<string, RecordedEvent>();
    let readError: unknown;
    try {
      stored = await storedEvents(retried);
    } catch (error) {
      readError = error; // fails only the retries: the other appends are committed and settled as usual
    }
    for (const [i, pending] of batch.entries()) {
      const row = rows[i];
      if (row) settle(pending, row, stored, readError);
      else pending.reject(new Error('append_batch returned no outcome for this append'));
    }
  };
};

const settle = (
  pending: PendingAppend,
  row: OutcomeRow,
  stored: Map<string, RecordedEvent>,
  readError: unknown,
): void => {
  const [outcome, streamRevision, firstPosition, recordedAt, conflictId] = row;
  const { streamName, events, options } = pending;
  const nextRevision = Number(streamRevision);
  const actual = nextRevision < 0 ? 'no-stream' : nextRevision;
  switch (outcome) {
    case 'ok': {
      const first = nextRevision - events.length + 1;
      pending.resolve({
        duplicate: false,
        nextRevision,
        events: events.map(({ event }, i) => ({
          eventId: event.eventId,
          streamName,
          revision: first + i,
          position: (firstPosition ?? 0n) + BigInt(i),
          type: event.type,
          // The caller's own objects, as the SQLite adapter does: the stored JSON is their serialisation.
          data: event.data,
          metadata: event.metadata,
          recordedAt: recordedAt ?? '',
        })),
      });
      return;
    }
    case 'duplicate': {
      const found = events.map(({ event }) => stored.get(event.eventId));
      if (found.every((e) => e !== undefined)) pending.resolve({ duplicate: true, nextRevision, events: found });
      else pending.reject(readError ?? new Error(`the stored events of a retry on ${streamName} were not found`));
      return;
    }
    case 'wrong-expected-revision':
    case 'group-changed':
      pending.reject(new ConcurrencyError(streamName, options.expectedRevision, actual, outcome));
      return;
    case 'duplicate-event-id':
      pending.reject(new DuplicateEventIdError(conflictId ?? ''));
      return;
    default: {
      const unknown: never = outcome;
      pending.reject(new Error(`append_batch returned an unknown outcome ${String(unknown)}`));
    }
  }
};
