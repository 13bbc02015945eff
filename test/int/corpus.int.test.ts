// Issue 12: the ledger reads every event it ever wrote. The corpus (test/fixtures/events/) holds every event type in
// every version it has had, as stored; here it is written to each store the suite runs, read back as the
// services read it (the log in order, the contract's stream group), decoded through the one decode step and folded,
// and the contract must settle to the figures worked by hand in the corpus's README. A change that cannot read
// yesterday's events fails here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contractStream,
  decodeLedgerEvent,
  evolveOrganisation,
  foldLedger,
  initialOrganisationState,
  isLedgerRecord,
  isOrganisationEvent,
  settlementView,
  type ContractLedger,
  type OrganisationState,
  type QuarterId,
} from '@csu-ledger/domain';
import { createEsdbEventStore, createPostgresEventStore, createSqliteEventStore, type EventStore, type RecordedEvent } from '@csu-ledger/event-store';
import { startFakeKurrentDB, type FakeKurrentDB } from '../../packages/event-store/src/esdb/fake-server/index.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../packages/event-store/src/postgres/embedded-server.ts';
import { openReadModels, rebuildReadModels } from '@csu-ledger/query-service';
import { foldPast } from '../../services/query-service/src/past.ts';
import { contractStateOf, loadLedger } from '../../services/command-service/src/loaders.ts';
import { eventHash, integrityOf } from '../../packages/integrity/src/chain.ts';
import { parseNdjsonLine } from '../../packages/integrity/src/ndjson.ts';

const folder = new URL('../fixtures/events/', import.meta.url);
const lines = readFileSync(new URL('corpus.ndjson', folder), 'utf8').split('\n').filter((l) => l.trim() !== '');
const corpus: RecordedEvent[] = lines.map((l) => {
  const e = parseNdjsonLine(l);
  if (typeof e === 'string') throw new Error(`corpus line unreadable: ${e}`);
  return e;
});
const expected = JSON.parse(readFileSync(new URL('expected.json', folder), 'utf8')) as {
  contractId: string;
  today: string;
  settlements: Record<QuarterId, Record<string, unknown>>;
  measurements: Record<string, Record<string, unknown>>;
  termEndMonth: string;
  organisations: Record<string, string[]>;
  versions: Record<string, number[]>;
};

const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-corpus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let opened = 0;

/**
 * Writes the corpus as it was stored: each event to its stream at its revision, in global order. After each event of
 * the contract the command loaders fold it as a command would (fold-cache.ts: on from the state kept for the last
 * command), so the end state below is the incremental fold's, checked against a fold from the start.
 */
const load = async (store: EventStore): Promise<void> => {
  const root = contractStream(expected.contractId);
  for (const { eventId, streamName, revision, type, data, metadata } of corpus) {
    await store.appendToStream(streamName, [{ eventId, type, data, metadata }], {
      expectedRevision: revision === 0 ? 'no-stream' : revision - 1,
    });
    if (streamName === root || streamName.startsWith(`${root}.`)) {
      await loadLedger(store, expected.contractId);
      contractStateOf(store, await store.readStream(root));
    }
  }
};

const readsBack = async (store: EventStore): Promise<void> => {
  await load(store);
  // The store keeps what it was given: the same events, in the same order, byte for byte in data and metadata.
  const log = await store.readAll({ maxCount: 10_000 });
  const kept = ({ eventId, streamName, revision, type, data, metadata }: RecordedEvent) => ({ eventId, streamName, revision, type, data, metadata });
  expect(log.map(kept)).toEqual(corpus.map(kept));

  // Every record decodes (older versions lifted to the current shape).
  const decoded = log.filter(isLedgerRecord).map(decodeLedgerEvent);
  expect(decoded).toHaveLength(corpus.length);

  // The register, from its own streams.
  const register = new Map<string, OrganisationState>();
  for (const e of decoded.filter(isOrganisationEvent)) {
    register.set(e.data.code, evolveOrganisation(register.get(e.data.code) ?? initialOrganisationState(), e));
  }
  for (const [code, names] of Object.entries(expected.organisations)) {
    const org = register.get(code);
    expect(org?.status === 'registered' ? org.names.map((n) => n.name) : []).toEqual(names);
  }

  // The contract, from its stream group as the command loaders read it; by time travel (now); and projected into
  // read models from the log, as the query service does.
  const group = (await store.readStreamGroup(contractStream(expected.contractId))).map(decodeLedgerEvent);
  settlesToTheFigures(foldLedger(group));
  const { ledger: continued } = await loadLedger(store, expected.contractId);
  expect(continued).toEqual(foldLedger(group));
  settlesToTheFigures(continued);
  expect(contractStateOf(store, await store.readStream(contractStream(expected.contractId)))).toEqual(foldLedger(group).contract);
  settlesToTheFigures(await foldPast(store, expected.contractId, { now: expected.today }));
  const models = openReadModels(join(dir, `read-models-${++opened}.db`));
  try {
    await rebuildReadModels(store, models);
    expect(models.quarantines()).toEqual([]);
    settlesToTheFigures(models.ledger(expected.contractId)!);
  } finally {
    models.close();
  }
};

