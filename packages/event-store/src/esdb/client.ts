// The one module that imports the EventStoreDB/KurrentDB client (@eventstore/db-client 6). Everything else speaks the
// neutral terms of mapping.ts, so moving to the successor, @kurrent/kurrentdb-client, is a change to this file: the
// names are the same, and there `readAll` takes a server-side `filter`, which would replace the two work-arounds below
// (bounded reads through a filtered subscription that ends when caught up; the backward scan for the newest event).
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONEventData,
  type JSONType,
  type ReadPosition,
  type RecordedEvent,
} from '@eventstore/db-client';
import type { ExpectedRevision, NewEvent } from '../port.ts';
import { toServerPosition, type ServerEvent } from './mapping.ts';

export type StreamFilter = { prefixes: string[] } | { regex: string };

export type AppendOutcome = { ok: true; lastRevision: bigint } | { ok: false; current: bigint | 'no-stream' };

export interface EsdbConnection {
  append(stream: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendOutcome>;
  /** The stream's events from `fromRevision`, at most `maxCount`; [] when the stream does not exist. */
  readStream(stream: string, fromRevision: bigint, maxCount?: number): Promise<ServerEvent[]>;
  lastRevision(stream: string): Promise<bigint | 'no-stream'>;
  /** The newest event in the whole log whose stream name starts with `prefix`. */
  lastEventWithPrefix(prefix: string): Promise<ServerEvent | undefined>;
  /** Events of matching streams with a position after `after`, at most `limit`, as of about now. */
  readFiltered(filter: StreamFilter, after: bigint, limit: number): Promise<ServerEvent[]>;
  /** Catch-up then live; returns the function that stops it. */
  subscribe(
    filter: StreamFilter,
    after: bigint,
    on: { event(e: ServerEvent): void; error(e: Error): void },
  ): () => void;
  dispose(): Promise<void>;
}

/** A bounded read fails if the server shows no sign of progress (no event, no checkpoint) for this long. */
const IDLE_LIMIT_MS = 30_000;
const SCAN_PAGE = 256;

/** The client 6 parser knows only `esdb://` and `esdb+discover://`; the successor also takes the `kurrentdb` names. */
export const toClientConnectionString = (spec: string): string =>
  spec.replace(/^kurrent(?:db)?(\+discover)?:\/\//i, (_, discover: string | undefined) => `esdb${discover ?? ''}://`);

export const toServerExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision =>
  expected === 'no-stream' ? NO_STREAM : expected === 'any' ? ANY : BigInt(expected);

/** The server's wrong-expected-revision refusal (the one error an append expects), else undefined. */
export const wrongExpectedVersion = (error: unknown): { current: bigint | 'no-stream' } | undefined =>
  error instanceof WrongExpectedVersionError
    ? { current: error.actualVersion === NO_STREAM ? 'no-stream' : error.actualVersion }
    : undefined;

const toServerEvent = (e: RecordedEvent): ServerEvent => ({
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

const toEventData = (e: NewEvent): JSONEventData => ({
  id: e.eventId,
  contentType: 'application/json',
  type: e.type,
  // The client writes JSON.stringify of these: any JSON value round-trips, `undefined` becomes null (as in SQLite).
  data: (e.data ?? null) as JSONType,
  metadata: e.metadata,
});

const eventOf = (item: unknown): ServerEvent | undefined => {
  const event = (item as { event?: RecordedEvent } | undefined)?.event;
  return event && toServerEvent(event);
};

const toClientFilter = (filter: StreamFilter) =>
  'regex' in filter
    ? streamNameFilter({ regex: filter.regex, checkpointReached: progressed })
    : streamNameFilter({ prefixes: filter.prefixes, checkpointReached: progressed });

/** Checkpoints show that a filtered read is scanning even when nothing matches: tell the idle watch. */
const progressed = (subscription: AllStreamSubscription): void => void subscription.emit('progress');

/** What collectUntilCaughtUp needs of a subscription (a readable stream of events that also signals catch-up). */
export interface CatchUpSource {
  readonly readableLength: number;
  on(event: string, listener: (...args: never[]) => void): unknown;
  unsubscribe(): Promise<void>;
}

/**
 * Collects a filtered subscription's events up to the server's caught-up signal (or `limit`), then stops it. The
 * signal arrives as an event while earlier events may still sit in the stream's buffer: those are owed and read first.
 */
export const collectUntilCaughtUp = <T>(
  source: CatchUpSource,
  accept: (item: unknown) => T | undefined,
  limit: number,
  idleMs = IDLE_LIMIT_MS,
): Promise<T[]> =>
  new Promise<T[]>((resolve, reject) => {
    const out: T[] = [];
    let settled = false;
    let owed: number | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source.unsubscribe().catch(() => undefined);
      if (error) reject(error);
      else resolve(out);
    };
    const watch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new Error(`no caught-up signal after ${idleMs} ms idle: needs EventStoreDB 23.10+ or KurrentDB`)),
        idleMs,
      );
    };
    source.on('data', (item: unknown) => {
      if (settled) return;
      watch();
      const value = accept(item);
      if (value !== undefined) out.push(value);
      if (out.length >= limit) return finish();
      if (owed !== undefined && (owed -= 1) <= 0) finish();
    });
    source.on('caughtUp', () => {
      owed = source.readableLength;
      if (owed === 0) finish();
    });
    source.on('progress', watch);
    source.on('error', (error: Error) => finish(error));
    source.on('end', () => finish(new Error('the server ended the read before it caught up')));
    watch();
  });

