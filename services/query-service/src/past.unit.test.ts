// The past, from the log (issue 9, item 4): history a page at a time without loading the whole group; asAt folds
// that stop at asAt and may start from snapshots; views linear in the ledger.
import { describe, expect, it } from 'vitest';
import { foldLedger, type ContractLedger, type LedgerEvent, type StoredLedgerEvent } from '@csu-ledger/domain';
import type { EventStore, ReadGroupOptions, RecordedEvent } from '@csu-ledger/event-store';
import { LedgerBuilder } from '../../../packages/domain/test/ledger-builder.ts';
import { AGREED, TODAY } from '../../../packages/domain/test/fixtures.ts';
import { HISTORY_SCAN_BUDGET, historyPage } from './history.ts';
import { decodeCursor } from './paging.ts';
import { foldPast } from './past.ts';
import { createDecodedLog } from './decoded-log.ts';
import { createSnapshotCache } from './snapshots.ts';
import { challengesView, ledgerLists, type Agreed } from './views.ts';

const C = AGREED.contractId;

/** The events as a store would hold them, with a record of every group read asked of it. */
const storeOf = (events: StoredLedgerEvent[]) => {
  const reads: (ReadGroupOptions | undefined)[] = [];
  let served = 0;
  const recorded = events.map((e) => ({ ...e }) as unknown as RecordedEvent);
  const store = {
    readStreamGroup: (root: string, options?: ReadGroupOptions) => {
      reads.push(options);
      const after = options?.after ?? 0n;
      const group = recorded.filter(
        (e) => (e.streamName === root || e.streamName.startsWith(`${root}.`)) && e.position > after,
      );
      const page = options?.maxCount === undefined ? group : group.slice(0, options.maxCount);
      served += page.length;
      return Promise.resolve(page);
    },
    readStream: () => Promise.resolve([]),
  } as unknown as EventStore;
  const append = (e: StoredLedgerEvent): void => void recorded.push({ ...e } as unknown as RecordedEvent);
  return { store, reads, served: () => served, append };
};

const raise = (i: number): LedgerEvent => ({
  type: 'ChallengeRaised',
  data: {
    challengeId: `${C}.challenge-${i.toString(16).padStart(12, '0')}`,
    contractId: C,
    businessDate: '2025-05-06',
    trust: 'RAX',
    activityMonth: '2025-26-M01',
    category: 'duplicate-activity',
    activityLines: 1,
    valuePence: 1_000 + i,
  },
});
const resolve = (i: number, businessDate = '2025-06-20'): LedgerEvent => ({
  type: 'ChallengeResolved',
  data: {
    challengeId: `${C}.challenge-${i.toString(16).padStart(12, '0')}`,
    contractId: C,
    businessDate,
    recoveredPence: 500 + i,
  },
});
const measure = (i: number): LedgerEvent => ({
  type: 'MeasurementReported',
  data: {
    contractId: C,
    businessDate: '2025-07-20',
    kpiId: 'K3',
    month: `2025-26-M0${1 + (i % 3)}`,
    achievedBp: 9000 + (i % 1000),
  },
});

