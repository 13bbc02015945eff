// Group commit for the KurrentDB adapter: appends under way at the same time share one AppendRecords call, one at a
// time in flight, as the SQLite and PostgreSQL adapters share a transaction (PERFORMANCE.md). AppendRecords is all or
// nothing, so a batch holds only appends whose streams are disjoint (compared as the server compares them, ignoring
// case), and the answer is taken apart: violated checks belong to the appends that made them, and the others, not
// written because of them, go into the next batch. No answer leaves each append's outcome open, as it would alone:
// each looks it up with its claims, and asking again alone is the server's no-op if the batch landed, because the
// server takes a write as already done when all the streams it writes hold those very records.
import type { AppendOutcome, KurrentConnection, Violation } from './client.ts';
import type { ServerEvent } from './mapping.ts';
import type { ServerRecord, StateCheck } from './records.ts';

export type Committed =
  | {
      kind: 'written';
      revisions: ReadonlyMap<string, bigint>;
      /** The newest `limit` events of the log, read once for the batch when `limit` allows. */
      newest: (limit: number) => Promise<ServerEvent[]>;
    }
  | { kind: 'violated'; violations: readonly Violation[] }
  | { kind: 'unknown'; reason: string };

/** Most appends and records one AppendRecords call carries, and about how many bytes of data. */
const MAX_APPENDS = 64;
const MAX_RECORDS = 1_000;
const MAX_BYTES = 1024 * 1024;

interface Pending {
  records: readonly ServerRecord[];
  checks: readonly StateCheck[];
  /** The port's events among the records, for the batch's read of the newest events. */
  events: number;
  streams: Set<string>;
  bytes: number;
  /** Sent alone: a batch that held it failed for a reason other than a check. */
  alone: boolean;
  resolve(outcome: Committed): void;
  reject(error: unknown): void;
}

export interface GroupCommit {
  commit: (records: readonly ServerRecord[], checks: readonly StateCheck[], events: number) => Promise<Committed>;
}

export const groupCommit = (
  c: KurrentConnection,
  readNewest: (limit: number) => Promise<ServerEvent[]>,
  /** Events of others that may come after a batch before it reads the newest, plus the LOOKBACK before it. */
  slack: number,
): GroupCommit => {
  const queue: Pending[] = [];
  let running = false;

  const take = (): Pending[] => {
    const first = queue.shift();
    if (!first) return [];
    const batch = [first];
    if (first.alone) return batch;
    const streams = new Set(first.streams);
    let [records, bytes] = [first.records.length, first.bytes];
    for (let i = 0; i < queue.length && batch.length < MAX_APPENDS;) {
      const p = queue[i] as Pending;
      const fits = records + p.records.length <= MAX_RECORDS && bytes + p.bytes <= MAX_BYTES;
      if (p.alone || !fits || [...p.streams].some((s) => streams.has(s))) {
        i += 1;
        continue;
      }
      queue.splice(i, 1);
      batch.push(p);
      for (const s of p.streams) streams.add(s);
      records += p.records.length;
      bytes += p.bytes;
    }
    return batch;
  };

  const settle = (batch: Pending[], outcome: AppendOutcome): void => {
    if (outcome.kind === 'unknown') {
      for (const p of batch) p.resolve(outcome);
      return;
    }
    if (outcome.kind === 'written') {
      const limit = batch.reduce((n, p) => n + p.events, 0) + slack;
      let shared: Promise<ServerEvent[]> | undefined;
      const newest = (wanted: number): Promise<ServerEvent[]> =>
        wanted <= limit ? (shared ??= readNewest(limit)) : readNewest(wanted);
      for (const p of batch) p.resolve({ kind: 'written', revisions: outcome.revisions, newest });
      return;
    }
    const retry: Pending[] = [];
    for (const p of batch) {
      const own = outcome.violations.filter((v) => p.streams.has(v.stream.toLowerCase()));
      if (outcome.violations.length === 0)
        p.resolve({ kind: 'unknown', reason: 'refused, without saying which check' });
      else if (own.length > 0) p.resolve({ kind: 'violated', violations: own });
      else retry.push(p); // not written only because another append of the batch was refused
    }
    queue.unshift(...retry);
  };

  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      for (let batch = take(); batch.length > 0; batch = take()) {
        try {
          const records = batch.flatMap((p) => p.records);
          settle(
            batch,
            await c.appendRecords(
              records,
              batch.flatMap((p) => p.checks),
            ),
          );
        } catch (error) {
          if (batch.length === 1) batch[0]?.reject(error);
          else queue.unshift(...batch.map((p) => ({ ...p, alone: true }))); // whose was it? each alone tells
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    commit: (records, checks, events) =>
      new Promise<Committed>((resolve, reject) => {
        const streams = new Set(
          [...records.map((r) => r.stream), ...checks.map((k) => k.stream)].map((s) => s.toLowerCase()),
        );
        const bytes = records.reduce((n, r) => n + JSON.stringify(r.data).length, 0);
        queue.push({ records, checks, events, streams, bytes, alone: false, resolve, reject });
        void run();
      }),
  };
};
