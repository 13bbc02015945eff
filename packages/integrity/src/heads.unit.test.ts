import { describe, expect, it } from 'vitest';
import { chainEvents } from './chain.ts';
import { newSigningKey } from './fixtures.ts';
import { checkHeadsSignature, headsOf, parseHeadsSigned, signHeads } from './heads.ts';
import type { RecordedEvent } from '@csu-ledger/event-store';

const key = newSigningKey();
const heads = [
  { streamName: 'contract-C1', revision: 4, hash: 'a'.repeat(64) },
  { streamName: 'contract-C1.extra-1', revision: 1, hash: 'b'.repeat(64) },
];

describe('signed heads', () => {
  it('verify with the public key of the key that signed them (round trip)', () => {
    const data = signHeads(key, heads, 17n, { trigger: { kind: 'periodic' } });
    expect(data).toMatchObject({ heads, throughPosition: '17', keyId: key.keyId, trigger: { kind: 'periodic' } });
    expect(Buffer.from(data.signature, 'base64')).toHaveLength(64);
    expect(checkHeadsSignature(parseHeadsSigned(JSON.parse(JSON.stringify(data)))!, key.publicKey)).toBe('valid');
  });

  // Issue 14: when they were signed, the signer's interval and why are signed too, so none can be changed.
  it('sign their time, interval and trigger when given, and fail when any of them is changed', () => {
    const signedAt = new Date('2025-07-21T10:00:00.000Z');
    const data = parseHeadsSigned(JSON.parse(JSON.stringify(signHeads(key, heads, 17n, { trigger: { kind: 'group', root: 'contract-C1' }, signedAt, intervalMs: 60_000 }))))!;
    expect(data).toMatchObject({ signedAt: '2025-07-21T10:00:00.000Z', intervalMs: 60_000, trigger: { kind: 'group', root: 'contract-C1' } });
    expect(checkHeadsSignature(data, key.publicKey)).toBe('valid');
    expect(checkHeadsSignature({ ...data, signedAt: '2025-07-21T11:00:00.000Z' }, key.publicKey)).toBe('bad-signature');
    expect(checkHeadsSignature({ ...data, intervalMs: 3_600_000 }, key.publicKey)).toBe('bad-signature');
    expect(checkHeadsSignature({ ...data, trigger: { kind: 'periodic' } }, key.publicKey)).toBe('bad-signature');
    // Stripped of all three, they are not issue 5's heads either: the bytes signed were others.
    const { signedAt: _s, intervalMs: _i, trigger: _t, ...bare } = data;
    expect(checkHeadsSignature(bare, key.publicKey)).toBe('bad-signature');
    expect(parseHeadsSigned({ ...data, intervalMs: 0 })).toBeUndefined();
    expect(parseHeadsSigned({ ...data, trigger: undefined })).toBeUndefined();
  });

  it('fail when a head, the position or the signature is changed', () => {
    const data = signHeads(key, heads, 17n);
    expect(checkHeadsSignature({ ...data, heads: [{ ...heads[0]!, hash: 'c'.repeat(64) }, heads[1]!] }, key.publicKey)).toBe('bad-signature');
    expect(checkHeadsSignature({ ...data, heads: heads.slice(1) }, key.publicKey)).toBe('bad-signature');
    expect(checkHeadsSignature({ ...data, throughPosition: '18' }, key.publicKey)).toBe('bad-signature');
    const sig = Buffer.from(data.signature, 'base64');
    sig[0] = sig[0]! ^ 1;
    expect(checkHeadsSignature({ ...data, signature: sig.toString('base64') }, key.publicKey)).toBe('bad-signature');
  });

  it('name their key: another key, or none, is not trusted', () => {
    const other = newSigningKey();
    const data = signHeads(other, heads, 17n);
    expect(checkHeadsSignature(data, key.publicKey)).toBe('unknown-key');
    expect(checkHeadsSignature({ ...data, keyId: key.keyId }, key.publicKey)).toBe('bad-signature');
    expect(checkHeadsSignature(data, undefined)).toBe('unknown-key');
  });

  it('are malformed unless every field has its shape', () => {
    const data = signHeads(key, heads, 17n);
    expect(parseHeadsSigned(data)).toBeDefined();
    expect(parseHeadsSigned({ ...data, throughPosition: 17 })).toBeUndefined();
    expect(parseHeadsSigned({ ...data, heads: [{ streamName: 's', revision: -1, hash: 'a'.repeat(64) }] })).toBeUndefined();
    expect(parseHeadsSigned({ ...data, keyId: 'k' })).toBeUndefined();
    expect(parseHeadsSigned(null)).toBeUndefined();
  });
});

describe('headsOf', () => {
  it("takes each stream's last chained event, sorted by stream name", () => {
    const events: RecordedEvent[] = [];
    const add = (streamName: string, metadata: Record<string, unknown> = {}) => {
      const last = events.findLast((e) => e.streamName === streamName);
      const [e] = chainEvents(streamName, last, [{ eventId: `${events.length}`, type: 'T', data: {}, metadata }]);
      events.push({ ...e!, streamName, revision: last ? last.revision + 1 : 0, position: BigInt(events.length + 1), recordedAt: '' });
    };
    add('b');
    add('a');
    add('b');
    const h = headsOf(events);
    expect(h.map((x) => [x.streamName, x.revision])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(h[1]!.hash).toBe((events[2]!.metadata.integrity as { hash: string }).hash);
    // An event written before the chain existed has no head to sign.
    events.push({ eventId: 'x', streamName: 'c', revision: 0, position: 9n, type: 'T', data: {}, metadata: {}, recordedAt: '' });
    expect(headsOf(events).map((x) => x.streamName)).toEqual(['a', 'b']);
  });
});
