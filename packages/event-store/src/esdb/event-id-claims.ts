// The port stores an event id once in the whole log (DuplicateEventIdError), which is how a reused Idempotency-Key
// landing on another stream is caught. The server checks ids only within one stream, as its idempotency window, so
// each id is claimed in a stream named after it (mapping.ts: claimStreamName), written with a no-stream check in the
// same AppendRecords commit as the events themselves: exactly one writer creates it, on a single node or a cluster,
// and a claim exists exactly when its events do. Each call writes claims under record ids of its own, so a claim
// found later tells whose commit it was: this call's (an answer that was lost), or another's (this call is a retry).
//
// Logs written by this adapter's earlier versions may hold claims whose events never landed (claims were separate
// writes then): such an id is taken as held by its stream, and the append goes on without claiming it again.
import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError, type RecordedEvent } from '../port.ts';
import type { KurrentConnection } from './client.ts';
import { claimStreamName, findRetry } from './mapping.ts';
import type { ServerRecord, StateCheck } from './records.ts';

const CLAIM_TYPE = 'EventIdClaimed';

const ownerOf = (data: unknown): string | undefined =>
  typeof data === 'object' && data !== null && typeof (data as { stream?: unknown }).stream === 'string'
    ? (data as { stream: string }).stream
    : undefined;

export interface Claims {
  /** The claim records and their no-stream checks, for the ids not already held. */
  records(held: ReadonlySet<string>): { records: ServerRecord[]; checks: StateCheck[] };
  /** Whether `stream` is one of these claims' streams. */
  isClaimStream(stream: string): boolean;
  /**
   * What the claims stored on the server say about this append (see Resolution). `existing`: the claim streams the
   * server found already there (its violated checks), when it answered; the others it found absent.
   */
  resolve(
    held: ReadonlySet<string>,
    existing: ReadonlySet<string> | undefined,
    readStream: () => Promise<RecordedEvent[]>,
  ): Promise<Resolution>;
}

/**
 * `ours`: this call's commit landed (its answer was lost). `stored`: another commit stored these very events, in
 * order, in this stream: a retry. `pending`: a claim the server has is not readable yet (not yet replicated), or,
 * with no answer from the server, none is readable: look again later. `held`: claims of an earlier version of this adapter own these ids for this stream, but their
 * events are not in it. Ids stored anywhere else throw DuplicateEventIdError.
 */
export type Resolution =
  | { kind: 'ours' }
  | { kind: 'stored'; events: RecordedEvent[] }
  | { kind: 'pending' }
  | { kind: 'held'; ids: string[] };

export const eventIdClaims = (
  c: KurrentConnection,
  prefix: string,
  streamName: string,
  ids: readonly string[],
): Claims => {
  const streams = ids.map((id) => claimStreamName(prefix, id));
  const claimIds = ids.map(() => randomUUID());
  const all = new Set(streams);
  return {
    records: (held) => {
      const records: ServerRecord[] = [];
      const checks: StateCheck[] = [];
      ids.forEach((id, i) => {
        if (held.has(id)) return;
        const stream = streams[i] ?? '';
        records.push({ stream, id: claimIds[i] ?? '', type: CLAIM_TYPE, data: { stream: streamName }, properties: {} });
        checks.push({ stream, expected: 'no-stream' });
      });
      return { records, checks };
    },

    isClaimStream: (stream) => all.has(stream),

    resolve: async (held, existing, readStream) => {
      const asked = streams.filter((stream, i) => !held.has(ids[i] ?? '') && (existing?.has(stream) ?? true));
      const found = await Promise.all(
        streams.map(async (stream) => (asked.includes(stream) ? (await c.readStream(stream, 0n, 1))[0] : undefined)),
      );
      const foreign = found.findIndex((claim) => claim !== undefined && ownerOf(claim.data) !== streamName);
      if (foreign >= 0) throw new DuplicateEventIdError(ids[foreign] ?? '');
      const readable = found.filter((claim) => claim !== undefined).length;
      if (existing ? readable < asked.length : readable === 0) return { kind: 'pending' };
      if (found.some((claim, i) => claim?.id === claimIds[i])) return { kind: 'ours' };
      const retry = findRetry(await readStream(), ids);
      if (retry.kind === 'stored') return { kind: 'stored', events: retry.events };
      if (retry.kind === 'elsewhere') throw new DuplicateEventIdError(retry.eventId);
      return { kind: 'held', ids: ids.filter((_, i) => found[i] !== undefined) };
    },
  };
};
