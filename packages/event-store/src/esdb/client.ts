// The one module that imports the KurrentDB client (@kurrent/kurrentdb-client 1.3). Everything else speaks the neutral
// terms of mapping.ts and records.ts. Writes go through AppendRecords (KurrentDB 26.1): records for several streams
// and consistency checks on any stream, one atomic commit. The adapter never calls the client's appendToStream, whose
// options take `streamState` and silently ignore a leftover `expectedRevision` from client 6; AppendOptionsOf below
// keeps such an option from compiling should anyone add a call. Every read goes to the leader (`requiresLeader`): a
// follower may not yet hold a write this process has been told is committed.
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_STATE,
  StreamNotFoundError,
  streamNameFilter,
  type AllStreamSubscription,
  type AppendRecordInput,
  type AppendToStreamOptions,
  type ConsistencyCheck,
  type JSONEventData,
  type JSONType,
  type ReadPosition,
  type RecordedEvent,
} from '@kurrent/kurrentdb-client';
import { toClientConnectionString, toServerPosition, type ServerEvent } from './mapping.ts';
import type { ServerRecord, StateCheck } from './records.ts';

/**
 * The client's append options with `expectedRevision` (client 6's name, silently ignored by this client) made a
 * compile error: `AppendOptionsOf<{ expectedRevision: 1n }>` is `never`.
 */
export type AppendOptionsOf<T> = T extends { expectedRevision: unknown } ? never : T & AppendToStreamOptions;

export interface Violation {
  stream: string;
  actual: bigint | 'no-stream' | 'deleted';
}

/**
 * How an AppendRecords call ended. `unknown`: no answer came (the server drops an identical write while the first is
 * not yet replicated, a deadline passed, the leader changed): the records may or may not have been committed.
 */
export type AppendOutcome =
  | { kind: 'written'; revisions: ReadonlyMap<string, bigint> }
  | { kind: 'violated'; violations: readonly Violation[] }
  | { kind: 'unknown'; reason: string };

export interface KurrentConnection {
  /** Resolves if the server takes AppendRecords with consistency checks (KurrentDB 26.1+); rejects, saying so, if not. */
  checkServer(probeStream: string): Promise<void>;
  appendRecords(records: readonly ServerRecord[], checks: readonly StateCheck[]): Promise<AppendOutcome>;
  /** The stream's events from `fromRevision`, at most `maxCount`; [] when the stream does not exist. */
  readStream(stream: string, fromRevision: bigint, maxCount?: number): Promise<ServerEvent[]>;
  /** The stream's events from `fromRevision` (the end when undefined) back, newest first, at most `maxCount`. */
  readStreamBackward(stream: string, fromRevision: bigint | undefined, maxCount?: number): Promise<ServerEvent[]>;
  lastEvent(stream: string): Promise<ServerEvent | undefined>;
  /** Events of streams starting with one of `prefixes`, with a position after `after`, at most `limit`. */
  readAll(prefixes: readonly string[], after: bigint, limit: number): Promise<ServerEvent[]>;
  /** The newest `limit` events of matching streams before `before` (before the end when undefined), newest first. */
  readAllBackward(prefixes: readonly string[], before: bigint | undefined, limit: number): Promise<ServerEvent[]>;
  /** Catch-up then live, after `after`; returns the function that stops it. */
  subscribe(
    prefixes: readonly string[],
    after: bigint,
    on: { event(e: ServerEvent): void; error(e: Error): void },
  ): () => void;
  dispose(): Promise<void>;
}

export interface ConnectOptions {
  /** How long an append may go unanswered before its outcome is looked up instead; default 5 s. */
  appendTimeoutMs?: number | undefined;
}

const DEFAULT_APPEND_TIMEOUT_MS = 5_000;
/** Reads retried after the client lost its node or found a follower, while it reconnects to the leader. */
const READ_ATTEMPTS = 5;
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

const errorType = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { type?: unknown }).type === 'string'
    ? (error as { type: string }).type
    : undefined;

