// Item rows (issue 12): a contract's extras, challenges and invoices, one row each as its list shows it (views.ts:
// extraRow, challengeRow, invoiceRow), kept by the projection in the same transaction as the ledger. A page of a list
// is then read by index, a page's worth of rows, instead of being cut from every item of the ledger. An item changes
// only by events of its own stream, which carry its id: a batch rewrites the rows of the items its events name, in
// raised order (the position of the event that first named the item, which is how the ledger orders them too).
import type Database from 'better-sqlite3';
import type { ContractLedger, QuarterId, StoredLedgerEvent } from '@csu-ledger/domain';
import { encodeCursor, type Page } from './paging.ts';
import { itemId, itemRow, itemsOf, landingQuarters, listName, type ItemKind, type ItemRows, type ListSource, type PageRequest } from './views.ts';

export const ITEM_ROWS_SCHEMA = `
CREATE TABLE IF NOT EXISTS item_rows (
  contract_id TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL, item_id TEXT NOT NULL, row TEXT NOT NULL,
  PRIMARY KEY (contract_id, kind, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS item_rows_id ON item_rows (contract_id, kind, item_id);
`;

/** The items an event names (an invoice for an extra names the extra too: rewriting its row is harmless). */
export const itemsNamed = (e: StoredLedgerEvent): { kind: ItemKind; id: string }[] => {
  const d = e.data as { extraId?: unknown; challengeId?: unknown; invoiceId?: unknown };
  const named: { kind: ItemKind; id: string }[] = [];
  if (typeof d.extraId === 'string') named.push({ kind: 'extra', id: d.extraId });
  if (typeof d.challengeId === 'string') named.push({ kind: 'challenge', id: d.challengeId });
  if (typeof d.invoiceId === 'string') named.push({ kind: 'invoice', id: d.invoiceId });
  return named;
};

/** Whether the ledger holds the item. */
export const holds = (l: ContractLedger, kind: ItemKind, id: string): boolean =>
  itemsOf(l, kind)[id] !== undefined;

/**
 * An item a batch changed: where it entered its list (the position of the event that made the ledger hold it) when
 * that happened in this batch, else null (its row exists and keeps its place).
 */
export interface TouchedItem {
  kind: ItemKind;
  id: string;
  raisedAt: bigint | null;
  /** The first event of the batch that named it: its place should its row be missing (never, while rows are whole). */
  firstSeen: bigint;
}

/** Notes the items an event changed, given the contract's ledger before and after it (projection.ts). */
export const noteTouched = (touched: Map<string, TouchedItem>, e: StoredLedgerEvent, before: ContractLedger, after: ContractLedger): void => {
  for (const { kind, id } of itemsNamed(e)) {
    if (!holds(after, kind, id)) continue; // an event that raised nothing: no row
    const key = `${kind}:${id}`;
    const raisedAt = holds(before, kind, id) ? null : e.position;
    const seen = touched.get(key);
    touched.set(key, { kind, id, raisedAt: seen?.raisedAt ?? raisedAt, firstSeen: seen?.firstSeen ?? e.position });
  }
};

export interface ItemRowsTable {
  /** Writes the rows of the items a batch changed, from the ledger after it. */
  put(ledger: ContractLedger, touched: ReadonlyMap<string, TouchedItem>): void;
  /** The contract's lists from these rows. */
  lists(contractId: string): ListSource;
  canonicalRows(): Iterable<string>;
}

export const openItemRows = (db: Database.Database): ItemRowsTable => {
  db.exec(ITEM_ROWS_SCHEMA);
  // seq: kept from the row's first writing (an update never moves an item in its list)
  const insert = db.prepare<[string, string, bigint, string, string]>(
    'INSERT INTO item_rows (contract_id, kind, seq, item_id, row) VALUES (?, ?, ?, ?, ?) ON CONFLICT (contract_id, kind, item_id) DO UPDATE SET row = excluded.row',
  );
  const update = db.prepare<[string, string, string, string]>('UPDATE item_rows SET row = ? WHERE contract_id = ? AND kind = ? AND item_id = ?');
  const seqOf = db
    .prepare<[string, string, string], number | bigint>('SELECT seq FROM item_rows WHERE contract_id = ? AND kind = ? AND item_id = ?')
    .pluck()
    .safeIntegers();
  const after = db.prepare<[string, string, bigint, number], string>(
    'SELECT row FROM item_rows WHERE contract_id = ? AND kind = ? AND seq > ? ORDER BY seq LIMIT ?',
  ).pluck();
  return {
    put: (ledger, touched) => {
      const c = ledger.contract;
      if (c.status !== 'agreed' || touched.size === 0) return;
      const landed = new Map<ItemKind, Map<string, QuarterId>>();
      const landedFor = (kind: ItemKind): Map<string, QuarterId> => {
        let m = landed.get(kind);
        if (!m) landed.set(kind, (m = kind === 'invoice' ? new Map<string, QuarterId>() : landingQuarters(ledger, kind)));
        return m;
      };
      for (const { kind, id, raisedAt, firstSeen } of touched.values()) {
        const row = JSON.stringify(itemRow(ledger, kind, id, landedFor(kind)));
        if (raisedAt !== null || update.run(row, c.contractId, kind, id).changes === 0) {
          insert.run(c.contractId, kind, raisedAt ?? firstSeen, id, row);
        }
      }
    },
    lists: (contractId) => ({
      page: <K extends ItemKind>(kind: K, page: PageRequest): Page<ItemRows[K]> | undefined => {
        let from = -1n;
        if (page.after !== undefined) {
          const seq = seqOf.get(contractId, kind, page.after);
          if (seq === undefined) return undefined;
          from = BigInt(seq);
        }
        const rows = after.all(contractId, kind, from, page.limit + 1).map((text) => JSON.parse(text) as ItemRows[K]);
        const items = rows.slice(0, page.limit);
        const more = rows.length > page.limit;
        return { items, next: more && items.length > 0 ? encodeCursor(listName(kind), itemId(kind, items.at(-1)!)) : null };
      },
    }),
    *canonicalRows() {
      for (const r of db
        .prepare<[], { contract_id: string; kind: string; seq: number; item_id: string; row: string }>(
          'SELECT contract_id, kind, seq, item_id, row FROM item_rows ORDER BY contract_id, kind, seq',
        )
        .iterate()) {
        yield `item:${r.contract_id}:${r.kind}:${r.seq}:${r.item_id}:${r.row}`;
      }
    },
  };
};
