// Issue 15: every command used to decode (zod) and fold its contract's whole stream, or whole stream group, before
// deciding: about 40% of the command service's CPU (docs/performance.md), and more with every event the contract
// gains. Folds are pure (issue 12: a fold never changes the state it starts from), so the state folded for one command
// can be where the next one starts. This keeps the latest state per stream or group, with how far it was folded,
// least recently used dropped first, bounded by the events the kept states stand for. It never answers on its own:
// the caller reads the store (or its tail) every time, so writes by other processes are always seen.

/** A state and the point of its stream (or group) it was folded through. */
export interface Folded<S> {
  state: S;
  /** Records folded: the stream's revision + 1 (for a group, the records of all its streams). */
  count: number;
  /** The id of the last record folded, which must still be at `count - 1` for the state to continue. */
  lastEventId: string;
  /** The position of the last record folded (groups are read on from there). */
  position: bigint;
}

export interface FoldCache<S> {
  get(key: string): Folded<S> | undefined;
  set(key: string, folded: Folded<S>): void;
}

export const createFoldCache = <S>(maxEvents: number): FoldCache<S> => {
  const entries = new Map<string, Folded<S>>(); // insertion order = recency
  let held = 0;
  return {
    get: (key) => {
      const found = entries.get(key);
      if (found) {
        entries.delete(key);
        entries.set(key, found);
      }
      return found;
    },
    set: (key, folded) => {
      held += folded.count - (entries.get(key)?.count ?? 0);
      entries.delete(key);
      entries.set(key, folded);
      for (const [oldest, evicted] of entries) {
        if (held <= maxEvents || oldest === key) break;
        entries.delete(oldest);
        held -= evicted.count;
      }
    },
  };
};
