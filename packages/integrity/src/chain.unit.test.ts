import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewEvent, RecordedEvent } from '@csu-ledger/event-store';
import { chainEvents, eventHash, integrityOf } from './chain.ts';

const content = {
  streamName: 'contract-C1',
  revision: 3,
  type: 'ExtraRaised',
  data: { amountPence: 1_850_000, description: 'SUS extract' },
  metadata: { actor: { sub: 'u1', org: '0AX', role: 'csu' }, correlationId: 'c-1' },
};
const PREVIOUS = 'a'.repeat(64);

const recorded = (e: NewEvent, streamName: string, revision: number): RecordedEvent => ({
  ...e,
  streamName,
  revision,
  position: BigInt(revision + 1),
  recordedAt: '2025-04-01T00:00:00.000Z',
});

describe('eventHash', () => {
  it('is SHA-256 over the canonical JSON of stream, revision, type, data, metadata and the previous hash', () => {
    // Written out by hand, so that an outside verifier can rebuild the bytes from this test alone.
    const bytes =
      '{"data":{"amountPence":1850000,"description":"SUS extract"},' +
      '"metadata":{"actor":{"org":"0AX","role":"csu","sub":"u1"},"correlationId":"c-1"},' +
      `"previous":"${PREVIOUS}","revision":3,"stream":"contract-C1","type":"ExtraRaised"}`;
    expect(eventHash(content, PREVIOUS)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('changes with every part of the content and with the predecessor', () => {
    const base = eventHash(content, PREVIOUS);
    const variants = [
      eventHash({ ...content, streamName: 'contract-C2' }, PREVIOUS),
      eventHash({ ...content, revision: 4 }, PREVIOUS),
      eventHash({ ...content, type: 'ExtraRevised' }, PREVIOUS),
      eventHash({ ...content, data: { ...content.data, amountPence: 1_850_001 } }, PREVIOUS),
      eventHash({ ...content, metadata: { ...content.metadata, correlationId: 'c-2' } }, PREVIOUS),
      eventHash(content, 'b'.repeat(64)),
      eventHash(content, null),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('leaves out the integrity field itself and ignores key order', () => {
    const withField = { ...content, metadata: { integrity: { hash: 'f'.repeat(64), previous: null }, ...content.metadata } };
    const reordered = { ...content, data: { description: 'SUS extract', amountPence: 1_850_000 } };
    expect(eventHash(withField, PREVIOUS)).toBe(eventHash(content, PREVIOUS));
    expect(eventHash(reordered, PREVIOUS)).toBe(eventHash(content, PREVIOUS));
  });
});

describe('chainEvents', () => {
  const batch = (): NewEvent[] => [
    { eventId: 'e1', type: 'ExtraRaised', data: { amountPence: 100 }, metadata: { correlationId: 'c' } },
    { eventId: 'e2', type: 'ExtraAccepted', data: { note: undefined }, metadata: { correlationId: 'c' } },
  ];

  it('starts a new stream from revision 0 with no predecessor, and links each event to the one before', () => {
    const [a, b] = chainEvents('contract-C1.extra-1', undefined, batch());
    const ia = integrityOf(a!.metadata)!;
    const ib = integrityOf(b!.metadata)!;
    expect(ia.previous).toBeNull();
    expect(ia.hash).toBe(eventHash({ ...a!, streamName: 'contract-C1.extra-1', revision: 0 }, null));
    expect(ib.previous).toBe(ia.hash);
    expect(ib.hash).toBe(eventHash({ ...b!, streamName: 'contract-C1.extra-1', revision: 1 }, ia.hash));
    expect(a!.data).toEqual({ amountPence: 100 }); // the event itself is untouched
  });

  it("continues from the stream's last event: revision and predecessor", () => {
    const [first] = chainEvents('s', undefined, batch().slice(0, 1));
    const last = recorded(first!, 's', 0);
    const [next] = chainEvents('s', last, batch().slice(1));
    expect(integrityOf(next!.metadata)).toEqual({
      previous: integrityOf(first!.metadata)!.hash,
      hash: eventHash({ ...next!, streamName: 's', revision: 1 }, integrityOf(first!.metadata)!.hash),
    });
  });

  it('gives a retry exactly the events of the first try (idempotent commands)', () => {
    const last = recorded(chainEvents('s', undefined, batch().slice(0, 1))[0]!, 's', 0);
    expect(JSON.stringify(chainEvents('s', last, batch()))).toBe(JSON.stringify(chainEvents('s', last, batch())));
  });

  it('hashes what the store will keep: the same hash after a JSON round trip', () => {
    const [e] = chainEvents('s', undefined, batch().slice(1));
    const stored = JSON.parse(JSON.stringify(e)) as NewEvent;
    expect(eventHash({ ...stored, streamName: 's', revision: 0 }, null)).toBe(integrityOf(e!.metadata)!.hash);
  });

  it('replaces an integrity field the writer passed in', () => {
    const forged = { ...batch()[0]!, metadata: { correlationId: 'c', integrity: { hash: '0'.repeat(64), previous: null } } };
    const [e] = chainEvents('s', undefined, [forged]);
    expect(integrityOf(e!.metadata)!.hash).toBe(eventHash({ ...forged, streamName: 's', revision: 0, metadata: { correlationId: 'c' } }, null));
  });
});

describe('integrityOf', () => {
  it('reads a well-formed field and rejects anything else', () => {
    expect(integrityOf({ integrity: { hash: 'a'.repeat(64), previous: null } })).toEqual({ hash: 'a'.repeat(64), previous: null });
    expect(integrityOf({})).toBeUndefined();
    expect(integrityOf({ integrity: { hash: 'A'.repeat(64), previous: null } })).toBeUndefined();
    expect(integrityOf({ integrity: { hash: 'a'.repeat(64), previous: 'short' } })).toBeUndefined();
    expect(integrityOf({ integrity: { hash: 'a'.repeat(64) } })).toBeUndefined();
  });
});
