// Issue 5's tamper tests on a real SQLite store file: a small history written as the command service writes it
// (chained events, signed heads after an approval and periodically), then changed directly in the database with
// better-sqlite3, as someone with write access to the file could. Each change must be found and named.
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash } from './chain.ts';
import { newSigningKey } from './fixtures.ts';
import { HEADS_STREAM, signHeads, type ChainHead } from './heads.ts';
import { createHeadSigner, signingAfter } from './signer.ts';
import type { EventStore } from '@csu-ledger/event-store';
import { appendChained, openStore, steppingClock, tempDir } from './store-fixtures.ts';
import { verifyStore, type Problem, type Verdict } from './verify.ts';

const key = newSigningKey();
const C1 = 'contract-C1';
const EXTRA = 'contract-C1.extra-aaaaaaaaaaaa';
let template: string;
const dirs: string[] = [];

// The history, by position:
//  1 contract-C1 r0 · 2 organisation-08J r0 · 3 contract-C1 r1 · 4 extra r0 · 5 contract-C1 r2
//  6 integrity-heads r0 (periodic: every stream) · 7 extra r1 · 8 contract-C1 r3 (SettlementApproved)
//  9 integrity-heads r1 (the contract's group, signed after the approval) · 10 organisation-08J r1
beforeAll(async () => {
  template = await tempDir('integrity-tamper');
  // Each event a second after the one before: which check names a moved event must not depend on whether two
  // appends fell in the same millisecond (they do on a quiet machine, and did not on a busy CI run).
  const clock = steppingClock();
  const store = openStore(template, clock);
  // The signer on the same clock: the times its heads were signed sit among the events' recorded times.
  const signer = createHeadSigner({ store, key, clock });
  const recording = signingAfter(store, signer, ['SettlementApproved'], (e) => {
    throw e;
  });
  await appendChained(recording, C1, 'ContractAgreed', { contractId: 'C1', annualFeePence: 160_000_000 });
  await appendChained(recording, 'organisation-08J', 'OrganisationRegistered', { code: '08J', name: 'Kingston CCG' });
  await appendChained(recording, C1, 'DeliverableDelivered', { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' });
  await appendChained(recording, EXTRA, 'ExtraRaised', { amountPence: 1_850_000, description: 'SUS extract' });
  await appendChained(recording, C1, 'MeasurementReported', { kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 });
  await signer.signChanged();
  await appendChained(recording, EXTRA, 'ExtraDisputed', { reason: 'covered-by-core-offer' });
  await appendChained(recording, C1, 'SettlementApproved', { quarter: '2025-26-Q1', netPayablePence: 41_700_000 });
  await appendChained(recording, 'organisation-08J', 'OrganisationRenamed', { code: '08J', name: 'NHS South West London' });
  await store.close();
  const db = new Database(join(template, 'events.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
});
afterAll(async () => {
  for (const d of [template, ...dirs]) await rm(d, { recursive: true, force: true });
});

/** The verification time: this long after the last event the store holds (recorded times are the test's, not now). */
const afterLast = (ms: number) => async (store: EventStore) => {
  const last = (await store.readAll()).at(-1)!;
  return new Date(Date.parse(last.recordedAt) + ms);
};

/**
 * A copy of the history, changed with SQL (and JavaScript, for an attacker who recomputes hashes), then verified at
 * `now` (default: a second after the last event it holds).
 */
const verifyAfter = async (tamper: (db: Database.Database) => void, now?: (store: EventStore) => Promise<Date>): Promise<Verdict> => {
  const dir = await tempDir('integrity-tampered');
  dirs.push(dir);
  await copyFile(join(template, 'events.db'), join(dir, 'events.db'));
  const db = new Database(join(dir, 'events.db'));
  try {
    tamper(db);
  } finally {
    db.close();
  }
  const store = openStore(dir);
  try {
    return await verifyStore(store, key.publicKey, { now: await (now ?? afterLast(1_000))(store) });
  } finally {
    await store.close();
  }
};

const problemOf = (verdict: Verdict): Problem => {
  if (verdict.ok) throw new Error('the tampering went unnoticed');
  return verdict.problem;
};
const where = (p: Problem) => ({ kind: p.kind, streamName: p.streamName, revision: p.revision, position: p.position });

interface Row {
  position: number;
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
}

/** Recomputes every hash of a stream, in revision order, as a capable attacker would after changing it. */
const rechain = (db: Database.Database, stream: string): void => {
  const rows = db.prepare<[string], Row>('SELECT position, stream, revision, type, data, metadata FROM events WHERE stream = ? ORDER BY revision').all(stream);
  let previous: string | null = null;
  for (const row of rows) {
    const { integrity: _old, ...metadata } = JSON.parse(row.metadata) as Record<string, unknown>;
    const hash = eventHash({ streamName: row.stream, revision: row.revision, type: row.type, data: JSON.parse(row.data) as unknown, metadata }, previous);
    db.prepare('UPDATE events SET metadata = ? WHERE position = ?').run(JSON.stringify({ ...metadata, integrity: { hash, previous } }), row.position);
    previous = hash;
  }
};

const swapPositions = (db: Database.Database, a: number, b: number): void => {
  db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a);
  db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a, b);
  db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b);
};

describe('verifying a real SQLite store', () => {
  it('finds the history as written intact', async () => {
    expect(await verifyAfter(() => undefined)).toEqual({
      ok: true,
      summary: {
        events: 10,
        headEvents: 2,
        streams: 4,
        signatures: 2,
        throughPosition: 10n,
        signedThroughPosition: 8n,
        awaitingSignature: 1,
        keyId: key.keyId,
        keys: [key.keyId],
        intervalMs: 60_000,
        latestSignedAt: expect.any(String) as unknown,
      },
    });
  });

  it("names an event one of whose data fields was altered", async () => {
    const verdict = await verifyAfter((db) => db.prepare(`UPDATE events SET data = json_set(data, '$.deliveredOn', '2025-05-15') WHERE position = 3`).run());
    expect(where(problemOf(verdict))).toEqual({ kind: 'altered', streamName: C1, revision: 1, position: 3n });
  });

  it('names an altered field even when the attacker re-hashes the whole stream: the signed head disagrees', async () => {
    const verdict = await verifyAfter((db) => {
      db.prepare(`UPDATE events SET data = json_set(data, '$.achievedBp', 9900) WHERE position = 5`).run();
      rechain(db, C1);
    });
    expect(where(problemOf(verdict))).toEqual({ kind: 'head-mismatch', streamName: C1, revision: 2, position: 5n });
  });

  it('names an event deleted from the middle of a stream', async () => {
    const verdict = await verifyAfter((db) => db.prepare('DELETE FROM events WHERE position = 3').run());
    expect(where(problemOf(verdict))).toEqual({ kind: 'missing', streamName: C1, revision: 1, position: 5n });
  });

  it('names the deleted last event of a stream that a signed head covers', async () => {
    const verdict = await verifyAfter((db) => db.prepare('DELETE FROM events WHERE position = 8').run());
    const problem = problemOf(verdict);
    expect(where(problem)).toEqual({ kind: 'missing', streamName: C1, revision: 3, position: 9n });
    expect(problem.detail).toMatch(/the stream ends at revision 2/);
  });

  it('names two events of a stream that swapped positions', async () => {
    const verdict = await verifyAfter((db) => swapPositions(db, 3, 5));
    expect(where(problemOf(verdict))).toEqual({ kind: 'reordered', streamName: C1, revision: 2, position: 3n });
  });

  it('names two events that swapped contents', async () => {
    const verdict = await verifyAfter((db) => {
      const [a, b] = [3, 5].map((p) => db.prepare<[number], Row>('SELECT type, data, metadata FROM events WHERE position = ?').get(p)!);
      const put = db.prepare('UPDATE events SET type = ?, data = ?, metadata = ? WHERE position = ?');
      put.run(b!.type, b!.data, b!.metadata, 3);
      put.run(a!.type, a!.data, a!.metadata, 5);
    });
    expect(where(problemOf(verdict))).toEqual({ kind: 'altered', streamName: C1, revision: 1, position: 3n });
  });

  it('names events of different streams that swapped positions', async () => {
    const verdict = await verifyAfter((db) => swapPositions(db, 2, 4));
    expect(where(problemOf(verdict))).toEqual({ kind: 'reordered', streamName: EXTRA, revision: 0, position: 2n });
  });

  it("names a signed head whose hash was altered: as altered, and once re-hashed, as a bad signature", async () => {
    const forge = (db: Database.Database) => db.prepare(`UPDATE events SET data = json_set(data, '$.heads[0].hash', '${'f'.repeat(64)}') WHERE position = 6`).run();
    expect(where(problemOf(await verifyAfter(forge)))).toEqual({ kind: 'altered', streamName: HEADS_STREAM, revision: 0, position: 6n });
    const rehashed = await verifyAfter((db) => {
      forge(db);
      rechain(db, HEADS_STREAM);
    });
    expect(where(problemOf(rehashed))).toEqual({ kind: 'bad-signature', streamName: HEADS_STREAM, revision: 0, position: 6n });
  });

  it('names a signed head whose signature was altered', async () => {
    const verdict = await verifyAfter((db) => {
      const sig = Buffer.alloc(64, 7).toString('base64');
      db.prepare(`UPDATE events SET data = json_set(data, '$.signature', ?) WHERE position = 9`).run(sig);
      rechain(db, HEADS_STREAM);
    });
    expect(where(problemOf(verdict))).toEqual({ kind: 'bad-signature', streamName: HEADS_STREAM, revision: 1, position: 9n });
  });

  it('names heads re-signed with a key of the attacker own, over a rewritten stream', async () => {
    const forger = newSigningKey();
    const verdict = await verifyAfter((db) => {
      db.prepare(`UPDATE events SET data = json_set(data, '$.netPayablePence', 51700000) WHERE position = 8`).run();
      rechain(db, C1);
      const row = db.prepare<[], Row>('SELECT data FROM events WHERE position = 9').get()!;
      const { heads, throughPosition } = JSON.parse(row.data) as { heads: ChainHead[]; throughPosition: string };
      const c1 = JSON.parse(db.prepare<[], Row>('SELECT metadata FROM events WHERE position = 8').get()!.metadata) as { integrity: { hash: string } };
      const forged = heads.map((h) => (h.streamName === C1 ? { ...h, hash: c1.integrity.hash } : h));
      db.prepare('UPDATE events SET data = ? WHERE position = 9').run(JSON.stringify(signHeads(forger, forged, BigInt(throughPosition))));
      rechain(db, HEADS_STREAM);
    });
    expect(where(problemOf(verdict))).toEqual({ kind: 'unsigned-key', streamName: HEADS_STREAM, revision: 1, position: 9n });
  });
});

// Issue 14: what an attacker did next, once a signature could no longer be forged: remove signatures, or stop them.
describe('missing and stale signatures in a real SQLite store', () => {
  it('names the first event when the heads stream is deleted, after an approval was altered and its stream re-hashed', async () => {
    const verdict = await verifyAfter((db) => {
      db.prepare(`UPDATE events SET data = json_set(data, '$.netPayablePence', 51700000) WHERE position = 8`).run();
      rechain(db, C1);
      db.prepare('DELETE FROM events WHERE stream = ?').run(HEADS_STREAM);
    });
    expect(where(problemOf(verdict))).toEqual({ kind: 'unsigned', streamName: C1, revision: 0, position: 1n });
  });

  it("names the first event the deleted signed tail of the heads stream covered, once it is two intervals old", async () => {
    const truncate = (db: Database.Database) => db.prepare('DELETE FROM events WHERE position = 9').run();
    expect((await verifyAfter(truncate, afterLast(1_000))).ok).toBe(true); // recent: the signer may not have come yet
    const verdict = await verifyAfter(truncate, afterLast(2 * 60_000 + 1_000));
    expect(where(problemOf(verdict))).toEqual({ kind: 'unsigned', streamName: EXTRA, revision: 1, position: 7n });
  });

  it('names the first event written after the signer stopped, once it is two intervals old', async () => {
    const verdict = await verifyAfter((db) => {
      const row = db.prepare<[], Row & { recorded_at: string }>('SELECT *, recorded_at FROM events WHERE position = 10').get()!;
      // The last event's stream goes on, chained as the service would, with no signer running.
      const metadata = { actor: { sub: 'u1' } };
      const previous = (JSON.parse(row.metadata) as { integrity: { hash: string } }).integrity.hash;
      const data = { code: '08J', name: 'Someone else' };
      const hash = eventHash({ streamName: 'organisation-08J', revision: 2, type: 'OrganisationRenamed', data, metadata }, previous);
      db.prepare('INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (11, ?, ?, 2, ?, ?, ?, ?)').run(
        'a1b2c3d4-0000-4000-8000-000000000011',
        'organisation-08J',
        'OrganisationRenamed',
        JSON.stringify(data),
        JSON.stringify({ ...metadata, integrity: { hash, previous } }),
        row.recorded_at,
      );
    }, afterLast(3 * 60_000));
    expect(where(problemOf(verdict))).toEqual({ kind: 'unsigned', streamName: 'organisation-08J', revision: 1, position: 10n });
  });
});
