// TEST DOUBLE: what a test can script in the fake KurrentDB server, as plain data, since the server runs in a worker
// thread of its own (index.ts): the server's settings, and holds that stop a write at one stage until released.

export interface FakeSettings {
  /** Offer AppendRecords (KurrentDB 26.1); false plays an older server, which lists no such method. */
  appendRecords: boolean;
  /** The server's --max-append-size: all records of one call together. */
  maxAppendSize: number;
  /** The server's --max-append-event-size: one record. */
  maxRecordSize: number;
  /** How far behind the leader the follower node's reads are. */
  followerLagMs: number;
  /** The leader's clock against the real one, for the `created` it stamps (negative: behind, as after a failover). */
  clockOffsetMs: number;
}

export const defaultSettings: FakeSettings = {
  appendRecords: true,
  maxAppendSize: 256 * 1024 * 1024, // KurrentDB 26.1's defaults
  maxRecordSize: 16 * 1024 * 1024,
  followerLagMs: 0,
  clockOffsetMs: 0,
};

/**
 * `check`: a write is stopped before its checks (so that another write can overtake it). `commit`: it has passed its
 * checks and is written, but not replicated, so not committed, readable or answered (as with slow replicas); checks
 * and idempotency see it already, and the records written after it are committed only after it.
 */
export type HoldStage = 'check' | 'commit';

/** What the fake counts, for tests to show that a scripted behaviour happened. */
export interface FakeStats {
  /** Writes dropped without an answer (identical records not yet replicated: the server's IdempotentNotReady). */
  dropped: number;
  /** Reads refused by the follower because they required the leader. */
  followerRefusals: number;
  /** Reads of `$all` (not subscriptions), and those of them that started at the beginning of the log. */
  allReads: number;
  allReadsFromStart: number;
}

export interface Holds {
  add(streamPrefix: string, stage: HoldStage): void;
  /** Resolves when a write touching `streams` may go on past `stage`: at once, or when its hold is released. */
  pass(streams: readonly string[], stage: HoldStage): Promise<void>;
  release(streamPrefix: string): void;
}

export const createHolds = (onHeld: (streamPrefix: string) => void): Holds => {
  const holds = new Map<string, { stage: HoldStage; waiting: (() => void)[] }>();
  return {
    add: (streamPrefix, stage) => void holds.set(streamPrefix, { stage, waiting: [] }),
    pass: (streams, stage) => {
      const held = [...holds].find(([prefix, h]) => h.stage === stage && streams.some((s) => s.startsWith(prefix)));
      if (!held) return Promise.resolve();
      const [prefix, hold] = held;
      onHeld(prefix);
      return new Promise<void>((resolve) => hold.waiting.push(resolve));
    },
    release: (streamPrefix) => {
      const hold = holds.get(streamPrefix);
      holds.delete(streamPrefix);
      for (const resolve of hold?.waiting ?? []) resolve();
    },
  };
};
