// Conformance: reading: stream groups and the group guard, global order, long streams, payload fidelity, time.
import { expect, it } from 'vitest';
import { ConcurrencyError, inStreamGroup, type RecordedEvent } from '../port.ts';
import { expectStrictlyIncreasing, ids, newEvent, readOurs, rejectionOf, uniqueName, type Subject } from './helpers.ts';

const isoUtcMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const readTests = (subject: Subject): void => {
  it('reads a stream group: the root and its children in global order, and no look-alike', async () => {
    const { store } = subject();
    // `_`, `%` and `\` would be wildcards or escapes to a naive LIKE; the case differs only in the look-alike.
    const root = `${uniqueName('ctr')}_%\\a`;
    const members = [root, `${root}.extra-1`, `${root}.extra-2.line`, `${root}..odd`];
    const lookAlikes = [
      `${root}X`,
      `${root}X.child`,
      `${root}-1.child`,
      `${root}/child`,
      `${root.replace('_', 'x')}.child`,
      `${root.replace('%', 'zzz')}.child`,
      `${root.replace('\\a', '\\b')}.child`,
      `${root.toUpperCase()}.child`,
      `x${root}.child`,
    ];
    const expected: string[] = [];
    // Interleave members and look-alikes so that the group's global order differs from any per-stream order.
    for (let round = 0; round < 2; round += 1) {
      for (const [i, stream] of [...members].reverse().entries()) {
        const look = lookAlikes[(i + round * 4) % lookAlikes.length] ?? '';
        await store.appendToStream(look, [newEvent()], { expectedRevision: 'any' });
        const { events } = await store.appendToStream(stream, [newEvent(), newEvent()], { expectedRevision: 'any' });
        expected.push(...ids(events));
      }
    }
    for (const look of lookAlikes) await store.appendToStream(look, [newEvent()], { expectedRevision: 'any' });

    const group = await store.readStreamGroup(root);
    expect(ids(group)).toEqual(expected);
    expect(group.every((e) => inStreamGroup(e.streamName, root))).toBe(true);
    expect(expectStrictlyIncreasing(group.map((e) => e.position))).toBe(true);
    expect(await store.readStreamGroup(uniqueName('nothing'))).toEqual([]);
  });

  it('reads a stream group in pages: after a position and up to a count, each page the next slice of the group', async () => {
    const { store } = subject();
    const root = uniqueName('paged');
    const start = await store.headPosition();
    for (let i = 0; i < 7; i += 1) {
      await store.appendToStream(`${root}X.extra-${i}`, [newEvent()], { expectedRevision: 'any' }); // a look-alike
      await store.appendToStream(i % 2 === 0 ? root : `${root}.extra-${i}`, [newEvent(), newEvent()], {
        expectedRevision: 'any',
      });
    }
    const whole = await store.readStreamGroup(root);
    expect(whole).toHaveLength(14);
    for (const maxCount of [1, 2, 3, 5, 14, 100]) {
      const pages: RecordedEvent[][] = [];
      let after = start;
      for (;;) {
        const page = await store.readStreamGroup(root, { after, maxCount });
        expect(page.length).toBeLessThanOrEqual(maxCount);
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1)!.position;
      }
      expect(ids(pages.flat())).toEqual(ids(whole));
      expect(pages.slice(0, -1).every((p) => p.length === maxCount)).toBe(true);
    }
    // After any position, group member or not; and without a count, the rest of the group.
    const third = whole[2]!.position;
    expect(ids(await store.readStreamGroup(root, { after: third + 1n, maxCount: 4 }))).toEqual(
      ids(whole.filter((e) => e.position > third + 1n).slice(0, 4)),
    );
    expect(ids(await store.readStreamGroup(root, { after: third }))).toEqual(ids(whole.slice(3)));
    expect(await store.readStreamGroup(root, { after: whole.at(-1)!.position, maxCount: 10 })).toEqual([]);
    expect(await store.readStreamGroup(root, { maxCount: 0 })).toEqual([]);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(await rejectionOf(store.readStreamGroup(root, { maxCount: bad }))).toBeInstanceOf(RangeError);
    }
  });

  it('pages a sparse group across a long stretch of other streams’ events', async () => {
    const { store } = subject();
    const root = uniqueName('sparse');
    const first = await store.appendToStream(root, [newEvent('First')], { expectedRevision: 'no-stream' });
    const other = uniqueName('busy');
    for (let batch = 0; batch < 50; batch += 1) {
      const events = Array.from({ length: 100 }, () => newEvent('Busy'));
      await store.appendToStream(other, events, { expectedRevision: batch === 0 ? 'no-stream' : batch * 100 - 1 });
    }
    const later = await store.appendToStream(`${root}.extra-1`, [newEvent('Later'), newEvent('Later')], {
      expectedRevision: 'no-stream',
    });
    const last = await store.appendToStream(root, [newEvent('Last')], { expectedRevision: 0 });
    const expected = ids([...first.events, ...later.events, ...last.events]);
    const start = first.events[0]!.position - 1n;
    const page1 = await store.readStreamGroup(root, { after: start, maxCount: 2 });
    const page2 = await store.readStreamGroup(root, { after: page1.at(-1)!.position, maxCount: 2 });
    const page3 = await store.readStreamGroup(root, { after: page2.at(-1)!.position, maxCount: 2 });
    expect([ids(page1), ids(page2), ids(page3)]).toEqual([expected.slice(0, 2), expected.slice(2, 4), []]);
  });

  it('refuses an append guarded by unchangedGroup once the group changed after the position', async () => {
    const { store } = subject();
    const root = uniqueName('contract');
    await store.appendToStream(root, [newEvent('ContractAgreed')], { expectedRevision: 'no-stream' });
    await store.appendToStream(`${root}.extra-1`, [newEvent('ExtraRaised')], { expectedRevision: 'no-stream' });
    const seen = (await store.readStreamGroup(root)).at(-1)?.position ?? 0n;
    // Changes outside the group, even to streams sharing the prefix, do not count.
    await store.appendToStream(`${root}X.extra-1`, [newEvent()], { expectedRevision: 'any' });
    await store.appendToStream(`${root}-2`, [newEvent()], { expectedRevision: 'any' });
    const guard = { streamPrefix: root, afterPosition: seen };
    const first = await store.appendToStream(`${root}.settlement`, [newEvent('Approved')], {
      expectedRevision: 'no-stream',
      unchangedGroup: guard,
    });
    expect(first.nextRevision).toBe(0);

    const head = await store.headPosition();
    const refused = await rejectionOf(
      store.appendToStream(`${root}.approval`, [newEvent('Approved')], {
        expectedRevision: 'no-stream',
        unchangedGroup: guard,
      }),
    );
    expect(refused).toBeInstanceOf(ConcurrencyError);
    expect(refused).toMatchObject({ reason: 'group-changed', streamName: `${root}.approval` });
    expect(await store.headPosition()).toBe(head);

    // A change to the root stream itself counts too.
    const now = { streamPrefix: root, afterPosition: head };
    await store.appendToStream(root, [newEvent('Varied')], { expectedRevision: 0 });
    const rootChanged = await rejectionOf(
      store.appendToStream(`${root}.approval`, [newEvent()], { expectedRevision: 'no-stream', unchangedGroup: now }),
    );
    expect(rootChanged).toMatchObject({ reason: 'group-changed' });
    const latest = { streamPrefix: root, afterPosition: await store.headPosition() };
    await store.appendToStream(`${root}.approval`, [newEvent()], {
      expectedRevision: 'no-stream',
      unchangedGroup: latest,
    });
    expect(await store.readStream(`${root}.approval`)).toHaveLength(1);
  });

  it('reads all events in global order, after a position and up to a count', async () => {
    const { store } = subject();
    const prefix = uniqueName('all');
    const start = await store.headPosition();
    const appended: RecordedEvent[] = [];
    for (let i = 0; i < 6; i += 1) {
      const result = await store.appendToStream(`${prefix}-${i % 3}`, [newEvent('E', { i })], {
        expectedRevision: 'any',
      });
      appended.push(...result.events);
    }
    const all = await readOurs(store, start, prefix);
    expect(ids(all)).toEqual(ids(appended));
    expect(expectStrictlyIncreasing(all.map((e) => e.position))).toBe(true);
    expect(await store.headPosition()).toBe(appended.at(-1)?.position);

    const third = appended[2]?.position ?? 0n;
    expect(ids(await store.readAll({ after: third }))).toEqual(ids(appended.slice(3)));
    expect(ids(await store.readAll({ after: third, maxCount: 2 }))).toEqual(ids(appended.slice(3, 5)));
    expect(await store.readAll({ after: third, maxCount: 0 })).toEqual([]);
    expect(await store.readAll({ after: appended.at(-1)?.position ?? 0n })).toEqual([]);
  });

  it('reads a stream a page at a time, forwards and backwards from the end or a revision', async () => {
    const { store } = subject();
    const stream = uniqueName('paged');
    await store.appendToStream(uniqueName('other'), [newEvent()], { expectedRevision: 'no-stream' });
    const { events } = await store.appendToStream(
      stream,
      Array.from({ length: 6 }, (_, i) => newEvent('Counted', { i })),
      { expectedRevision: 'no-stream' },
    );
    const newestFirst = [...events].reverse();
    expect(ids(await store.readStream(stream, { maxCount: 2 }))).toEqual(ids(events.slice(0, 2)));
    expect(ids(await store.readStream(stream, { fromRevision: 3, maxCount: 2 }))).toEqual(ids(events.slice(3, 5)));
    expect(ids(await store.readStream(stream, { fromRevision: 5, maxCount: 10 }))).toEqual(ids(events.slice(5)));
    expect(ids(await store.readStream(stream, { direction: 'forwards', fromRevision: 4 }))).toEqual(ids(events.slice(4)));
    expect(await store.readStream(stream, { maxCount: 0 })).toEqual([]);

    const backwards = await store.readStream(stream, { direction: 'backwards' });
    expect(ids(backwards)).toEqual(ids(newestFirst));
    expect(backwards.map((e) => e.revision)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(backwards.map((e) => e.data)).toEqual(newestFirst.map((e) => e.data));
    expect(ids(await store.readStream(stream, { direction: 'backwards', maxCount: 2 }))).toEqual(ids(newestFirst.slice(0, 2)));
    expect(ids(await store.readStream(stream, { direction: 'backwards', fromRevision: 3 }))).toEqual(ids(newestFirst.slice(2)));
    expect(ids(await store.readStream(stream, { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual(
      ids(newestFirst.slice(2, 4)),
    );
    expect(ids(await store.readStream(stream, { direction: 'backwards', fromRevision: 0 }))).toEqual(ids(events.slice(0, 1)));
    // From past the end: the whole stream, as from the end.
    expect(ids(await store.readStream(stream, { direction: 'backwards', fromRevision: 100 }))).toEqual(ids(newestFirst));
    expect(await store.readStream(stream, { direction: 'backwards', maxCount: 0 })).toEqual([]);
    expect(await rejectionOf(store.readStream(stream, { maxCount: -1 }))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(store.readStream(stream, { direction: 'backwards', maxCount: 1.5 }))).toBeInstanceOf(RangeError);

    const missing = uniqueName('missing');
    expect(await store.readStream(missing, { maxCount: 5 })).toEqual([]);
    expect(await store.readStream(missing, { direction: 'backwards' })).toEqual([]);
    expect(await store.readStream(missing, { direction: 'backwards', fromRevision: 3, maxCount: 1 })).toEqual([]);
  });

  it('reads back a stream of 10,000 events in revision order', async () => {
    const { store } = subject();
    const stream = uniqueName('long');
    for (let batch = 0; batch < 100; batch += 1) {
      const events = Array.from({ length: 100 }, (_, i) => newEvent('Counted', { i: batch * 100 + i }));
      await store.appendToStream(stream, events, { expectedRevision: batch === 0 ? 'no-stream' : batch * 100 - 1 });
    }
    const read = await store.readStream(stream);
    expect(read).toHaveLength(10_000);
    expect(read.every((e, i) => e.revision === i && (e.data as { i: number }).i === i)).toBe(true);
    expect(expectStrictlyIncreasing(read.map((e) => e.position))).toBe(true);
  });

  it('round-trips a 1 MB payload exactly', async () => {
    const { store } = subject();
    const stream = uniqueName('large');
    const blob = 'Ledger £€ 0123456789 abcdefghijklmnopqrstuvwxyz\n'.repeat(22_000).slice(0, 1_048_576);
    const data = { blob, tail: 'end' };
    const { events } = await store.appendToStream(stream, [newEvent('Big', data)], { expectedRevision: 'no-stream' });
    const [read] = await store.readStream(stream);
    expect((read?.data as typeof data).blob.length).toBe(1_048_576);
    expect(read?.data).toEqual(data);
    const [fromAll] = await store.readAll({ after: (events[0]?.position ?? 1n) - 1n, maxCount: 1 });
    expect(fromAll?.data).toEqual(data);
  });

  it('round-trips unicode in data, metadata, types and stream names', async () => {
    const { store } = subject();
    const stream = `${uniqueName('ysbyty')}-🏥-Ŵ`;
    const data = {
      emoji: '👩🏽‍⚕️ 🏥 💷 🇬🇧 🏴󠁧󠁢󠁷󠁬󠁳󠁿',
      welsh: 'Bwrdd Iechyd Prifysgol Betsi Cadwaladr: ŵ ŷ â ê î ô û ẁ ẃ ẅ ỳ',
      arabic: 'مستشفى الملكة',
      hebrew: 'בית חולים',
      mixed: 'Ward 7 ‏מחלקה‎ ٣ — done',
      'ключ-🔑': 'значение',
      combining: 'e\u0301 vs \u00e9',
    };
    const metadata = { actor: 'Siân Llŷr', note: 'تم' };
    await store.appendToStream(stream, [newEvent('Tâl-Ychwanegol-💷', data, metadata)], {
      expectedRevision: 'no-stream',
    });
    const [read] = await store.readStream(stream);
    expect(read).toMatchObject({ streamName: stream, type: 'Tâl-Ychwanegol-💷', data, metadata });
    expect((await store.readStreamGroup(stream)).map((e) => e.data)).toEqual([data]);
  });

  it('round-trips JSON escapes: control characters, NUL and lone surrogates', async () => {
    const { store } = subject();
    const stream = uniqueName('escapes');
    const data = {
      control: '\u0000\u0001\t\n\r\u001f"\\/',
      lone: '\ud800 \udfff',
      numbers: [0, -1.5, 1e21, 2 ** 53 - 1],
    };
    await store.appendToStream(stream, [newEvent('Escaped', data)], { expectedRevision: 'no-stream' });
    expect((await store.readStream(stream))[0]?.data).toEqual(data);
  });

  it('records times as ISO 8601 UTC with milliseconds, never decreasing with position', async () => {
    const { store } = subject();
    const prefix = uniqueName('time');
    const start = await store.headPosition();
    const before = Date.now();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.appendToStream(`${prefix}-${i % 4}`, [newEvent(), newEvent()], { expectedRevision: 'any' }),
      ),
    );
    const after = Date.now();
    const times = (await readOurs(store, start, prefix)).map((e) => e.recordedAt);
    expect(times).toHaveLength(60);
    for (const time of times) {
      expect(time).toMatch(isoUtcMillis);
      expect(new Date(time).toISOString()).toBe(time);
      // The store's clock may be another machine's: allow a minute of skew, not a wrong time zone.
      expect(Math.abs(Date.parse(time) - (before + after) / 2)).toBeLessThan(60_000 + (after - before));
    }
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? t))).toBe(true);
  });
};
