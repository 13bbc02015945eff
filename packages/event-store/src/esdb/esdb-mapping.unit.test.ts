// What the EventStoreDB/KurrentDB adapter does without a server: names, positions, revisions, conflicts, retries,
// the group filter, and how a bounded read ends. Runs everywhere, unlike esdb-event-store.int.test.ts.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { ANY, NO_STREAM, WrongExpectedVersionError } from '@eventstore/db-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEventStore } from '../open.ts';
import { ConcurrencyError, DuplicateEventIdError, inStreamGroup, type NewEvent, type RecordedEvent } from '../port.ts';
import {
  collectUntilCaughtUp,
  toClientConnectionString,
  toServerExpectedRevision,
  wrongExpectedVersion,
} from './client.ts';
import { createEsdbEventStore } from './esdb-event-store.ts';
import {
  CLAIM_STREAM_ROOT,
  DEFAULT_STREAM_PREFIX,
  checkBatch,
  checkExpectedRevision,
  checkStreamPrefix,
  claimStreamName,
  findRetry,
  fromServerPosition,
  fromServerStream,
  parseEsdbSpec,
  streamGroupRegex,
  toRecordedEvent,
  toServerPosition,
  toServerStream,
  wrongRevision,
  type ServerEvent,
} from './mapping.ts';

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

  it('accepts a prefix only if it keeps out system streams and the claim streams', () => {
    expect(checkStreamPrefix('ledger-')).toBe('ledger-');
    expect(() => checkStreamPrefix('')).toThrow(/empty/);
    expect(() => checkStreamPrefix('$ledger-')).toThrow(/system/);
    expect(() => checkStreamPrefix('e')).toThrow(/claim/); // a prefix of `event-id:`
    expect(() => checkStreamPrefix(`${CLAIM_STREAM_ROOT}x`)).toThrow(/claim/);
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

  it('gives the client 6 parser the esdb:// names for kurrentdb:// ones', () => {
    expect(toClientConnectionString('kurrentdb://h:2113?tls=false')).toBe('esdb://h:2113?tls=false');
    expect(toClientConnectionString('kurrentdb+discover://h:2113')).toBe('esdb+discover://h:2113');
    expect(toClientConnectionString('esdb://h:2113')).toBe('esdb://h:2113');
  });
});

describe('the stream-group filter', () => {
  // The server runs it as a .NET regular expression; the escapes used are read the same way by JavaScript.
  const matches = (root: string, stream: string): boolean =>
    new RegExp(streamGroupRegex('ledger-', root)).test(toServerStream('ledger-', stream));

  it('matches the root and its children, and none of the conformance suite look-alikes', () => {
    const root = 'ctr-1_%\\a(b)[c]{2}+*?^$|#🏥 \n\t';
    for (const member of [root, `${root}.extra-1`, `${root}.extra-2.line`, `${root}..odd`])
      expect(matches(root, member)).toBe(true);
    const lookAlikes = [
      `${root}X`,
      `${root}X.child`,
      `${root}-1.child`,
      `${root}/child`,
      `${root.replace('_', 'x')}.child`,
    ];
    for (const look of [...lookAlikes, `${root.toUpperCase()}.child`, `x${root}.child`, root.slice(0, -1)]) {
      expect(matches(root, look), look).toBe(false);
    }
    expect(new RegExp(streamGroupRegex('ledger-', 'a')).test('other-a.b')).toBe(false);
  });

  it('agrees with inStreamGroup for any root and name', () => {
    const text = fc.string({ unit: 'grapheme-composite', maxLength: 8 });
    fc.assert(
      fc.property(text, text, fc.constantFrom('', '.', '..', 'X', '-'), (root, tail, joint) => {
        const name = `${root}${joint}${tail}`;
        expect(matches(root, name)).toBe(inStreamGroup(name, root));
      }),
    );
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
  it("maps 'no-stream', 'any' and a number to the server's NO_STREAM, ANY and a bigint", () => {
    expect(toServerExpectedRevision('no-stream')).toBe(NO_STREAM);
    expect(toServerExpectedRevision('any')).toBe(ANY);
    expect(toServerExpectedRevision(0)).toBe(0n);
    expect(toServerExpectedRevision(9_999)).toBe(9_999n);
  });

  it('refuses expected revisions the server cannot hold', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => checkExpectedRevision(bad)).toThrow(RangeError);
    expect(checkExpectedRevision(7)).toBe(7);
  });

  it("turns the server's WrongExpectedVersionError into the port's ConcurrencyError", () => {
    const stale = new WrongExpectedVersionError(undefined, { streamName: 'ledger-s', expected: 0n, current: 1n });
    const missing = new WrongExpectedVersionError(undefined, {
      streamName: 'ledger-s',
      expected: 0n,
      current: NO_STREAM,
    });
    expect(wrongExpectedVersion(stale)).toEqual({ current: 1n });
    expect(wrongExpectedVersion(missing)).toEqual({ current: 'no-stream' });
    expect(wrongExpectedVersion(new Error('unavailable'))).toBeUndefined();

    const error = wrongRevision('s', 0, 1n);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ streamName: 's', expected: 0, actual: 1, reason: 'wrong-expected-revision' });
    expect(wrongRevision('s', 'no-stream', 'no-stream')).toMatchObject({ actual: 'no-stream' });
  });
});

