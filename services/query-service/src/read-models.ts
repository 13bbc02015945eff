// The query service's own SQLite file: read models and the checkpoint, written together in one transaction per
// batch of events, so a crash at any moment leaves them consistent and nothing is counted twice on restart. An event
// that cannot be applied quarantines the contract (or register entry) it concerns: a row here, in the same
// transaction as the checkpoint that passes it, so the failure is never forgotten and a rebuild reproduces it.
import Database from 'better-sqlite3';
import type { AgreedContract, ContractLedger, OrganisationState, QuarterId, QuarterMoney, StoredLedgerEvent } from '@csu-ledger/domain';
import { historyRowsReader, type HistoryRowsReader } from './history-rows.ts';
import { openItemRows, type TouchedItem } from './item-rows.ts';
import { openSettlementRows } from './settlement-rows.ts';
import { openSummaries, type SummaryScope, type SummarySource } from './summaries.ts';
import { weightedLru } from './weighted-lru.ts';
import type { ListSource } from './views.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), position TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contracts (contract_id TEXT PRIMARY KEY, ccg TEXT NOT NULL, csu TEXT NOT NULL, position TEXT NOT NULL, ledger TEXT NOT NULL);
-- the agreed contract alone, in a table of its own: a row beside the ledger's text would be read through it
CREATE TABLE IF NOT EXISTS agreed_contracts (contract_id TEXT PRIMARY KEY, contract TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS contracts_ccg ON contracts (ccg);
CREATE INDEX IF NOT EXISTS contracts_csu ON contracts (csu);
CREATE TABLE IF NOT EXISTS organisations (code TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
  position INTEGER PRIMARY KEY, contract_id TEXT NOT NULL, stream TEXT NOT NULL, revision INTEGER NOT NULL,
  event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_contract ON history (contract_id, position);
CREATE TABLE IF NOT EXISTS quarantine (
  unit TEXT PRIMARY KEY, position TEXT NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, event_id TEXT NOT NULL,
  reason TEXT NOT NULL, parties TEXT, held INTEGER NOT NULL, last_held TEXT);
`;

/**
 * A contract (unit `contract:<id>`) or organisation-register entry (`organisation:<code>`) whose projection stopped at
 * an event that could not be applied: its read model stands just before that event, and its later events are held
 * back (counted, not applied) until a later start can apply it (projector.ts) or the operator skips it.
 */
export interface Quarantine {
  unit: string;
  position: string;
  streamName: string;
  type: string;
  eventId: string;
  reason: string;
  /** The contract's parties when known, so that only those who may see the contract learn of it. */
  parties?: { ccg: string; csu: string } | undefined;
  heldBack: number;
  lastHeldPosition: string | null;
}

/** One batch's changes, written with the new checkpoint in one transaction. */
export interface ReadModelBatch {
  ledgers: Map<string, ContractLedger>;
  organisations: Map<string, OrganisationState>;
  history: { contractId: string; event: StoredLedgerEvent; eventId: string }[];
  /** Per contract, the extras, challenges and invoices the batch changed (item-rows.ts). */
  items: Map<string, Map<string, TouchedItem>>;
  /** Units quarantined, or whose held-back count grew, in this batch. */
  quarantines: Map<string, Quarantine>;
  /** Units that now project again: their quarantine rows go. */
  released: Set<string>;
  position: bigint;
}

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
  /**
   * The agreed contract alone (its terms, measurements, deliveries and approvals: bounded by its term, however many
   * extras and challenges its ledger holds), for the views answered from rows; undefined if none is agreed.
   */
  contract(contractId: string): AgreedContract | undefined;
  contracts(): ContractLedger[];
  organisation(code: string): OrganisationState | undefined;
  organisations(): OrganisationState[];
  history(contractId: string): HistoryRow[];
  /** The quarantine of a unit (`contract:<id>`, `organisation:<code>`), if any. */
  quarantined(unit: string): Quarantine | undefined;
  /** Every quarantine, in log order. */
  quarantines(): Quarantine[];
  /** A page of contract summary rows in contract-id order (summaries.ts), for `/contracts`. */
  contractSummaries(scope: SummaryScope, after: string | undefined, limit: number): SummarySource[];
  /** Quarter q's money from its settlement row (settlement-rows.ts); undefined for a quarter the contract does not settle. */
  settlementMoney(contractId: string, q: QuarterId): QuarterMoney | undefined;
  /** The quarters a contract settles, in order, from its settlement rows. */
  settlementQuarters(contractId: string): QuarterId[];
  /** A contract's extras, challenges and invoices lists, from their rows (item-rows.ts). */
  lists(contractId: string): ListSource;
  /** Ids of a commissioner's agreed contracts, for its support spend. */
  contractIdsOfCcg(ccg: string): string[];
  /** A page of a contract's history rows (history-rows.ts). */
  historyPage: HistoryRowsReader;
  /** Writes one batch's changes and the new checkpoint atomically. */
  commit(batch: ReadModelBatch): void;
  /** Forgets in-memory copies (after a failed batch, whose working set may have changed them). */
  discard(): void;
  /** Every row of every read model in a canonical order: what a fingerprint hashes. */
  canonicalRows(): Iterable<string>;
  close(): void;
}

interface QuarantineRow {
  unit: string;
  position: string;
  stream: string;
  type: string;
  event_id: string;
  reason: string;
  parties: string | null;
  held: number;
  last_held: string | null;
}

const fromRow = (r: QuarantineRow): Quarantine => ({
  unit: r.unit,
  position: r.position,
  streamName: r.stream,
  type: r.type,
  eventId: r.event_id,
  reason: r.reason,
  ...(r.parties === null ? {} : { parties: JSON.parse(r.parties) as { ccg: string; csu: string } }),
  heldBack: r.held,
  lastHeldPosition: r.last_held,
});

/**
 * The shape of these read models. Rows written by a service of another version are not read as if they were ours:
 * the file is emptied and the projection starts again from the log (which always holds everything). Bump it whenever
 * a stored row's shape changes. 2: measurements and deliveries carry their provenance (issue 10). 3: contract summary
 * rows, the register's recorded times, invoices and recovery queries in the ledger (issues 9 and 13). 4: every
 * event as the decode step gives it (issue 12): history rows and measurements in the current version of their type
 * (a version 1 measurement's note is its evidence's note), so old and new rows never differ in shape.
 * 5: a settlement row per contract and quarter (settlement-rows.ts), so settlement reads never walk the ledger, and
 * a row per extra, challenge and invoice (item-rows.ts), so a page of a list is read by index. 6: the agreed contract
 * in a row of its own, so those reads never read or parse the ledger either (its extras and challenges grow without
 * bound; the contract is bounded by its term).
 * read-model-shape.unit.test.ts fingerprints the rows' shape per version: a change without a bump fails it.
 */
export const READ_MODEL_VERSION = 6;

/**
 * The parsed ledgers kept, by the length of their JSON text (their heap is about two to three times that): the
 * 1M-event scale log's 500 ledgers of ~185,000 characters fit, 10M events' 5,000 would not.
 */
const LEDGER_CACHE_CHARS = 128 * 1024 * 1024;
/** The parsed contracts kept (a contract of 2,000 events is ~9,000 characters): every contract of 10M events. */
const CONTRACT_CACHE_CHARS = 64 * 1024 * 1024;
const UNSTORED_WEIGHT = 1_024;

const TABLES = ['checkpoint', 'contracts', 'agreed_contracts', 'organisations', 'history', 'quarantine', 'contract_summaries', 'settlement_rows', 'item_rows'];

export interface OpenReadModelsOptions {
  /**
   * Read models of another version: 'reset' empties them, so the projection replays the log (the query service);
   * 'refuse' throws (the default: a reader such as `pnpm ledger rebuild` must never empty a live file).
   */
  otherVersion?: 'reset' | 'refuse';
  onReset?: (fromVersion: number) => void;
  /**
   * A rebuild's own new file (`pnpm ledger rebuild`), which nothing reads until it is complete and which a crash
   * simply leaves behind to be deleted: written without waiting for the disk (`synchronous = OFF`) and with its
   * rollback journal in memory (a failed commit still rolls back), as SQLite's bulk loads are. Whoever renames it in
   * flushes it to disk first (the CLI's rebuild). Never for live read models: those must survive a crash.
   */
  scratch?: boolean;
  /** Characters of JSON text of parsed ledgers and contracts kept in memory (tests make them small to evict). */
  cacheChars?: { ledgers: number; contracts: number } | undefined;
}

/** Empties read models of another version (see READ_MODEL_VERSION); returns the version found, if it differed. */
const resetIfOtherVersion = (db: Database.Database, path: string, options: OpenReadModelsOptions): void => {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found === READ_MODEL_VERSION) return;
  const existing = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
  const holdsRows = existing.some((t) => TABLES.includes(t));
  if (holdsRows && options.otherVersion !== 'reset') {
    db.close();
    throw new Error(`${path} holds read models of version ${found}, not ${READ_MODEL_VERSION}: start the query service to rebuild them, or rebuild with --replace`);
  }
  db.transaction(() => {
    for (const t of TABLES) if (existing.includes(t)) db.exec(`DROP TABLE ${t}`);
    db.pragma(`user_version = ${READ_MODEL_VERSION}`);
  })();
  if (holdsRows) options.onReset?.(found);
};

export const openReadModels = (path: string, options: OpenReadModelsOptions = {}): ReadModels => {
  const db = new Database(path);
  if (options.scratch === true) {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
  } else {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // read models can always be rebuilt from the log; the checkpoint moves with them
  }
  db.pragma('busy_timeout = 5000');
  resetIfOtherVersion(db, path, options);
  db.exec(SCHEMA);
  const summaries = openSummaries(db);
  const settlements = openSettlementRows(db);
  const items = openItemRows(db);
  const q = {
    checkpoint: db.prepare<[], { position: string }>('SELECT position FROM checkpoint WHERE id = 1'),
    ledger: db.prepare<[string], { ledger: string }>('SELECT ledger FROM contracts WHERE contract_id = ?'),
    contract: db.prepare<[string], { contract: string }>('SELECT contract FROM agreed_contracts WHERE contract_id = ?'),
    contracts: db.prepare<[], { ledger: string }>('SELECT ledger FROM contracts ORDER BY contract_id'),
    organisation: db.prepare<[string], { state: string }>('SELECT state FROM organisations WHERE code = ?'),
    organisations: db.prepare<[], { state: string }>('SELECT state FROM organisations ORDER BY code'),
    history: db.prepare<[string], { position: number | bigint; stream: string; revision: number; event_id: string; type: string; data: string; metadata: string; recorded_at: string }>(
      'SELECT * FROM history WHERE contract_id = ? ORDER BY position',
    ),
    putContract: db.prepare('INSERT INTO contracts (contract_id, ccg, csu, position, ledger) VALUES (?, ?, ?, ?, ?) ON CONFLICT (contract_id) DO UPDATE SET ccg = excluded.ccg, csu = excluded.csu, position = excluded.position, ledger = excluded.ledger'),
    putAgreed: db.prepare('INSERT INTO agreed_contracts (contract_id, contract) VALUES (?, ?) ON CONFLICT (contract_id) DO UPDATE SET contract = excluded.contract'),
    putOrganisation: db.prepare('INSERT INTO organisations (code, state) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET state = excluded.state'),
    putHistory: db.prepare('INSERT INTO history (position, contract_id, stream, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    putCheckpoint: db.prepare('INSERT INTO checkpoint (id, position) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position'),
    quarantines: db.prepare<[], QuarantineRow>('SELECT * FROM quarantine ORDER BY CAST(position AS INTEGER), unit'),
    putQuarantine: db.prepare('INSERT OR REPLACE INTO quarantine (unit, position, stream, type, event_id, reason, parties, held, last_held) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    release: db.prepare('DELETE FROM quarantine WHERE unit = ?'),
  };
  // Few rows, looked up for every event: kept in memory, reloaded whenever a commit fails.
  let quarantined = new Map<string, Quarantine>();
  const loadQuarantines = () => {
    quarantined = new Map(q.quarantines.all().map((r) => [r.unit, fromRow(r)]));
  };
  loadQuarantines();
  // Parsed ledgers and contracts stay in memory: this process is the only writer of this file, so they are never
  // stale. Bounded by the size of their JSON text (a ledger's grows with its extras and challenges): at 10M events
  // every ledger held at once would not fit in the query service's 1 GiB (PERFORMANCE.md).
  const cache = weightedLru<ContractLedger>(options.cacheChars?.ledgers ?? LEDGER_CACHE_CHARS);
  const contracts = weightedLru<AgreedContract>(options.cacheChars?.contracts ?? CONTRACT_CACHE_CHARS);
  const ledgerJson = new Map<string, string>(); // this commit's ledgers as written, for the cache's weights
  const commit = db.transaction((batch: Parameters<ReadModels['commit']>[0]) => {
    for (const { contractId, event, eventId } of batch.history) {
      const e = event;
      q.putHistory.run(e.position, contractId, e.streamName, e.revision, eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt);
    }
    for (const [id, ledger] of batch.ledgers) {
      const c = ledger.contract;
      if (c.status !== 'agreed') continue;
      const json = JSON.stringify(ledger);
      ledgerJson.set(id, json);
      q.putContract.run(id, c.ccg, c.csu, ledger.position, json);
      q.putAgreed.run(id, JSON.stringify(c));
      summaries.put(ledger);
      settlements.put(ledger);
      items.put(ledger, batch.items.get(id) ?? new Map());
    }
    for (const [code, org] of batch.organisations) q.putOrganisation.run(code, JSON.stringify(org));
    for (const unit of batch.released) q.release.run(unit);
    for (const x of batch.quarantines.values()) {
      q.putQuarantine.run(x.unit, x.position, x.streamName, x.type, x.eventId, x.reason, x.parties ? JSON.stringify(x.parties) : null, x.heldBack, x.lastHeldPosition);
    }
    q.putCheckpoint.run(batch.position.toString());
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
      cache.set(id, ledger, row.ledger.length);
      return ledger;
    },
    contract: (id) => {
      const hit = contracts.get(id) ?? cache.peek(id)?.contract;
      if (hit) return hit.status === 'agreed' ? hit : undefined;
      const row = q.contract.get(id);
      if (!row) return undefined;
      const contract = JSON.parse(row.contract) as AgreedContract;
      contracts.set(id, contract, row.contract.length);
      return contract;
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
    quarantined: (unit) => quarantined.get(unit),
    quarantines: () => [...quarantined.values()],
    contractSummaries: (scope, after, limit) => summaries.page(scope, after, limit),
    settlementMoney: (id, q) => settlements.money(id, q),
    settlementQuarters: (id) => settlements.quarters(id),
    lists: (id) => items.lists(id),
    contractIdsOfCcg: (ccg) => idsOfCcg.all(ccg),
    historyPage: historyRowsReader(db),
    commit: (batch) => {
      ledgerJson.clear();
      try {
        commit(batch);
        for (const [id, ledger] of batch.ledgers) {
          // a ledger of no agreed contract is not stored (it holds nothing a view shows): weighed as small
          cache.set(id, ledger, ledgerJson.get(id)?.length ?? UNSTORED_WEIGHT);
          contracts.delete(id); // the ledger in the cache now answers for its contract
        }
        ledgerJson.clear();
        settlements.forget(batch.ledgers.keys());
        if (batch.released.size > 0 || batch.quarantines.size > 0) loadQuarantines();
      } catch (err) {
        cache.clear(); // the transaction rolled back: in-memory copies may be ahead of the file
        contracts.clear();
        ledgerJson.clear();
        settlements.forget();
        loadQuarantines();
        throw err;
      }
    },
    discard: () => {
      cache.clear();
      contracts.clear();
      settlements.forget();
    },
    *canonicalRows() {
      yield `checkpoint:${q.checkpoint.get()?.position ?? '0'}`;
      for (const r of db.prepare<[], { contract_id: string; ledger: string }>('SELECT contract_id, ledger FROM contracts ORDER BY contract_id').iterate()) {
        yield `contract:${r.contract_id}:${r.ledger}`;
      }
      for (const r of db.prepare<[], { contract_id: string; contract: string }>('SELECT contract_id, contract FROM agreed_contracts ORDER BY contract_id').iterate()) {
        yield `agreed:${r.contract_id}:${r.contract}`;
      }
      yield* summaries.canonicalRows();
      yield* settlements.canonicalRows();
      yield* items.canonicalRows();
      for (const r of db.prepare<[], { code: string; state: string }>('SELECT code, state FROM organisations ORDER BY code').iterate()) {
        yield `organisation:${r.code}:${r.state}`;
      }
      for (const r of db.prepare<[], { position: number; contract_id: string; type: string; data: string; metadata: string; recorded_at: string }>('SELECT position, contract_id, type, data, metadata, recorded_at FROM history ORDER BY position').iterate()) {
        yield `history:${r.position}:${r.contract_id}:${r.type}:${r.data}:${r.metadata}:${r.recorded_at}`;
      }
      for (const r of q.quarantines.iterate()) {
        yield `quarantine:${r.unit}:${r.position}:${r.stream}:${r.type}:${r.event_id}:${r.reason}:${r.parties ?? ''}:${r.held}:${r.last_held ?? ''}`;
      }
    },
    close: () => db.close(),
  };
};
