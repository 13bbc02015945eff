// What the KurrentDB adapter does without a server: names, the group index's names, positions, revisions,
// conflicts, retries, how events become records and back, recorded times. Runs everywhere, unlike the int tests.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEventStore } from '../open.ts';
import { ConcurrencyError, DuplicateEventIdError, inStreamGroup, type NewEvent, type RecordedEvent } from '../port.ts';
import { isInvalidPosition, type AppendOptionsOf } from './client.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';
import {
  CLAIM_STREAM_ROOT,
  DEFAULT_STREAM_PREFIX,
  GROUP_INDEX_MARKER_ROOT,
  GROUP_INDEX_ROOT,
  ancestorsOf,
  checkBatch,
  checkExpectedRevision,
  checkStreamPrefix,
  claimStreamName,
  findRetry,
  fromServerPosition,
  fromServerStream,
  groupIndexMarker,
  groupIndexStream,
  parseEsdbSpec,
  recordedTime,
  toClientConnectionString,
  toRecordedEvent,
  toServerPosition,
  toServerStream,
  wrongRevision,
  type ServerEvent,
} from './mapping.ts';
import { ENCODED_TYPE_SCHEMA, clampRecordedAt, newestTime, toServerRecord } from './records.ts';

const serverEvent = (overrides: Partial<ServerEvent> = {}): ServerEvent => ({
  streamId: 'ledger-contract-1',
  id: randomUUID(),
  revision: 3n,
  type: 'ContractAgreed',
  isJson: true,
  data: { feePence: 100 },
  metadata: { actor: 'a' },
  created: new Date('2025-07-21T09:30:01.234Z'),
  position: { commit: 4_096n, prepare: 4_096n },
  ...overrides,
});

describe('stream names under the deployment prefix', () => {
  it('prepends the prefix on the server and strips it on read, unicode and dots included', () => {
    for (const name of ['contract-KIN-0AX-2025', 'contract-1.extra-2', 'ysbyty-🏥-Ŵ', '..odd', '']) {
      const onServer = toServerStream(DEFAULT_STREAM_PREFIX, name);
      expect(onServer.startsWith('ledger-')).toBe(true);
      expect(fromServerStream('ledger-', onServer)).toBe(name);
    }
    expect(toServerStream('ledger-prod-', 'contract-1')).toBe('ledger-prod-contract-1');
  });

  it('refuses to read a stream outside the prefix as one of ours', () => {
    expect(() => fromServerStream('ledger-', 'other-app-1')).toThrow(/outside this deployment's prefix/);
    expect(() => fromServerStream('ledger-', '$stats-127.0.0.1:2113')).toThrow(/outside/);
  });

  it("accepts a prefix only if it keeps out system streams and the adapter's own streams", () => {
    expect(checkStreamPrefix('ledger-')).toBe('ledger-');
    expect(() => checkStreamPrefix('')).toThrow(/empty/);
    expect(() => checkStreamPrefix('$ledger-')).toThrow(/system/);
    expect(() => checkStreamPrefix('e')).toThrow(/own streams/); // a prefix of `event-id:`
    for (const root of [CLAIM_STREAM_ROOT, GROUP_INDEX_ROOT, GROUP_INDEX_MARKER_ROOT]) {
      expect(() => checkStreamPrefix(`${root}x`)).toThrow(/own streams/);
      expect(() => checkStreamPrefix(root.slice(0, 3))).toThrow(/own streams/);
    }
  });

  it('names the group index of a root and its completion marker outside the prefix', () => {
    expect(groupIndexStream('ledger-', 'contract-1')).toBe('stream-group:ledger-contract-1');
    expect(groupIndexMarker('ledger-')).toBe('stream-groups-indexed:ledger-');
    expect(groupIndexStream('ledger-', 'c').startsWith('ledger-')).toBe(false);
  });

  it('lists every group a stream is a child of: each part of its name before a dot', () => {
    expect(ancestorsOf('contract-1')).toEqual([]);
    expect(ancestorsOf('contract-1.extra-2')).toEqual(['contract-1']);
    expect(ancestorsOf('a.b.c')).toEqual(['a', 'a.b']);
    expect(ancestorsOf('a..odd')).toEqual(['a', 'a.']);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '.', '%', '🏥'), maxLength: 10 });
    fc.assert(
      fc.property(text, text, (name, root) => {
        // readStreamGroup(root) must find `name` through root's index exactly when name is a child of root.
        const child = name !== root && inStreamGroup(name, root);
        expect(ancestorsOf(name).includes(root)).toBe(child);
      }),
    );
  });

  it('names each event id claim outside the prefix, one stream per id whatever its case', () => {
    const id = randomUUID();
    const claim = claimStreamName('ledger-', id.toUpperCase());
    expect(claim).toBe(`event-id:ledger-${id}`);
    expect(claim.startsWith('ledger-')).toBe(false);
  });

  it('takes streamPrefix out of LEDGER_STORE and leaves the client its own options', () => {
    expect(
      parseEsdbSpec('esdb://a:2113,b:2113,c:2113?tls=false&streamPrefix=ledger-prod-&nodePreference=leader'),
    ).toEqual({
      connectionString: 'esdb://a:2113,b:2113,c:2113?tls=false&nodePreference=leader',
      streamPrefix: 'ledger-prod-',
    });
    expect(parseEsdbSpec('esdb://localhost:2113?streamPrefix=a%2Fb-')).toEqual({
      connectionString: 'esdb://localhost:2113',
      streamPrefix: 'a/b-',
    });
    expect(parseEsdbSpec('esdb://localhost:2113')).toEqual({
      connectionString: 'esdb://localhost:2113',
      streamPrefix: undefined,
    });
  });

  it('gives the client the kurrentdb:// names for esdb:// ones (it warns that esdb:// is deprecated)', () => {
    expect(toClientConnectionString('esdb://h:2113?tls=false')).toBe('kurrentdb://h:2113?tls=false');
    expect(toClientConnectionString('esdb+discover://h:2113')).toBe('kurrentdb+discover://h:2113');
    expect(toClientConnectionString('kurrentdb://h:2113')).toBe('kurrentdb://h:2113');
  });
});

