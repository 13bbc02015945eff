// Issue 14 on a real SQLite store: the signer signs at start and at stop, records its time and interval, signs only
// with the key the log has in force (picking up a rotation made by another process), and answers receipts.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteEventStore } from '@csu-ledger/event-store';
import { newSigningKey } from './fixtures.ts';
import { HEADS_STREAM, parseHeadsSigned } from './heads.ts';
import { verifyReceipt } from './receipt.ts';
import { createHeadSigner, KeyNotInForceError, signingAfter } from './signer.ts';
import { appendChained, openStore, tempDir } from './store-fixtures.ts';
import { verifyStore } from './verify.ts';

const first = newSigningKey();
const second = newSigningKey();
let dir: string;
let store: SqliteEventStore;

beforeEach(async () => {
  dir = await tempDir('integrity-signer-keys');
  store = openStore(dir);
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  await appendChained(store, 'organisation-08J', 'OrganisationRegistered', { code: '08J' });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const heads = async () => (await store.readStream(HEADS_STREAM)).map((e) => ({ event: e, data: parseHeadsSigned(e.data) }));

describe('signing at start and at stop', () => {
  it('covers at start what the last process left unsigned, and at stop what was written since', async () => {
    await createHeadSigner({ store, key: first }).signChanged();
    await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' }); // then the process died
    const clock = () => new Date('2026-11-24T12:00:00.000Z');
    const restarted = createHeadSigner({ store, key: first, intervalMs: 30_000, clock });
    const atStart = await restarted.signChanged('start');
    expect(parseHeadsSigned(atStart!.data)).toMatchObject({
      trigger: { kind: 'start' },
      signedAt: '2026-11-24T12:00:00.000Z',
      intervalMs: 30_000,
      heads: [{ streamName: 'contract-C1', revision: 1 }],
    });
    expect(await restarted.signChanged('start')).toBeUndefined(); // nothing new: nothing signed
    await appendChained(store, 'organisation-08J', 'OrganisationRenamed', { code: '08J' });
    const atStop = await restarted.signChanged('stop');
    expect(parseHeadsSigned(atStop!.data)).toMatchObject({ trigger: { kind: 'stop' }, heads: [{ streamName: 'organisation-08J', revision: 1 }] });
    // A start or a stop is log-wide: the next periodic signing reads on from it.
    expect(await createHeadSigner({ store, key: first }).signChanged()).toBeUndefined();
    expect(await verifyStore(store, first.publicKey)).toMatchObject({ ok: true, summary: { signatures: 3, awaitingSignature: 0 } });
  });
});

describe('the key in force', () => {
  it('refuses to sign with a key swapped in for the one the log has in force', async () => {
    await createHeadSigner({ store, key: first }).signChanged();
    await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
    const swapped = createHeadSigner({ store, key: newSigningKey() });
    await expect(swapped.signChanged('start')).rejects.toThrow(KeyNotInForceError);
    await expect(swapped.signChanged('start')).rejects.toThrow(/is not the key in force .* rotate-key/);
    expect(await heads()).toHaveLength(1);
  });

  it('follows a rotation made by another process: reloads the new key, or refuses without it', async () => {
    const running = createHeadSigner({ store, key: first });
    const orphan = createHeadSigner({ store, key: first });
    await running.signChanged();
    expect(await running.keyInForce()).toBe(first.keyId);
    // `pnpm ledger rotate-key`, in its own process.
    const change = await createHeadSigner({ store, key: first }).rotateKey(second);
    expect(change).toMatchObject({ streamName: HEADS_STREAM, type: 'SigningKeyRotated' });
    await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
    await expect(orphan.signChanged()).rejects.toThrow(KeyNotInForceError);
    const reloading = createHeadSigner({ store, key: first, reloadKey: (id) => Promise.resolve(id === second.keyId ? second : undefined) });
    const signed = await reloading.signChanged();
    expect(parseHeadsSigned(signed!.data)!.keyId).toBe(second.keyId);
    expect(await reloading.keyInForce()).toBe(second.keyId);
    expect(await verifyStore(store, first.publicKey)).toMatchObject({ ok: true, summary: { keys: [first.keyId, second.keyId], signatures: 2 } });
  });

  it('rotates before any signature: the rotating key is then the first', async () => {
    await createHeadSigner({ store, key: first }).rotateKey(second);
    await createHeadSigner({ store, key: second }).signChanged();
    expect(await verifyStore(store, first.publicKey)).toMatchObject({ ok: true, summary: { keys: [first.keyId, second.keyId] } });
  });
});

describe('receipts', () => {
  it("are the group's signing right after an approval, kept for retries of the same command", async () => {
    const signer = createHeadSigner({ store, key: first });
    const recording = signingAfter(store, signer, ['SettlementApproved'], (e) => {
      throw e;
    });
    const approval = await appendChained(recording, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1' });
    const receipt = await signer.receiptFor(approval, 'contract-C1', { contractId: 'C1', quarter: '2025-26-Q1' });
    const [signed] = await heads();
    expect(receipt).toMatchObject({
      format: 'csu-ledger-receipt/1',
      contractId: 'C1',
      quarter: '2025-26-Q1',
      event: { streamName: 'contract-C1', revision: 1, position: approval.position.toString(), eventId: approval.eventId, type: 'SettlementApproved' },
      signedHead: { streamName: HEADS_STREAM, revision: 0, position: signed!.event.position.toString(), keyId: first.keyId, trigger: { kind: 'group', root: 'contract-C1' } },
      keyChanges: [],
    });
    // Another process (no memory of the signing) finds the same signing in the log.
    const elsewhere = await createHeadSigner({ store, key: first }).receiptFor(approval, 'contract-C1', { contractId: 'C1', quarter: '2025-26-Q1' });
    expect(elsewhere).toEqual(receipt);
    expect(await heads()).toHaveLength(1);
    expect(await verifyReceipt(store, receipt, first.publicKey)).toMatchObject({ ok: true, summary: { streams: 1, events: 2, signedHeadInLog: true } });
  });

  it('sign the group when no signing covers the event yet, and carry the key changes up to the signing key', async () => {
    const signer = createHeadSigner({ store, key: first });
    await signer.rotateKey(second);
    const approval = await appendChained(store, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1' });
    const receipt = await signer.receiptFor(approval, 'contract-C1');
    expect(receipt.signedHead.keyId).toBe(second.keyId);
    expect(receipt.keyChanges).toHaveLength(1);
    expect(await verifyReceipt(store, receipt, first.publicKey)).toMatchObject({ ok: true, summary: { keys: [first.keyId, second.keyId] } });
    expect(await verifyReceipt(store, receipt, second.publicKey)).toMatchObject({ ok: false, problem: { kind: 'unsigned-key' } });
  });
});
