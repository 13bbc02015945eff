// The EventStoreDB/KurrentDB adapter. Streams and expected revisions are the server's own, under a deployment prefix;
// `$all` is read through a server-side stream-name filter (our prefix: no system streams, no other applications);
// positions are the server's commit positions; recorded times are its `created` timestamps.
import { Observable } from 'rxjs';
import {
  checkMaxCount,
  ConcurrencyError,
  DuplicateEventIdError,
  inStreamGroup,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../port.ts';
import type { EsdbConnection } from './client.ts';
import { claimEventIds } from './event-id-claims.ts';
import {
  DEFAULT_STREAM_PREFIX,
  checkBatch,
  checkExpectedRevision,
  checkStreamPrefix,
  findRetry,
  parseEsdbSpec,
  streamGroupRegex,
  toRecordedEvent,
  toServerStream,
  wrongRevision,
  type ServerEvent,
} from './mapping.ts';

export interface EsdbEventStoreOptions {
  /**
   * Prepended to every stream name on the server and stripped on read; default `ledger-`. Deployments sharing a
   * server need prefixes of which none begins another (`ledger-` would read `ledger-test-`'s streams as its own).
   */
  streamPrefix?: string | undefined;
  /** What talks to the server; default the client module (client.ts). Tests may put a stand-in here. */
  connect?: ((connectionString: string) => EsdbConnection) | undefined;
}

export const createEsdbEventStore = (connectionString: string, options: EsdbEventStoreOptions = {}): EventStore => {
  const prefix = checkStreamPrefix(options.streamPrefix ?? DEFAULT_STREAM_PREFIX);
  if (!/^(esdb|kurrent|kurrentdb)(\+discover)?:\/\//i.test(connectionString)) {
    throw new Error('an EventStoreDB/KurrentDB connection string starts esdb://, kurrentdb:// (or +discover)');
  }
  // The client (gRPC, ~300 ms to load) is imported only by stores that use it; every call waits for it.
  const connect = options.connect;
  const connecting = connect
    ? Promise.resolve().then(() => connect(connectionString))
    : import('./client.ts').then((client) => client.connectEsdb(connectionString));
  connecting.catch(() => undefined); // reported to every caller instead of as an unhandled rejection

  const server = (name: string): string => toServerStream(prefix, name);
  const recorded = (events: ServerEvent[]): RecordedEvent[] => events.map((e) => toRecordedEvent(prefix, e));
  const ours = { prefixes: [prefix] };

  const readStream = async (c: EsdbConnection, name: string, fromRevision = 0): Promise<RecordedEvent[]> => {
    if (!(Number.isSafeInteger(fromRevision) && fromRevision >= 0)) {
      throw new RangeError(`fromRevision must be a whole number >= 0, got ${fromRevision}`);
    }
    return recorded(await c.readStream(server(name), BigInt(fromRevision)));
  };

  /**
   * The server has no condition across streams, so `unchangedGroup` is check-then-append: the group's events after
   * the position are looked for first, and the append follows. Not atomic on this store: an event of the group
   * committed between the check and the append goes unnoticed (on SQLite and PostgreSQL the check is in the
   * append's transaction). The window is the round trip between the two.
   */
  const refuseIfGroupChanged = async (c: EsdbConnection, name: string, options: AppendOptions): Promise<void> => {
    const group = options.unchangedGroup;
    if (!group) return;
    const regex = streamGroupRegex(prefix, group.streamPrefix);
    if ((await c.readFiltered({ regex }, group.afterPosition, 1)).length === 0) return;
    const actual = await c.lastRevision(server(name));
    throw new ConcurrencyError(
      name,
      options.expectedRevision,
      actual === 'no-stream' ? 'no-stream' : Number(actual),
      'group-changed',
    );
  };

  const append = async (name: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> => {
    const expected = checkExpectedRevision(options.expectedRevision);
    const ids = checkBatch(events);
    const c = await connecting;
    if (events.length === 0) return appendNothing(c, name, options);

    // A retry first (as on the other stores): it must be answered even when its expected revision or group is stale.
    if (await claimEventIds(c, prefix, name, ids)) {
      const stream = await readStream(c, name);
      const retry = findRetry(stream, ids);
      if (retry.kind === 'stored') {
        return { duplicate: true, events: retry.events, nextRevision: stream.at(-1)?.revision ?? -1 };
      }
      if (retry.kind === 'elsewhere') throw new DuplicateEventIdError(retry.eventId);
    }
    await refuseIfGroupChanged(c, name, options);

    const outcome = await c.append(server(name), events, expected);
    if (!outcome.ok) throw wrongRevision(name, expected, outcome.current);
    // The server answers with the last revision only: positions and times come from reading the events back. If a
    // racing identical retry landed first, the server took ours as its no-op and these are that retry's events.
    const first = outcome.lastRevision - BigInt(events.length - 1);
    const stored = recorded(await c.readStream(server(name), first, events.length));
    if (stored.map((e) => e.eventId.toLowerCase()).join() !== ids.join()) {
      throw new Error(`appended to ${name} at revision ${first}, but other events are stored there`);
    }
    return { duplicate: false, events: stored, nextRevision: Number(outcome.lastRevision) };
  };

  /** Nothing to write: only the checks, as on the other stores. */
  const appendNothing = async (c: EsdbConnection, name: string, options: AppendOptions): Promise<AppendResult> => {
    const last = await c.lastRevision(server(name));
    const expected = options.expectedRevision;
    const actual = last === 'no-stream' ? 'no-stream' : Number(last);
    if (expected === 'no-stream' ? actual !== 'no-stream' : expected !== 'any' && expected !== actual) {
      throw wrongRevision(name, expected, last);
    }
    await refuseIfGroupChanged(c, name, options);
    return { duplicate: false, events: [], nextRevision: actual === 'no-stream' ? -1 : actual };
  };

  // close() waits for calls under way, then ends subscriptions and the connection.
  const inflight = new Set<Promise<unknown>>();
  const active = new Set<() => void>();
  let closing: Promise<void> | undefined;
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closing) return Promise.reject(new Error('event store is closed'));
    const running = work();
    inflight.add(running);
    const done = (): boolean => inflight.delete(running);
    running.then(done, done);
    return running;
  };

  return {
    appendToStream: (name, events, options) => track(() => append(name, events, options)),

    readStream: (name, readOptions = {}) =>
      track(async () => readStream(await connecting, name, readOptions.fromRevision)),

    // A server-side scan of $all with the group's regex: no index to consult, as no projection runs.
    readStreamGroup: (root, groupOptions = {}) =>
      track(async () => {
        const { after = 0n, maxCount } = groupOptions;
        checkMaxCount(maxCount);
        const regex = streamGroupRegex(prefix, root);
        // The regex is exact for the group; the filter after it is a second guard, which must not shorten a page.
        const events = await (await connecting).readFiltered({ regex }, after, maxCount ?? Infinity);
        return recorded(events).filter((e) => inStreamGroup(e.streamName, root));
      }),

    readAll: (readOptions = {}) =>
      track(async () => {
        const { after = 0n, maxCount } = readOptions;
        checkMaxCount(maxCount);
        return recorded(await (await connecting).readFiltered(ours, after, maxCount ?? Infinity));
      }),

    headPosition: () =>
      track(async () => {
        const last = await (await connecting).lastEventWithPrefix(prefix);
        return last ? toRecordedEvent(prefix, last).position : 0n;
      }),

    subscribeToAll: (subscribeOptions = {}) =>
      new Observable<RecordedEvent>((subscriber) => {
        if (closing) {
          subscriber.error(new Error('event store is closed'));
          return;
        }
        let stop = (): void => undefined;
        const complete = (): void => subscriber.complete();
        active.add(complete);
        connecting.then(
          (c) => {
            if (subscriber.closed) return;
            stop = c.subscribe(ours, subscribeOptions.after ?? 0n, {
              event: (event) => {
                try {
                  subscriber.next(toRecordedEvent(prefix, event));
                } catch (error) {
                  subscriber.error(error);
                }
              },
              error: (error) => subscriber.error(error),
            });
          },
          (error: unknown) => subscriber.error(error),
        );
        return () => {
          active.delete(complete);
          stop();
        };
      }),

    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([...inflight]);
        for (const complete of [...active]) complete();
        await (await connecting.catch(() => undefined))?.dispose();
      })()),
  };
};

/** For `LEDGER_STORE=esdb://…` or `kurrentdb://…` (open.ts); a deployment prefix may come as `streamPrefix=…`. */
export const openEsdbEventStore = (spec: string): EventStore => {
  const { connectionString, streamPrefix } = parseEsdbSpec(spec);
  return createEsdbEventStore(connectionString, { streamPrefix });
};
