// The rxjs wiring: log subscription from the checkpoint -> batches -> projection -> read models + checkpoint in one
// transaction. Catches up in large batches without sleeping.
//
// An event that cannot be applied is confined to the contract (or register entry) it concerns (projection.ts): that
// unit is quarantined in the read models with the event's position, stream, type and reason, in the same transaction
// as the checkpoint, its later events are held back and counted, and the failure is logged at error and listed to
// auditors by /health. Every other unit stays live. Never skipped silently: the one way past such an event is the
// operator's, its position in `skip` (LEDGER_PROJECTION_SKIP), and only if it really fails; logged and listed.
// On start, every quarantined unit is tried again from its quarantined event (the code may have been fixed since):
// released if its events now apply. Only a failure to commit the read models themselves stops the whole projection.
import { bufferTime, filter, Subject, type Subscription } from 'rxjs';
import { contractStream } from '@csu-ledger/domain';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import type { Logger } from '@csu-ledger/http';
import {
  message,
  projectBatch,
  unitOf,
  type BatchLookup,
  type BatchOutcome,
  type ProjectEvent,
  type SkippedEvent,
} from './projection.ts';
import type { Quarantine, ReadModels } from './read-models.ts';

export type { SkippedEvent } from './projection.ts';

export interface ProjectorStatus {
  position: bigint;
  /** Why the projection as a whole is not moving: the read models refused a commit, or the log subscription failed. */
  failure?: { position: string; reason: string } | undefined;
  /** Contracts and register entries whose projection stopped at an event that could not be applied. */
  quarantined: Quarantine[];
  /** Events skipped by the operator's override since this process started. */
  skipped: SkippedEvent[];
}

export interface Projector {
  status(): ProjectorStatus;
  /** Resolves once the read models include `position`, or false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export interface ProjectorOptions {
  batchMs?: number;
  batchSize?: number;
  /**
   * Positions of events known to be unprojectable that the operator allows the projection to pass over. An event
   * listed here that applies cleanly (after a code fix, or a wrong position) is projected as usual.
   */
  skip?: readonly bigint[];
  /** The projection step; the default is the real one (tests stand in a faulty one for "the code before a fix"). */
  project?: ProjectEvent;
  /** Told of every committed batch: its events, for the projection lag on /metrics. */
  onCommitted?: (events: readonly RecordedEvent[]) => void;
}

/** Each quarantined unit's events from its quarantined event up to `until`, in log order. */
const eventsToRetry = async (store: EventStore, quarantines: Quarantine[], until: bigint): Promise<RecordedEvent[]> => {
  const units = new Map(quarantines.map((q) => [q.unit, BigInt(q.position)]));
  const wanted = (e: RecordedEvent) => {
    const from = units.get(unitOf(e) ?? '');
    return from !== undefined && e.position >= from && e.position <= until;
  };
  const found: RecordedEvent[] = [];
  for (const q of quarantines.filter((x) => x.unit.startsWith('contract:'))) {
    found.push(...(await store.readStreamGroup(contractStream(q.unit.slice('contract:'.length)))).filter(wanted));
  }
  const organisations = quarantines.filter((x) => x.unit.startsWith('organisation:'));
  if (organisations.length > 0) {
    // Register events are keyed by the code in their data, not by stream: read the log from the earliest of them.
    let after = organisations.reduce((m, q) => (BigInt(q.position) < m ? BigInt(q.position) : m), until) - 1n;
    while (after < until) {
      const page = await store.readAll({ after, maxCount: 5_000 });
      if (page.length === 0) break;
      found.push(...page.filter((e) => wanted(e) && unitOf(e)?.startsWith('organisation:')));
      after = page[page.length - 1]!.position;
    }
  }
  return found.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
};

