// Snapshots of contract ledgers for `asAt` views (issue 9, item 4). A view asAt an instant folds a prefix of the
// contract's group in recorded order, so a ledger folded up to position P, whose last event was recorded by the
// instant, is where any later asAt fold may start. A view asOf a business date D keeps the events dated by D: its
// snapshots are kept under the contract and D (past.ts names the key), since they serve only folds asOf D. Kept in memory (the worker's, when folds run in one), bounded by
// a budget on what they hold, least recently used dropped first. The ledgers are kept as they are, never copied: folds
// are pure (issue 12), so a fold that goes on from a snapshot, or one that offered it, never changes it.
import type { ContractLedger, IsoDate } from '@csu-ledger/domain';

export interface Snapshot {
  /** The group's last event folded in. */
  position: bigint;
  /** When it was recorded (ms): the snapshot serves any asAt at or after it. */
  recordedMs: number;
  /**
   * The latest business date among the events up to `position`: a snapshot of a prefix of the log is also the fold
   * asOf any date on or after it (no event of the prefix was dated later), so it serves those folds too.
   */
  latestDate: IsoDate;
  ledger: ContractLedger;
}

export interface SnapshotCache {
  /** Events folded between two snapshots of one contract. */
  readonly every: number;
  /**
   * The latest snapshot that an asAt fold (undefined: now) may start from (shared: nobody changes a ledger); with
   * `datedBy`, only one whose events are all dated on or before it.
   */
  latest(key: string, asAtMs: number | undefined, datedBy?: IsoDate): Snapshot | undefined;
  /** A ledger folded from the first event up to the snapshot's position; kept if it is new. */
  offer(key: string, snapshot: Snapshot): void;
  stats(): { contracts: number; snapshots: number; weight: number };
}

/** A rough measure of a ledger's size: the records it holds. */
const weightOf = (l: ContractLedger): number => {
  const c = l.contract;
  const inContract = c.status === 'agreed' ? Object.keys(c.deliveries).length + Object.keys(c.measurements).length : 0;
  return 1 + inContract + Object.keys(l.extras).length + Object.keys(l.challenges).length + l.moneyItems.length;
};

export const createSnapshotCache = ({ every = 2_000, budget = 400_000 } = {}): SnapshotCache => {
  // Map order is recency: a contract is re-inserted when used.
  const byContract = new Map<string, Snapshot[]>();
  const weights = new WeakMap<Snapshot, number>();
  let weight = 0;

  const touch = (id: string, list: Snapshot[]): void => {
    byContract.delete(id);
    byContract.set(id, list);
  };
  const evict = (keep: string): void => {
    for (const [id, list] of byContract) {
      if (weight <= budget) return;
      if (id === keep) continue;
      for (const s of list) weight -= weights.get(s) ?? 0;
      byContract.delete(id);
    }
    // Still over budget with one contract alone: drop its oldest snapshots.
    const own = byContract.get(keep) ?? [];
    while (weight > budget && own.length > 1) weight -= weights.get(own.shift()!) ?? 0;
  };

  return {
    every,
    latest: (id, asAtMs, datedBy) => {
      const list = byContract.get(id);
      if (!list) return undefined;
      touch(id, list);
      for (let i = list.length - 1; i >= 0; i -= 1) {
        const s = list[i]!;
        if ((asAtMs === undefined || s.recordedMs <= asAtMs) && (datedBy === undefined || s.latestDate <= datedBy)) return s;
      }
      return undefined;
    },
    offer: (id, snapshot) => {
      const list = byContract.get(id) ?? [];
      if (list.some((s) => s.position === snapshot.position)) return;
      const w = weightOf(snapshot.ledger);
      weights.set(snapshot, w);
      weight += w;
      list.push(snapshot);
      list.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
      touch(id, list);
      evict(id);
    },
    stats: () => ({
      contracts: byContract.size,
      snapshots: [...byContract.values()].reduce((n, l) => n + l.length, 0),
      weight,
    }),
  };
};
