// Watching a store at work (issue 10: store append latency and batch sizes on /metrics), without the store knowing
// who watches: a decorator times each append, and the adapters that commit in groups report each group commit.
import { ConcurrencyError, type EventStore } from './port.ts';

export interface StoreObserver {
  /** One append settled: how long it took, how many events it carried, and how it ended. */
  appended: (seconds: number, events: number, outcome: 'ok' | 'conflict' | 'error') => void;
}

export const observeStore = (store: EventStore, observer: StoreObserver): EventStore => ({
  ...store,
  appendToStream: async (streamName, events, options) => {
    const started = performance.now();
    try {
      const result = await store.appendToStream(streamName, events, options);
      observer.appended((performance.now() - started) / 1000, events.length, 'ok');
      return result;
    } catch (error) {
      observer.appended((performance.now() - started) / 1000, events.length, error instanceof ConcurrencyError ? 'conflict' : 'error');
      throw error;
    }
  },
});