export const startProjector = (
  store: EventStore,
  models: ReadModels,
  logger: Logger,
  options: ProjectorOptions = {},
): Projector => {
  let position = models.checkpoint();
  let failure: ProjectorStatus['failure'];
  const skipped: SkippedEvent[] = [];
  const skip = new Set(options.skip ?? []);
  const progressed = new Subject<bigint>();
  const project = options.project ? { project: options.project } : {};

  /** Logs what a committed batch did beyond the ordinary: quarantines (error), held-back and skipped events (warn). */
  const report = (outcome: BatchOutcome): void => {
    for (const q of outcome.quarantined) {
      const { unit, position: at, streamName, type, eventId, reason } = q;
      logger.error(
        { unit, position: at, streamName, type, eventId, reason },
        `projection quarantined ${q.unit}: an event could not be applied; its later events are held back, every other contract goes on`,
      );
    }
    for (const [unit, count] of outcome.held) {
      const q = outcome.set.quarantines.get(unit)!;
      logger.warn(
        { unit, count, heldBack: q.heldBack, quarantinedAt: q.position },
        `events of quarantined ${unit} held back, not applied`,
      );
    }
    for (const s of outcome.skipped) {
      skipped.push(s);
      logger.warn(
        s,
        'projection skipped an event it cannot apply, by operator override (LEDGER_PROJECTION_SKIP); the read models now differ from a rebuild of the log',
      );
    }
  };

  const apply = (batch: RecordedEvent[]): void => {
    if (failure) return;
    const events = batch.filter((e) => e.position > position); // already projected (a resubscription overlap): never twice
    if (events.length === 0) return;
    let outcome: BatchOutcome;
    try {
      outcome = projectBatch(position, events, models, { skip, ...project });
      models.commit(outcome.set);
    } catch (error) {
      // The read-model file refused the batch (or a failure no contract can be blamed for): nothing was committed.
      models.discard();
      failure = { position: events[0]!.position.toString(), reason: message(error) };
      logger.error({ err: error, failure }, 'projection stopped: the read models could not be written');
      subscription?.unsubscribe();
      return;
    }
    position = outcome.set.position;
    report(outcome);
    options.onCommitted?.(events);
    progressed.next(position);
  };

  /**
   * A later start may run fixed code: each quarantined unit is projected again from its quarantined event, on top of
   * its last good state, up to the checkpoint; released when all of them apply, else quarantined where it now fails.
   */
  const retryQuarantined = async (): Promise<void> => {
    const quarantines = models.quarantines();
    if (quarantines.length === 0) return;
    const retrying = new Set(quarantines.map((q) => q.unit));
    const events = await eventsToRetry(store, quarantines, position);
    const lookup: BatchLookup = {
      ledger: (id) => models.ledger(id),
      organisation: (code) => models.organisation(code),
      quarantined: (unit) => (retrying.has(unit) ? undefined : models.quarantined(unit)),
      discard: () => models.discard(),
    };
    const outcome = projectBatch(position, events, lookup, { skip, ...project });
    outcome.set.position = position; // the checkpoint stays: these events are all behind it
    for (const q of quarantines) if (!outcome.set.quarantines.has(q.unit)) outcome.set.released.add(q.unit);
    const now = (q: Quarantine) => outcome.set.quarantines.get(q.unit);
    const moved = (q: Quarantine) => now(q)?.position !== q.position || now(q)?.reason !== q.reason;
    if (quarantines.every((q) => !moved(q) && now(q)?.heldBack === q.heldBack)) {
      models.discard(); // as it was: nothing to write
      return;
    }
    models.commit(outcome.set);
    for (const q of quarantines.filter(moved)) {
      const after = now(q);
      if (after === undefined)
        logger.warn({ unit: q.unit }, `${q.unit} released from quarantine: its events now apply`);
      else logger.error({ ...after }, `projection quarantined ${q.unit} at another event: it could not be applied`);
    }
    for (const s of outcome.skipped) {
      skipped.push(s);
      logger.warn(s, 'projection skipped an event it cannot apply, by operator override (LEDGER_PROJECTION_SKIP)');
    }
  };

  // The log subscription. A store error (a dropped connection, a server restart) is not a bad event: report it and
  // resubscribe from the checkpoint with backoff, so nothing is skipped and nothing counted twice.
  let subscription: Subscription | undefined;
  let connection: { retry?: ReturnType<typeof setTimeout>; settled?: ReturnType<typeof setTimeout>; attempts: number } =
    { attempts: 0 };
  let interrupted: { position: string; reason: string } | undefined;
  let stopped = false;
  const connect = (): void => {
    if (stopped || failure) return;
    subscription = store
      .subscribeToAll({ after: position })
      .pipe(
        bufferTime(options.batchMs ?? 5, null, options.batchSize ?? 2000),
        filter((b) => b.length > 0),
      )
      .subscribe({
        next: (batch) => {
          interrupted = undefined;
          apply(batch);
        },
        error: (err: unknown) => {
          clearTimeout(connection.settled);
          if (stopped || failure) return;
          const delay = Math.min(30_000, 500 * 2 ** connection.attempts);
          connection = { attempts: connection.attempts + 1 };
          interrupted = {
            position: position.toString(),
            reason: `log subscription failed: ${message(err)}; retrying in ${delay} ms`,
          };
          logger.error({ err, delay }, 'log subscription failed; resubscribing from the checkpoint');
          connection.retry = setTimeout(connect, delay);
        },
      });
    // A subscription that has not failed for a while is healthy again, even if no event has arrived since.
    connection.settled = setTimeout(() => {
      interrupted = undefined;
      connection.attempts = 0;
    }, 2_000);
    connection.settled.unref();
  };
  // The retry reads the log before the subscription starts, so nothing is applied on top of a unit being retried.
  if (models.quarantines().length === 0) connect();
  else
    retryQuarantined().then(connect, (err: unknown) => {
      models.discard();
      logger.error({ err }, 'retrying the quarantined contracts failed; they stay quarantined');
      connect();
    });

  return {
    status: () => ({
      position,
      failure: failure ?? interrupted,
      quarantined: models.quarantines(),
      skipped: [...skipped],
    }),
    waitFor: (target, timeoutMs) =>
      new Promise((resolve) => {
        if (position >= target) return resolve(true);
        const timer = setTimeout(() => {
          sub.unsubscribe();
          resolve(false);
        }, timeoutMs);
        const sub = progressed.subscribe((p) => {
          if (p >= target) {
            clearTimeout(timer);
            sub.unsubscribe();
            resolve(true);
          }
        });
      }),
    stop: () => {
      stopped = true;
      clearTimeout(connection.retry);
      clearTimeout(connection.settled);
      subscription?.unsubscribe();
      progressed.complete();
    },
  };
};
