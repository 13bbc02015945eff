// Contract summary rows (issue 9, item 4: `/contracts` parsed every stored ledger per request): kept with the ledger
// in one transaction, paged by party through indexes, and filled on opening read models made before they existed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ContractLedger } from '@csu-ledger/domain';
import { AGREED } from '../../../packages/domain/test/fixtures.ts';
import { LedgerBuilder } from '../../../packages/domain/test/ledger-builder.ts';
import { openReadModels } from './read-models.ts';
import { summarySource } from './summaries.ts';
import type { Agreed } from './views.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ledgerOf = (contractId: string, ccg: string, csu: string): ContractLedger =>
  new LedgerBuilder().add({ type: 'ContractAgreed', data: { ...AGREED, contractId, ccg, csu } }).ledger();

const batch = (ledgers: ContractLedger[], position: bigint) => ({
  ledgers: new Map(ledgers.map((l) => [(l as Agreed).contract.contractId, l])),
  organisations: new Map(),
  history: [],
  items: new Map(),
  quarantines: new Map(),
  released: new Set<string>(),
  position,
});

describe('contract summary rows', () => {
  it('are written with their ledgers and paged per party, in contract-id order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'summaries-'));
    dirs.push(dir);
    const models = openReadModels(join(dir, 'read-models.db'));
    const ledgers = [ledgerOf('C-3', '08J', '0AX'), ledgerOf('C-1', '08J', '0BY'), ledgerOf('C-2', '09K', '0AX')];
    models.commit(batch(ledgers, 3n));
    const ids = (rows: { contractId: string }[]) => rows.map((r) => r.contractId);
    expect(ids(models.contractSummaries({ all: true }, undefined, 10))).toEqual(['C-1', 'C-2', 'C-3']);
    expect(ids(models.contractSummaries({ all: true }, 'C-1', 1))).toEqual(['C-2']);
    expect(ids(models.contractSummaries({ all: false, ccg: '08J' }, undefined, 10))).toEqual(['C-1', 'C-3']);
    expect(ids(models.contractSummaries({ all: false, csu: '0ax' }, undefined, 10))).toEqual(['C-2', 'C-3']);
    expect(ids(models.contractSummaries({ all: false, ccg: '08J', csu: '08J' }, undefined, 10))).toEqual([
      'C-1',
      'C-3',
    ]);
    expect(models.contractSummaries({ all: false }, undefined, 10)).toEqual([]);
    expect(models.contractSummaries({ all: true }, undefined, 10)[0]).toEqual(summarySource(ledgers[1] as Agreed));
    models.close();
  });
});