describe('positions', () => {
  it("is the server's commit position, which equals the prepare position for every event this store writes", () => {
    expect(fromServerPosition({ commit: 1_234n, prepare: 1_234n }, 'e')).toBe(1_234n);
    expect(toServerPosition(1_234n)).toEqual({ commit: 1_234n, prepare: 1_234n });
    expect(fromServerPosition(toServerPosition(2n ** 40n), 'e')).toBe(2n ** 40n);
  });

  it('refuses events it could not give a unique position', () => {
    expect(() => fromServerPosition({ commit: 900n, prepare: 850n }, 'event x')).toThrow(
      /commit position 900 but prepare position 850/,
    );
    expect(() => fromServerPosition(undefined, 'event x')).toThrow(/22\.6/);
    expect(() => fromServerPosition({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n }, 'event x')).toThrow(
      /no usable/,
    );
  });
});

describe('revisions and conflicts', () => {
  it("keeps client 6's expectedRevision out of the client's append options: it would be ignored, not checked", () => {
    const checked: AppendOptionsOf<{ streamState: 'no_stream' }> = { streamState: 'no_stream' };
    expect(checked.streamState).toBe('no_stream');
    // @ts-expect-error: `expectedRevision` makes the options type `never`; the client would append unchecked.
    const leftover: AppendOptionsOf<{ expectedRevision: bigint }> = { expectedRevision: 1n };
    expect(leftover).toBeDefined();
  });

  it('refuses expected revisions the server cannot hold', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => checkExpectedRevision(bad)).toThrow(RangeError);
    expect(checkExpectedRevision(7)).toBe(7);
  });

  it("turns a violated revision check into the port's ConcurrencyError", () => {
    const error = wrongRevision('s', 0, 1n);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ streamName: 's', expected: 0, actual: 1, reason: 'wrong-expected-revision' });
    expect(wrongRevision('s', 'no-stream', 'no-stream')).toMatchObject({ actual: 'no-stream' });
  });

  it("recognises the server's refusal to read from a position that is not a record boundary", () => {
    expect(isInvalidPosition(new Error('3 INVALID_ARGUMENT: Trying to read from an invalid position.'))).toBe(true);
    expect(isInvalidPosition(new Error('14 UNAVAILABLE: No connection established'))).toBe(false);
  });
});