export const connectEsdb = (connectionString: string): EsdbConnection => {
  const client = EventStoreDBClient.connectionString(toClientConnectionString(connectionString));

  /**
   * Where to read from to see every event after `after`. Positions this store hands out are record boundaries;
   * any other number (say `position - 1n`) is not one, and the server refuses or misreads it. So the position is
   * used only when the event stored there is found, else the read starts at the beginning; callers drop
   * everything at or before `after` either way (which also makes the server's inclusive or exclusive start moot).
   */
  const startAfter = async (after: bigint): Promise<ReadPosition> => {
    if (after <= 0n) return START;
    const at = toServerPosition(after);
    let found = false;
    try {
      for await (const resolved of client.readAll({ fromPosition: at, maxCount: 1 })) {
        found = resolved.event?.position.commit === after;
      }
    } catch {
      // not a record boundary
    }
    return found ? at : START;
  };

  const readStream = async (stream: string, fromRevision: bigint, maxCount?: number): Promise<ServerEvent[]> => {
    const events: ServerEvent[] = [];
    try {
      for await (const resolved of client.readStream(stream, {
        fromRevision,
        ...(maxCount === undefined ? {} : { maxCount }),
      })) {
        if (resolved.event) events.push(toServerEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  };

  return {
    append: async (stream, events, expected) => {
      try {
        const result = await client.appendToStream(stream, events.map(toEventData), {
          expectedRevision: toServerExpectedRevision(expected),
        });
        return { ok: true, lastRevision: result.nextExpectedRevision };
      } catch (error) {
        const conflict = wrongExpectedVersion(error);
        if (conflict) return { ok: false, ...conflict };
        throw error;
      }
    },

    readStream,

    lastRevision: async (stream) => {
      let last: bigint | 'no-stream' = 'no-stream';
      try {
        for await (const resolved of client.readStream(stream, {
          direction: BACKWARDS,
          fromRevision: END,
          maxCount: 1,
        })) {
          last = resolved.event?.revision ?? last;
        }
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      return last;
    },

    // Client 6 cannot filter a read of $all, so this pages backwards through the log until one of ours turns up:
    // normally on the first page, since the newest records are ours.
    lastEventWithPrefix: async (prefix) => {
      let from: ReadPosition = END;
      for (;;) {
        const page: AllStreamRecordedEvent[] = [];
        for await (const resolved of client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: SCAN_PAGE,
        })) {
          if (resolved.event) page.push(resolved.event);
        }
        const ours = page.find((e) => e.streamId.startsWith(prefix));
        const last = page.at(-1);
        if (ours) return toServerEvent(ours);
        if (page.length < SCAN_PAGE || !last) return undefined;
        from = last.position;
      }
    },

    readFiltered: async (filter, after, limit) => {
      if (limit <= 0) return [];
      const fromPosition = await startAfter(after);
      const subscription = client.subscribeToAll({ fromPosition, filter: toClientFilter(filter) });
      return collectUntilCaughtUp(
        subscription,
        (item) => {
          const event = eventOf(item);
          return event && (event.position?.commit ?? 0n) > after ? event : undefined;
        },
        limit,
      );
    },

    subscribe: (filter, after, on) => {
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
        subscription = client.subscribeToAll({ fromPosition, filter: toClientFilter(filter) });
        subscription.on('data', (item: unknown) => {
          const event = eventOf(item);
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
};
