// Commands on one stream run one at a time inside this process: they would only collide on the expected revision
// and retry. Different streams still run concurrently (and are committed together by the store's group commit).
// Optimistic concurrency stays the guard against other processes.
export const createStreamLocks = () => {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(stream: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(stream) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(stream, tail);
    try {
      return await run;
    } finally {
      if (tails.get(stream) === tail) tails.delete(stream);
    }
  };
};
