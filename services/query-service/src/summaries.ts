// Contract summary rows (issue 9, item 4): `/contracts` parsed every stored ledger per request. The projection keeps
// one small row per agreed contract, in the same transaction as its ledger, holding what the list shows that does not
// depend on the day it is read (contractSummary in views.ts computes status and names from it), indexed by each party
// so an organisation's page is read by index, never by scanning other organisations' contracts.
import type Database from 'better-sqlite3';
import type { AgreedContract, ContractLedger, MonthId } from '@csu-ledger/domain';

export interface SummarySource {
  contractId: string;
  ccg: string;
  csu: string;
  vehicle: string | null;
  firstMonth: MonthId;
  lastMonth: MonthId;
  termEndMonth: MonthId;
  breakNoticeServed: boolean;
  /** The annual fee of each terms version, from the first month it is in force. */
  fees: { from: MonthId; annualFeePence: number }[];
  position: string;
}

export const summarySource = (ledger: ContractLedger & { contract: AgreedContract }): SummarySource => {
  const c = ledger.contract;
  return {
    contractId: c.contractId,
    ccg: c.ccg,
    csu: c.csu,
    vehicle: c.vehicle ?? null,
    firstMonth: c.firstMonth,
    lastMonth: c.lastMonth,
    termEndMonth: c.termEndMonth,
    breakNoticeServed: c.breakNotice !== undefined,
    fees: c.versions.map((v) => ({ from: v.from, annualFeePence: v.terms.annualFeePence })),
    position: ledger.position,
  };
};

/** Which contracts a caller sees (auth's canSeeContract, as SQL): all, or those where its organisation is a party. */
export type SummaryScope = { all: true } | { all: false; ccg?: string | undefined; csu?: string | undefined };

export const SUMMARY_SCHEMA = `
CREATE TABLE IF NOT EXISTS contract_summaries (contract_id TEXT PRIMARY KEY, ccg TEXT NOT NULL, csu TEXT NOT NULL, summary TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contract_summaries_ccg ON contract_summaries (ccg, contract_id);
CREATE INDEX IF NOT EXISTS contract_summaries_csu ON contract_summaries (csu, contract_id);
`;

export interface Summaries {
  put(ledger: ContractLedger): void;
  /** Up to `limit` summaries after `after` (a contract id) in contract-id order, within the scope. */
  page(scope: SummaryScope, after: string | undefined, limit: number): SummarySource[];
  /** Fills rows for ledgers stored before this table existed (read models projected by an earlier version). */
  canonicalRows(): Iterable<string>;
}

type Row = { summary: string };

export const openSummaries = (db: Database.Database): Summaries => {
  db.exec(SUMMARY_SCHEMA);
  const put = db.prepare(
    'INSERT INTO contract_summaries (contract_id, ccg, csu, summary) VALUES (?, ?, ?, ?) ON CONFLICT (contract_id) DO UPDATE SET ccg = excluded.ccg, csu = excluded.csu, summary = excluded.summary',
  );
  // Codes are upper case (DOMAIN.md shapes) and compared so by auth: keep them so here for the indexes.
  const all = db.prepare<[string, number], Row>(
    'SELECT summary FROM contract_summaries WHERE contract_id > ? ORDER BY contract_id LIMIT ?',
  );
  const byCcg = db.prepare<[string, string, number], Row>(
    'SELECT summary FROM contract_summaries WHERE ccg = ? AND contract_id > ? ORDER BY contract_id LIMIT ?',
  );
  const byCsu = db.prepare<[string, string, number], Row>(
    'SELECT summary FROM contract_summaries WHERE csu = ? AND contract_id > ? ORDER BY contract_id LIMIT ?',
  );
  const byEither = db.prepare<[string, string, string, number], Row>(
    'SELECT summary FROM contract_summaries WHERE (ccg = ? OR csu = ?) AND contract_id > ? ORDER BY contract_id LIMIT ?',
  );
  const parse = (rows: Row[]): SummarySource[] => rows.map((r) => JSON.parse(r.summary) as SummarySource);
  const store = (ledger: ContractLedger): void => {
    const c = ledger.contract;
    if (c.status !== 'agreed') return;
    put.run(
      c.contractId,
      c.ccg.toUpperCase(),
      c.csu.toUpperCase(),
      JSON.stringify(summarySource({ ...ledger, contract: c })),
    );
  };
  return {
    put: store,
    page: (scope, after = '', limit) => {
      if (scope.all) return parse(all.all(after, limit));
      const ccg = scope.ccg?.toUpperCase();
      const csu = scope.csu?.toUpperCase();
      if (ccg !== undefined && csu !== undefined) return parse(byEither.all(ccg, csu, after, limit));
      if (ccg !== undefined) return parse(byCcg.all(ccg, after, limit));
      if (csu !== undefined) return parse(byCsu.all(csu, after, limit));
      return [];
    },
    *canonicalRows() {
      for (const r of db
        .prepare<[], { contract_id: string; summary: string }>(
          'SELECT contract_id, summary FROM contract_summaries ORDER BY contract_id',
        )
        .iterate()) {
        yield `contract-summary:${r.contract_id}:${r.summary}`;
      }
    },
  };
};
