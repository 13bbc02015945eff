// Catch-up-then-live subscription by polling the log in global order. SQLite serialises writers, so a position
// becomes visible only after every lower one: reading "after the last position seen" can never skip an event.
import type { Observable } from 'rxjs';
import { rx } from '../rx.ts';
import type { RecordedEvent } from '../port.ts';

/** Large enough that catching up is not dominated by per-batch costs, small enough to keep the event loop free. */
export const catchUpBatchSize = 1_000;

export interface Poller {
  /** Events after `after`, in global order, at most `maxCount`. */
  readAfter: (after: bigint, maxCount: number) => RecordedEvent[];
  pollIntervalMs: number;
}

/**
 * Live subscriptions of one store. `wake()` after a local commit ends their wait at once; commits by other
 * processes are found by the next poll. `completeAll()` ends them when the store closes, so no timer outlives it.
 */
export const createSubscriptions = ({ readAfter, pollIntervalMs }: Poller) => {
  const sleepers = new Set<() => void>();
  const active = new Set<() => void>();

  const subscribe = (after: bigint): Observable<RecordedEvent> =>
    new (rx().Observable)<RecordedEvent>((subscriber) => {
      let cursor = after;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;

      const wakeUp = (): void => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        sleepers.delete(wakeUp);
        immediate = setImmediate(step);
      };

      function step(): void {
        immediate = undefined;
        timer = undefined;
        sleepers.delete(wakeUp);
        let batch: RecordedEvent[];
        try {
          batch = readAfter(cursor, catchUpBatchSize);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        for (const event of batch) {
          if (subscriber.closed) return;
          cursor = event.position;
          subscriber.next(event);
        }
        if (subscriber.closed) return;
        if (batch.length === catchUpBatchSize) {
          // Behind: read on without sleeping, but let I/O in between batches.
          immediate = setImmediate(step);
        } else {
          // Caught up: a poll that finds nothing is a single primary-key seek, microseconds.
          timer = setTimeout(step, pollIntervalMs);
          sleepers.add(wakeUp);
        }
      }

      const complete = (): void => subscriber.complete();
      active.add(complete);
      immediate = setImmediate(step);
      return () => {
        active.delete(complete);
        sleepers.delete(wakeUp);
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
      };
    });

  return {
    subscribe,
    wake: (): void => {
      for (const wakeUp of [...sleepers]) wakeUp();
    },
    completeAll: (): void => {
      for (const complete of [...active]) complete();
    },
  };
};
