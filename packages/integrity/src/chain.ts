// The hash chain (issue 5): every event carries a SHA-256 hash over its canonical content and its predecessor's hash
// in the same stream, in its metadata (which every store keeps), so no adapter needs a schema change.
import { createHash } from 'node:crypto';
import type { NewEvent, RecordedEvent } from '@csu-ledger/event-store';
import { canonicalJson } from './canonical.ts';

/** Where the chain lives in an event's metadata. */
export interface Integrity {
  hash: string;
  /** The hash of the event before it in its stream; null for revision 0. */
  previous: string | null;
}

/** What the hash covers: where the event sits in its stream and everything the writer chose. */
export interface HashedContent {
  streamName: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const HASH = /^[0-9a-f]{64}$/;

/** The event's metadata as hashed: everything but the integrity field itself. */
const withoutIntegrity = (metadata: Record<string, unknown>): Record<string, unknown> => {
  const { integrity: _integrity, ...rest } = metadata;
  return rest;
};

/** SHA-256 (hex) over canonicalJson({ stream, revision, type, data, metadata without integrity, previous }). */
export const eventHash = (event: HashedContent, previousHash: string | null): string =>
  createHash('sha256')
    .update(
      canonicalJson({
        stream: event.streamName,
        revision: event.revision,
        type: event.type,
        data: event.data,
        metadata: withoutIntegrity(event.metadata),
        previous: previousHash,
      }),
    )
    .digest('hex');

/** The event's integrity field when it is well formed; undefined when absent or malformed. */
export const integrityOf = (metadata: Record<string, unknown>): Integrity | undefined => {
  const value = metadata.integrity as { hash?: unknown; previous?: unknown } | null | undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const { hash, previous } = value;
  if (typeof hash !== 'string' || !HASH.test(hash)) return undefined;
  if (previous !== null && !(typeof previous === 'string' && HASH.test(previous))) return undefined;
  return { hash, previous };
};

/**
 * The events to append to `streamName`, each with its link in the chain, continuing from the stream's last stored
 * event (`last`, undefined for a new stream). Pure: the same events after the same predecessor chain the same way,
 * so a retried command produces byte-for-byte the events it produced the first time.
 */
export const chainEvents = (streamName: string, last: RecordedEvent | undefined, events: readonly NewEvent[]): NewEvent[] => {
  let previous = last ? (integrityOf(last.metadata)?.hash ?? null) : null;
  const first = last ? last.revision + 1 : 0;
  return events.map((event, i) => {
    const metadata = withoutIntegrity(event.metadata);
    const hash = eventHash({ streamName, revision: first + i, type: event.type, data: event.data, metadata }, previous);
    const chained: NewEvent = { ...event, metadata: { ...metadata, integrity: { hash, previous } satisfies Integrity } };
    previous = hash;
    return chained;
  });
};
