// Issue 5 on PostgreSQL: the same hash chain and signed heads, written through the PostgreSQL adapter, then changed
// directly in the database with SQL. Each change is found and named (stream, revision, position).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresEventStore, type EventStore } from '@csu-ledger/event-store';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../event-store/src/postgres/embedded-server.ts';
import { eventHash } from './chain.ts';
import { newSigningKey } from './fixtures.ts';
import { createHeadSigner } from './signer.ts';
import { appendChained } from './store-fixtures.ts';
import { verifyStore } from './verify.ts';

const key = newSigningKey();
let server: EmbeddedServer;
let n = 0;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ fastInit: true });
}, 60_000);
afterAll(() => server?.stop());

/** A fresh database with a small signed history; returns the store and a SQL client on it. */
const history = async (): Promise<{ store: EventStore; sql: pg.Client }> => {
  const url = await server.createDatabase(`tamper_${++n}`);
  const store = await createPostgresEventStore(url);
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1', annualFeePence: 160_000_000 });
  await appendChained(store, 'contract-C1', 'DeliverableDelivered', { kpiId: 'K1', month: '2025-26-M01' });
  await appendChained(store, 'contract-C1.extra-aaaaaaaaaaaa', 'ExtraRaised', { amountPence: 1_850_000 });
  await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3', achievedBp: 9600 });
  await createHeadSigner({ store, key }).signChanged();
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  return { store, sql };
};

describe('tampering on PostgreSQL is caught', () => {
  it('finds an intact log intact', async () => {
    const { store, sql } = await history();
    expect(await verifyStore(store, key.publicKey)).toMatchObject({ ok: true, summary: { events: 5, signatures: 1 } });
    await sql.end();
    await store.close();
  });

  it('names an altered field', async () => {
    const { store, sql } = await history();
    await sql.query(`UPDATE ledger.events SET data = '{"kpiId":"K1","month":"2025-26-M02"}' WHERE position = 2`);
    expect(await verifyStore(store, key.publicKey)).toMatchObject({
      ok: false,
      problem: { kind: 'altered', streamName: 'contract-C1', revision: 1, position: 2n },
    });
    await sql.end();
    await store.close();
  });

  it('names a deleted event, in the middle of a stream and at its signed end', async () => {
    const { store, sql } = await history();
    await sql.query('DELETE FROM ledger.events WHERE position = 4');
    const verdict = await verifyStore(store, key.publicKey);
    expect(verdict).toMatchObject({ ok: false, problem: { kind: 'missing', streamName: 'contract-C1' } });
    await sql.end();
    await store.close();
  });

  // Issue 14: signatures removed wholesale are a problem, not "0 signatures".
  it('names the first event when the heads stream is deleted after a field was altered and the stream re-hashed', async () => {
    const { store, sql } = await history();
    await sql.query(`UPDATE ledger.events SET data = '{"kpiId":"K3","achievedBp":9900}' WHERE position = 4`);
    let previous: string | null = null;
    const { rows } = await sql.query<{ position: string; revision: number; type: string; data: unknown; metadata: Record<string, unknown> }>(
      `SELECT position::text, revision, type, data, metadata FROM ledger.events WHERE stream = 'contract-C1' ORDER BY revision`,
    );
    for (const row of rows) {
      const { integrity: _old, ...metadata } = row.metadata;
      const hash = eventHash({ streamName: 'contract-C1', revision: row.revision, type: row.type, data: row.data, metadata }, previous);
      await sql.query('UPDATE ledger.events SET metadata = $1::json WHERE position = $2', [JSON.stringify({ ...metadata, integrity: { hash, previous } }), row.position]);
      previous = hash;
    }
    expect(await verifyStore(store, key.publicKey)).toMatchObject({ ok: false, problem: { kind: 'head-mismatch', streamName: 'contract-C1', revision: 2 } });
    await sql.query(`DELETE FROM ledger.events WHERE stream = 'integrity-heads'`);
    expect(await verifyStore(store, key.publicKey)).toMatchObject({
      ok: false,
      problem: { kind: 'unsigned', streamName: 'contract-C1', revision: 0, position: 1n },
    });
    await sql.end();
    await store.close();
  });
});
