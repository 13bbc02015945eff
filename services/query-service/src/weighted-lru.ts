// A map that keeps what was used most recently, up to a total weight (what its entries cost to hold, as their callers
// measure it): the least recently used go first. For the query service's caches of what it can always read again:
// ledgers and contracts parsed from the read models (read-models.ts), contracts' events decoded from the log
// (decoded-log.ts).

export interface WeightedLru<V> {
  /** The value, now the most recently used. */
  get(key: string): V | undefined;
  /** The value, its recency unchanged. */
  peek(key: string): V | undefined;
  /** Keeps the value unless it alone outweighs the budget; drops the least recently used until the rest fits. */
  set(key: string, value: V, weight: number): void;
  delete(key: string): void;
  clear(): void;
  readonly weight: number;
  readonly size: number;
}

export const weightedLru = <V>(budget: number): WeightedLru<V> => {
  // A Map iterates in insertion order: re-inserting on every use keeps the least recently used first.
  const entries = new Map<string, { value: V; weight: number }>();
  let total = 0;
  const remove = (key: string): void => {
    const e = entries.get(key);
    if (!e) return;
    total -= e.weight;
    entries.delete(key);
  };
  return {
    get: (key) => {
      const e = entries.get(key);
      if (!e) return undefined;
      entries.delete(key);
      entries.set(key, e);
      return e.value;
    },
    peek: (key) => entries.get(key)?.value,
    set: (key, value, weight) => {
      remove(key);
      if (weight > budget) return;
      entries.set(key, { value, weight });
      total += weight;
      for (const [k, e] of entries) {
        if (total <= budget) break;
        total -= e.weight;
        entries.delete(k);
      }
    },
    delete: remove,
    clear: () => {
      entries.clear();
      total = 0;
    },
    get weight() {
      return total;
    },
    get size() {
      return entries.size;
    },
  };
};
