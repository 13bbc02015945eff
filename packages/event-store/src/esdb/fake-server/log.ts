// TEST DOUBLE. The log of the fake KurrentDB server (fake-server/grpc.ts): what a write is checked against and what a
// read sees, after KurrentDB 26.1's own rules as its source states them (IndexWriter.CheckCommit,
// StorageWriterService.VerifyCommitChecks, StreamsService.AppendRecords): expected versions and idempotency are
// checked against every written record, replicated or not; a write whose records all match ones already written is
// the server's no-op if those are replicated and is silently dropped (no answer at all) if they are not yet. Records
// are committed (replicated to a quorum) in log order, as the replication checkpoint moves, and only then answered
// and readable; a follower reads them `lagMs` later. Not a server: no persistence, scavenging, deletes, or the old
// TCP API's transactions.

export const ANY = -2n;
export const EXISTS = -4n;

export interface StoredRecord {
  stream: string;
  id: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  data: Buffer;
  /** The custom metadata a v1 reader gets (for records written with properties: those, as JSON). */
  metadata: Buffer;
  created: Date;
  position: bigint;
  /** When the commit checkpoint passed it; undefined while it is only written. */
  committedAt: number | undefined;
}

export interface ProposedRecord {
  id: string;
  type: string;
  isJson: boolean;
  data: Buffer;
  metadata: Buffer;
}

/** One stream of a write: its expected version (ANY when only written) and its records (none when only checked). */
export interface StreamWrite {
  stream: string;
  expected: bigint;
  records: { index: number; record: ProposedRecord }[];
}

export type WriteDecision =
  | { kind: 'dropped' }
  | { kind: 'failed'; failures: { streamIndex: number; expected: bigint; actual: bigint }[] }
  | { kind: 'already'; revisions: Map<string, bigint> }
  | { kind: 'written'; records: StoredRecord[]; revisions: Map<string, bigint>; committed: Promise<void> };

type Decision = 'ok' | 'failure' | 'idempotent' | 'not-ready' | 'corrupted';

export interface FakeLog {
  /** Every record written, committed or not, in log (position) order. */
  readonly records: readonly StoredRecord[];
  /** Checks and, if every check passes, writes (uncommitted). Records are in request order across streams. */
  write(streams: readonly StreamWrite[], order: readonly { stream: string; record: ProposedRecord }[]): WriteDecision;
  /** The write is replicated: the commit checkpoint may now pass its records (once every earlier record's is). */
  replicated(records: readonly StoredRecord[]): void;
  /** How many records, from the start of the log, a node sees now (a follower: committed at least `lagMs` ago). */
  visibleCount(lagMs: number): number;
  /** Index of the record at `position`, or of the end of the log; undefined if it is not a record boundary. */
  indexOf(position: bigint): number | undefined;
  streamRecords(stream: string, lagMs: number): StoredRecord[];
  onCommit(listener: () => void): () => void;
}

