// Exported history as NDJSON: one event a line, in global order, with its hashes (in metadata.integrity) and its
// position as a decimal string, so that `verifyNdjson` can check it offline, without the service or the store.
import type { KeyObject } from 'node:crypto';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { createVerifier, type Problem, type Verdict } from './verify.ts';

export const toNdjsonLine = (e: RecordedEvent): string =>
  JSON.stringify({
    position: e.position.toString(),
    eventId: e.eventId,
    streamName: e.streamName,
    revision: e.revision,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    recordedAt: e.recordedAt,
  });

/** One line back to an event, or why it is not one. */
export const parseNdjsonLine = (text: string): RecordedEvent | string => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'it is not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.position !== 'string' || !/^\d{1,20}$/.test(v.position)) return 'its position is not a decimal string';
  if (typeof v.eventId !== 'string') return 'it has no eventId';
  if (typeof v.streamName !== 'string') return 'it has no streamName';
  if (!Number.isSafeInteger(v.revision) || (v.revision as number) < 0) return 'its revision is not a whole number';
  if (typeof v.type !== 'string') return 'it has no type';
  if (!('data' in v)) return 'it has no data';
  if (v.metadata === null || typeof v.metadata !== 'object' || Array.isArray(v.metadata)) return 'its metadata is not an object';
  if (typeof v.recordedAt !== 'string') return 'it has no recordedAt';
  return {
    position: BigInt(v.position),
    eventId: v.eventId,
    streamName: v.streamName,
    revision: v.revision as number,
    type: v.type,
    data: v.data,
    metadata: v.metadata as Record<string, unknown>,
    recordedAt: v.recordedAt,
  };
};

/**
 * Checks an exported file's lines: each stream present whole from revision 0 and chained, each signature valid and
 * matching the heads of the streams present. Problems name the line too.
 */
export const verifyNdjson = async (lines: AsyncIterable<string> | Iterable<string>, publicKey: KeyObject | undefined): Promise<Verdict> => {
  const verifier = createVerifier(publicKey, { partial: true });
  const lineOf = new Map<bigint, number>();
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.trim() === '') continue;
    const event = parseNdjsonLine(text);
    if (typeof event === 'string') {
      const problem: Problem = { kind: 'altered', streamName: '', revision: -1, position: -1n, detail: `line ${n} is not an exported event: ${event}`, line: n };
      return { ok: false, problem };
    }
    if (!lineOf.has(event.position)) lineOf.set(event.position, n);
    if (!verifier.push(event)) break;
  }
  const verdict = verifier.finish();
  return verdict.ok ? verdict : { ok: false, problem: { ...verdict.problem, line: lineOf.get(verdict.problem.position) } };
};
