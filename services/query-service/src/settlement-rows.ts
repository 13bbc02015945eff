// Settlement rows (issues 12 and 15): a settlement read computed its quarter from the contract's whole ledger (every
// money item, every extra and challenge) on each request. The projection keeps one row per contract and quarter it
// settles, in the same transaction as the ledger, holding the quarter's money (the domain's QuarterMoney: F, at risk,
// V, G, X and the disputes open at its end), which no passing day changes. A read adds what does change with the day
// (the performance score from the contract's deliveries and measurements, so W and N) or shows the approved figures.
import type Database from 'better-sqlite3';
import {
  compareQuarters,
  quarterMoneyFromRecord,
  quarterMoneyOf,
  quarterMoneyToRecord,
  settlementQuarters,
  type ContractLedger,
  type QuarterId,
  type QuarterMoney,
  type RecordedQuarterMoney,
} from '@csu-ledger/domain';

export const SETTLEMENT_ROWS_SCHEMA = `
CREATE TABLE IF NOT EXISTS settlement_rows (
  contract_id TEXT NOT NULL, quarter TEXT NOT NULL, money TEXT NOT NULL, PRIMARY KEY (contract_id, quarter)) WITHOUT ROWID;
`;

export interface SettlementRows {
  /** Writes the rows of every quarter the ledger settles (within the read models' commit). */
  put(ledger: ContractLedger): void;
  /** Quarter q's money as the last commit left it; undefined for a quarter the contract does not settle. */
  money(contractId: string, q: QuarterId): QuarterMoney | undefined;
  /** The quarters the contract settles, in order (the domain's settlementQuarters, as of the last commit). */
  quarters(contractId: string): QuarterId[];
  /** Forgets the in-memory copies of these contracts' rows (after a commit changed them), or of all (after a failed one). */
  forget(contractIds?: Iterable<string>): void;
  canonicalRows(): Iterable<string>;
}

export const openSettlementRows = (db: Database.Database): SettlementRows => {
  db.exec(SETTLEMENT_ROWS_SCHEMA);
  const clear = db.prepare<[string]>('DELETE FROM settlement_rows WHERE contract_id = ?');
  const insert = db.prepare<[string, string, string]>('INSERT INTO settlement_rows (contract_id, quarter, money) VALUES (?, ?, ?)');
  const rows = db.prepare<[string], { quarter: string; money: string }>('SELECT quarter, money FROM settlement_rows WHERE contract_id = ?');
  // A contract's rows, parsed once per commit that changes them and kept (this process is their only writer): a read
  // is then a map lookup, not a query and a parse per request. Kept in quarter order.
  const parsed = new Map<string, Map<QuarterId, QuarterMoney>>();
  const load = (contractId: string): Map<QuarterId, QuarterMoney> => {
    let m = parsed.get(contractId);
    if (!m) {
      const found = rows.all(contractId).sort((a, b) => compareQuarters(a.quarter, b.quarter));
      m = new Map(found.map((r) => [r.quarter, quarterMoneyFromRecord(JSON.parse(r.money) as RecordedQuarterMoney)]));
      parsed.set(contractId, m);
    }
    return m;
  };
  return {
    put: (ledger) => {
      const c = ledger.contract;
      if (c.status !== 'agreed') return;
      clear.run(c.contractId);
      // a quarter's set only grows (a late item adds one), but rewriting them all keeps one rule: the domain's
      for (const [q, m] of quarterMoneyOf(ledger, settlementQuarters(ledger))) {
        insert.run(c.contractId, q, JSON.stringify(quarterMoneyToRecord(m)));
      }
    },
    money: (contractId, q) => load(contractId).get(q),
    quarters: (contractId) => [...load(contractId).keys()],
    forget: (contractIds) => {
      if (contractIds === undefined) parsed.clear();
      else for (const id of contractIds) parsed.delete(id);
    },
    *canonicalRows() {
      for (const r of db
        .prepare<[], { contract_id: string; quarter: string; money: string }>(
          'SELECT contract_id, quarter, money FROM settlement_rows ORDER BY contract_id, quarter',
        )
        .iterate()) {
        yield `settlement:${r.contract_id}:${r.quarter}:${r.money}`;
      }
    },
  };
};
