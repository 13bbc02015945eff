import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SqliteEventStore } from '@csu-ledger/event-store';
import { newSigningKey } from './fixtures.ts';
import { checkHeadsSignature, HEADS_STREAM, parseHeadsSigned } from './heads.ts';
import { createHeadSigner, signingAfter } from './signer.ts';
import { appendChained, openStore, tempDir } from './store-fixtures.ts';
import { verifyStore } from './verify.ts';

const key = newSigningKey();
let dir: string;
let store: SqliteEventStore;

beforeEach(async () => {
  dir = await tempDir('integrity-signer');
  store = openStore(dir);
  await appendChained(store, 'contract-C1', 'ContractAgreed', { contractId: 'C1' });
  await appendChained(store, 'organisation-08J', 'OrganisationRegistered', { code: '08J' });
  await appendChained(store, 'contract-C1.extra-aaaaaaaaaaaa', 'ExtraRaised', { amountPence: 100 });
  await appendChained(store, 'contract-C1', 'DeliverableDelivered', { kpiId: 'K1' });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const signatures = async () => (await store.readStream(HEADS_STREAM)).map((e) => ({ event: e, data: parseHeadsSigned(e.data)! }));
const headsAsPairs = (data: { heads: { streamName: string; revision: number }[] }) => data.heads.map((h) => [h.streamName, h.revision]);

describe('createHeadSigner', () => {
  it("signs the heads of a contract's group, and nothing else", async () => {
    const signer = createHeadSigner({ store, key });
    const signed = await signer.signGroup('contract-C1');
    expect(signed).toMatchObject({ streamName: HEADS_STREAM, revision: 0, type: 'ChainHeadsSigned', position: 5n });
    const [first] = await signatures();
    const data = first!.data;
    expect(headsAsPairs(data)).toEqual([
      ['contract-C1', 1],
      ['contract-C1.extra-aaaaaaaaaaaa', 0],
    ]);
    expect(data.throughPosition).toBe('4');
    expect(checkHeadsSignature(data, key.publicKey)).toBe('valid');
    expect(await verifyStore(store, key.publicKey)).toMatchObject({ ok: true, summary: { signatures: 1, awaitingSignature: 1 } });
    expect(await signer.signGroup('contract-NONE')).toBeUndefined();
  });

  it('signs periodically only what changed since the last periodic signing, and nothing when only signatures did', async () => {
    const signer = createHeadSigner({ store, key });
    await signer.signChanged();
    expect(await signer.signChanged()).toBeUndefined();
    await appendChained(store, 'organisation-08J', 'OrganisationRenamed', { code: '08J' });
    await signer.signGroup('contract-C1'); // a group signing in between does not move the periodic cursor
    const later = await signer.signChanged();
    expect(later).toBeDefined();
    const all = await signatures();
    expect(all.map((s) => headsAsPairs(s.data))).toEqual([
      [
        ['contract-C1', 1],
        ['contract-C1.extra-aaaaaaaaaaaa', 0],
        ['organisation-08J', 0],
      ],
      [
        ['contract-C1', 1],
        ['contract-C1.extra-aaaaaaaaaaaa', 0],
      ],
      [['organisation-08J', 1]],
    ]);
    expect(await verifyStore(store, key.publicKey)).toMatchObject({ ok: true, summary: { signatures: 3, awaitingSignature: 0 } });
  });

  it('carries on after a restart from where the last periodic signing read to', async () => {
    await createHeadSigner({ store, key }).signChanged();
    const restarted = createHeadSigner({ store, key });
    expect(await restarted.signChanged()).toBeUndefined();
    await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
    const signed = await restarted.signChanged();
    expect(headsAsPairs(parseHeadsSigned(signed!.data)!)).toEqual([['contract-C1', 2]]);
    expect(signed!.revision).toBe(1);
  });

  it('keeps one chain of signatures when two processes sign at once', async () => {
    const other = openStore(dir);
    try {
      const a = createHeadSigner({ store, key });
      const b = createHeadSigner({ store: other, key });
      await a.signChanged(); // b's view of the heads stream is now stale: its first append must retry
      await Promise.all([b.signGroup('contract-C1'), a.signGroup('contract-C1'), b.signGroup('organisation-08J'), a.signChanged()]);
      expect((await signatures()).map((s) => s.event.revision)).toEqual([0, 1, 2, 3]);
      expect(await verifyStore(store, key.publicKey)).toMatchObject({ ok: true, summary: { signatures: 4 } });
    } finally {
      await other.close();
    }
  });

  it('signs on a timer while started, and stops', async () => {
    // The interval is faked and moved by the test: "stopped" is a fact about the timers, not 50 ms of quiet on a
    // machine that may be too busy to have fired the timer anyway.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const signer = createHeadSigner({ store, key, intervalMs: 10 });
      const errors: unknown[] = [];
      const count = async () => (await signatures()).length;
      const stop = signer.startPeriodic((e) => errors.push(e));
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(10);
      await vi.waitUntil(async () => (await count()) === 1, { timeout: 20_000 });
      await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
      await vi.advanceTimersByTimeAsync(10);
      await vi.waitUntil(async () => (await count()) === 2, { timeout: 20_000 });
      stop();
      expect(vi.getTimerCount()).toBe(0); // nothing left to fire, however long we wait
      await signer.signChanged(); // after any signing still in flight; nothing has changed since, so it signs nothing
      expect(await count()).toBe(2);
      await appendChained(store, 'contract-C1', 'MeasurementReported', { kpiId: 'K3' });
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(await count()).toBe(2);
      expect(errors).toEqual([]);
      expect((await signatures()).map((s) => s.data.intervalMs)).toEqual([10, 10]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('signingAfter', () => {
  it('signs the group of the stream right after an append that records a settlement approval', async () => {
    const onError = vi.fn();
    const signer = createHeadSigner({ store, key });
    const recording = signingAfter(store, signer, ['SettlementApproved'], onError);
    await appendChained(recording, 'contract-C1.extra-aaaaaaaaaaaa', 'ExtraAccepted', {});
    expect(await signatures()).toEqual([]);
    const approval = await appendChained(recording, 'contract-C1', 'SettlementApproved', { quarter: '2025-26-Q1' });
    const [signed] = await signatures();
    expect(signed!.event.position).toBe(approval.position + 1n);
    expect(headsAsPairs(signed!.data)).toEqual([
      ['contract-C1', 2],
      ['contract-C1.extra-aaaaaaaaaaaa', 1],
    ]);
    expect(onError).not.toHaveBeenCalled();
  });

  it('does not sign again for a retried append, and never fails an append that was stored', async () => {
    const failing = {
      signGroup: vi.fn(() => Promise.reject(new Error('disk full'))),
      signChanged: vi.fn(),
      startPeriodic: vi.fn(),
      receiptFor: vi.fn(),
      rotateKey: vi.fn(),
      keyInForce: vi.fn(),
      signedBefore: vi.fn(),
    };
    const onError = vi.fn();
    const recording = signingAfter(store, failing, ['SettlementApproved'], onError);
    const events = [{ eventId: '00000000-0000-4000-8000-000000000001', type: 'SettlementApproved', data: {}, metadata: {} }];
    const first = await recording.appendToStream('contract-C1', events, { expectedRevision: 1 });
    expect(first.duplicate).toBe(false);
    expect(onError).toHaveBeenCalledWith(new Error('disk full'));
    const retry = await recording.appendToStream('contract-C1', events, { expectedRevision: 1 });
    expect(retry.duplicate).toBe(true);
    expect(failing.signGroup).toHaveBeenCalledTimes(1);
  });
});
