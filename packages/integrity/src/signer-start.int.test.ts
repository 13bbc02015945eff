// Issue 15: a signer learns where signing got to from the end of the heads stream, not by reading all of it (at a
// signature a minute it grows by half a million events a year). On a real SQLite store, wrapped only to count the
// heads it hands out; what the signer then knows (the log-wide cursor, the key in force, the key changes of a
// receipt) is what reading the whole stream says.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EventStore, SqliteEventStore } from '@csu-ledger/event-store';
import { chainEvents } from './chain.ts';
import { newSigningKey } from './fixtures.ts';
import { HEADS_SIGNED, HEADS_STREAM, headsOf, isLogWide, parseHeadsSigned, signHeads } from './heads.ts';
import type { SigningKey } from './keys.ts';
import { verifyReceipt } from './receipt.ts';
import { KEY_ROTATED, parseKeyRotation } from './rotation.ts';
import { createHeadSigner } from './signer.ts';
import { appendChained, openStore, tempDir } from './store-fixtures.ts';
import { verifyStore } from './verify.ts';

const first = newSigningKey();
const second = newSigningKey();
let dir: string;
let store: SqliteEventStore;

beforeEach(async () => {
  dir = await tempDir('integrity-signer-start');
  store = openStore(dir);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The store, counting the events of the heads stream it hands out (read as a stream, or with the whole log). */
const counting = (inner: EventStore) => {
  const seen = { heads: 0, headsInLog: 0 };
  const wrapped: EventStore = {
    ...inner,
    readStream: async (name, options) => {
      const events = await inner.readStream(name, options);
      if (name === HEADS_STREAM) seen.heads += events.length;
      return events;
    },
    readAll: async (options) => {
      const events = await inner.readAll(options);
      seen.headsInLog += events.filter((e) => e.streamName === HEADS_STREAM).length;
      return events;
    },
  };
  return { store: wrapped, seen };
};

/** `count` group signings of the organisation's stream, appended in bulk as a signer would, one after the other. */
const appendGroupSignings = async (key: SigningKey, count: number): Promise<void> => {
  const org = await store.readStream('organisation-08J');
  for (let done = 0; done < count; done += 500) {
    const [last] = await store.readStream(HEADS_STREAM, { direction: 'backwards', maxCount: 1 });
    const events = Array.from({ length: Math.min(500, count - done) }, () => ({
      eventId: randomUUID(),
      type: HEADS_SIGNED,
      data: signHeads(key, headsOf(org), org.at(-1)!.position, {
        trigger: { kind: 'group', root: 'organisation-08J' },
        signedAt: new Date(),
        intervalMs: 60_000,
      }),
      metadata: { producer: 'integrity-signer' },
    }));
    await store.appendToStream(HEADS_STREAM, chainEvents(HEADS_STREAM, last, events), { expectedRevision: last ? last.revision : 'no-stream' });
  }
};

/** What reading the whole heads stream says (as the signer did before issue 15). */
const wholeStream = async () => {
  const all = await store.readStream(HEADS_STREAM);
  let cursor: bigint | undefined;
  let inForce: string | undefined;
  const changes = [];
  for (const e of all) {
    const head = e.type === HEADS_SIGNED ? parseHeadsSigned(e.data) : undefined;
    if (head) {
      inForce ??= head.keyId;
      const through = BigInt(head.throughPosition);
      if (isLogWide(head.trigger) && (cursor === undefined || through > cursor)) cursor = through;
    }
    const change = e.type === KEY_ROTATED ? parseKeyRotation(e.data) : undefined;
    if (change) {
      inForce = change.keyId;
      changes.push(change);
    }
  }
  return { events: all.length, cursor, inForce, changes };
};

it('starts from the end of a long heads stream, and knows what reading all of it says', async () => {
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  await appendChained(store, 'organisation-08J', 'OrganisationRegistered', { code: '08J' });
  const running = createHeadSigner({ store, key: first });
  await running.signChanged('start');
  const before = await appendChained(store, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1' });
  await running.signGroup('contract-C1', [before]);
  await appendGroupSignings(first, 1_500);
  await running.rotateKey(second);
  const after = await appendChained(store, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q2' });
  await running.signGroup('contract-C1', [after]);
  await appendGroupSignings(second, 1_500);
  await appendChained(store, 'organisation-08J', 'OrganisationRenamed', { code: '08J' });
  const periodic = await running.signChanged('periodic');
  await appendGroupSignings(second, 20);
  const whole = await wholeStream();
  expect(whole.events).toBeGreaterThan(3_000);
  expect(whole.cursor).toBe(BigInt(parseHeadsSigned(periodic!.data)!.throughPosition));

  // A new process: its start reads one page from the end, not 3,000 signatures.
  const { store: watched, seen } = counting(store);
  const restarted = createHeadSigner({ store: watched, key: second });
  expect(await restarted.keyInForce()).toBe(whole.inForce);
  expect(whole.inForce).toBe(second.keyId);
  expect(restarted.signedBefore()).toBe(true);
  expect(seen.heads).toBeLessThanOrEqual(64);
  // The log-wide cursor: only what changed since the last log-wide signing is signed.
  const changed = await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
  const atStart = await restarted.signChanged('start');
  expect(parseHeadsSigned(atStart!.data)!.heads.map((h) => [h.streamName, h.revision])).toEqual([['contract-C1', changed.revision]]);
  expect(seen.heads).toBeLessThanOrEqual(66);
  // Nor are the signatures just read from the end read again with the log after the cursor.
  expect(seen.headsInLog).toBe(0);

  // Receipts: the same, to the byte, as from the process that signed them (which read the stream from its start),
  // with the key changes up to the signing key.
  for (const [approval, changes] of [
    [before, []],
    [after, whole.changes],
  ] as const) {
    const mine = await running.receiptFor(approval, 'contract-C1');
    const elsewhere = await restarted.receiptFor(approval, 'contract-C1');
    expect(JSON.stringify(elsewhere)).toBe(JSON.stringify(mine));
    expect(elsewhere.keyChanges).toEqual(changes);
    expect(await verifyReceipt(store, elsewhere, first.publicKey)).toMatchObject({ ok: true });
  }
  expect(await verifyStore(store, first.publicKey)).toMatchObject({ ok: true, summary: { keys: [first.keyId, second.keyId] } });
});

it('refuses a key not in force after reading only the end, naming since when the key has been in force', async () => {
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  await appendChained(store, 'organisation-08J', 'OrganisationRegistered', { code: '08J' });
  await createHeadSigner({ store, key: first }).signChanged('start');
  await appendGroupSignings(first, 200);
  const firstHead = (await store.readStream(HEADS_STREAM, { maxCount: 1 }))[0]!;
  await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
  const { store: watched } = counting(store);
  const swapped = createHeadSigner({ store: watched, key: second });
  // As before issue 15: with no key change, the key is in force since the first signature.
  await expect(swapped.signChanged('start')).rejects.toThrow(`since position ${firstHead.position}`);
  expect(await swapped.keyInForce()).toBe(first.keyId);
});

it('finds nothing signed in an empty heads stream, and signs a new log', async () => {
  const { store: watched, seen } = counting(store);
  const signer = createHeadSigner({ store: watched, key: first });
  expect(await signer.signChanged('start')).toBeUndefined();
  expect(signer.signedBefore()).toBe(false);
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  expect(await signer.signChanged('periodic')).toBeDefined();
  expect(signer.signedBefore()).toBe(true);
  expect(seen.heads).toBe(1);
});

it("answers a receipt's key changes from the end of a long heads stream when the change to the signing key is there", async () => {
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  await appendChained(store, 'organisation-08J', 'OrganisationRegistered', { code: '08J' });
  const running = createHeadSigner({ store, key: first });
  await running.signChanged('start');
  const early = await appendChained(store, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1' });
  await running.signGroup('contract-C1', [early]);
  await appendGroupSignings(first, 1_500);
  await running.rotateKey(second);
  const approval = await appendChained(store, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q2' });
  await running.signGroup('contract-C1', [approval]);
  await appendChained(store, 'organisation-08J', 'OrganisationRenamed', { code: '08J' });
  await running.signChanged('periodic');
  const whole = await wholeStream();

  const { store: watched, seen } = counting(store);
  const restarted = createHeadSigner({ store: watched, key: second });
  const receipt = await restarted.receiptFor(approval, 'contract-C1');
  expect(JSON.stringify(receipt)).toBe(JSON.stringify(await running.receiptFor(approval, 'contract-C1')));
  expect(receipt.keyChanges).toEqual(whole.changes);
  // The first event, one page from the end, and the look back to the approval's signing: not 1,500 signatures.
  expect(seen.heads).toBeLessThanOrEqual(1 + 64 + 256);
  // A receipt signed by the first key has no key changes (its signing is found by looking back to it, a page at a time).
  const old = await restarted.receiptFor(early, 'contract-C1');
  expect(old.keyChanges).toEqual([]);
  expect(JSON.stringify(old)).toBe(JSON.stringify(await running.receiptFor(early, 'contract-C1')));
  expect(await verifyReceipt(store, old, first.publicKey)).toMatchObject({ ok: true });
});

it('refuses to change back to a key once in force: the key changes stay one chain from the first key', async () => {
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  const signer = createHeadSigner({ store, key: first });
  await signer.signChanged('start');
  await signer.rotateKey(second);
  await expect(createHeadSigner({ store, key: second }).rotateKey(first)).rejects.toThrow(/has been in force before/);
  await expect(signer.rotateKey(second)).rejects.toThrow(/has been in force before/);
  expect(await signer.keyInForce()).toBe(second.keyId);
});
