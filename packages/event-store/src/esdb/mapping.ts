// Pure translation between the port's terms and a KurrentDB server's: stream names under a deployment prefix, the
// adapter's own streams, log positions, conflicts, retries. No I/O and no client import, so all of it is covered by
// esdb-mapping.unit.test.ts on machines where no server can run. How an event is written as a record: records.ts.
import {
  ConcurrencyError,
  DuplicateEventIdError,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from '../port.ts';

/** Prepended to every stream name on the server, so one server can hold other applications (and deployments). */
export const DEFAULT_STREAM_PREFIX = 'ledger-';

/**
 * Roots of the adapter's own streams, which sit outside the deployment's prefix so that none of them shows up in
 * `$all` reads and subscriptions as one of our events: the event-id claims (event-id-claims.ts), the stream-group
 * index (group-index.ts) and the marker saying that index is complete.
 */
export const CLAIM_STREAM_ROOT = 'event-id:';
export const GROUP_INDEX_ROOT = 'stream-group:';
export const GROUP_INDEX_MARKER_ROOT = 'stream-groups-indexed:';
const INTERNAL_ROOTS = [CLAIM_STREAM_ROOT, GROUP_INDEX_ROOT, GROUP_INDEX_MARKER_ROOT];

export const checkStreamPrefix = (prefix: string): string => {
  if (prefix === '')
    throw new Error('the stream prefix must not be empty: it would take in every stream on the server');
  if (prefix.startsWith('$'))
    throw new Error(`the stream prefix ${JSON.stringify(prefix)} would take in system streams`);
  const overlapped = INTERNAL_ROOTS.find((root) => prefix.startsWith(root) || root.startsWith(prefix));
  if (overlapped !== undefined) {
    throw new Error(`the stream prefix ${JSON.stringify(prefix)} overlaps the adapter's own streams (${overlapped}…)`);
  }
  return prefix;
};

export const toServerStream = (prefix: string, streamName: string): string => `${prefix}${streamName}`;

export const fromServerStream = (prefix: string, serverStream: string): string => {
  if (!serverStream.startsWith(prefix)) {
    throw new Error(
      `stream ${JSON.stringify(serverStream)} is outside this deployment's prefix ${JSON.stringify(prefix)}`,
    );
  }
  return serverStream.slice(prefix.length);
};

export const claimStreamName = (prefix: string, eventId: string): string =>
  `${CLAIM_STREAM_ROOT}${prefix}${eventId.toLowerCase()}`;

/** `LEDGER_STORE` may carry `streamPrefix=…` among the client's own options; the client must not see it. */
export const parseEsdbSpec = (spec: string): { connectionString: string; streamPrefix: string | undefined } => {
  const at = spec.indexOf('?');
  if (at < 0) return { connectionString: spec, streamPrefix: undefined };
  let streamPrefix: string | undefined;
  const rest = spec
    .slice(at + 1)
    .split('&')
    .filter((part) => {
      const [key = '', ...value] = part.split('=');
      if (key.toLowerCase() !== 'streamprefix') return part !== '';
      streamPrefix = decodeURIComponent(value.join('='));
      return false;
    });
  return {
    connectionString: rest.length > 0 ? `${spec.slice(0, at)}?${rest.join('&')}` : spec.slice(0, at),
    streamPrefix,
  };
};

/** The adapter's index of the streams in the group `root` (group-index.ts). */
export const groupIndexStream = (prefix: string, root: string): string => `${GROUP_INDEX_ROOT}${prefix}${root}`;

/** Holds one event once every stream of the deployment is in the group index (written by the first start). */
export const groupIndexMarker = (prefix: string): string => `${GROUP_INDEX_MARKER_ROOT}${prefix}`;

/**
 * The roots of every stream group that `name` is a child of (`readStreamGroup(root)` reads `root` and `root.<any>`):
 * each part of the name before one of its dots. `a.b.c` is in the groups `a` and `a.b`, `a..b` in `a` and `a.`.
 */
export const ancestorsOf = (name: string): string[] => {
  const roots: string[] = [];
  for (let at = name.indexOf('.'); at >= 0; at = name.indexOf('.', at + 1)) roots.push(name.slice(0, at));
  return roots;
};

/** The client's parser warns that `esdb://` is deprecated; the server is the same, so hand it the current names. */
export const toClientConnectionString = (spec: string): string =>
  spec.replace(/^esdb(\+discover)?:\/\//i, (_, discover: string | undefined) => `kurrentdb${discover ?? ''}://`);

/** A position in the server's transaction log. */
export interface ServerPosition {
  commit: bigint;
  prepare: bigint;
}

/**
 * The port's position is the server's commit position. Every event this store writes comes from an AppendRecords
 * call (from an append before 26.1), never from an explicit transaction of the old TCP API: its records are committed
 * where they are prepared, so commit == prepare, on a single node and in a cluster alike. So one number is the whole position, and it maps back as {p, p}. An event
 * with commit != prepare in our streams was written by something else; it is refused rather than given a position
 * that could collide with another event's.
 */
export const fromServerPosition = (position: ServerPosition | undefined, what: string): bigint => {
  if (position === undefined) {
    throw new Error(`${what} has no log position: the store needs EventStoreDB 22.6 or later, or KurrentDB`);
  }
  const { commit, prepare } = position;
  if (commit !== prepare) {
    throw new Error(`${what} has commit position ${commit} but prepare position ${prepare}: not written by this store`);
  }
  // Old servers answer stream reads with 2^64 - 1 ("unknown"); positions above 2^63 never occur otherwise.
  if (commit < 0n || commit >= 2n ** 63n) throw new Error(`${what} has no usable log position (${commit})`);
  return commit;
};

export const toServerPosition = (position: bigint): ServerPosition => ({ commit: position, prepare: position });

/** What the client module hands over for a stored event, in neutral terms. */
export interface ServerEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  created: Date;
  position: ServerPosition | undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * Record properties the adapter writes (AppendRecords takes string values only, so the port's metadata, any JSON
 * object, travels as one JSON string), and the ones the server adds when it shows a record to a v1 reader.
 */
export const METADATA_PROPERTY = 'ledger.metadata';
export const TYPE_PROPERTY = 'ledger.type';
export const SCHEMA_NAME_PROPERTY = '$schema.name';

/**
 * The port's metadata and type of a stored event. A record written by AppendRecords carries properties, which the
 * server renders to v1 readers as a JSON object with `$schema.name` added; an event written by an append before
 * (KurrentDB < 26.1, this adapter's earlier versions) carries the port's metadata as it was.
 */
const portMetadataAndType = (event: ServerEvent, what: string): { metadata: Record<string, unknown>; type: string } => {
  const raw = event.metadata ?? {};
  if (!isPlainObject(raw)) throw new Error(`${what} has unreadable metadata`);
  if (!(SCHEMA_NAME_PROPERTY in raw)) return { metadata: raw, type: event.type };
  const json = raw[METADATA_PROPERTY];
  const metadata = typeof json === 'string' ? (JSON.parse(json) as unknown) : {};
  if (!isPlainObject(metadata)) throw new Error(`${what} has unreadable metadata`);
  const type = raw[TYPE_PROPERTY];
  return { metadata, type: typeof type === 'string' ? type : event.type };
};

/**
 * The server's `created` timestamp, cut to the whole second. The client (1.3) reads through its Rust bridge, whose
 * kurrentdb crate keeps only the seconds of `created` (`ticks / 10_000_000`), while its subscriptions keep the
 * milliseconds: cut on every path, an event has the same recorded time however it was read.
 */
export const recordedTime = (created: Date): string =>
  new Date(Math.floor(created.getTime() / 1000) * 1000).toISOString();

/** The recorded time is the server's `created` timestamp (recordedTime); records.ts clamps it. */
export const toRecordedEvent = (prefix: string, event: ServerEvent): RecordedEvent => {
  const what = `event ${event.id} of ${JSON.stringify(event.streamId)}`;
  if (!event.isJson) throw new Error(`${what} is not JSON: this store writes only JSON events`);
  const { metadata, type } = portMetadataAndType(event, what);
  return {
    eventId: event.id,
    streamName: fromServerStream(prefix, event.streamId),
    revision: Number(event.revision),
    position: fromServerPosition(event.position, what),
    type,
    data: event.data,
    metadata,
    recordedAt: recordedTime(event.created),
  };
};

/** Numeric expected revisions the server can hold; anything else is a caller's mistake, not a conflict. */
export const checkExpectedRevision = (expected: ExpectedRevision): ExpectedRevision => {
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new RangeError(`expectedRevision must be 'no-stream', 'any' or a whole number >= 0, got ${expected}`);
  }
  return expected;
};

/** The server's answer to a wrong expected revision, as the port's error. */
export const wrongRevision = (
  streamName: string,
  expected: ExpectedRevision,
  current: bigint | 'no-stream',
): ConcurrencyError =>
  new ConcurrencyError(
    streamName,
    expected,
    current === 'no-stream' ? 'no-stream' : Number(current),
    'wrong-expected-revision',
  );

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The batch's event ids, lower-cased as the server returns them. The server takes only UUIDs, each once. */
export const checkBatch = (events: readonly NewEvent[]): string[] => {
  const ids = events.map((e) => {
    if (!uuid.test(e.eventId)) throw new Error(`event id ${JSON.stringify(e.eventId)} is not a UUID`);
    return e.eventId.toLowerCase();
  });
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new DuplicateEventIdError(twice);
  return ids;
};

export type Retry =
  { kind: 'stored'; events: RecordedEvent[] } | { kind: 'absent' } | { kind: 'elsewhere'; eventId: string };

/**
 * Whether `ids` are already in the stream: all of them, in order at consecutive revisions (a retry: answer with
 * them), none (an earlier attempt never landed: append), or otherwise (refuse, as the port says).
 */
export const findRetry = (stream: readonly RecordedEvent[], ids: readonly string[]): Retry => {
  const at = new Map(stream.map((e, i) => [e.eventId.toLowerCase(), i]));
  const found = ids.map((id) => at.get(id));
  if (found.every((i) => i === undefined)) return { kind: 'absent' };
  const first = found[0];
  if (first !== undefined && found.every((i, n) => i === first + n)) {
    return { kind: 'stored', events: stream.slice(first, first + ids.length) };
  }
  const index = found.findIndex((i) => i !== undefined);
  return { kind: 'elsewhere', eventId: ids[index] ?? '' };
};
