// Issue 12: pure folds. evolveContract and evolveLedger return new state and never change what they are given: here
// every state and every event is deep-frozen before it is folded (a write to a frozen object throws in a module),
// over the stored events corpus (every event type, in every version). What an event does not touch is shared.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evolveContract, initialContractState, type ContractState } from '../src/contract/model.ts';
import type { StoredLedgerEvent } from '../src/events.ts';
import { evolveLedger, foldLedger, initialLedger, isContractEvent, ledgerFold, provenanceOf, type ContractLedger } from '../src/ledger.ts';
import { decodeLedgerEvent, isLedgerRecord, type StoredRecord } from '../src/stored/decode.ts';

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
};

/** The corpus's lines as a store hands them over, decoded; the contract's group only. */
const events: StoredLedgerEvent[] = readFileSync(new URL('../../../test/fixtures/events/corpus.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l): StoredRecord => {
    const { position, ...rest } = JSON.parse(l) as Omit<StoredRecord, 'position'> & { position: string };
    return { ...rest, position: BigInt(position) };
  })
  .filter(isLedgerRecord)
  .map(decodeLedgerEvent)
  .filter((e) => e.streamName.startsWith('contract-'));

const snapshot = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

describe('pure folds', () => {
  it('covers every kind of event of a contract group', () => {
    expect(new Set(events.map((e) => e.type)).size).toBe(25); // all but the register's two
  });

  it('evolveLedger: every step on a deep-frozen ledger and event gives a new ledger, sharing what it did not touch', () => {
    let ledger: ContractLedger = deepFreeze(initialLedger());
    for (const e of events) {
      const before = snapshot(ledger);
      const next = evolveLedger(ledger, deepFreeze(e));
      expect(next).not.toBe(ledger);
      expect(snapshot(ledger)).toBe(before);
      // structural sharing: the collections an event does not write are the very same objects
      if (isContractEvent(e)) {
        expect(next.extras).toBe(ledger.extras);
        expect(next.moneyItems).toBe(ledger.moneyItems);
      } else {
        expect(next.contract).toBe(ledger.contract);
      }
      ledger = deepFreeze(next);
    }
    // the same ledger as one fold that shares its copies between steps
    expect(snapshot(foldLedger(events))).toBe(snapshot(ledger));
  });

  it('evolveContract: the same for the contract alone', () => {
    let state: ContractState = deepFreeze(initialContractState());
    for (const e of events.filter(isContractEvent)) {
      const before = snapshot(state);
      const next = evolveContract(state, deepFreeze(e), deepFreeze(provenanceOf(e)));
      expect(snapshot(state)).toBe(before);
      if (state.status === 'agreed' && next.status === 'agreed' && e.type === 'DeliverableDelivered') {
        expect(next.measurements).toBe(state.measurements);
        expect(next.deliveries).not.toBe(state.deliveries);
      }
      state = deepFreeze(next);
    }
    expect(state.status).toBe('agreed');
  });

  it('a fold that goes on from a kept state (a cached read model, a snapshot) leaves it as it was', () => {
    const half = Math.floor(events.length / 2);
    const kept = deepFreeze(foldLedger(events.slice(0, half)));
    const before = snapshot(kept);
    const step = ledgerFold();
    let ledger = kept;
    for (const e of events.slice(half)) ledger = step(ledger, e);
    expect(snapshot(kept)).toBe(before);
    expect(snapshot(ledger)).toBe(snapshot(foldLedger(events)));
    expect(snapshot(foldLedger(events.slice(half), kept))).toBe(snapshot(ledger));
  });
});
