// The history now, from the read models' rows (issue 9, item 4): a page costs its own rows, and a filter that matches
// little reads at most a budget of rows per page, then answers a short page with a cursor to go on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredLedgerEvent } from '@csu-ledger/domain';
import { HISTORY_SCAN_BUDGET } from './history.ts';
import { decodeCursor } from './paging.ts';
import { openReadModels, type ReadModels } from './read-models.ts';

let dir: string;
let models: ReadModels;
const C = 'ROWS-1';
const N = 2 * HISTORY_SCAN_BUDGET + 500;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'history-rows-'));
  models = openReadModels(join(dir, 'read-models.db'));
  const history = Array.from({ length: N }, (_, i) => {
    const last = i === N - 1;
    const event = {
      type: last ? 'ExtraRaised' : 'MeasurementReported',
      data: { contractId: C, businessDate: last ? '2025-09-01' : '2025-07-20', i },
      streamName: `contract-${C}`,
      revision: i,
      position: BigInt(i + 1),
      recordedAt: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
      metadata: { actor: { sub: 'u', name: 'U', org: '0AX', role: 'csu' }, correlationId: 'c' },
    } as unknown as StoredLedgerEvent;
    // another contract's rows in between, which a page never shows
    return [
      { contractId: C, event, eventId: `e-${i}` },
      { contractId: 'OTHER', event: { ...event, position: BigInt(N + i + 1) }, eventId: `o-${i}` },
    ];
  }).flat();
  models.commit({ ledgers: new Map(), organisations: new Map(), history, items: new Map(), quarantines: new Map(), released: new Set(), position: BigInt(2 * N) });
});
afterAll(async () => {
  models.close();
  await rm(dir, { recursive: true, force: true });
});

describe('historyRowsReader', () => {
  it('pages in position order, only the contract’s rows', () => {
    const first = models.historyPage({ contractId: C, limit: 3 });
    expect(first.items.map((e) => e.position)).toEqual(['1', '2', '3']);
    const second = models.historyPage({
      contractId: C,
      limit: 3,
      after: BigInt(decodeCursor('history', first.next!)!),
    });
    expect(second.items.map((e) => e.position)).toEqual(['4', '5', '6']);
    expect(second.items[0]).toMatchObject({
      type: 'MeasurementReported',
      businessDate: '2025-07-20',
      eventId: 'e-3',
      streamName: `contract-${C}`,
    });
  });

  it('a filter that matches little: short pages with a cursor, each reading at most the budget, until the match', () => {
    const found: string[] = [];
    let pages = 0;
    let after: bigint | undefined;
    for (;;) {
      const page = models.historyPage({
        contractId: C,
        limit: 10,
        types: ['ExtraRaised'],
        ...(after ? { after } : {}),
      });
      pages += 1;
      found.push(...page.items.map((e) => e.position));
      if (page.next === null) break;
      after = BigInt(decodeCursor('history', page.next)!);
    }
    expect(found).toEqual([String(N)]);
    expect(pages).toBe(3); // N rows at most HISTORY_SCAN_BUDGET a page
  });

  it('from and to filter by business date', () => {
    const page = models.historyPage({ contractId: C, limit: 10, from: '2025-08-01', after: BigInt(N - 5) });
    expect(page.items.map((e) => e.businessDate)).toEqual(['2025-09-01']);
    expect(page.next).toBeNull();
  });
});
