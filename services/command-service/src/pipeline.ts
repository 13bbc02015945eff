// The command pipeline (STYLE.md: request -> command -> load stream -> decide -> append). Optimistic-concurrency
// conflicts are retried here, a bounded number of times, so only real domain conflicts reach the user as 409.
// Idempotency: a command with an Idempotency-Key writes events whose ids derive from the caller and the key, so a
// retry is recognised by the store itself (same ids in the same stream), and a key reused for another request is
// refused (409) whether it lands on the same stream or another.
import { createHash } from 'node:crypto';
import { currentVersion, type Actor, type EventMetadata, type LedgerEvent, type LedgerEventType, type Role } from '@csu-ledger/domain';
import {
  ConcurrencyError,
  DuplicateEventIdError,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
} from '@csu-ledger/event-store';
import { HttpError } from '@csu-ledger/http';
import { chainEvents } from '@csu-ledger/integrity';
import { createInFlight, type InFlight } from './in-flight.ts';
import { createStreamLocks } from './stream-lock.ts';
import { deterministicUuid } from './uuid.ts';

export interface RequestContext {
  actor: Actor;
  /** Who the caller is for idempotency: issuer, organisation and subject (callerKey), never the subject alone. */
  caller: string;
  correlationId: string;
  idempotencyKey?: string | undefined;
  /** SHA-256 over method, path and canonical body: what a retry must repeat exactly. */
  requestHash: string;
  /** From `If-Match: "<revision>"`. */
  ifMatch?: number | undefined;
  /** The role the caller acts in for this command (recorded with every event). */
  role?: Role | undefined;
  /** This command's id: the causation id of the events it records. */
  commandId: string;
}

export interface Loaded<S> {
  state: S;
  /** The target stream's events (to find an earlier answer to the same idempotency key). */
  streamEvents: RecordedEvent[];
  /** For approvals: the last position of the contract's whole group, which must not move before we append. */
  group?: { root: string; position: bigint } | undefined;
}

export interface Execution<S> {
  streamName: string;
  load: () => Promise<Loaded<S>>;
  decide: (state: S) => LedgerEvent[];
  /**
   * The id of the first event, when it must be unique across the whole log (an invoice number per CSU: DOMAIN.md),
   * so that the store itself refuses a second one, whatever stream it lands in; and the refusal to give then.
   */
  unique?: { eventId: string; refusal: () => Error } | undefined;
}

const MAX_ATTEMPTS = 8;

/** The version of its type an event is written in (stored/versions.ts); version 1 is left unsaid, as it always was. */
const versionOf = (type: LedgerEventType): { schemaVersion?: number } => {
  const v = currentVersion(type);
  return v > 1 ? { schemaVersion: v } : {};
};

const revisionOf = (events: RecordedEvent[]): ExpectedRevision => (events.length === 0 ? 'no-stream' : events[events.length - 1]!.revision);

/** One caller's key space: the same key sent by a subject of another issuer or organisation is another request. */
export const idempotencyScope = (caller: string, key: string): string => createHash('sha256').update(`${caller}\u0000${key}`).digest('hex');

/** A value derived from the caller's key (for new ids), or a random one when there is no key. */
export const idFromKey = (ctx: RequestContext, purpose: string): string =>
  ctx.idempotencyKey === undefined ? crypto.randomUUID() : deterministicUuid(`${idempotencyScope(ctx.caller, ctx.idempotencyKey)}\u0000${purpose}`);

const eventId = (ctx: RequestContext, i: number, unique?: string): string => {
  if (i === 0 && unique !== undefined) return unique;
  return ctx.idempotencyKey === undefined ? crypto.randomUUID() : deterministicUuid(`${idempotencyScope(ctx.caller, ctx.idempotencyKey)}\u0000event\u0000${i}`);
};

/** The idempotency mark a stored event carries (EventMetadata.idempotency), read without trusting its shape. */
const idempotencyOf = (metadata: Record<string, unknown>): { scope: string; requestHash: string } | undefined => {
  const mark = metadata.idempotency as { scope?: unknown; requestHash?: unknown } | undefined;
  return typeof mark?.scope === 'string' && typeof mark.requestHash === 'string' ? { scope: mark.scope, requestHash: mark.requestHash } : undefined;
};

const earlierAnswer = (ctx: RequestContext, events: RecordedEvent[], unique?: string): RecordedEvent[] | undefined => {
  if (ctx.idempotencyKey === undefined) return undefined;
  const first = eventId(ctx, 0, unique);
  const at = events.findIndex((e) => e.eventId === first);
  if (at < 0) return undefined;
  const meta = { idempotency: idempotencyOf(events[at]!.metadata) };
  // A unique first id is the same for anyone recording that fact: recorded under another key, it is not our answer.
  if (unique !== undefined && meta.idempotency?.scope !== idempotencyScope(ctx.caller, ctx.idempotencyKey)) return undefined;
  if (meta.idempotency?.requestHash !== ctx.requestHash) {
    throw new HttpError('idempotency-key-reused', 'this Idempotency-Key was already used for a different request');
  }
  const scope = meta.idempotency.scope;
  return events.filter((e) => idempotencyOf(e.metadata)?.scope === scope);
};

export type Execute = <S>(ctx: RequestContext, exec: Execution<S>) => Promise<RecordedEvent[]>;

