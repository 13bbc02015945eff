// Pure translation between the port's terms and an EventStoreDB/KurrentDB server's: stream names under a deployment
// prefix, log positions, the stream-group filter, conflicts, retries. No I/O and no client import, so all of it is
// covered by esdb-mapping.unit.test.ts on machines where no server can run.
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
 * Root of the event-id claim streams (event-id-claims.ts). They must stay outside the deployment's prefix, or every
 * claim would show up in `$all` reads and subscriptions as one of our events.
 */
export const CLAIM_STREAM_ROOT = 'event-id:';

export const checkStreamPrefix = (prefix: string): string => {
  if (prefix === '')
    throw new Error('the stream prefix must not be empty: it would take in every stream on the server');
  if (prefix.startsWith('$'))
    throw new Error(`the stream prefix ${JSON.stringify(prefix)} would take in system streams`);
  if (prefix.startsWith(CLAIM_STREAM_ROOT) || CLAIM_STREAM_ROOT.startsWith(prefix)) {
    throw new Error(
      `the stream prefix ${JSON.stringify(prefix)} overlaps the event-id claim streams (${CLAIM_STREAM_ROOT}…)`,
    );
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

/**
 * Escapes text for the server's regular expressions (.NET): metacharacters get a backslash, whitespace and control
 * characters become `\uXXXX`, which .NET and JavaScript read alike.
 */
export const escapeRegex = (text: string): string =>
  text.replace(/[\\^$.|?*+()[\]{}#-]|[\s\p{Cc}]/gu, (c) =>
    /[\s\p{Cc}]/u.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : `\\${c}`,
  );

/** Server-side filter for `readStreamGroup(root)`: the stream `root` and every stream `root.<anything>`. */
export const streamGroupRegex = (prefix: string, root: string): string => `^${escapeRegex(`${prefix}${root}`)}(\\.|$)`;

/** A position in the server's transaction log. */
export interface ServerPosition {
  commit: bigint;
  prepare: bigint;
}

/**
 * The port's position is the server's commit position. Every event this store writes is a single append (not an
 * explicit transaction of the old TCP API), and such events are committed where they are prepared: commit == prepare,
 * on a single node and in a cluster alike. So one number is the whole position, and it maps back as {p, p}. An event
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

/** The recorded time is the server's `created` timestamp (ticks, cut to milliseconds by the client). */
export const toRecordedEvent = (prefix: string, event: ServerEvent): RecordedEvent => {
  const what = `event ${event.id} of ${JSON.stringify(event.streamId)}`;
  if (!event.isJson) throw new Error(`${what} is not JSON: this store writes only JSON events`);
  if (event.metadata !== undefined && !isPlainObject(event.metadata))
    throw new Error(`${what} has unreadable metadata`);
  return {
    eventId: event.id,
    streamName: fromServerStream(prefix, event.streamId),
    revision: Number(event.revision),
    position: fromServerPosition(event.position, what),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    recordedAt: event.created.toISOString(),
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
