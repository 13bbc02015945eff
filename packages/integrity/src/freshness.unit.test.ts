// Issue 14: signatures must be there and fresh, and each checked with the key in force when it was made. Logs built
// in memory (fixtures.ts: one event a second, heads signed with a 60 s interval), changed the way an attacker who
// can write the database would, then verified with the verification time given explicitly.
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { copyOf, INTERVAL_MS, logBuilder, newSigningKey, rechain, sampleLog } from './fixtures.ts';
import { HEADS_SIGNED, HEADS_STREAM, headsOf, signHeads } from './heads.ts';
import { signRotation } from './rotation.ts';
import { verifyLog, type Problem, type Verdict } from './verify.ts';

const key = newSigningKey();

const problemOf = (verdict: Verdict): Problem => {
  if (verdict.ok) throw new Error(`expected a problem, got intact with ${verdict.summary.signatures} signatures`);
  return verdict.problem;
};
const where = (p: Problem) => ({ kind: p.kind, streamName: p.streamName, revision: p.revision, position: p.position });
const last = (events: RecordedEvent[]) => events[events.length - 1]!;
const after = (e: RecordedEvent, ms: number) => new Date(Date.parse(e.recordedAt) + ms);
/** Heads stream events renumbered from revision 0 and re-chained, as an attacker leaves them after deletions. */
const renumberHeads = (events: RecordedEvent[]) => {
  let r = 0;
  return rechain(
    events.map((e) => (e.streamName === HEADS_STREAM ? { ...e, revision: r++ } : e)),
    HEADS_STREAM,
  );
};

describe('a log with events and no signature is not intact', () => {
  it('names the first event when the heads stream was deleted, even with every chain whole', async () => {
    const log = sampleLog(key).filter((e) => e.streamName !== HEADS_STREAM);
    const problem = problemOf(await verifyLog(log, key.publicKey));
    expect(where(problem)).toEqual({ kind: 'unsigned', streamName: 'contract-C1', revision: 0, position: 1n });
    expect(problem.detail).toMatch(/8 events and no valid signed head/);
  });

  it('names it when the heads stream was deleted and a stream altered and re-hashed to cover it', async () => {
    const tampered = copyOf(sampleLog(key)).filter((e) => e.streamName !== HEADS_STREAM);
    (tampered.find((e) => e.position === 8n)!.data as { netPayablePence: number }).netPayablePence = 51_700_000;
    expect(where(problemOf(await verifyLog(rechain(tampered, 'contract-C1'), key.publicKey)))).toMatchObject({ kind: 'unsigned', position: 1n });
  });

  it('is intact when empty, or holds only signatures', async () => {
    expect((await verifyLog([], key.publicKey)).ok).toBe(true);
  });
});

