import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { eventHash } from './chain.ts';
import { copyOf, INTERVAL_MS, logBuilder, newSigningKey, rechain, sampleLog } from './fixtures.ts';
import { HEADS_STREAM, signHeads } from './heads.ts';
import { toNdjsonLine, verifyNdjson } from './ndjson.ts';
import { verifyLog, type Problem, type Verdict } from './verify.ts';

// sampleLog, by position:
//  1 contract-C1 r0 · 2 organisation-08J r0 · 3 contract-C1 r1 · 4 contract-C1.extra-… r0 · 5 contract-C1 r2
//  6 integrity-heads r0 (every stream) · 7 extra r1 · 8 contract-C1 r3 · 9 integrity-heads r1 (the contract's group)
//  10 organisation-08J r1 (not yet signed)
const key = newSigningKey();
const log = sampleLog(key);
const EXTRA = 'contract-C1.extra-aaaaaaaaaaaa';

const problemOf = (verdict: Verdict): Problem => {
  if (verdict.ok) throw new Error(`expected a problem, got ${JSON.stringify(verdict.summary, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  return verdict.problem;
};
const where = (p: Problem) => ({ kind: p.kind, streamName: p.streamName, revision: p.revision, position: p.position });
const at = (events: RecordedEvent[], position: number): RecordedEvent => events.find((e) => e.position === BigInt(position))!;
const without = (events: RecordedEvent[], ...positions: number[]) => events.filter((e) => !positions.includes(Number(e.position)));
/** Swaps the places of two events in the log, as swapping their position values in the store would. */
const swapPlaces = (events: RecordedEvent[], a: number, b: number, withTimes = false): RecordedEvent[] => {
  const copy = copyOf(events);
  const ea = at(copy, a);
  const eb = at(copy, b);
  [ea.position, eb.position] = [eb.position, ea.position];
  if (withTimes) [ea.recordedAt, eb.recordedAt] = [eb.recordedAt, ea.recordedAt];
  return copy.sort((x, y) => (x.position < y.position ? -1 : 1));
};

describe('verifyLog: an intact log', () => {
  it('is intact, with a summary of what was checked', async () => {
    const verdict = await verifyLog(log, key.publicKey);
    expect(verdict).toEqual({
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
        intervalMs: INTERVAL_MS,
        latestSignedAt: '2025-04-01T09:00:08.000Z',
      },
    });
  });

  it('reads an async source (a store, page by page) the same way', async () => {
    async function* source() {
      for (const e of log) yield await Promise.resolve(e);
    }
    expect((await verifyLog(source(), key.publicKey)).ok).toBe(true);
  });

  it('is intact when empty', async () => {
    expect(await verifyLog([], key.publicKey)).toMatchObject({ ok: true, summary: { events: 0, throughPosition: 0n } });
  });
});

describe('verifyLog: tampering', () => {
  it('names an event whose content was altered', async () => {
    const tampered = copyOf(log);
    (at(tampered, 3).data as { deliveredOn: string }).deliveredOn = '2025-05-15';
    expect(where(problemOf(await verifyLog(tampered, key.publicKey)))).toEqual({ kind: 'altered', streamName: 'contract-C1', revision: 1, position: 3n });
  });

  it('names an event whose type or metadata was altered, or whose integrity field is gone', async () => {
    const typed = copyOf(log);
    at(typed, 4).type = 'ExtraAccepted';
    expect(where(problemOf(await verifyLog(typed, key.publicKey)))).toMatchObject({ kind: 'altered', position: 4n });
    const actor = copyOf(log);
    at(actor, 7).metadata.actor = { sub: 'someone-else' };
    expect(where(problemOf(await verifyLog(actor, key.publicKey)))).toMatchObject({ kind: 'altered', position: 7n });
    const bare = copyOf(log);
    delete at(bare, 2).metadata.integrity;
    expect(problemOf(await verifyLog(bare, key.publicKey))).toMatchObject({ kind: 'altered', position: 2n, detail: expect.stringMatching(/no integrity hash/) as unknown });
  });

  it('names the rewritten event when its own hash was recomputed but the next one still links to the old one', async () => {
    const tampered = copyOf(log);
    const e = at(tampered, 3);
    (e.data as { deliveredOn: string }).deliveredOn = '2025-05-15';
    const integrity = e.metadata.integrity as { hash: string; previous: string };
    integrity.hash = eventHash(e, integrity.previous);
    expect(where(problemOf(await verifyLog(tampered, key.publicKey)))).toEqual({ kind: 'altered', streamName: 'contract-C1', revision: 1, position: 3n });
  });

  it('catches a stream rewritten and re-hashed throughout by the signed head over it', async () => {
    const tampered = copyOf(log);
    (at(tampered, 3).data as { deliveredOn: string }).deliveredOn = '2025-05-15';
    const problem = problemOf(await verifyLog(rechain(tampered, 'contract-C1'), key.publicKey));
    // The first signature (position 6) covers contract-C1 up to revision 2, at position 5.
    expect(where(problem)).toEqual({ kind: 'head-mismatch', streamName: 'contract-C1', revision: 2, position: 5n });
    expect(problem.detail).toMatch(/signed at position 6/);
  });

  it('names a missing event in the middle of a stream', async () => {
    const problem = problemOf(await verifyLog(without(log, 3), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'missing', streamName: 'contract-C1', revision: 1, position: 5n });
    expect(problem.detail).toMatch(/revision 1 is missing: revision 0 is at position 1 and revision 2 follows at position 5/);
  });

  it('names a missing first event of a stream', async () => {
    // Seen first by the signature at position 6, which covers the extra's revision 0.
    expect(where(problemOf(await verifyLog(without(log, 4), key.publicKey)))).toEqual({ kind: 'missing', streamName: EXTRA, revision: 0, position: 6n });
    // Without signatures, by the gap at its revision 1 (position 7).
    const unsigned = without(log, 4, 6, 9).filter((e) => e.streamName !== HEADS_STREAM);
    expect(where(problemOf(await verifyLog(unsigned, key.publicKey)))).toEqual({ kind: 'missing', streamName: EXTRA, revision: 0, position: 7n });
  });

  it('names the deleted last event of a stream that a signed head covers', async () => {
    const problem = problemOf(await verifyLog(without(log, 8), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'missing', streamName: 'contract-C1', revision: 3, position: 9n });
    expect(problem.detail).toMatch(/cover revision 3, but the stream ends at revision 2/);
  });

  it('cannot see a deleted tail that no signature covers yet: the summary counts such events as awaiting one', async () => {
    const verdict = await verifyLog(without(log, 10), key.publicKey);
    expect(verdict).toMatchObject({ ok: true, summary: { awaitingSignature: 0 } });
  });

  it('names events of one stream that swapped places', async () => {
    const problem = problemOf(await verifyLog(swapPlaces(log, 3, 5), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'reordered', streamName: 'contract-C1', revision: 2, position: 3n });
    expect(problem.detail).toMatch(/comes before revision 1, which is at position 5/);
  });

  it('names events of different streams that swapped places, by their recorded times', async () => {
    const problem = problemOf(await verifyLog(swapPlaces(log, 2, 4), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'reordered', streamName: EXTRA, revision: 0, position: 2n });
  });

  it('names an event moved after the signed heads that cover it', async () => {
    const problem = problemOf(await verifyLog(swapPlaces(log, 5, 6, true), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'reordered', streamName: 'contract-C1', revision: 2, position: 6n });
  });

  it('names an event repeated later in the log', async () => {
    const copy = copyOf(log);
    copy.push({ ...copyOf([at(log, 3)])[0]!, position: 11n, recordedAt: '2030-01-01T00:00:00.000Z' });
    expect(where(problemOf(await verifyLog(copy, key.publicKey)))).toEqual({ kind: 'reordered', streamName: 'contract-C1', revision: 1, position: 11n });
  });

  it('names signed heads whose hash was altered: altered as stored, a bad signature once re-hashed', async () => {
    const tampered = copyOf(log);
    (at(tampered, 6).data as { heads: { hash: string }[] }).heads[0]!.hash = 'f'.repeat(64);
    expect(where(problemOf(await verifyLog(tampered, key.publicKey)))).toEqual({ kind: 'altered', streamName: HEADS_STREAM, revision: 0, position: 6n });
    expect(where(problemOf(await verifyLog(rechain(tampered, HEADS_STREAM), key.publicKey)))).toEqual({
      kind: 'bad-signature',
      streamName: HEADS_STREAM,
      revision: 0,
      position: 6n,
    });
  });

  it('names signed heads whose signature was replaced with one by another key, or that no trusted key can check', async () => {
    const forger = newSigningKey();
    const tampered = copyOf(log);
    const e = at(tampered, 9);
    const { heads, throughPosition } = e.data as { heads: []; throughPosition: string };
    e.data = signHeads(forger, heads, BigInt(throughPosition), { signedAt: new Date(e.recordedAt), intervalMs: INTERVAL_MS });
    const problem = problemOf(await verifyLog(rechain(tampered, HEADS_STREAM), key.publicKey));
    expect(where(problem)).toEqual({ kind: 'unsigned-key', streamName: HEADS_STREAM, revision: 1, position: 9n });
    expect(where(problemOf(await verifyLog(log, undefined)))).toMatchObject({ kind: 'unsigned-key', position: 6n });
  });

  it('names malformed signed heads', async () => {
    const tampered = copyOf(log);
    at(tampered, 6).data = { heads: 'none' };
    expect(where(problemOf(await verifyLog(rechain(tampered, HEADS_STREAM), key.publicKey)))).toMatchObject({ kind: 'bad-signature', position: 6n });
  });

  it('finds a forged history signed by the wrong key even when every chain is whole', async () => {
    const forger = newSigningKey();
    expect(where(problemOf(await verifyLog(sampleLog(forger), key.publicKey)))).toMatchObject({ kind: 'unsigned-key', position: 6n });
  });
});

describe('verifyNdjson: an exported contract', () => {
  const group = (e: RecordedEvent) => e.streamName === 'contract-C1' || e.streamName.startsWith('contract-C1.') || e.streamName === HEADS_STREAM;
  const exported = log.filter(group).map(toNdjsonLine);

  it("checks the chains of the streams present and the signatures over them, not other streams' heads", async () => {
    expect(await verifyNdjson(exported, key.publicKey)).toMatchObject({ ok: true, summary: { events: 8, streams: 3, signatures: 2 } });
  });

  it('accepts an export without earlier signatures (the signed-heads stream may have gaps there)', async () => {
    const lines = log.filter((e) => group(e) && e.position !== 6n).map(toNdjsonLine);
    expect((await verifyNdjson(lines, key.publicKey)).ok).toBe(true);
  });

  it('names an altered line', async () => {
    const lines = [...exported];
    lines[2] = lines[2]!.replace('"amountPence":1850000', '"amountPence":1850001');
    const problem = problemOf(await verifyNdjson(lines, key.publicKey));
    expect({ ...where(problem), line: problem.line }).toEqual({ kind: 'altered', streamName: EXTRA, revision: 0, position: 4n, line: 3 });
  });

  it('names a stream of the group left out of the file', async () => {
    const lines = log.filter((e) => group(e) && e.streamName !== EXTRA).map(toNdjsonLine);
    expect(where(problemOf(await verifyNdjson(lines, key.publicKey)))).toEqual({ kind: 'missing', streamName: EXTRA, revision: 0, position: 6n });
  });

  it('names a line deleted, lines out of order, and a line that is not an event', async () => {
    expect(where(problemOf(await verifyNdjson(exported.filter((_, i) => i !== 1), key.publicKey)))).toMatchObject({ kind: 'missing', revision: 1 });
    const swapped = [exported[0]!, exported[2]!, exported[1]!, ...exported.slice(3)];
    expect(problemOf(await verifyNdjson(swapped, key.publicKey))).toMatchObject({ kind: 'reordered', line: 3 });
    expect(problemOf(await verifyNdjson([...exported.slice(0, 4), '{"not":"an event"}'], key.publicKey))).toMatchObject({ kind: 'altered', line: 5 });
    expect(problemOf(await verifyNdjson(['not json'], key.publicKey))).toMatchObject({ kind: 'altered', line: 1 });
  });

  it('skips blank lines', async () => {
    expect((await verifyNdjson([...exported, '', '  '], key.publicKey)).ok).toBe(true);
  });
});

describe('logBuilder (the fixture) writes what verify expects', () => {
  it('chains a fresh log that verifies', async () => {
    const b = logBuilder(key);
    b.append('s', 'T', { n: 1 });
    b.sign();
    expect((await verifyLog(b.events, key.publicKey)).ok).toBe(true);
  });
});

describe('verifyLog: gives way to the event loop', () => {
  // Issue 9, item 4: /audit/verify never yielded: a store's pages resolve at once, so the whole check ran in one turn
  // of the event loop and every other request waited for it.
  it('lets other work run while it checks a long log, and still reaches the same verdict', async () => {
    const key = newSigningKey();
    const log = logBuilder(key);
    const n = 2_000;
    for (let i = 0; i < n; i += 1) log.append(`contract-C${i % 7}`, 'MeasurementReported', { i });
    log.sign();
    let finished = false;
    const turns: boolean[] = [];
    const tick = (): void => {
      turns.push(finished);
      if (!finished) setImmediate(tick);
    };
    setImmediate(tick);
    const verdict = await verifyLog(log.events, key.publicKey);
    finished = true;
    expect(verdict).toMatchObject({ ok: true, summary: { events: n + 1 } });
    // turns the event loop took while the check ran (before it, they would all come after: [true])
    expect(turns.filter((done) => !done).length).toBeGreaterThanOrEqual(3);
  });
});
