// Shared by the conformance tests. Stream names are unique per test, so the suite also runs against a store that
// already holds events (a shared server), and positions are always taken relative to the head before the test.
import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import type { EventStore, NewEvent, RecordedEvent } from '../port.ts';

export interface StoreUnderTest {
  store: EventStore;
  /** Opens the same storage again; the suite closes `store` first and closes the reopened store itself. */
  reopen?: () => Promise<EventStore>;
  /** Releases everything the factory made. Called after each test; `store` may already be closed. */
  dispose: () => Promise<void>;
  /**
   * How long a subscription test waits for its events; default 8 s. What it proves (each event once, in order) does
   * not depend on it: a store reached through a slower transport, such as a fake server sharing the test's machine,
   * may ask for more.
   */
  subscriptionPatienceMs?: number;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

/** The store of the running test. */
export type Subject = () => StoreUnderTest;

export const uniqueName = (label: string): string => `${label}-${randomUUID()}`;

export const newEvent = (
  type = 'Tested',
  data: unknown = { n: 1 },
  metadata: Record<string, unknown> = { actor: 'tester' },
): NewEvent => ({ eventId: randomUUID(), type, data, metadata });

export const ids = (events: readonly { eventId: string }[]): string[] => events.map((e) => e.eventId);

/** The error a promise rejects with; fails the test if it resolves. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
};

/** Events of the streams whose names start with `prefix`, after `after`, in global order. */
export const readOurs = async (store: EventStore, after: bigint, prefix: string): Promise<RecordedEvent[]> =>
  (await store.readAll({ after })).filter((e) => e.streamName.startsWith(prefix));

export const expectStrictlyIncreasing = (positions: readonly bigint[]): boolean =>
  positions.every((p, i) => i === 0 || p > (positions[i - 1] ?? p));

/**
 * Subscribes at once and resolves with what arrived (only events accepted by `keep`) as soon as `done` holds;
 * unsubscribes either way. Rejects on the observable's error, on completion before `done`, or after `timeoutMs`
 * (a bound for a subscription that never delivers, generous enough for a machine whose cores are busy).
 */
export const collect = (
  source: Observable<RecordedEvent>,
  keep: (event: RecordedEvent) => boolean,
  done: (seen: readonly RecordedEvent[]) => boolean,
  timeoutMs = 20_000,
): Promise<RecordedEvent[]> =>
  new Promise<RecordedEvent[]>((resolve, reject) => {
    const seen: RecordedEvent[] = [];
    let finished = false;
    const timer = setTimeout(() => {
      finished = true;
      subscription.unsubscribe();
      reject(new Error(`subscription timed out after ${timeoutMs} ms with ${seen.length} events`));
    }, timeoutMs);
    const finish = (settle: () => void): void => {
      finished = true;
      clearTimeout(timer);
      // Unsubscribe after the current emission returns; `subscription` is assigned by then.
      queueMicrotask(() => subscription.unsubscribe());
      settle();
    };
    const subscription = source.subscribe({
      next: (event) => {
        if (finished || !keep(event)) return;
        seen.push(event);
        if (done(seen)) finish(() => resolve(seen));
      },
      error: (error: unknown) => {
        if (!finished) finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      },
      complete: () => {
        if (!finished) finish(() => reject(new Error(`subscription completed after ${seen.length} events`)));
      },
    });
  });