describe('history, a page at a time from the log', () => {
  const b = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
  for (let i = 0; i < 3 * HISTORY_SCAN_BUDGET; i += 1) b.add(measure(i));
  b.add(raise(1));

  it('reads only pages of the group, never the whole of it, and about as many events as it shows', async () => {
    const { store, reads, served } = storeOf(b.events);
    const page = await historyPage(store, { contractId: C, limit: 10 });
    expect(page.items).toHaveLength(10);
    expect(reads.every((r) => r?.maxCount !== undefined && r.maxCount <= 2_000)).toBe(true);
    expect(served()).toBeLessThanOrEqual(256);
  });

  it('asAt: stops at the first event recorded after it (asAt is a prefix of the log in recorded order)', async () => {
    const { store, served } = storeOf(b.events);
    const at = Date.parse(b.events[4]!.recordedAt);
    const page = await historyPage(store, {
      contractId: C,
      limit: 1000,
      when: { asAt: { iso: new Date(at).toISOString(), ms: at }, now: TODAY },
    });
    expect(page).toMatchObject({ next: null });
    expect(page.items.map((e) => e.position)).toEqual(['1', '2', '3', '4', '5']);
    expect(served()).toBeLessThanOrEqual(1_001);
  });

  it('a filter that matches little: at most a budget of events per page, then a short page with a cursor to go on', async () => {
    const { store, served } = storeOf(b.events);
    const first = await historyPage(store, { contractId: C, limit: 5, types: ['ChallengeRaised'] });
    expect(first.items).toEqual([]);
    expect(first.next).not.toBeNull();
    expect(served()).toBeLessThanOrEqual(HISTORY_SCAN_BUDGET + 2_000);
    let next = first.next;
    const found: string[] = [];
    for (let pages = 0; next !== null && pages < 10; pages += 1) {
      const page = await historyPage(store, {
        contractId: C,
        limit: 5,
        types: ['ChallengeRaised'],
        after: BigInt(decodeCursor('history', next)!),
      });
      found.push(...page.items.map((e) => e.type));
      next = page.next;
    }
    expect(found).toEqual(['ChallengeRaised']);
    expect(next).toBeNull();
  });
});

describe('asAt folds from snapshots', () => {
  const b = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
  for (let i = 0; i < 400; i += 1) {
    b.add(raise(i));
    if (i % 3 === 0) b.add(resolve(i, i % 2 === 0 ? '2025-06-20' : '2025-08-20'));
    if (i % 5 === 0) b.add(measure(i));
  }
  const prefix = (ms: number): ContractLedger =>
    foldLedger(structuredClone(b.events.filter((e) => Date.parse(e.recordedAt) <= ms)));

  it('gives the same ledger as a fold of the whole prefix, whatever snapshots it starts from', async () => {
    const { store } = storeOf(b.events);
    const snapshots = createSnapshotCache({ every: 50 });
    const cuts = [3, 700, 100, 699, 51, 350, 2, 600, 600, 0].map((i) =>
      Date.parse(b.events[Math.min(i, b.events.length - 1)]!.recordedAt),
    );
    for (const ms of cuts) {
      const when = { asAt: { iso: new Date(ms).toISOString(), ms }, now: TODAY };
      expect(await foldPast(store, C, when, { snapshots })).toEqual(prefix(ms));
    }
    expect(snapshots.stats().snapshots).toBeGreaterThan(5);
  });

  it('an asOf fold starts from a snapshot of the log none of whose events is dated after its date', async () => {
    const { store, served } = storeOf(b.events);
    const snapshots = createSnapshotCache({ every: 50 });
    const end = Date.parse(b.events.at(-1)!.recordedAt);
    await foldPast(store, C, { asAt: { iso: new Date(end).toISOString(), ms: end }, now: TODAY }, { snapshots });
    const dated = (asOf: string) => foldLedger(structuredClone(b.events.filter((e) => e.data.businessDate <= asOf)));
    // every event is dated by the end of August: the whole log's snapshot is that fold, nothing read again
    let before = served();
    expect(await foldPast(store, C, { asOf: '2025-08-31', now: '2025-08-31' }, { snapshots })).toEqual(dated('2025-08-31'));
    expect(served() - before).toBe(0);
    // some are dated after June: only a snapshot taken before the first of those may serve, and the answer is the same
    before = served();
    expect(await foldPast(store, C, { asOf: '2025-06-30', now: '2025-06-30' }, { snapshots })).toEqual(dated('2025-06-30'));
    expect(served() - before).toBeGreaterThan(0);
  });

  it('reads only the events after the snapshot it starts from', async () => {
    const { store, served } = storeOf(b.events);
    const snapshots = createSnapshotCache({ every: 50 });
    const end = Date.parse(b.events.at(-1)!.recordedAt);
    const when = { asAt: { iso: new Date(end).toISOString(), ms: end }, now: TODAY };
    await foldPast(store, C, when, { snapshots });
    const first = served();
    await foldPast(store, C, when, { snapshots });
    expect(served() - first).toBeLessThan(50);
  });

  it('an asOf fold starts only from snapshots of its own date: the same ledger as a fold of the events dated by then', async () => {
    const { store } = storeOf(b.events);
    const snapshots = createSnapshotCache({ every: 50 });
    const decoded = createDecodedLog();
    const at = (i: number) => Date.parse(b.events[Math.min(i, b.events.length - 1)]!.recordedAt);
    const asks: [string, number | undefined][] = [
      ['2025-06-30', undefined],
      ['2025-08-31', undefined],
      ['2025-06-30', at(300)],
      ['2025-05-31', undefined],
      ['2025-06-30', undefined],
      ['2025-08-31', at(120)],
      ['2025-06-30', at(699)],
      ['2025-08-31', undefined],
    ];
    for (const [asOf, ms] of asks) {
      const when = { asOf, now: asOf, ...(ms === undefined ? {} : { asAt: { iso: new Date(ms).toISOString(), ms } }) };
      const kept = b.events.filter((e) => e.data.businessDate <= asOf && (ms === undefined || Date.parse(e.recordedAt) <= ms));
      expect(await foldPast(store, C, when, { snapshots, decoded })).toEqual(foldLedger(structuredClone(kept)));
    }
    expect(snapshots.stats().snapshots).toBeGreaterThan(3);
  });
});