export interface Pipeline {
  execute: Execute;
  /** The store as commands should read it: with the events of appends still in flight (in-flight.ts). */
  store: EventStore;
}

/** What one decision under the stream's lock came to: an earlier answer, or an append on its way to the disk. */
type Prepared =
  | { kind: 'answered'; events: RecordedEvent[] }
  | { kind: 'wait'; until: Promise<void> }
  | { kind: 'appending'; result: Promise<AppendResult> };

/**
 * The pipeline of one app: runs a command to its recorded events (or the events an earlier identical request
 * recorded). Commands on one stream take turns within the app, but only to decide: each decides against the events
 * of the ones before it, even those still on their way to the disk, and hands its own to the store, where they are
 * committed together (issue 15). Each answer waits for its own append to be durable (STYLE.md pattern 8: no globals).
 */
export const createPipeline = (store: EventStore): Pipeline => {
  const serialise = createStreamLocks();
  const inFlight = createInFlight(store);
  const execute: Execute = async (ctx, exec) => {
    for (let attempt = 1; ; attempt++) {
      const prepared = await serialise(exec.streamName, () => prepare(inFlight, ctx, exec));
      if (prepared.kind === 'answered') return prepared.events;
      if (prepared.kind === 'wait') {
        await prepared.until;
        attempt -= 1; // not a conflict: the answer it waits for is being written
        continue;
      }
      try {
        const result = await prepared.result;
        if (result.duplicate) return earlierAnswer(ctx, result.events, exec.unique?.eventId) ?? result.events;
        return result.events;
      } catch (err) {
        if (err instanceof DuplicateEventIdError) {
          if (exec.unique && err.eventId === exec.unique.eventId) throw exec.unique.refusal();
          throw new HttpError('idempotency-key-reused', 'this Idempotency-Key was already used for a different request');
        }
        if (!(err instanceof ConcurrencyError)) throw err;
        if (ctx.ifMatch !== undefined) throw new HttpError('precondition-failed', 'the stream changed before the command was recorded');
        if (attempt >= MAX_ATTEMPTS) {
          throw new HttpError('concurrency-conflict', 'too many concurrent changes to this record; try again', { headers: { 'Retry-After': '1' } });
        }
        // Back off a little, with jitter, so competing writers interleave instead of colliding again.
        await new Promise((r) => setTimeout(r, Math.random() * 2 ** attempt));
      }
    }
  };
  return { execute, store: inFlight.store };
};

/** Waits for the stream's appends in flight; true when there were any (then what was loaded may be stale). */
const hadFlights = async (inFlight: InFlight, streamName: string): Promise<boolean> => {
  const before = inFlight.flying(streamName);
  await inFlight.drained(streamName);
  return before;
};

/** Load, check, decide and hand the events to the store: the part of a command that must not overlap another's. */
const prepare = async <S>(inFlight: InFlight, ctx: RequestContext, exec: Execution<S>): Promise<Prepared> => {
  const loaded = await exec.load();
  // An approval's check covers the contract's whole group as committed: it appends once nothing is in flight on the
  // contract's stream (anything in flight elsewhere in the group fails its check, and it is decided again).
  if (loaded.group && (await hadFlights(inFlight, exec.streamName))) return { kind: 'wait', until: Promise.resolve() };
  const unique = exec.unique?.eventId;
  const replay = earlierAnswer(ctx, loaded.streamEvents, unique);
  if (replay) {
    // the same request still on its way to the disk: answer once it is there, from the store
    if (replay.some((e) => inFlight.isInFlight(e))) return { kind: 'wait', until: inFlight.drained(exec.streamName) };
    return { kind: 'answered', events: replay };
  }
  const current = revisionOf(loaded.streamEvents);
  if (ctx.ifMatch !== undefined && current !== ctx.ifMatch && !(ctx.ifMatch === -1 && current === 'no-stream')) {
    throw new HttpError('precondition-failed', `the stream is at revision ${String(current === 'no-stream' ? -1 : current)}`);
  }
  const events = exec.decide(loaded.state);
  const { roles: _roles, ...who } = ctx.actor;
  const metadata: EventMetadata = {
    // DOMAIN.md: every event records who did it (subject, organisation, role), a correlation and a causation id.
    actor: { ...who, role: ctx.role ?? ctx.actor.roles[0]! },
    correlationId: ctx.correlationId,
    causationId: ctx.commandId,
    ...(ctx.idempotencyKey === undefined
      ? {}
      : { idempotency: { scope: idempotencyScope(ctx.caller, ctx.idempotencyKey), requestHash: ctx.requestHash } }),
  };
  const options: AppendOptions = {
    expectedRevision: current,
    unchangedGroup: loaded.group && { streamPrefix: loaded.group.root, afterPosition: loaded.group.position },
  };
  // Issue 5: each event carries its hash and its predecessor's, chained from the stream's last event as loaded (in
  // flight or committed: the expected revision makes the append fail if that predecessor never reaches the disk).
  const chained = chainEvents(
    exec.streamName,
    loaded.streamEvents[loaded.streamEvents.length - 1],
    events.map((e, i) => ({ eventId: eventId(ctx, i, unique), type: e.type, data: e.data, metadata: { ...metadata, ...versionOf(e.type) } })),
  );
  const result = inFlight.append(exec.streamName, chained, options);
  result.catch(() => undefined); // awaited by the caller, after the stream's turn is over
  return { kind: 'appending', result };
};