/** The client's answers that mean "ask again": another node is leader now, or the connection was lost. */
const reconnecting = new Set(['not-leader', 'unavailable', 'cancelled']);
/** Answers to an append that leave its outcome open. */
const openOutcome = new Set([...reconnecting, 'deadline-exceeded', 'timeout']);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** KurrentDB 26.1 refuses a read from a log position that is not a record boundary ("invalid position"). */
export const isInvalidPosition = (error: unknown): boolean => /invalid position/i.test(messageOf(error));

export const toServerEvent = (e: RecordedEvent): ServerEvent => ({
  streamId: e.streamId,
  id: e.id,
  revision: e.revision,
  type: e.type,
  isJson: e.isJson,
  data: e.data,
  metadata: e.metadata,
  created: e.created,
  position: e.position,
});

const toInput = (r: ServerRecord): AppendRecordInput => {
  const record: JSONEventData = {
    id: r.id,
    contentType: 'application/json',
    type: r.type,
    data: r.data as JSONType,
    metadata: { ...r.properties },
  };
  return { streamName: r.stream, record };
};

const toCheck = (c: StateCheck): ConsistencyCheck => ({
  type: STREAM_STATE,
  streamName: c.stream,
  expectedState: c.expected === 'no-stream' ? NO_STREAM : c.expected,
});

