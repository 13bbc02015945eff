// The event-store port: everything the services need from a store, and nothing a particular store adds.
// Adapters (sqlite, postgres, esdb) implement it; `describeEventStore` (conformance.ts) proves each one.
import type { Observable } from 'rxjs';

/** An event as the writer hands it over. The store assigns position and recorded time. */
export interface NewEvent {
  eventId: string; // UUID; deterministic when the command carried an Idempotency-Key
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface RecordedEvent {
  eventId: string;
  streamName: string;
  revision: number; // 0-based position within its stream
  position: bigint; // global position, strictly increasing in commit order, assigned by the store
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: string; // ISO 8601 UTC with milliseconds, assigned by the store, never decreasing
}

/**
 * `'no-stream'`: the stream must not exist. `'any'`: no check. A number: the stream's last revision must be exactly it
 * (so after one event the revision is 0).
 */
export type ExpectedRevision = 'no-stream' | 'any' | number;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /**
   * A second, wider consistency check: refuse the append if any event in a stream named `streamPrefix` or starting
   * with `streamPrefix + '.'` has a global position after `afterPosition`. A settlement approval uses it so that no
   * money item of the contract can slip in between computing the figures and recording them.
   */
  unchangedGroup?: { streamPrefix: string; afterPosition: bigint } | undefined;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextRevision: number;
  /** The appended (or, for an idempotent retry, the already stored) events, in order. */
  events: RecordedEvent[];
  /** True when every event id was already stored in this stream at these revisions: nothing was written. */
  duplicate: boolean;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position after this one. Default: from the start. */
  after?: bigint | undefined;
  maxCount?: number | undefined;
}

/**
 * Reading one stream, modelled on KurrentDB's read options. Forwards (the default): oldest first, from `fromRevision`
 * (default 0). Backwards: newest first, from `fromRevision` inclusive (default the stream's last event) down to 0, so
 * that the tail of a long stream is read without reading the rest (the integrity signer's start, issue 15).
 */
export interface ReadStreamOptions {
  fromRevision?: number | undefined;
  /** At most this many events (a page); default all. */
  maxCount?: number | undefined;
  direction?: 'forwards' | 'backwards' | undefined;
}

export interface ReadGroupOptions {
  /** Exclusive: the group's events with a position after this one. Default: from the start. */
  after?: bigint | undefined;
  /** At most this many events (a page); default all. */
  maxCount?: number | undefined;
}

export interface EventStore {
  /** Appends all the events or none, atomically. */
  appendToStream(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /**
   * The stream's events in revision order (from `fromRevision`, default 0), or newest first when read backwards; at
   * most `maxCount`; [] when it does not exist.
   */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Events of the stream `root` and of every stream named `root.<anything>`, in global order; with `after` and
   * `maxCount`, one page of them, so that a long group can be read without holding it whole.
   */
  readStreamGroup(root: string, options?: ReadGroupOptions): Promise<RecordedEvent[]>;
  /** Events of all streams in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event in the log, 0n when empty. */
  headPosition(): Promise<bigint>;
  /**
   * Catch-up then live: every event after `after`, in global order, each exactly once, then new ones as they are
   * committed (by this process or another). Errors end the observable. Unsubscribing stops it.
   */
  subscribeToAll(options?: { after?: bigint | undefined }): Observable<RecordedEvent>;
  close(): Promise<void>;
}

export type ConcurrencyReason = 'wrong-expected-revision' | 'group-changed';

/** The expected revision (or group) did not hold: someone else wrote first. Callers may reload and retry. */
export class ConcurrencyError extends Error {
  readonly streamName: string;
  readonly expected: ExpectedRevision;
  readonly actual: number | 'no-stream';
  readonly reason: ConcurrencyReason;
  constructor(streamName: string, expected: ExpectedRevision, actual: number | 'no-stream', reason: ConcurrencyReason) {
    super(`${reason} on ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'ConcurrencyError';
    this.streamName = streamName;
    this.expected = expected;
    this.actual = actual;
    this.reason = reason;
  }
}

/** An event id is already stored, but not as this very append (another stream, revision or batch). */
export class DuplicateEventIdError extends Error {
  readonly eventId: string;
  constructor(eventId: string) {
    super(`event id ${eventId} is already stored elsewhere in the log`);
    this.name = 'DuplicateEventIdError';
    this.eventId = eventId;
  }
}

/** Stream names with the group root: the stream itself or `root.<child>`. */
export const inStreamGroup = (streamName: string, root: string): boolean =>
  streamName === root || streamName.startsWith(`${root}.`);

/** Refuses a `maxCount` that is not a whole number >= 0 (readStream, readAll, readStreamGroup), as every adapter does. */
export const checkMaxCount = (maxCount: number | undefined): void => {
  if (maxCount !== undefined && !(Number.isInteger(maxCount) && maxCount >= 0)) {
    throw new RangeError(`maxCount must be a whole number >= 0, got ${maxCount}`);
  }
};
