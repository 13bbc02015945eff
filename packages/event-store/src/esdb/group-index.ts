// The stream-group index: for every group root, one stream on the server (outside the deployment's prefix) that lists
// the root's children, `root.<anything>`. Every append that creates a stream also adds it to the index of each group
// it belongs to, in the same AppendRecords commit (append.ts). So a group is read stream by stream, never by scanning
// `$all`, and an approval can check every stream of its group, and the index itself, in the commit that records it:
// a child created meanwhile changes the index, and the check fails.
import { randomUUID } from 'node:crypto';
import { inStreamGroup } from '../port.ts';
import type { KurrentConnection } from './client.ts';
import { ancestorsOf, fromServerStream, groupIndexMarker, groupIndexStream } from './mapping.ts';
import type { ServerRecord } from './records.ts';

const ENTRY_TYPE = 'StreamAddedToGroup';
const MARKER_TYPE = 'GroupIndexComplete';
/** Index entries written per AppendRecords call while filling the index of an existing log. */
const FILL_BATCH = 500;
/** Streams of a group read at once. */
export const READ_CONCURRENCY = 16;

export interface GroupIndex {
  /** The children of the root, each once, in the order they were created. */
  members: string[];
  /** The index stream's last revision: what an approval checks. */
  revision: bigint | 'no-stream';
}

const memberOf = (data: unknown): string | undefined =>
  typeof data === 'object' && data !== null && typeof (data as { stream?: unknown }).stream === 'string'
    ? (data as { stream: string }).stream
    : undefined;

/** The records that add a new stream `name` to the index of every group it is a child of. */
export const indexEntries = (prefix: string, name: string): ServerRecord[] =>
  ancestorsOf(name).map((root) => ({
    stream: groupIndexStream(prefix, root),
    id: randomUUID(),
    type: ENTRY_TYPE,
    data: { stream: name },
    properties: {},
  }));

export const readGroupIndex = async (c: KurrentConnection, prefix: string, root: string): Promise<GroupIndex> => {
  const events = await c.readStream(groupIndexStream(prefix, root), 0n);
  const members = new Set<string>();
  for (const e of events) {
    const name = memberOf(e.data);
    if (name !== undefined && name !== root && inStreamGroup(name, root)) members.add(name);
  }
  return { members: [...members], revision: events.at(-1)?.revision ?? 'no-stream' };
};

/** Runs `work` over `items`, at most `limit` at a time, keeping their order in the answer. */
export const mapLimited = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
};

/**
 * Makes sure every stream of the deployment is in the index. A log written before the index existed (this adapter's
 * earlier versions) is scanned once, with the server's stream-name filter, and the missing entries are written; the
 * marker then says it is done, so later starts only read the marker. Streams created meanwhile by this version index
 * themselves; a stream listed twice (two processes filling at once) is read once. Processes of the earlier version
 * must be stopped first: a stream they create is in no index.
 */
export const ensureGroupIndex = async (c: KurrentConnection, prefix: string): Promise<void> => {
  const marker = groupIndexMarker(prefix);
  if (await c.lastEvent(marker)) return;
  const wanted = new Map<string, Set<string>>();
  for (const event of await c.readAll([prefix], 0n, Infinity)) {
    const name = fromServerStream(prefix, event.streamId);
    for (const root of ancestorsOf(name)) {
      const members = wanted.get(root) ?? new Set<string>();
      members.add(name);
      wanted.set(root, members);
    }
  }
  for (const [root, members] of wanted) {
    const have = new Set((await readGroupIndex(c, prefix, root)).members);
    const missing = [...members].filter((m) => !have.has(m));
    for (let at = 0; at < missing.length; at += FILL_BATCH) {
      const records = missing.slice(at, at + FILL_BATCH).map((name) => ({
        stream: groupIndexStream(prefix, root),
        id: randomUUID(),
        type: ENTRY_TYPE,
        data: { stream: name },
        properties: {},
      }));
      await writeUntilAnswered(c, records);
    }
  }
  const done = { stream: marker, id: randomUUID(), type: MARKER_TYPE, data: { groups: wanted.size }, properties: {} };
  // Violated: another process wrote the marker first, which is as good.
  await c.appendRecords([done], [{ stream: marker, expected: 'no-stream' }]);
};

/** Index entries carry no checks: asking again with the same record ids is the server's idempotent no-op. */
const writeUntilAnswered = async (c: KurrentConnection, records: ServerRecord[]): Promise<void> => {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await c.appendRecords(records, []);
    if (outcome.kind !== 'unknown') return;
    if (attempt >= 10) throw new Error(`could not fill the stream-group index: ${outcome.reason}`);
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
};