const violationsOf = (error: unknown): Violation[] | undefined => {
  if (errorType(error) !== 'append-consistency-violation') return undefined;
  const list = (error as { violations?: { streamName: string; actualState: bigint | string }[] }).violations ?? [];
  return list.map((v) => ({
    stream: v.streamName,
    actual: typeof v.actualState === 'bigint' ? (v.actualState < 0n ? 'deleted' : v.actualState) : 'no-stream',
  }));
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const connectKurrent = (connectionString: string, options: ConnectOptions = {}): KurrentConnection => {
  const client = KurrentDBClient.connectionString(toClientConnectionString(connectionString));
  const appendTimeoutMs = options.appendTimeoutMs ?? DEFAULT_APPEND_TIMEOUT_MS;

  /** A read, asked again while the client reconnects (to the leader, after a follower refused a leader read). */
  const read = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= READ_ATTEMPTS || !reconnecting.has(errorType(error) ?? '')) throw error;
        await sleep(20 * 2 ** attempt);
      }
    }
  };

  const collect = async (events: AsyncIterable<{ event?: RecordedEvent | undefined }>): Promise<ServerEvent[]> => {
    const out: ServerEvent[] = [];
    for await (const resolved of events) if (resolved.event) out.push(toServerEvent(resolved.event));
    return out;
  };

  const readStream = (stream: string, fromRevision: bigint, maxCount = MAX_COUNT): Promise<ServerEvent[]> =>
    read(async () => {
      try {
        return await collect(client.readStream(stream, { fromRevision, maxCount, requiresLeader: true }));
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
    });

  /**
   * Where to read from to see every event after `after`. A position this store handed out is a record boundary, and
   * the server reads from it; any other number (say `position - 1n`) is not, and the server refuses it (or, before
   * 26.1, misread it). Then the read starts at the beginning; callers drop everything at or before `after` either way.
   */
  const startAfter = async (after: bigint): Promise<ReadPosition> => {
    if (after <= 0n) return START;
    const at = toServerPosition(after);
    try {
      const [first] = await read(() =>
        collect(client.readAll({ fromPosition: at, maxCount: 1, requiresLeader: true })),
      );
      return first === undefined || first.position?.commit === after ? at : START;
    } catch (error) {
      if (isInvalidPosition(error)) return START;
      throw error;
    }
  };

  const filterOf = (prefixes: readonly string[]) => streamNameFilter({ prefixes: [...prefixes] });

  return {
    checkServer: async (probeStream) => {
      // A check no stream can meet (a revision no stream reaches) proves the server takes checks, and writes nothing.
      const probe = () =>
        appendRecords(
          [{ stream: probeStream, id: randomUUID(), type: 'Probe', data: {}, properties: {} }],
          [{ stream: probeStream, expected: 2n ** 62n }],
        );
      for (let attempt = 1; ; attempt += 1) {
        const outcome = await probe().catch((error: unknown) => {
          throw new Error(
            `the KurrentDB server cannot take AppendRecords with consistency checks (${messageOf(error)}). CSU ` +
              'Ledger needs KurrentDB 26.1 or later: its approvals check every stream of a contract in the same ' +
              'commit as the approval, and older servers can only check, then append, which races. Upgrade the server.',
          );
        });
        if (outcome.kind === 'violated') return;
        if (outcome.kind === 'written') throw new Error('the KurrentDB server wrote past a check no stream meets');
        // No answer: the leader may have changed, or the node found was a follower; the client reconnects.
        if (attempt >= READ_ATTEMPTS) throw new Error(`no answer from the KurrentDB server: ${outcome.reason}`);
        await sleep(20 * 2 ** attempt);
      }
    },

    appendRecords,

    readStream,

    readStreamBackward,

    lastEvent: async (stream) => (await readStreamBackward(stream, undefined, 1))[0],

    readAll: async (prefixes, after, limit) => {
      if (limit <= 0) return [];
      const fromPosition = await startAfter(after);
      return read(async () => {
        const out: ServerEvent[] = [];
        // From a position the read includes the event there: one more than the limit, and the first dropped.
        const maxCount = fromPosition === START || limit >= MAX_COUNT ? MAX_COUNT : limit + 1;
        const events = client.readAll({ fromPosition, maxCount, filter: filterOf(prefixes), requiresLeader: true });
        for await (const resolved of events) {
          const event = resolved.event && toServerEvent(resolved.event);
          if (event && (event.position?.commit ?? 0n) > after) out.push(event);
          if (out.length >= limit) break;
        }
        return out;
      });
    },

    readAllBackward: (prefixes, before, limit) =>
      read(() =>
        collect(
          client.readAll({
            direction: BACKWARDS,
            fromPosition: before === undefined ? END : toServerPosition(before),
            maxCount: limit,
            filter: filterOf(prefixes),
            requiresLeader: true,
          }),
        ),
      ),

    subscribe: (prefixes, after, on) => {
      let stopped = false;
      let subscription: AllStreamSubscription | undefined;
      const fail = (error: Error): void => {
        if (stopped) return;
        stopped = true;
        subscription?.unsubscribe().catch(() => undefined);
        on.error(error);
      };
      startAfter(after).then((fromPosition) => {
        if (stopped) return;
        let cursor = after;
        subscription = client.subscribeToAll({ fromPosition, filter: filterOf(prefixes), requiresLeader: true });
        subscription.on('data', (item: { event?: RecordedEvent }) => {
          const event = item.event && toServerEvent(item.event);
          const position = event?.position?.commit ?? 0n;
          if (stopped || !event || position <= cursor) return;
          cursor = position;
          on.event(event);
        });
        subscription.on('error', fail);
        subscription.on('end', () => fail(new Error('the server ended the subscription')));
      }, fail);
      return () => {
        stopped = true;
        subscription?.unsubscribe().catch(() => undefined);
      };
    },

    dispose: () => client.dispose(),
  };

  async function readStreamBackward(stream: string, fromRevision: bigint | undefined, maxCount = MAX_COUNT): Promise<ServerEvent[]> {
    return read(async () => {
      try {
        return await collect(
          client.readStream(stream, { direction: BACKWARDS, fromRevision: fromRevision ?? END, maxCount, requiresLeader: true }),
        );
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
    });
  }

  /**
   * One AppendRecords call. Violated checks are an answer, not an error; so is no answer within appendTimeoutMs (the
   * call itself goes on until the client's deadline, its late outcome ignored: the caller looks the outcome up).
   */
  async function appendRecords(
    records: readonly ServerRecord[],
    checks: readonly StateCheck[],
  ): Promise<AppendOutcome> {
    const call = client.appendRecords(records.map(toInput), checks.map(toCheck)).then(
      (result): AppendOutcome => ({
        kind: 'written',
        revisions: new Map(result.responses.map((r) => [r.streamName, r.revision])),
      }),
      (error: unknown): AppendOutcome => {
        const violations = violationsOf(error);
        if (violations) return { kind: 'violated', violations };
        if (openOutcome.has(errorType(error) ?? '')) return { kind: 'unknown', reason: messageOf(error) };
        throw error;
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<AppendOutcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'unknown', reason: `no answer within ${appendTimeoutMs} ms` }),
        appendTimeoutMs,
      );
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
      call.catch(() => undefined);
    }
  }
};
