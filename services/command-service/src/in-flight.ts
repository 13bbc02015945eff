// Appends on their way to the disk (issue 15: a hot stream is not bound by one durable commit per command). The next
// command on a stream may decide as soon as the previous one's events are handed to the store, against a state that
// includes them, and its append then joins the same group commit. Until an append settles, its events are in flight:
// this overlay shows them to readers of the stream in this process, after the committed ones; once it settles they
// are committed (and read from the store) or gone (and a command that built on them fails its expected revision and
// is decided again). Nothing is answered before its own append is durable.
import type { AppendOptions, AppendResult, EventStore, NewEvent, RecordedEvent } from '@csu-ledger/event-store';

interface Flight {
  records: RecordedEvent[];
  settled: Promise<unknown>;
}

export interface InFlight {
  /** The store as this process's commands see it: committed events, then those in flight. */
  store: EventStore;
  /** Hands the append to the store now; resolves when it is durable. Its events are in flight meanwhile. */
  append(streamName: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Whether an event read from `store` is still in flight (so no answer may quote it yet). */
  isInFlight(event: RecordedEvent): boolean;
  /** Settles when every append in flight on the stream now has settled, however. */
  drained(streamName: string): Promise<void>;
  /** Whether any append is in flight on the stream. */
  flying(streamName: string): boolean;
}

/** A record of an event not yet committed: no position or recorded time yet (0 and ''). */
const provisional = (streamName: string, firstRevision: number, events: NewEvent[]): RecordedEvent[] =>
  events.map((e, i) => ({ ...e, streamName, revision: firstRevision + i, position: 0n, recordedAt: '' }));

export const createInFlight = (store: EventStore): InFlight => {
  const flights = new Map<string, Flight[]>();
  const provisionalRecords = new WeakSet<RecordedEvent>();

  const withFlights = (name: string, committed: RecordedEvent[], from: number): RecordedEvent[] => {
    const list = flights.get(name);
    if (!list || list.length === 0) return committed;
    // Only events that continue the stream without a gap: one whose predecessor failed will fail too.
    let next = committed.length === 0 ? from : committed[committed.length - 1]!.revision + 1;
    const extra: RecordedEvent[] = [];
    for (const r of list.flatMap((f) => f.records)) {
      if (r.revision < next) continue;
      if (r.revision > next) break;
      extra.push(r);
      next += 1;
    }
    return extra.length === 0 ? committed : [...committed, ...extra];
  };

  const overlay: EventStore = {
    ...store,
    readStream: async (name, options = {}) => {
      const committed = await store.readStream(name, options);
      if (options.direction !== 'backwards') {
        const shown = withFlights(name, committed, options.fromRevision ?? 0);
        return options.maxCount === undefined ? shown : shown.slice(0, options.maxCount);
      }
      // Newest first: the events in flight after the newest committed one (from the start if none is), up to
      // `fromRevision`, come first.
      const after = withFlights(name, committed.slice(0, 1), 0).slice(committed.length > 0 ? 1 : 0);
      const flying = after.filter((e) => options.fromRevision === undefined || e.revision <= options.fromRevision).reverse();
      const shown = flying.length === 0 ? committed : [...flying, ...committed];
      return options.maxCount === undefined ? shown : shown.slice(0, options.maxCount);
    },
  };

  return {
    store: overlay,
    append: (streamName, events, options) => {
      const first = options.expectedRevision === 'no-stream' ? 0 : typeof options.expectedRevision === 'number' ? options.expectedRevision + 1 : -1;
      const result = store.appendToStream(streamName, events, options);
      // 'any' has no revision to show events at: such appends are not shown in flight (none of ours uses it).
      if (first < 0) return result;
      const flight: Flight = { records: provisional(streamName, first, events), settled: result.catch(() => undefined) };
      for (const r of flight.records) provisionalRecords.add(r);
      const list = flights.get(streamName) ?? [];
      list.push(flight);
      flights.set(streamName, list);
      void flight.settled.then(() => {
        const now = flights.get(streamName);
        if (!now) return;
        const rest = now.filter((f) => f !== flight);
        if (rest.length === 0) flights.delete(streamName);
        else flights.set(streamName, rest);
      });
      return result;
    },
    isInFlight: (event) => provisionalRecords.has(event),
    flying: (streamName) => (flights.get(streamName)?.length ?? 0) > 0,
    drained: async (streamName) => {
      await Promise.all((flights.get(streamName) ?? []).map((f) => f.settled));
    },
  };
};