describe('events', () => {
  it("maps an event written before AppendRecords to the port's, recorded at the server's created second", () => {
    const event = serverEvent();
    expect(toRecordedEvent('ledger-', event)).toEqual<RecordedEvent>({
      eventId: event.id,
      streamName: 'contract-1',
      revision: 3,
      position: 4_096n,
      type: 'ContractAgreed',
      data: { feePence: 100 },
      metadata: { actor: 'a' },
      recordedAt: '2025-07-21T09:30:01.000Z',
    });
    expect(toRecordedEvent('ledger-', serverEvent({ metadata: undefined, data: null })).metadata).toEqual({});
  });

  it('writes an event as a record whose properties carry its metadata, and reads it back as it was', () => {
    const metadata = { actor: { sub: 'u1', org: '08J' }, n: [1, 2.5, null], note: 'Siân £' };
    const event: NewEvent = {
      eventId: randomUUID().toUpperCase(),
      type: 'ExtraRaised',
      data: { amountPence: 1 },
      metadata,
    };
    const record = toServerRecord('ledger-contract-1.extra-1', event);
    expect(record).toEqual({
      stream: 'ledger-contract-1.extra-1',
      id: event.eventId.toLowerCase(),
      type: 'ExtraRaised',
      data: { amountPence: 1 },
      properties: { 'ledger.metadata': JSON.stringify(metadata) },
    });
    // What a v1 reader is shown for a record written with properties: those, as JSON, plus the schema's.
    const shown = { ...record.properties, '$schema.name': record.type, '$schema.format': 'Json' };
    const read = toRecordedEvent(
      'ledger-',
      serverEvent({ streamId: record.stream, type: record.type, metadata: shown }),
    );
    expect(read).toMatchObject({ streamName: 'contract-1.extra-1', type: 'ExtraRaised', metadata });
  });

  it('writes a type the server does not take as a schema name under a fixed one, and restores it on read', () => {
    for (const type of ['Tâl-Ychwanegol-💷', 'has space', '', 'e\u0301']) {
      const record = toServerRecord('ledger-s', { eventId: randomUUID(), type, data: null, metadata: {} });
      expect(record.type).toBe(ENCODED_TYPE_SCHEMA);
      const shown = { ...record.properties, '$schema.name': record.type, '$schema.format': 'Json' };
      expect(
        toRecordedEvent('ledger-', serverEvent({ streamId: 'ledger-s', type: record.type, metadata: shown })),
      ).toMatchObject({ type, metadata: {} });
    }
    expect(toServerRecord('ledger-s', { eventId: randomUUID(), type: 'A.b:c_d-9', data: 1, metadata: {} }).type).toBe(
      'A.b:c_d-9',
    );
  });

  it('refuses events this store did not write', () => {
    expect(() => toRecordedEvent('ledger-', serverEvent({ isJson: false, data: new Uint8Array([1]) }))).toThrow(
      /not JSON/,
    );
    expect(() => toRecordedEvent('ledger-', serverEvent({ metadata: new Uint8Array([1]) }))).toThrow(/metadata/);
    expect(() => toRecordedEvent('ledger-', serverEvent({ streamId: 'other-1' }))).toThrow(/outside/);
  });

  it('records whole seconds: the client reads `created` to the second, and subscribes to it to the millisecond', () => {
    expect(recordedTime(new Date('2025-07-21T09:30:01.999Z'))).toBe('2025-07-21T09:30:01.000Z');
    expect(recordedTime(new Date('1999-12-31T23:59:59.001Z'))).toBe('1999-12-31T23:59:59.000Z');
  });

  it('clamps recorded times to never decrease with position, from the newest time before the first event', () => {
    const at = (iso: string): RecordedEvent => toRecordedEvent('ledger-', serverEvent({ created: new Date(iso) }));
    const times = (events: RecordedEvent[]) => events.map((e) => e.recordedAt);
    const events = [at('2026-01-01T10:00:05Z'), at('2026-01-01T10:00:02Z'), at('2026-01-01T10:00:07Z')];
    expect(times(clampRecordedAt(events, undefined))).toEqual([
      '2026-01-01T10:00:05.000Z',
      '2026-01-01T10:00:05.000Z',
      '2026-01-01T10:00:07.000Z',
    ]);
    expect(times(clampRecordedAt(events, '2026-01-01T10:00:06.000Z'))).toEqual([
      '2026-01-01T10:00:06.000Z',
      '2026-01-01T10:00:06.000Z',
      '2026-01-01T10:00:07.000Z',
    ]);
    expect(clampRecordedAt(events, '2026-01-01T09:00:00.000Z')[0]).toBe(events[0]); // untouched when in order
    expect(
      newestTime([{ created: new Date('2026-01-01T10:00:05.5Z') }, { created: new Date('2026-01-01T10:00:09Z') }]),
    ).toBe('2026-01-01T10:00:09.000Z');
    expect(newestTime([])).toBeUndefined();
  });

  it('takes only UUID event ids, each once in a batch, lower-cased as the server returns them', () => {
    const id = randomUUID();
    const event = (eventId: string): NewEvent => ({ eventId, type: 'T', data: {}, metadata: {} });
    expect(checkBatch([event(id.toUpperCase())])).toEqual([id]);
    expect(() => checkBatch([event('e-1')])).toThrow(/not a UUID/);
    const twice = randomUUID();
    expect(() => checkBatch([event(randomUUID()), event(twice), event(twice.toUpperCase())])).toThrow(
      DuplicateEventIdError,
    );
  });

  it('tells a retry (the ids stored in order) from a new append and from ids stored otherwise', () => {
    const stream = [0, 1, 2, 3].map((revision) =>
      toRecordedEvent('ledger-', serverEvent({ revision: BigInt(revision) })),
    );
    const ids = stream.map((e) => e.eventId);
    expect(findRetry(stream, ids.slice(1, 3))).toEqual({ kind: 'stored', events: stream.slice(1, 3) });
    expect(findRetry(stream, [randomUUID(), randomUUID()])).toEqual({ kind: 'absent' });
    expect(findRetry([], [randomUUID()])).toEqual({ kind: 'absent' });
    const fresh = randomUUID();
    expect(findRetry(stream, [ids[2] ?? '', ids[1] ?? ''])).toEqual({ kind: 'elsewhere', eventId: ids[2] });
    expect(findRetry(stream, [ids[0] ?? '', fresh])).toEqual({ kind: 'elsewhere', eventId: ids[0] });
    expect(findRetry(stream, [fresh, ids[3] ?? ''])).toEqual({ kind: 'elsewhere', eventId: ids[3] });
    expect(findRetry(stream, [ids[0] ?? '', ids[2] ?? ''])).toEqual({ kind: 'elsewhere', eventId: ids[0] });
  });
});

describe('opening', () => {
  it('opens esdb:// and kurrentdb:// stores and closes them, also when no server answers', async () => {
    for (const spec of ['esdb://127.0.0.1:1?tls=false&streamPrefix=t-', 'kurrentdb://127.0.0.1:1?tls=false']) {
      const store = openEventStore(spec);
      await store.close();
      await expect(store.headPosition()).rejects.toThrow(/closed/);
    }
    expect(() => createEsdbEventStore('postgres://x', {})).toThrow(/kurrentdb:\/\//);
    expect(() => createEsdbEventStore('esdb://x', { streamPrefix: '$all' })).toThrow(/system/);
  });
});
