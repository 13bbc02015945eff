// The rxjs wiring: log subscription from the checkpoint -> batches -> projection -> read models + checkpoint in one
// transaction. Catches up in large batches without sleeping; a failure stops the projection where it is and is
// reported by /health, never skipped. The one way past an event that cannot be applied is the operator's: its
// position in `skip` (LEDGER_PROJECTION_SKIP), and only if it really fails; logged and listed by /health.
import { bufferTime, filter, Subject, type Subscription } from 'rxjs';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import type { Logger } from '@csu-ledger/http';
import { projectEvent, type WorkingSet } from './projection.ts';
import type { ReadModels } from './read-models.ts';

/** An event the projection passed over by the operator's override, and why it could not be applied. */
export interface SkippedEvent {
  position: string;
  streamName: string;
  type: string;
  reason: string;
}

export interface ProjectorStatus {
  position: bigint;
  failure?: { position: string; reason: string } | undefined;
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
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const startProjector = (
  store: EventStore,
  models: ReadModels,
  logger: Logger,
  options: ProjectorOptions = {},
): Projector => {
  let position = models.checkpoint();
  let failure: ProjectorStatus['failure'];
  const skipped: SkippedEvent[] = [];
  const allowedToSkip = new Set(options.skip ?? []);
  const progressed = new Subject<bigint>();

  /**
   * Projects `events` (all after the checkpoint) into a fresh working set, passing over those in `passOver`, and
   * commits it with the new checkpoint. Returns undefined, or the index of the event that failed (`events.length`
   * when the commit itself failed) and the error; then nothing was committed and in-memory copies are forgotten.
   */
  const commitAll = (
    events: RecordedEvent[],
    passOver: Map<bigint, string>,
  ): { at: number; error: unknown } | undefined => {
    const set: WorkingSet = { ledgers: new Map(), organisations: new Map(), history: [], position };
    let at = 0;
    try {
      for (; at < events.length; at++) {
        const e = events[at]!;
        if (passOver.has(e.position)) set.position = e.position;
        else projectEvent(set, models, e);
      }
      if (set.position !== position) models.commit(set);
    } catch (error) {
      models.discard();
      return { at, error };
    }
    position = set.position;
    return undefined;
  };

  const apply = (batch: RecordedEvent[]): void => {
    if (failure) return;
    const events = batch.filter((e) => e.position > position); // already projected (a resubscription overlap): never twice
    if (events.length === 0) return;
    const passOver = new Map<bigint, string>();
    for (;;) {
      const failed = commitAll(events, passOver);
      if (!failed) break;
      const committing = failed.at === events.length; // the read-model file refused the batch, not an event
      const bad = events[Math.min(failed.at, events.length - 1)]!;
      if (!committing && allowedToSkip.has(bad.position) && !passOver.has(bad.position)) {
        passOver.set(bad.position, message(failed.error)); // the operator's override: try the batch again without it
        continue;
      }
      // Keep every good event before the bad one, so the read models stand just before it.
      if (!committing && failed.at > 0) commitAll(events.slice(0, failed.at), passOver);
      failure = { position: bad.position.toString(), reason: message(failed.error) };
      logger.error(
        { err: failed.error, failure, streamName: bad.streamName, type: bad.type },
        'projection stopped: an event could not be applied',
      );
      subscription?.unsubscribe();
      break;
    }
    for (const e of events) {
      const reason = passOver.get(e.position);
      if (reason === undefined || e.position > position) continue;
      skipped.push({ position: e.position.toString(), streamName: e.streamName, type: e.type, reason });
      logger.warn(
        { position: e.position.toString(), streamName: e.streamName, type: e.type, eventId: e.eventId, reason },
        'projection skipped an event it cannot apply, by operator override (LEDGER_PROJECTION_SKIP); the read models now differ from a rebuild of the log',
      );
    }
    if (events[0]!.position <= position) progressed.next(position);
  };

  // The log subscription. A store error (a dropped connection, a server restart) is not a bad event: report it and
  // resubscribe from the checkpoint with backoff, so nothing is skipped and nothing counted twice. Only an event that
  // cannot be applied stops the projection for good (`failure` above).
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
  connect();

  return {
    status: () => ({ position, failure: failure ?? interrupted, skipped: [...skipped] }),
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
