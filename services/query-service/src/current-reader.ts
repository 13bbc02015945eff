// The read models as a fold worker sees them: through a read-only connection of its own (WAL lets it read while the
// projector writes), for the history now and for views of very large contracts as they stand. A ledger is parsed
// once per position it reaches, not once per request. read-models.ts owns the tables and writes them.
import Database from 'better-sqlite3';
import type { ContractLedger } from '@csu-ledger/domain';
import { historyRowsReader, type HistoryRowsReader } from './history-rows.ts';
import type { RegisterEntry } from './register.ts';

/** What past.ts jobs about the present read: the query service's ReadModels satisfy it too. */
export interface CurrentReader {
  ledger(contractId: string): ContractLedger | undefined;
  organisation(code: string): RegisterEntry | undefined;
  historyPage: HistoryRowsReader;
}

export const openCurrentReader = (path: string): CurrentReader & { close(): void } => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const position = db.prepare<[string], string>('SELECT position FROM contracts WHERE contract_id = ?').pluck();
  const ledger = db.prepare<[string], string>('SELECT ledger FROM contracts WHERE contract_id = ?').pluck();
  const organisation = db.prepare<[string], string>('SELECT state FROM organisations WHERE code = ?').pluck();
  const parsed = new Map<string, { position: string; ledger: ContractLedger }>();
  return {
    ledger: (id) => {
      const at = position.get(id);
      if (at === undefined) return undefined;
      const hit = parsed.get(id);
      if (hit?.position === at) return hit.ledger;
      const text = ledger.get(id);
      if (text === undefined) return undefined;
      const l = JSON.parse(text) as ContractLedger;
      parsed.delete(id); // most recently used last
      parsed.set(id, { position: l.position, ledger: l });
      for (const [oldest] of parsed) {
        if (parsed.size <= 16) break;
        parsed.delete(oldest);
      }
      return l;
    },
    organisation: (code) => {
      const state = organisation.get(code);
      return state === undefined ? undefined : (JSON.parse(state) as RegisterEntry);
    },
    historyPage: historyRowsReader(db),
    close: () => db.close(),
  };
};
