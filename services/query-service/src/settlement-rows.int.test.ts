// Settlement rows (settlement-rows.ts) on a real read-model file: after every commit, the rows of each contract are
// exactly the quarters it settles, and a settlement read from them equals the same read from the whole ledger, on any
// day (the part that turns with the day is computed at read time from the contract). The corpus of stored events
// (every type, every version) is projected one event per commit, so every kind of change meets the rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { lastDayOfQuarter, quarterMoneyOf, settlementQuarters, type ContractLedger } from '@csu-ledger/domain';
import { projectBatch } from './projection.ts';
import { openReadModels, type ReadModels } from './read-models.ts';
import { ledgerSettlements, renderView, type Agreed, type SettlementSource } from './views.ts';
import { corpusRecords } from '../../../test/fixtures/events/corpus.ts';

const corpus = corpusRecords();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fresh = (): { models: ReadModels; path: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-rows-'));
  dirs.push(dir);
  const path = join(dir, 'read-models.db');
  return { models: openReadModels(path), path };
};

const rowsOf = (models: ReadModels, l: Agreed): SettlementSource => ({
  quarters: () => models.settlementQuarters(l.contract.contractId),
  money: (q) => models.settlementMoney(l.contract.contractId, q)!,
});

const isAgreed = (l: ContractLedger | undefined): l is Agreed => l?.contract.status === 'agreed';

describe('settlement rows', () => {
  it('after every commit: the quarters the contract settles, each read equal to the read from the whole ledger', () => {
    const { models } = fresh();
    const contracts = new Set<string>();
    let compared = 0;
    for (const e of corpus) {
      const { set } = projectBatch(models.checkpoint(), [e], models);
      models.commit(set);
      for (const id of set.ledgers.keys()) contracts.add(id);
      for (const id of contracts) {
        const l = models.ledger(id);
        if (!isAgreed(l)) {
          expect(models.settlementQuarters(id)).toEqual([]);
          continue;
        }
        const quarters = settlementQuarters(l);
        expect(models.settlementQuarters(id)).toEqual(quarters);
        const fromLedger = ledgerSettlements(l);
        const fromRows = rowsOf(models, l);
        for (const q of quarters) {
          expect(fromRows.money(q)).toEqual(quarterMoneyOf(l, [q]).get(q));
          // days before, at and well after the quarter's end: deliverables turn from pending to missed
          for (const today of ['2025-04-02', lastDayOfQuarter(q), '2031-01-01']) {
            const request = { view: 'settlement' as const, quarter: q };
            expect(renderView(l, request, () => undefined, today, fromRows)).toEqual(renderView(l, request, () => undefined, today, fromLedger));
            compared += 1;
          }
        }
        const page = { view: 'settlements' as const, page: { limit: 100 } };
        expect(renderView(l, page, () => undefined, '2026-01-01', fromRows)).toEqual(renderView(l, page, () => undefined, '2026-01-01', fromLedger));
      }
    }
    // the corpus settles four quarters with approvals, late items and every kind of money change
    expect(compared).toBeGreaterThan(200);
    models.close();
  });

  it('an open quarter is read from its row; an approved one shows its frozen figures whatever its row says', () => {
    const opened = fresh();
    let models = opened.models;
    const { path } = opened;
    const { set } = projectBatch(0n, corpus, models);
    models.commit(set);
    const id = [...set.ledgers.keys()].find((k) => isAgreed(models.ledger(k)))!;
    const l = models.ledger(id) as Agreed;
    const approved = Object.keys((l.contract).approvals);
    expect(approved.length).toBeGreaterThan(0);
    const open = settlementQuarters(l).find((x) => !approved.includes(x))!;
    expect(open).toBeDefined();
    const read = (q: string) => renderView(l, { view: 'settlement', quarter: q }, () => undefined, '2031-01-01', rowsOf(models, l)) as { feePence: bigint };
    const before = { approved: read(approved[0]!), open: read(open) };
    models.close();
    // rows changed behind the projection's back (a test's doing: only the projection writes them), read on a restart
    const db = new Database(path);
    db.prepare(`UPDATE settlement_rows SET money = replace(money, '"feePence":', '"feePence":1') WHERE contract_id = ?`).run(id);
    db.close();
    models = openReadModels(path);
    expect(read(approved[0]!)).toEqual(before.approved);
    expect(read(open).feePence).not.toBe(before.open.feePence);
    models.close();
  });
});

describe('parsed ledgers and contracts kept in memory', () => {
  it('are what the file holds, whether kept, evicted at once or read after a restart', () => {
    const kept = fresh();
    const evicting = fresh();
    const evicted = openReadModels(evicting.path, { cacheChars: { ledgers: 1, contracts: 1 } });
    evicting.models.close();
    const contracts = new Set<string>();
    for (const e of corpus) {
      const { set } = projectBatch(kept.models.checkpoint(), [e], kept.models);
      kept.models.commit(set);
      evicted.commit(projectBatch(evicted.checkpoint(), [e], evicted).set);
      for (const id of set.ledgers.keys()) contracts.add(id);
      for (const c of contracts) {
        const l = kept.models.ledger(c);
        expect(evicted.ledger(c)).toEqual(l);
        // the contract alone (row views) is the ledger's, or nothing before it is agreed
        const agreed = isAgreed(l) ? l.contract : undefined;
        expect(kept.models.contract(c)).toEqual(agreed);
        expect(evicted.contract(c)).toEqual(agreed);
      }
    }
    expect(contracts.size).toBeGreaterThan(0);
    // the same rows, every one of them
    expect([...evicted.canonicalRows()]).toEqual([...kept.models.canonicalRows()]);
    kept.models.close();
    evicted.close();
    const reopened = openReadModels(kept.path);
    for (const c of contracts) expect(reopened.contract(c)).toEqual(reopened.ledger(c)?.contract.status === 'agreed' ? reopened.ledger(c)!.contract : undefined);
    reopened.close();
  });
});
