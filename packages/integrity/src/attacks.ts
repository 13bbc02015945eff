// Issue 14's attacks, one suite for every store (attacks-sqlite.int.test.ts, attacks-postgres.int.test.ts): a history
// written the way the command service writes it (signing at start, after the approval, periodically; one key change
// on the way), then changed directly in the database by someone who can write it but holds no signing key. Each
// attack is found, and the first problem named.
import { expect, it } from 'vitest';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import { eventHash } from './chain.ts';
import { INTERVAL_MS, newSigningKey } from './fixtures.ts';
import { HEADS_STREAM, headsOf, parseHeadsSigned, signHeads } from './heads.ts';
import type { SigningKey } from './keys.ts';
import { verifyReceipt, type Receipt, type ReceiptVerdict } from './receipt.ts';
import { signRotation } from './rotation.ts';
import { createHeadSigner, signingAfter } from './signer.ts';
import { appendChained, steppingClock } from './store-fixtures.ts';
import { verifyStore, type Problem, type Verdict } from './verify.ts';

/** A stored row as an attacker with SQL sees it. */
export interface Row {
  position: bigint;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

/** What an attacker does with SQL, on one store. */
export interface Tamperer {
  rows(stream?: string): Promise<Row[]>;
  update(position: bigint, values: { data?: unknown; metadata?: Record<string, unknown> }): Promise<void>;
  /** Sets an event's recorded time (the suite fixes every recorded time before the attack: see `fixTimes`). */
  stamp(position: bigint, recordedAt: string): Promise<void>;
  /** Deletes the events of a stream, every event from a position on, or the events at these positions. */
  remove(what: { stream: string } | { fromPosition: bigint } | { positions: bigint[] }): Promise<void>;
  close(): Promise<void>;
}

export interface AttackStore {
  /** A store on a fresh, empty database. */
  fresh(): Promise<EventStore>;
  /** Closes the store (if need be) and hands its database to the attacker; `reopen` gives a store on it again. */
  tamper(store: EventStore): Promise<{ tamperer: Tamperer; reopen: () => Promise<EventStore> }>;
}

export const C1 = 'contract-C1';
export const EXTRA = 'contract-C1.extra-aaaaaaaaaaaa';
const first = newSigningKey();
const second = newSigningKey();
/** The history's first instant: the signer's clock steps on a second at a time from it, and events are recorded a second apart from it. */
const T0 = Date.parse('2026-04-01T09:00:00.000Z');

/**
 * The history, by position:
 *  1 C1 r0 · 2 organisation-08J r0 · 3 C1 r1 · 4 extra r0 · 5 C1 r2 · 6 heads r0 (start: all of it)
 *  7 heads r1 (key change, first → second) · 8 extra r1 · 9 C1 r3 SettlementApproved · 10 heads r2 (the group, the
 *  receipt's) · 11 organisation-08J r1 · 12 C1 r4 · 13 heads r3 (periodic)
 */
const writeHistory = async (store: EventStore): Promise<Receipt> => {
  const signer = createHeadSigner({ store, key: first, intervalMs: INTERVAL_MS, clock: steppingClock(T0) });
  const recording = signingAfter(store, signer, ['SettlementApproved'], (e) => {
    throw e;
  });
  await appendChained(recording, C1, 'ContractAgreed', { contractId: 'C1', annualFeePence: 160_000_000 });
  await appendChained(recording, 'organisation-08J', 'OrganisationRegistered', { code: '08J', name: 'Kingston CCG' });
  await appendChained(recording, C1, 'DeliverableDelivered', { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14' });
  await appendChained(recording, EXTRA, 'ExtraRaised', { amountPence: 1_850_000, description: 'SUS extract' });
  await appendChained(recording, C1, 'MeasurementReported', { kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 });
  await signer.signChanged('start');
  await signer.rotateKey(second);
  await appendChained(recording, EXTRA, 'ExtraDisputed', { reason: 'covered-by-core-offer' });
  const approval = await appendChained(recording, C1, 'SettlementApproved', { quarter: '2025-26-Q1', netPayablePence: 41_700_000 });
  const receipt = await signer.receiptFor(approval, C1, { contractId: 'C1', quarter: '2025-26-Q1' });
  await appendChained(recording, 'organisation-08J', 'OrganisationRenamed', { code: '08J', name: 'NHS South West London' });
  await appendChained(recording, C1, 'MeasurementReported', { kpiId: 'K3', month: '2025-26-M04', achievedBp: 9400 });
  await signer.signChanged();
  return receipt;
};

/**
 * Fixes every recorded time to a second after the one before (position p at T0 + p seconds): the verdicts then do not
 * depend on the machine's speed, nor on PostgreSQL stamping times with its own clock. Heads were signed on the
 * suite's clock from T0 too, so a signing time lies among the events' recorded times, within seconds.
 */
const fixTimes = async (t: Tamperer): Promise<void> => {
  for (const row of await t.rows()) await t.stamp(row.position, new Date(T0 + Number(row.position) * 1_000).toISOString());
};

/** Recomputes every hash of a stream, in revision order, as a capable attacker would after changing it. */
export const rechain = async (t: Tamperer, stream: string): Promise<void> => {
  let previous: string | null = null;
  for (const row of (await t.rows(stream)).sort((a, b) => a.revision - b.revision)) {
    const { integrity: _old, ...metadata } = row.metadata;
    const hash = eventHash({ streamName: row.stream, revision: row.revision, type: row.type, data: row.data, metadata }, previous);
    await t.update(row.position, { metadata: { ...metadata, integrity: { hash, previous } } });
    previous = hash;
  }
};

/** Re-signs the signed heads at these positions with the attacker's key, over the streams as they now are. */
const resign = async (t: Tamperer, forger: SigningKey, positions: bigint[]): Promise<void> => {
  const all = await t.rows();
  const asEvents = all.map((r): RecordedEvent => ({ ...r, streamName: r.stream, eventId: '', recordedAt: '' }));
  for (const row of all.filter((r) => positions.includes(r.position))) {
    const d = parseHeadsSigned(row.data)!;
    const through = BigInt(d.throughPosition);
    const named = new Set(d.heads.map((h) => h.streamName));
    const heads = headsOf(asEvents.filter((e) => e.position <= through && named.has(e.streamName)));
    await t.update(row.position, { data: signHeads(forger, heads, through, { trigger: d.trigger, signedAt: new Date(d.signedAt!), intervalMs: d.intervalMs }) });
  }
  await rechain(t, HEADS_STREAM);
};

const problemOf = (verdict: { ok: boolean; problem?: Problem }): Problem => {
  if (verdict.ok) throw new Error('the attack went unnoticed');
  return verdict.problem!;
};
const where = (p: Problem) => ({ kind: p.kind, streamName: p.streamName, revision: p.revision, position: p.position });
const afterLast = async (store: EventStore, ms: number): Promise<Date> => {
  const [lastEvent] = await store.readAll({ after: (await store.headPosition()) - 1n, maxCount: 1 });
  return new Date(Date.parse(lastEvent!.recordedAt) + ms);
};

export const describeAttacks = (s: AttackStore): void => {
  /** A fresh history, its times fixed, changed by `attack`, then the log verified (at `at`, or a second after its last event) and the receipt checked. */
  const attacked = async (
    attack: (t: Tamperer) => Promise<void>,
    at?: (store: EventStore) => Promise<Date>,
  ): Promise<{ log: Verdict; receipt: ReceiptVerdict }> => {
    const written = await s.fresh();
    const receipt = await writeHistory(written);
    const { tamperer, reopen } = await s.tamper(written);
    try {
      await fixTimes(tamperer);
      await attack(tamperer);
    } finally {
      await tamperer.close();
    }
    const store = await reopen();
    try {
      const now = await (at ?? ((written) => afterLast(written, 1_000)))(store);
      // The receipt as the CCG keeps it: a JSON file.
      const kept = JSON.parse(JSON.stringify(receipt)) as Receipt;
      return { log: await verifyStore(store, first.publicKey, { now }), receipt: await verifyReceipt(store, kept, first.publicKey) };
    } finally {
      await store.close();
    }
  };

  it('finds the history as written intact, its receipt holding, under a key changed on the way', async () => {
    const { log, receipt } = await attacked(() => Promise.resolve());
    expect(log).toMatchObject({ ok: true, summary: { events: 13, signatures: 3, awaitingSignature: 0, keys: [first.keyId, second.keyId] } });
    // Signed on the suite's clock, not the machine's: the verdicts below do not depend on how fast it wrote.
    expect(log.ok && log.summary.latestSignedAt).toMatch(/^2026-04-01T09:00:/);
    expect(receipt).toMatchObject({ ok: true, summary: { streams: 2, events: 6, signedHeadInLog: true, keys: [first.keyId, second.keyId] } });
  });

  it('deleting the heads stream after altering the approval and re-chaining its stream: unsigned, and the receipt disagrees', async () => {
    const { log, receipt } = await attacked(async (t) => {
      await t.update(9n, { data: { quarter: '2025-26-Q1', netPayablePence: 51_700_000 } });
      await rechain(t, C1);
      await t.remove({ stream: HEADS_STREAM });
    });
    expect(where(problemOf(log))).toEqual({ kind: 'unsigned', streamName: C1, revision: 0, position: 1n });
    expect(problemOf(log).detail).toMatch(/no valid signed head/);
    expect(where(problemOf(receipt))).toEqual({ kind: 'head-mismatch', streamName: C1, revision: 3, position: 9n });
  });

  it('truncating the signed tail (the approval, its signing and all after): the receipt names the missing approval', async () => {
    const { log, receipt } = await attacked((t) => t.remove({ fromPosition: 9n }));
    expect(where(problemOf(receipt))).toEqual({ kind: 'missing', streamName: C1, revision: 3, position: 5n });
    expect(problemOf(receipt).detail).toMatch(/covers revision 3 of this stream, but the stream ends at revision 2/);
    // The log alone cannot tell a truncated log from one that stopped there: what it still holds is intact.
    expect(log.ok).toBe(true);
  });

  it("truncating the heads stream's signed tail: the events it covered are unsigned once two intervals old", async () => {
    const { log, receipt } = await attacked(
      (t) => t.remove({ positions: [10n, 13n] }),
      (store) => afterLast(store, 3 * INTERVAL_MS),
    );
    expect(where(problemOf(log))).toEqual({ kind: 'unsigned', streamName: EXTRA, revision: 1, position: 8n });
    // What the receipt vouched for is all still there; that its signed head is gone from the log is reported.
    expect(receipt).toMatchObject({ ok: true, summary: { signedHeadInLog: false } });
  });

  it('stopping the signer and writing: unsigned once two intervals old', async () => {
    const fresh = await s.fresh();
    await writeHistory(fresh);
    const { tamperer, reopen } = await s.tamper(fresh);
    await fixTimes(tamperer).finally(() => tamperer.close());
    // The service goes on writing with no signer running (recorded on the store's own clock: later than the fixed times).
    const written = await reopen();
    const late = await appendChained(written, C1, 'MeasurementReported', { kpiId: 'K3', month: '2025-26-M05', achievedBp: 9000 });
    await appendChained(written, 'organisation-08J', 'OrganisationRenamed', { code: '08J', name: 'Someone else' });
    const soon = await verifyStore(written, first.publicKey, { now: new Date(Date.parse(late.recordedAt) + 1_000) });
    expect(soon).toMatchObject({ ok: true, summary: { awaitingSignature: 2 } });
    const verdict = await verifyStore(written, first.publicKey, { now: new Date(Date.parse(late.recordedAt) + 2 * INTERVAL_MS + 1) });
    expect(where(problemOf(verdict))).toEqual({ kind: 'unsigned', streamName: C1, revision: 5, position: late.position });
    await written.close();
  });

  it('swapping in a key of their own: a key change not signed by the key in force, or heads signed by another key', async () => {
    const forger = newSigningKey();
    const alterApproval = async (t: Tamperer) => {
      await t.update(9n, { data: { quarter: '2025-26-Q1', netPayablePence: 51_700_000 } });
      await rechain(t, C1);
    };
    // The real key change replaced by one to the forger's key, which only the forger signed; later heads re-signed.
    const changed = await attacked(async (t) => {
      await alterApproval(t);
      await t.update(7n, { data: { ...signRotation(forger, forger, new Date(T0)), previousKeyId: first.keyId } });
      await resign(t, forger, [10n, 13n]);
    });
    expect(where(problemOf(changed.log))).toEqual({ kind: 'bad-signature', streamName: HEADS_STREAM, revision: 1, position: 7n });
    expect(where(problemOf(changed.receipt))).toEqual({ kind: 'head-mismatch', streamName: C1, revision: 3, position: 9n });
    // Every head re-signed with the forger's key, the key files swapped: not the key the auditor trusts.
    const swapped = await attacked(async (t) => {
      await alterApproval(t);
      await t.update(7n, { data: signRotation(forger, newSigningKey(), new Date(T0)) });
      await resign(t, forger, [6n, 10n, 13n]);
    });
    expect(where(problemOf(swapped.log))).toEqual({ kind: 'unsigned-key', streamName: HEADS_STREAM, revision: 0, position: 6n });
  });

  it('altering an event the receipt covers: the receipt names it, re-hashed or not', async () => {
    const plain = await attacked((t) => t.update(8n, { data: { reason: 'not-requested' } }));
    expect(where(problemOf(plain.receipt))).toEqual({ kind: 'altered', streamName: EXTRA, revision: 1, position: 8n });
    expect(where(problemOf(plain.log))).toEqual({ kind: 'altered', streamName: EXTRA, revision: 1, position: 8n });
    const rehashed = await attacked(async (t) => {
      await t.update(8n, { data: { reason: 'not-requested' } });
      await rechain(t, EXTRA);
    });
    expect(where(problemOf(rehashed.receipt))).toEqual({ kind: 'head-mismatch', streamName: EXTRA, revision: 1, position: 8n });
    expect(where(problemOf(rehashed.log))).toEqual({ kind: 'head-mismatch', streamName: EXTRA, revision: 1, position: 8n });
  });
};