export const createFakeLog = (clock: () => Date): FakeLog => {
  const records: StoredRecord[] = [];
  const streams = new Map<string, StoredRecord[]>();
  const byId = new Map<string, StoredRecord>(); // the server's cache of recent event ids, written or committed
  const byPosition = new Map<bigint, number>();
  const ready = new Set<StoredRecord>();
  const waiting: { last: StoredRecord; resolve: () => void }[] = [];
  const listeners = new Set<() => void>();
  let committed = 0; // the commit checkpoint: records[0..committed) are committed
  let next = 4_096n;

  const current = (stream: string): bigint => BigInt((streams.get(stream)?.length ?? 0) - 1);

  const decide = (write: StreamWrite): Decision => {
    const cur = current(write.stream);
    const ids = write.records.map((r) => r.record.id);
    const { expected } = write;
    if (expected === EXISTS && cur < 0n) return 'failure';
    if (expected === ANY || expected === EXISTS) {
      // Weak idempotency: the ids are looked up among recent writes to this stream.
      let found = 0;
      let allCommitted = true;
      for (const id of ids) {
        const at = byId.get(id);
        if (!at || at.stream !== write.stream) return found === 0 ? 'ok' : 'corrupted';
        found += 1;
        allCommitted &&= at.committedAt !== undefined;
      }
      if (found === 0) return 'ok';
      return allCommitted ? 'idempotent' : 'not-ready';
    }
    if (expected < cur) {
      // Strong idempotency: the ids must be the events right after the expected version.
      if (ids.length === 0) return 'failure';
      const stream = streams.get(write.stream) ?? [];
      let allCommitted = true;
      for (const [i, id] of ids.entries()) {
        const at = stream[Number(expected) + 1 + i];
        if (at?.id !== id) return i === 0 ? 'failure' : 'corrupted';
        allCommitted &&= at.committedAt !== undefined;
      }
      return allCommitted ? 'idempotent' : 'not-ready';
    }
    return expected > cur ? 'failure' : 'ok';
  };

  const advance = (): void => {
    const before = committed;
    const now = Date.now();
    for (let r = records[committed]; r && ready.has(r); r = records[committed]) {
      ready.delete(r);
      r.committedAt = now;
      committed += 1;
    }
    if (committed === before) return;
    for (let i = waiting.length - 1; i >= 0; i -= 1) {
      const w = waiting[i];
      if (w && w.last.committedAt !== undefined) {
        waiting.splice(i, 1);
        w.resolve();
      }
    }
    for (const listener of [...listeners]) listener();
  };

  const lastOf = (write: StreamWrite): bigint => {
    const last = write.records.at(-1);
    return (last && byId.get(last.record.id)?.revision) ?? current(write.stream);
  };

  return {
    records,
    write: (writes, order) => {
      const decisions = writes.map(decide);
      // VerifyCommitChecks: one stream whose identical records are not yet replicated drops the whole write.
      if (decisions.includes('not-ready')) return { kind: 'dropped' };
      if (decisions.every((d) => d === 'ok')) {
        const revisions = new Map<string, bigint>();
        const written: StoredRecord[] = [];
        const created = clock();
        for (const { stream, record } of order) {
          const list = streams.get(stream) ?? [];
          const stored: StoredRecord = {
            stream,
            ...record,
            revision: BigInt(list.length),
            created,
            position: next,
            committedAt: undefined,
          };
          next += 64n + BigInt(record.data.length + record.metadata.length + record.type.length);
          list.push(stored);
          streams.set(stream, list);
          byPosition.set(stored.position, records.length);
          records.push(stored);
          written.push(stored);
          byId.set(record.id, stored);
          revisions.set(stream, stored.revision);
        }
        const last = written.at(-1);
        const done = new Promise<void>((resolve) => (last ? waiting.push({ last, resolve }) : resolve()));
        return { kind: 'written', records: written, revisions, committed: done };
      }
      // All written streams idempotent: a retry of a write that succeeded, answered as it was (check-only streams
      // that fail do not matter then).
      const writing = writes.filter((w) => w.records.length > 0);
      const idempotent = writes.filter((_, i) => decisions[i] === 'idempotent');
      if (writing.length > 0 && idempotent.length === writing.length) {
        return { kind: 'already', revisions: new Map(writing.map((w) => [w.stream, lastOf(w)])) };
      }
      const failures = writes.flatMap((w, streamIndex) =>
        decisions[streamIndex] === 'ok' ? [] : [{ streamIndex, expected: w.expected, actual: current(w.stream) }],
      );
      return { kind: 'failed', failures };
    },
    replicated: (written) => {
      for (const r of written) ready.add(r);
      advance();
    },
    visibleCount: (lagMs) => {
      if (lagMs <= 0) return committed;
      const horizon = Date.now() - lagMs;
      let n = committed;
      while (n > 0 && (records[n - 1]?.committedAt ?? Infinity) > horizon) n -= 1;
      return n;
    },
    indexOf: (position) => (position === next ? records.length : byPosition.get(position)),
    streamRecords: (stream, lagMs) => {
      const horizon = Date.now() - lagMs;
      return (streams.get(stream) ?? []).filter((r) => r.committedAt !== undefined && r.committedAt <= horizon);
    },
    onCommit: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
