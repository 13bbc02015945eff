// Waiting on a condition, never on the clock: whoever changes the state the condition reads calls `changed()`, and
// each waiter checks its condition again then. A busy machine makes the wait longer, never wrong.

export interface Condition {
  /** Wakes every waiter to check its condition again; call it after changing what the conditions read. */
  changed(): void;
  /** Resolves once `done()` holds (checked now and after each `changed()`); rejects naming `what` if `signal` aborts. */
  until(done: () => boolean, what?: string, signal?: AbortSignal): Promise<void>;
}

export const createCondition = (): Condition => {
  const waiters = new Set<() => void>();
  return {
    changed: () => {
      for (const wake of [...waiters]) wake();
    },
    until: async (done, what = 'a condition', signal) => {
      while (!done()) {
        if (signal?.aborted) throw new Error(`gave up waiting for ${what}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            signal?.removeEventListener('abort', wake);
            resolve();
          };
          waiters.add(wake);
          signal?.addEventListener('abort', wake, { once: true });
        });
      }
    },
  };
};
