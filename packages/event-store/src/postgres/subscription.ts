// Catch-up-then-live subscriptions: read "after the last position seen" in large batches without sleeping while
// behind; once caught up, wait for a wake-up (NOTIFY from any process, or a commit of this store) or, at the latest,
// the fallback poll. Reading by position alone is exact here because appends commit in position order (see
// postgres-event-store.ts): a statement's snapshot always shows a gap-free prefix of the log.
import type { Observable } from 'rxjs';
import { rx } from '../rx.ts';
import type { RecordedEvent } from '../port.ts';

/** Large enough that catching up is not dominated by per-query costs, small enough to bound memory per batch. */
export const catchUpBatchSize = 2_000;

export interface SubscriptionSource {
  /** Events after `after`, in global order, at most `maxCount`. */
  readAfter: (after: bigint, maxCount: number) => Promise<RecordedEvent[]>;
  pollIntervalMs: number;
  /** Called when a subscription starts, so the store can start listening only once someone subscribes. */
  onSubscribe: () => void;
}

export const createSubscriptions = ({ readAfter, pollIntervalMs, onSubscribe }: SubscriptionSource) => {
  const pokes = new Set<() => void>();
  const active = new Set<() => void>();

  const subscribe = (after: bigint): Observable<RecordedEvent> =>
    new (rx().Observable)<RecordedEvent>((subscriber) => {
      let cursor = after;
      let stopped = false;
      /** Set by a wake-up that arrives while a read is in flight: its snapshot may predate the commit. */
      let again = false;
      let endSleep: (() => void) | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;

      const poke = (): void => {
        if (endSleep) endSleep();
        else again = true;
      };
      const sleep = (): Promise<void> =>
        new Promise<void>((resolve) => {
          endSleep = resolve;
          timer = setTimeout(resolve, pollIntervalMs);
        }).finally(() => {
          clearTimeout(timer);
          endSleep = undefined;
        });

      const run = async (): Promise<void> => {
        while (!stopped) {
          again = false;
          const batch = await readAfter(cursor, catchUpBatchSize);
          for (const event of batch) {
            if (stopped) return;
            cursor = event.position;
            subscriber.next(event);
          }
          if (batch.length < catchUpBatchSize && !again && !stopped) await sleep();
        }
      };

      const complete = (): void => subscriber.complete();
      pokes.add(poke);
      active.add(complete);
      onSubscribe();
      run().catch((error: unknown) => {
        if (!stopped) subscriber.error(error);
      });
      return () => {
        stopped = true;
        pokes.delete(poke);
        active.delete(complete);
        endSleep?.();
      };
    });

  return {
    subscribe,
    /** Ends every wait now: something was committed. */
    wake: (): void => {
      for (const poke of [...pokes]) poke();
    },
    completeAll: (): void => {
      for (const complete of [...active]) complete();
    },
  };
};
