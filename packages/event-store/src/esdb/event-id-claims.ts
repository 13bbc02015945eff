// The port stores an event id once in the whole log (DuplicateEventIdError), which is how a reused Idempotency-Key
// landing on another stream is caught. The server checks ids only within one stream, as its idempotency window, so
// each id is claimed first, in a stream named after it (mapping.ts: claimStreamName): creating that stream with
// expected revision no-stream succeeds for exactly one writer, on a single node or a cluster. The claim names the
// stream the id is for; a later claim finds it and either refuses (another stream) or reports a possible retry.
//
// Costs: one small extra write per event, and claims of appends that then failed stay behind. Those only keep the id
// from being used on another stream, which the port forbids anyway.
import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError } from '../port.ts';
import type { EsdbConnection } from './client.ts';
import { claimStreamName } from './mapping.ts';

const CLAIM_TYPE = 'EventIdClaimed';

const ownerOf = (data: unknown): string | undefined =>
  typeof data === 'object' && data !== null && typeof (data as { stream?: unknown }).stream === 'string'
    ? (data as { stream: string }).stream
    : undefined;

/**
 * Claims `ids` (lower case) for `streamName`. Throws DuplicateEventIdError when any is claimed for another stream;
 * resolves true when some were claimed for this stream before (the caller then looks for a retry), else false.
 */
export const claimEventIds = async (
  connection: EsdbConnection,
  prefix: string,
  streamName: string,
  ids: readonly string[],
): Promise<boolean> => {
  const outcomes = await Promise.all(
    ids.map(async (id) => {
      const stream = claimStreamName(prefix, id);
      // A fresh claim id each time: an identical retry of the claim must conflict, not pass as the server's no-op.
      const claim = { eventId: randomUUID(), type: CLAIM_TYPE, data: { stream: streamName }, metadata: {} };
      if ((await connection.append(stream, [claim], 'no-stream')).ok) return { id, owner: streamName, before: false };
      const [first] = await connection.readStream(stream, 0n, 1);
      return { id, owner: ownerOf(first?.data), before: true };
    }),
  );
  const foreign = outcomes.find((o) => o.owner !== streamName);
  if (foreign) throw new DuplicateEventIdError(foreign.id);
  return outcomes.some((o) => o.before);
};