const settlesToTheFigures = (ledger: ContractLedger): void => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new Error('the corpus contract did not fold to an agreed contract');
  expect(c.termEndMonth).toBe(expected.termEndMonth);
  for (const [key, measurement] of Object.entries(expected.measurements)) {
    const { recorded: _r, ...m } = c.measurements[key]!;
    expect(m).toEqual(measurement);
  }
  for (const [quarter, figures] of Object.entries(expected.settlements)) {
    const { approval: _a, contractId: _c, ...view } = settlementView(ledger, quarter, expected.today);
    expect(JSON.parse(JSON.stringify(view, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(figures);
  }
};

describe('the stored events corpus', () => {
  it('holds every event type, each version the README lists, and a whole hash chain', async () => {
    const types = new Set(corpus.map((e) => e.type));
    const decodedTypes = new Set(corpus.filter(isLedgerRecord).map((e) => decodeLedgerEvent(e).type));
    expect(decodedTypes).toEqual(types);
    // every type the code knows is in it (a new type must be added to the corpus)
    const { EVENT_DATA } = await import('../../packages/domain/src/stored/schemas.ts');
    expect([...types].sort()).toEqual(Object.keys(EVENT_DATA).sort());
    for (const [type, versions] of Object.entries(expected.versions)) {
      const found = corpus.filter((e) => e.type === type).map((e) => (e.metadata.schemaVersion as number | undefined) ?? 1);
      expect([...new Set(found)].sort()).toEqual(versions);
    }
    // Each stream's hash chain is whole (the corpus holds no signed heads: what is checked is that no line was edited).
    const last = new Map<string, string>();
    for (const e of corpus) {
      const integrity = integrityOf(e.metadata);
      expect(integrity?.previous ?? null).toBe(last.get(e.streamName) ?? null);
      expect(integrity?.hash).toBe(eventHash(e, last.get(e.streamName) ?? null));
      last.set(e.streamName, integrity!.hash);
    }
  });

  describe('on SQLite', () => {
    it('reads back, decodes and settles to the figures', async () => {
      const store = createSqliteEventStore(join(dir, 'events.db'));
      try {
        await readsBack(store);
      } finally {
        await store.close();
      }
    });
  });

  // The KurrentDB adapter and its real client (client.ts) against the fake gRPC server: a TEST DOUBLE, not a real
  // KurrentDB (packages/event-store/src/esdb/fake-server). The real server's suite runs wherever a container engine does.
  describe('on KurrentDB through a FAKE gRPC server (test double, not a real server)', () => {
    let fake: FakeKurrentDB | undefined;
    beforeAll(async () => {
      fake = await startFakeKurrentDB();
    }, 60_000);
    afterAll(() => fake?.stop(), 60_000);
    it('reads back, decodes and settles to the figures', async () => {
      const store = createEsdbEventStore(fake!.url);
      try {
        await readsBack(store);
      } finally {
        await store.close();
      }
    });
  });

  describe('on PostgreSQL', () => {
    let server: EmbeddedServer | undefined;
    beforeAll(async () => {
      server = await startEmbeddedPostgres({ fastInit: true });
    }, 120_000);
    afterAll(() => server?.stop(), 60_000);
    it('reads back, decodes and settles to the figures', async () => {
      const store = await createPostgresEventStore(await server!.createDatabase('corpus'));
      try {
        await readsBack(store);
      } finally {
        await store.close();
      }
    });
  });
});
