// Item rows (item-rows.ts) on a real read-model file: after every commit, every page of a contract's extras,
// challenges and invoices read from its rows (by index) equals the same page cut from the whole ledger, cursors
// included: the corpus of stored events (every type, every version) one event per commit, and a contract of many
// items changed in batches of every size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContractLedger, LedgerEvent } from '@csu-ledger/domain';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { LedgerBuilder } from '../../../packages/domain/test/ledger-builder.ts';
import { AGREED } from '../../../packages/domain/test/fixtures.ts';
import type { ItemKind } from './views.ts';
import { decodeCursor } from './paging.ts';
import { projectBatch } from './projection.ts';
import { openReadModels, type ReadModels } from './read-models.ts';
import { ledgerLists, listName, type ListSource } from './views.ts';
import { corpusRecords } from '../../../test/fixtures/events/corpus.ts';

const corpus = corpusRecords();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = (): ReadModels => {
  const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-items-'));
  dirs.push(dir);
  return openReadModels(join(dir, 'read-models.db'));
};

const KINDS: ItemKind[] = ['extra', 'challenge', 'invoice'];

/** Every page of a list, following its cursors, at a page size. */
const allPages = (lists: ListSource, kind: ItemKind, limit: number): unknown[] => {
  const pages: unknown[] = [];
  let after: string | undefined;
  for (let n = 0; n < 1_000; n += 1) {
    const page = lists.page(kind, { limit, after });
    pages.push(page);
    if (!page?.next) return pages;
    after = decodeCursor(listName(kind), page.next) ?? undefined;
  }
  throw new Error('a list that never ends');
};

const expectSameLists = (models: ReadModels, contractId: string, ledger: ContractLedger): number => {
  let pages = 0;
  for (const kind of KINDS) {
    for (const limit of [1, 2, 5, 500]) {
      const fromRows = allPages(models.lists(contractId), kind, limit);
      expect(fromRows).toEqual(allPages(ledgerLists(ledger), kind, limit));
      pages += fromRows.length;
    }
    expect(models.lists(contractId).page(kind, { limit: 5, after: 'no-such-item' })).toBeUndefined();
  }
  return pages;
};

const C = AGREED.contractId;
const extra = (i: number): string => `${C}.extra-${i.toString(16).padStart(12, '0')}`;
const challenge = (i: number): string => `${C}.challenge-${i.toString(16).padStart(12, '0')}`;
const raiseExtra = (i: number): LedgerEvent => ({
  type: 'ExtraRaised',
  data: { extraId: extra(i), contractId: C, businessDate: '2025-05-06', amountPence: 10_000 + i, description: `extra ${i}`, serviceLine: 'data', requestedBy: 'finance' },
});
const acceptExtra = (i: number): LedgerEvent => ({
  type: 'ExtraAccepted',
  data: { extraId: extra(i), contractId: C, businessDate: '2025-07-10', amountPence: 10_000 + i },
});
const raiseChallenge = (i: number): LedgerEvent => ({
  type: 'ChallengeRaised',
  data: { challengeId: challenge(i), contractId: C, businessDate: '2025-05-06', trust: 'RAX', activityMonth: '2025-26-M01', category: 'duplicate-activity', activityLines: 1, valuePence: 1_000 + i },
});
const resolveChallenge = (i: number): LedgerEvent => ({
  type: 'ChallengeResolved',
  data: { challengeId: challenge(i), contractId: C, businessDate: '2025-06-20', recoveredPence: 500 + i },
});

describe('item rows', () => {
  it('after every commit of the corpus, every page of every list equals the page cut from the ledger', () => {
    const models = fresh();
    let pages = 0;
    for (const e of corpus) {
      models.commit(projectBatch(models.checkpoint(), [e], models).set);
      for (const id of ['KIN-2025', ...new Set(corpus.map((x) => x.streamName.split('.')[0]!.replace(/^contract-/, '')))]) {
        const l = models.ledger(id);
        if (l?.contract.status === 'agreed') pages += expectSameLists(models, id, l);
      }
    }
    expect(pages).toBeGreaterThan(500);
    models.close();
  });

  it('a contract of many items, changed in batches of every size, keeps each item in its place', () => {
    const b = new LedgerBuilder().add({ type: 'ContractAgreed', data: AGREED });
    for (let i = 0; i < 40; i += 1) {
      b.add(raiseExtra(i), raiseChallenge(i));
      if (i % 3 === 0) b.add(acceptExtra(i - (i % 6)), resolveChallenge(i));
    }
    // updates of items raised long before, and a second resolution (a recovery recorded again)
    for (let i = 0; i < 40; i += 7) b.add(acceptExtra(i), resolveChallenge(i));
    const events = b.events as unknown as RecordedEvent[];
    for (const size of [1, 3, 17, events.length]) {
      const models = fresh();
      for (let at = 0; at < events.length; at += size) {
        models.commit(projectBatch(models.checkpoint(), events.slice(at, at + size), models).set);
        expectSameLists(models, C, models.ledger(C)!);
      }
      expect(models.lists(C).page('extra', { limit: 100 })?.items).toHaveLength(40);
      models.close();
    }
  });
});
