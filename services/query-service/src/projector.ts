// The rxjs wiring: log subscription from the checkpoint -> batches -> projection -> read models + checkpoint in one
// transaction. Catches up in large batches without sleeping; a failure stops the projection where it is and is
// reported by /health, never skipped.
import { bufferTime, filter, Subject, type Subscription } from 'rxjs';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import type { Logger } from '@csu-ledger/http';
import { projectEvent, type WorkingSet } from './projection.ts';
import type { ReadModels } from './read-models.ts';

export interface ProjectorStatus {
  position: bigint;
  failure?: { position: string; reason: string } | undefined;
}

export interface Projector {
  status(): ProjectorStatus;
  /** Resolves once the read models include `position`, or false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean>;
  stop(): void;
}

export const startProjector = (store: EventStore, models: ReadModels, logger: Logger, options: { batchMs?: number; batchSize?: number } = {}): Projector => {
  let position = models.checkpoint();
  let failure: ProjectorStatus['failure'];
  const progressed = new Subject<bigint>();

  const apply = (batch: RecordedEvent[]): void => {
    if (failure) return;
    const set: WorkingSet = { ledgers: new Map(), organisations: new Map(), history: [], position };
    let current: RecordedEvent | undefined;
    try {
      for (const e of batch) {
        if (e.position <= position) continue; // already projected (a resubscription overlap): never twice
        current = e;
        projectEvent(set, models, e);
      }
      if (set.position === position) return;
      models.commit(set);
      position = set.position;
      progressed.next(position);
    } catch (err) {
      models.discard();
      failure = { position: current?.position.toString() ?? position.toString(), reason: err instanceof Error ? err.message : String(err) };
      logger.error({ err, failure }, 'projection stopped: an event could not be applied');
      subscription.unsubscribe();
    }
  };

  const subscription: Subscription = store
    .subscribeToAll({ after: position })
    .pipe(
      bufferTime(options.batchMs ?? 5, null, options.batchSize ?? 2000),
      filter((b) => b.length > 0),
    )
    .subscribe({
      next: apply,
      error: (err: unknown) => {
        failure = { position: position.toString(), reason: `subscription failed: ${err instanceof Error ? err.message : String(err)}` };
        logger.error({ err }, 'log subscription failed');
      },
    });

  return {
    status: () => ({ position, failure }),
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
      subscription.unsubscribe();
      progressed.complete();
    },
  };
};