describe('events', () => {
  it("maps a server event to the port's, with the recorded time from the server's created timestamp", () => {
    const event = serverEvent();
    expect(toRecordedEvent('ledger-', event)).toEqual<RecordedEvent>({
      eventId: event.id,
      streamName: 'contract-1',
      revision: 3,
      position: 4_096n,
      type: 'ContractAgreed',
      data: { feePence: 100 },
      metadata: { actor: 'a' },
      recordedAt: '2025-07-21T09:30:01.234Z',
    });
    expect(toRecordedEvent('ledger-', serverEvent({ metadata: undefined, data: null })).metadata).toEqual({});
  });

  it('refuses events this store did not write', () => {
    expect(() => toRecordedEvent('ledger-', serverEvent({ isJson: false, data: new Uint8Array([1]) }))).toThrow(
      /not JSON/,
    );
    expect(() => toRecordedEvent('ledger-', serverEvent({ metadata: new Uint8Array([1]) }))).toThrow(/metadata/);
    expect(() => toRecordedEvent('ledger-', serverEvent({ streamId: 'other-1' }))).toThrow(/outside/);
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

describe('a bounded read through a filtered subscription', () => {
  const source = () =>
    Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribed: 0,
      unsubscribe() {
        this.unsubscribed += 1;
        return Promise.resolve();
      },
    });
  const keepAll = (item: unknown) => item as number;

  it('reads the events still buffered when the caught-up signal arrives, then stops', async () => {
    const s = source();
    const read = collectUntilCaughtUp(s, keepAll, Infinity);
    s.pause(); // as under back-pressure: the events wait in the stream's buffer
    for (const n of [1, 2, 3]) s.write(n);
    s.emit('caughtUp'); // before the stream has handed out the three events
    s.write(4); // live, after the signal
    s.resume();
    expect(await read).toEqual([1, 2, 3]);
    expect(s.unsubscribed).toBe(1);
  });

  it('stops at the limit, skips what the caller does not accept, and passes errors on', async () => {
    const limited = source();
    const read = collectUntilCaughtUp(
      limited,
      (item) => ((item as number) % 2 === 0 ? (item as number) : undefined),
      2,
    );
    for (const n of [1, 2, 3, 4, 5, 6]) limited.write(n);
    expect(await read).toEqual([2, 4]);

    const failing = source();
    const failed = collectUntilCaughtUp(failing, keepAll, Infinity);
    failing.emit('error', new Error('unavailable'));
    await expect(failed).rejects.toThrow('unavailable');
  });

  it('fails, naming the server versions it needs, when no caught-up signal comes', async () => {
    const s = source();
    const read = collectUntilCaughtUp(s, keepAll, Infinity, 30);
    s.write(1);
    await expect(read).rejects.toThrow(/23\.10/);
  });
});

describe('opening', () => {
  it('opens esdb:// and kurrentdb:// stores without contacting the server until used, and closes them', async () => {
    for (const spec of ['esdb://127.0.0.1:1?tls=false&streamPrefix=t-', 'kurrentdb://127.0.0.1:1?tls=false']) {
      const store = openEventStore(spec);
      await store.close();
      await expect(store.headPosition()).rejects.toThrow(/closed/);
    }
    expect(() => createEsdbEventStore('postgres://x', {})).toThrow(/esdb:\/\//);
    expect(() => createEsdbEventStore('esdb://x', { streamPrefix: '$all' })).toThrow(/system/);
  });
});
