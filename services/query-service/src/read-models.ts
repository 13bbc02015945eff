// The query service's own SQLite file: read models and the checkpoint, written together in one transaction per
// batch of events, so a crash at any moment leaves them consistent and nothing is counted twice on restart.
import Database from 'better-sqlite3';
import type { ContractLedger, OrganisationState, StoredLedgerEvent } from '@csu-ledger/domain';
import { historyRowsReader, type HistoryRowsReader } from './history-rows.ts';
import { openSummaries, type SummaryScope, type SummarySource } from './summaries.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contracts (contract_id TEXT PRIMARY KEY, ccg TEXT NOT NULL, csu TEXT NOT NULL, position TEXT NOT NULL, ledger TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contracts_ccg ON contracts (ccg);
CREATE INDEX IF NOT EXISTS contracts_csu ON contracts (csu);
CREATE TABLE IF NOT EXISTS organisations (code TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
  position INTEGER PRIMARY KEY, contract_id TEXT NOT NULL, stream TEXT NOT NULL, revision INTEGER NOT NULL,
  event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_contract ON history (contract_id, position);
`;

export interface HistoryRow {
  position: string;
  streamName: string;
  revision: number;
  eventId: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: string;
}

export interface ReadModels {
  checkpoint(): bigint;
  ledger(contractId: string): ContractLedger | undefined;
  contracts(): ContractLedger[];
  organisation(code: string): OrganisationState | undefined;
  organisations(): OrganisationState[];
  history(contractId: string): HistoryRow[];
  /** A page of contract summary rows in contract-id order (summaries.ts), for `/contracts`. */
  contractSummaries(scope: SummaryScope, after: string | undefined, limit: number): SummarySource[];
  /** Ids of a commissioner's agreed contracts, for its support spend. */
  contractIdsOfCcg(ccg: string): string[];
  /** A page of a contract's history rows (history-rows.ts). */
  historyPage: HistoryRowsReader;
  /** Writes one batch's changes and the new checkpoint atomically. */
  commit(batch: { ledgers: Map<string, ContractLedger>; organisations: Map<string, OrganisationState>; history: { contractId: string; event: StoredLedgerEvent; eventId: string }[]; position: bigint }): void;
  /** Forgets in-memory copies (after a failed batch, whose working set may have changed them). */
  discard(): void;
  /** Every row of every read model in a canonical order: what a fingerprint hashes. */
  canonicalRows(): Iterable<string>;
  close(): void;
}

export const openReadModels = (path: string): ReadModels => {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // read models can always be rebuilt from the log; the checkpoint moves with them
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const summaries = openSummaries(db);
  const q = {
    checkpoint: db.prepare<[], { position: string }>('SELECT position FROM checkpoint WHERE id = 1'),
    ledger: db.prepare<[string], { ledger: string }>('SELECT ledger FROM contracts WHERE contract_id = ?'),
    contracts: db.prepare<[], { ledger: string }>('SELECT ledger FROM contracts ORDER BY contract_id'),
    organisation: db.prepare<[string], { state: string }>('SELECT state FROM organisations WHERE code = ?'),
    organisations: db.prepare<[], { state: string }>('SELECT state FROM organisations ORDER BY code'),
    history: db.prepare<[string], { position: number | bigint; stream: string; revision: number; event_id: string; type: string; data: string; metadata: string; recorded_at: string }>(
      'SELECT * FROM history WHERE contract_id = ? ORDER BY position',
    ),
    putContract: db.prepare('INSERT INTO contracts (contract_id, ccg, csu, position, ledger) VALUES (?, ?, ?, ?, ?) ON CONFLICT (contract_id) DO UPDATE SET ccg = excluded.ccg, csu = excluded.csu, position = excluded.position, ledger = excluded.ledger'),
    putOrganisation: db.prepare('INSERT INTO organisations (code, state) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET state = excluded.state'),
    putHistory: db.prepare('INSERT INTO history (position, contract_id, stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    putCheckpoint: db.prepare('INSERT INTO checkpoint (id, position) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position'),
  };
  // Parsed ledgers stay in memory: this process is the only writer of this file, so the cache is never stale.
  const cache = new Map<string, ContractLedger>();
  const commit = db.transaction((batch: Parameters<ReadModels['commit']>[0]) => {
    for (const { contractId, event, eventId } of batch.history) {
      const e = event;
      q.putHistory.run(e.position, contractId, e.streamName, e.revision, eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt);
    }
    for (const [id, ledger] of batch.ledgers) {
      const c = ledger.contract;
      if (c.status !== 'agreed') continue;
      q.putContract.run(id, c.ccg, c.csu, ledger.position, JSON.stringify(ledger));
      summaries.put(ledger);
    }
    for (const [code, org] of batch.organisations) q.putOrganisation.run(code, JSON.stringify(org));
    q.putCheckpoint.run(batch.position.toString());
  });
  summaries.backfill(function* () {
    // one ledger at a time: better-sqlite3 cannot write while a statement of the same connection is iterating
    const ledger = db.prepare<[string], string>('SELECT ledger FROM contracts WHERE contract_id = ?').pluck();
    for (const id of db.prepare<[], string>('SELECT contract_id FROM contracts').pluck().all()) yield ledger.get(id)!;
  });
  const idsOfCcg = db.prepare<[string], string>('SELECT contract_id FROM contracts WHERE ccg = ? ORDER BY contract_id').pluck();
  return {
    checkpoint: () => BigInt(q.checkpoint.get()?.position ?? '0'),
    ledger: (id) => {
      const hit = cache.get(id);
      if (hit) return hit;
      const row = q.ledger.get(id);
      if (!row) return undefined;
      const ledger = JSON.parse(row.ledger) as ContractLedger;
      cache.set(id, ledger);
      return ledger;
    },
    contracts: () => q.contracts.all().map((r) => JSON.parse(r.ledger) as ContractLedger),
    organisation: (code) => {
      const row = q.organisation.get(code);
      return row ? (JSON.parse(row.state) as OrganisationState) : undefined;
    },
    organisations: () => q.organisations.all().map((r) => JSON.parse(r.state) as OrganisationState),
    history: (id) =>
      q.history.all(id).map((r) => ({
        position: r.position.toString(),
        streamName: r.stream,
        revision: r.revision,
        eventId: r.event_id,
        type: r.type,
        data: JSON.parse(r.data) as unknown,
        metadata: JSON.parse(r.metadata) as Record<string, unknown>,
        recordedAt: r.recorded_at,
      })),
    contractSummaries: (scope, after, limit) => summaries.page(scope, after, limit),
    contractIdsOfCcg: (ccg) => idsOfCcg.all(ccg),
    historyPage: historyRowsReader(db),
    commit: (batch) => {
      try {
        commit(batch);
        for (const [id, ledger] of batch.ledgers) cache.set(id, ledger);
      } catch (err) {
        cache.clear(); // the transaction rolled back: in-memory copies may be ahead of the file
        throw err;
      }
    },
    discard: () => cache.clear(),
    *canonicalRows() {
      yield `checkpoint:${q.checkpoint.get()?.position ?? '0'}`;
      for (const r of db.prepare<[], { contract_id: string; ledger: string }>('SELECT contract_id, ledger FROM contracts ORDER BY contract_id').iterate()) {
        yield `contract:${r.contract_id}:${r.ledger}`;
      }
      yield* summaries.canonicalRows();
      for (const r of db.prepare<[], { code: string; state: string }>('SELECT code, state FROM organisations ORDER BY code').iterate()) {
        yield `organisation:${r.code}:${r.state}`;
      }
      for (const r of db.prepare<[], { position: number; contract_id: string; type: string; data: string; metadata: string; recorded_at: string }>('SELECT position, contract_id, type, data, metadata, recorded_at FROM history ORDER BY position').iterate()) {
        yield `history:${r.position}:${r.contract_id}:${r.type}:${r.data}:${r.metadata}:${r.recorded_at}`;
      }
    },
    close: () => db.close(),
  };
};