describe('events no signed head covers', () => {
  it('are awaiting a signature while recent, and unsigned once two intervals older than the verification time', async () => {
    const log = logBuilder(key);
    log.append('contract-C1', 'ContractAgreed', { n: 1 });
    log.sign();
    log.wait(3_600_000); // the signer stopped; an hour later someone writes
    const written = log.append('contract-C1', 'MeasurementReported', { n: 2 });
    log.append('organisation-08J', 'OrganisationRenamed', { n: 3 });
    const soon = await verifyLog(log.events, key.publicKey, { now: after(last(log.events), 1_000) });
    expect(soon).toMatchObject({ ok: true, summary: { awaitingSignature: 2, intervalMs: INTERVAL_MS } });
    expect((await verifyLog(log.events, key.publicKey, { now: after(written, 2 * INTERVAL_MS) })).ok).toBe(true);
    const late = problemOf(await verifyLog(log.events, key.publicKey, { now: after(written, 2 * INTERVAL_MS + 1) }));
    expect(where(late)).toEqual({ kind: 'unsigned', streamName: 'contract-C1', revision: 1, position: written.position });
    expect(late.detail).toMatch(/more than two signing intervals \(2 × 1 min\) before the verification time .* the signer has stopped/);
  });

  it('are unsigned when recorded more than two intervals before the latest signed head, whatever the time now', async () => {
    const log = logBuilder(key);
    log.append('contract-C1', 'ContractAgreed', { n: 1 });
    log.sign();
    const missed = log.append('organisation-08J', 'OrganisationRegistered', { n: 2 });
    log.wait(2 * INTERVAL_MS);
    log.append('contract-C1', 'SettlementApproved', { n: 3 });
    log.sign(['contract-C1'], { kind: 'group', root: 'contract-C1' }); // the approval's signing: its group only
    const problem = problemOf(await verifyLog(log.events, key.publicKey));
    expect(where(problem)).toEqual({ kind: 'unsigned', streamName: 'organisation-08J', revision: 0, position: missed.position });
    expect(problem.detail).toMatch(/before the latest signed head \(position 5, signed at/);
  });

  it('are unsigned at once when a later log-wide signing read past them: a signature in between was deleted', async () => {
    const log = logBuilder(key);
    // As the signer signs log-wide: the streams changed since the last such signing.
    log.append('contract-A', 'T', {}); // 1
    log.sign(['contract-A']); // 2
    log.append('contract-B', 'T', {}); // 3
    log.sign(['contract-B']); // 4: deleted below
    log.append('contract-C', 'T', {}); // 5
    log.sign(['contract-C']); // 6: read through 5
    expect((await verifyLog(log.events, key.publicKey)).ok).toBe(true);
    const tampered = renumberHeads(copyOf(log.events).filter((e) => e.position !== 4n));
    const problem = problemOf(await verifyLog(tampered, key.publicKey, { now: after(last(log.events), 0) }));
    expect(where(problem)).toEqual({ kind: 'unsigned', streamName: 'contract-B', revision: 0, position: 3n });
    expect(problem.detail).toMatch(/log-wide signing at position 6 read the log through position 5/);
  });

  it('show a truncated heads stream once the tail it signed is older than two intervals', async () => {
    const log = sampleLog(key);
    const truncated = renumberHeads(copyOf(log).filter((e) => e.position !== 9n)); // the approval's signing, the last head, gone
    const latest = truncated.find((e) => e.position === 10n)!;
    expect((await verifyLog(truncated, key.publicKey, { now: after(latest, 1_000) })).ok).toBe(true);
    expect(where(problemOf(await verifyLog(truncated, key.publicKey, { now: after(latest, 3 * INTERVAL_MS) })))).toEqual({
      kind: 'unsigned',
      streamName: 'contract-C1.extra-aaaaaaaaaaaa',
      revision: 1,
      position: 7n,
    });
  });

  it("take the interval from the latest head's own signed record, so a longer one cannot be claimed", async () => {
    const log = logBuilder(key);
    log.append('contract-C1', 'T', {});
    const head = log.sign();
    (head.data as { intervalMs: number }).intervalMs = 86_400_000;
    expect(where(problemOf(await verifyLog(rechain(log.events, HEADS_STREAM), key.publicKey)))).toMatchObject({ kind: 'bad-signature', position: head.position });
  });

  it("assume the default interval for issue 5's heads, which do not record one", async () => {
    const events: RecordedEvent[] = copyOf(sampleLog(key)).map((e) => {
      if (e.type !== HEADS_SIGNED) return e;
      const { heads, throughPosition } = e.data as { heads: []; throughPosition: string };
      return { ...e, data: signHeads(key, heads, BigInt(throughPosition), { trigger: { kind: 'periodic' } }) };
    });
    const old = rechain(events, HEADS_STREAM);
    const lastEvent = last(old);
    expect(await verifyLog(old, key.publicKey, { now: after(lastEvent, 1_000) })).toMatchObject({ ok: true, summary: { intervalMs: 60_000, awaitingSignature: 1 } });
    expect(problemOf(await verifyLog(old, key.publicKey, { now: after(lastEvent, 1_000), defaultIntervalMs: 100 }))).toMatchObject({ kind: 'unsigned', position: 10n });
  });
});

describe('key changes', () => {
  const first = newSigningKey();
  const second = newSigningKey();
  /** Signed with the first key, then the second after a recorded change. */
  const rotated = () => {
    const log = logBuilder(first);
    log.append('contract-C1', 'ContractAgreed', {}); // 1
    log.sign(); // 2
    log.rotate(second); // 3
    log.append('contract-C1', 'SettlementApproved', {}); // 4
    log.sign(); // 5
    return log;
  };

  it('are followed from the trusted first key: each head is checked with the key in force when it was signed', async () => {
    const verdict = await verifyLog(rotated().events, first.publicKey);
    expect(verdict).toMatchObject({ ok: true, summary: { signatures: 2, keyId: first.keyId, keys: [first.keyId, second.keyId] } });
  });

  it('make a head signed with the retired key after the change not vouched for', async () => {
    const log = rotated();
    const events = copyOf(log.events);
    const head = events.find((e) => e.position === 5n)!;
    head.data = signHeads(first, headsOf(events.filter((e) => e.streamName !== HEADS_STREAM)), 4n, { signedAt: new Date(head.recordedAt), intervalMs: INTERVAL_MS });
    const problem = problemOf(await verifyLog(rechain(events, HEADS_STREAM), first.publicKey));
    expect(where(problem)).toEqual({ kind: 'unsigned-key', streamName: HEADS_STREAM, revision: 2, position: 5n });
    expect(problem.detail).toMatch(/key in force since the key change at position 3 is/);
  });

  it('by a key swapped in: a change signed by the new key alone is refused, and so are the heads it signs', async () => {
    const swapped = newSigningKey();
    const log = rotated();
    const events = copyOf(log.events);
    const change = { ...signRotation(swapped, swapped, new Date(last(events).recordedAt)), previousKeyId: second.keyId };
    events.push({ ...last(events), eventId: 'forged', position: 6n, revision: 3, type: 'SigningKeyRotated', data: change });
    const problem = problemOf(await verifyLog(rechain(events, HEADS_STREAM), first.publicKey));
    expect(where(problem)).toEqual({ kind: 'bad-signature', streamName: HEADS_STREAM, revision: 3, position: 6n });
    expect(problem.detail).toMatch(/not signed by the key in force/);
    // Heads signed with a swapped-in key without any change recorded: not the key in force.
    const direct = copyOf(log.events);
    const head = direct.find((e) => e.position === 5n)!;
    head.data = signHeads(swapped, (head.data as { heads: [] }).heads, 4n, { signedAt: new Date(head.recordedAt), intervalMs: INTERVAL_MS });
    expect(where(problemOf(await verifyLog(rechain(direct, HEADS_STREAM), first.publicKey)))).toMatchObject({ kind: 'unsigned-key', position: 5n });
  });

  it('must name the key in force as the one replaced, and be signed by the new key as well', async () => {
    const other = newSigningKey();
    const log = rotated();
    const wrongPrevious = copyOf(log.events);
    wrongPrevious.find((e) => e.position === 3n)!.data = signRotation(other, second, new Date(0));
    expect(problemOf(await verifyLog(rechain(wrongPrevious, HEADS_STREAM), first.publicKey))).toMatchObject({ kind: 'unsigned-key', position: 3n });
    const noProof = copyOf(log.events);
    const change = noProof.find((e) => e.position === 3n)!;
    change.data = { ...(change.data as object), proof: signRotation(first, other, new Date(0)).proof };
    expect(problemOf(await verifyLog(rechain(noProof, HEADS_STREAM), first.publicKey))).toMatchObject({ kind: 'bad-signature', position: 3n, detail: expect.stringMatching(/did not sign its own/) as unknown });
  });

  it('start from the first key: trusting a later key alone leaves the first signatures unchecked', async () => {
    expect(where(problemOf(await verifyLog(rotated().events, second.publicKey)))).toMatchObject({ kind: 'unsigned-key', position: 2n });
  });
});