describe('the decoded log', () => {
  const b = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
  for (let i = 0; i < 300; i += 1) b.add(raise(i));
  const later = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
  for (let i = 0; i < 310; i += 1) later.add(raise(i));

  it('reads each event from the store once, then only those appended since', async () => {
    const { store, served, append } = storeOf(b.events);
    const decoded = createDecodedLog();
    const when = { asOf: '2025-06-30', now: '2025-06-30' };
    expect(await foldPast(store, C, when, { decoded })).toEqual(foldLedger(structuredClone(b.events)));
    expect(served()).toBe(b.events.length);
    expect(await foldPast(store, C, when, { decoded })).toEqual(foldLedger(structuredClone(b.events)));
    expect(served()).toBe(b.events.length); // nothing read again
    for (const e of later.events.slice(b.events.length)) append(e);
    expect(await foldPast(store, C, when, { decoded })).toEqual(foldLedger(structuredClone(later.events)));
    expect(served()).toBe(later.events.length);
    expect(decoded.stats()).toEqual({ contracts: 1, events: later.events.length });
  });

  it('keeps no more than its budget, dropping the least recently used contract', async () => {
    const { store } = storeOf(b.events);
    const decoded = createDecodedLog({ budget: 100 });
    await foldPast(store, C, { asOf: '2025-06-30', now: '2025-06-30' }, { decoded });
    expect(decoded.stats().events).toBeLessThanOrEqual(100);
  });
});

describe('views are linear in the ledger', () => {
  it('the challenges view reads the money items once, not once per challenge', () => {
    const n = 2_000;
    const b = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
    for (let i = 0; i < n; i += 1) b.add(raise(i), resolve(i));
    const ledger = b.ledger() as Agreed;
    let reads = 0;
    const items = ledger.moneyItems;
    ledger.moneyItems = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const page = challengesView(ledger.contract, () => undefined, TODAY, { limit: 1_000 }, ledgerLists(ledger));
    expect(page.items).toHaveLength(1_000);
    expect(page.items.every((c) => c.settledInQuarter === '2025-26-Q1')).toBe(true);
    expect(reads).toBeLessThanOrEqual(2 * n); // before: a reversed copy per challenge, n × n
  });
});
