// Conformance: an approval guarded by unchangedGroup racing a money item in a NEW child stream of the same group
// (docs/decisions/0001-atomic-approval.md). Whoever commits first, nothing is lost: either the item is committed first
// and the approval is refused (its figures no longer hold), or the approval is committed first and the item comes
// after it in global order (the next settlement counts it). Never an approval that misses an item committed before it.
import { expect, it } from 'vitest';
import { ConcurrencyError, type AppendResult, type EventStore, type RecordedEvent } from '../port.ts';
import { newEvent, rejectionOf, uniqueName, type Subject } from './helpers.ts';

interface Round {
  root: string;
  /** Position of the last event the approval's figures were computed from. */
  seen: bigint;
}

/** A contract with one money item, and the position an approval computed its figures at. */
const contract = async (store: EventStore): Promise<Round> => {
  const root = uniqueName('contract');
  await store.appendToStream(root, [newEvent('ContractAgreed', { feePence: 100_000 })], {
    expectedRevision: 'no-stream',
  });
  await store.appendToStream(`${root}.extra-0`, [newEvent('ExtraRaised', { amountPence: 1_250 })], {
    expectedRevision: 'no-stream',
  });
  const seen = (await store.readStreamGroup(root)).at(-1)?.position;
  if (seen === undefined) throw new Error('the group is empty');
  return { root, seen };
};

const approve = (store: EventStore, { root, seen }: Round): Promise<AppendResult> =>
  store.appendToStream(`${root}.settlement-2026-01`, [newEvent('SettlementApproved', { totalPence: 101_250 })], {
    expectedRevision: 'no-stream',
    unchangedGroup: { streamPrefix: root, afterPosition: seen },
  });

const addItem = (store: EventStore, { root }: Round, n: number): Promise<AppendResult> =>
  store.appendToStream(`${root}.extra-${n}`, [newEvent('ExtraRaised', { amountPence: 990 + n })], {
    expectedRevision: 'no-stream',
  });

/** The item is in the group, and the approval either refused for the group's change or committed before the item. */
const neverLost = async (
  store: EventStore,
  round: Round,
  item: PromiseSettledResult<AppendResult>,
  approval: PromiseSettledResult<AppendResult>,
): Promise<'refused' | 'approved-first'> => {
  if (item.status === 'rejected') throw item.reason; // nothing guards the item: it is never refused
  const group: RecordedEvent[] = await store.readStreamGroup(round.root);
  const stored = group.find((e) => e.eventId === item.value.events[0]?.eventId);
  expect(stored, 'the money item is in the group').toBeDefined();
  expect(stored?.position).toBeGreaterThan(round.seen);
  const approvals = group.filter((e) => e.type === 'SettlementApproved');
  if (approval.status === 'rejected') {
    expect(approval.reason).toBeInstanceOf(ConcurrencyError);
    expect(approval.reason).toMatchObject({ reason: 'group-changed' });
    expect(approvals, 'a refused approval writes nothing').toEqual([]);
    return 'refused';
  }
  const approved = approval.value.events[0];
  expect(approvals.map((e) => e.eventId)).toEqual([approved?.eventId]);
  // The approval won: the item comes after it, so the approved figures missed nothing committed before them.
  expect(stored?.position).toBeGreaterThan(approved?.position ?? 0n);
  return 'approved-first';
};

export const approvalRaceTests = (subject: Subject): void => {
  it('refuses an approval when a money item in a NEW child stream was committed after its figures', async () => {
    const { store } = subject();
    const round = await contract(store);
    const item = await addItem(store, round, 1);
    const refused = await rejectionOf(approve(store, round));
    expect(
      await neverLost(store, round, { status: 'fulfilled', value: item }, { status: 'rejected', reason: refused }),
    ).toBe('refused');
  });

  it('puts a money item in a new child stream after an approval that was committed first', async () => {
    const { store } = subject();
    const round = await contract(store);
    const approval = await approve(store, round);
    const item = await addItem(store, round, 1);
    expect(
      await neverLost(store, round, { status: 'fulfilled', value: item }, { status: 'fulfilled', value: approval }),
    ).toBe('approved-first');
  });

  it('never loses a money item in a new child stream that races an approval: refused, or the item after it', async () => {
    const { store } = subject();
    for (let n = 0; n < 12; n += 1) {
      const round = await contract(store);
      // Alternate who is asked first, so that either may win on a store that serialises its writers.
      const [item, approval] =
        n % 2 === 0
          ? await Promise.allSettled([addItem(store, round, 1), approve(store, round)])
          : await Promise.allSettled([approve(store, round), addItem(store, round, 1)]).then(([a, i]) => [i, a]);
      if (!item || !approval) throw new Error('both appends must settle');
      await neverLost(store, round, item, approval);
    }
  });
};
