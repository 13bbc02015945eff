// A contract's group of streams as decoded events, kept by whoever folds the past (the fold worker, or past-runner.ts
// inline) between jobs (issue 15: time travel). A fold asOf a business date cannot start from a snapshot (a later
// record may carry an earlier date), so each one read and decoded the whole group again: for 10,000 events about 50 ms
// of reading and 35–90 ms of decoding before 20–40 ms of folding. The log never changes what it has recorded (appends
// only; `pnpm ledger verify` proves it), so what was read and decoded once is kept, and only events appended since are
// read. Bounded by a budget of events, least recently used contract dropped first.
import { decodeLedgerEvent, type StoredLedgerEvent } from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';
import { weightedLru } from './weighted-lru.ts';

export interface DecodedEvent {
  position: bigint;
  recordedMs: number;
  event: StoredLedgerEvent;
}

export interface DecodedLog {
  /** The group's events after `after`, decoded, in log order, a page at a time: from memory where read before. */
  pages(store: EventStore, root: string, after: bigint, page: number): AsyncGenerator<DecodedEvent[]>;
  stats(): { contracts: number; events: number };
}

/** The index of the first event after `position` (events in position order). */
const firstAfter = (events: readonly DecodedEvent[], position: bigint): number => {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.position <= position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

export const createDecodedLog = ({ budget = 100_000 } = {}): DecodedLog => {
  // Each list is the group's events from its first, without a gap: a read that continues from its last one extends
  // it. Weighed by its events.
  const byRoot = weightedLru<DecodedEvent[]>(budget);

  const listOf = (root: string): DecodedEvent[] => {
    if (budget <= 0) return []; // keeps nothing, not even the contract's name
    const list = byRoot.get(root);
    if (list) return list;
    const fresh: DecodedEvent[] = [];
    byRoot.set(root, fresh, 0);
    return fresh;
  };

  return {
    async *pages(store, root, after, page) {
      const list = listOf(root);
      let from = after;
      for (;;) {
        // what is kept: served from memory
        const i = firstAfter(list, from);
        if (i < list.length) {
          const chunk = list.slice(i, i + page);
          from = chunk.at(-1)!.position;
          yield chunk;
          continue;
        }
        // beyond it: read from the log, kept when it continues the list (and the budget allows)
        const records = await store.readStreamGroup(root, { after: from, maxCount: page });
        const decoded = records.map((r) => ({ position: r.position, recordedMs: Date.parse(r.recordedAt), event: decodeLedgerEvent(r) }));
        const tail = list.at(-1)?.position ?? 0n;
        const continues = from === tail && byRoot.peek(root) === list; // not dropped meanwhile, nor extended by another
        if (decoded.length > 0 && continues && list.length + decoded.length <= budget) {
          list.push(...decoded);
          byRoot.set(root, list, list.length); // the most recently used: others go first if over budget
        }
        if (decoded.length > 0) {
          from = decoded.at(-1)!.position;
          yield decoded;
        }
        if (records.length < page) return;
      }
    },
    stats: () => ({ contracts: byRoot.size, events: byRoot.weight }),
  };
};
