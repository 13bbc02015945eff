// Copy-on-write for folds (issue 12: pure folds, structural sharing where cost matters). A fold may change only what
// it made itself: `writable` hands back an object this draft made, or else a shallow copy that the draft then owns.
// One draft per step makes each step pure (evolveContract, evolveLedger). One draft across the steps of a fold lets
// them share their copies: each collection of the state (a contract's deliveries, a ledger's extras or money items)
// is copied once per fold instead of once per event, while everything the fold started from (a cached read model, a
// snapshot) is left as it was. What is not written is shared, never copied.

/** The objects one fold has made and may still change. */
export type Draft = WeakSet<object>;

export const newDraft = (): Draft => new WeakSet();

/** `value` itself when this draft made it; otherwise a shallow copy, now the draft's. */
export const writable = <T extends object>(draft: Draft, value: T): T => {
  if (draft.has(value)) return value;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as T;
  draft.add(copy);
  return copy;
};
