// The one decode step between the store and everything above it (issue 12): a stored record becomes a typed domain
// event only here, validated against its schema after older versions are lifted to the current shape. The command
// loaders, the projector, time travel, export and verify all read through it; nothing casts a stored record.
import type { LedgerEventType, StoredLedgerEvent } from '../events.ts';
import { EVENT_DATA, EVENT_FIELDS, EVENT_METADATA } from './schemas.ts';
import { currentVersion, liftMetadata, UPCASTERS } from './versions.ts';

/** A stored record as any store hands it over (the event-store port's RecordedEvent, structurally). */
export interface StoredRecord {
  eventId: string;
  streamName: string;
  revision: number;
  position: bigint;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: string;
}

/** A stored event that cannot be read as any version of its type: where it is and why, never a crash in a fold. */
export class DecodeError extends Error {
  readonly streamName: string;
  readonly revision: number;
  readonly position: bigint;
  readonly eventType: string;
  constructor(record: StoredRecord, reason: string) {
    super(`cannot read ${record.type} at ${record.streamName} revision ${record.revision} (position ${record.position}): ${reason}`);
    this.name = 'DecodeError';
    this.streamName = record.streamName;
    this.revision = record.revision;
    this.position = record.position;
    this.eventType = record.type;
  }
}

export const isLedgerEventType = (type: string): type is LedgerEventType => Object.hasOwn(EVENT_DATA, type);

const describe = (issues: { path: PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(data)'}: ${i.message}`)
    .join('; ');

/** The record as a domain event of the current version; DecodeError when it is not one of ours or is malformed. */
export const decodeLedgerEvent = (record: StoredRecord): StoredLedgerEvent => {
  const type = record.type;
  if (!isLedgerEventType(type)) throw new DecodeError(record, 'not an event type of this ledger');
  const meta = EVENT_METADATA.safeParse(liftMetadata(record.metadata));
  if (!meta.success) throw new DecodeError(record, `metadata ${describe(meta.error.issues)}`);
  const version = meta.data.schemaVersion ?? 1;
  const current = currentVersion(type);
  if (version > current) throw new DecodeError(record, `version ${version} is newer than this code reads (${current})`);
  if (record.data === null || typeof record.data !== 'object' || Array.isArray(record.data)) {
    const found = record.data === null ? 'null' : Array.isArray(record.data) ? 'an array' : typeof record.data;
    throw new DecodeError(record, `data is ${found}, not an object`);
  }
  let data = record.data as Record<string, unknown>;
  for (const lift of UPCASTERS[type].slice(version - 1)) data = lift(data);
  const fields = EVENT_FIELDS[type];
  for (const key in data) if (!fields.has(key)) throw new DecodeError(record, `version ${version}: unknown field ${JSON.stringify(key)}`);
  const parsed = EVENT_DATA[type].safeParse(data);
  if (!parsed.success) throw new DecodeError(record, `version ${version}: ${describe(parsed.error.issues)}`);
  return {
    type,
    data: parsed.data,
    eventId: record.eventId,
    streamName: record.streamName,
    revision: record.revision,
    position: record.position,
    recordedAt: record.recordedAt,
    metadata: meta.data,
  } as StoredLedgerEvent;
};

/** Whether a record is one of this ledger's events (others — integrity heads, other applications — are skipped). */
export const isLedgerRecord = (record: Pick<StoredRecord, 'type'>): boolean => isLedgerEventType(record.type);
