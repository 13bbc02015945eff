import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withStreamCache } from './caching.ts';
import { describeEventStore } from './conformance.ts';
import { createSqliteEventStore } from './sqlite/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `events-${++n}.db`);

// The cache must keep every promise of the port: the whole conformance suite runs through it.
describeEventStore('sqlite behind the stream cache', () => {
  const path = file();
  const store = withStreamCache(createSqliteEventStore(path), { maxEvents: 50 });
  return Promise.resolve({ store, reopen: () => Promise.resolve(withStreamCache(createSqliteEventStore(path))), dispose: () => store.close() });
});

describe('stream cache', () => {
  const ev = (i: number) => ({ eventId: crypto.randomUUID(), type: 'T', data: { i }, metadata: {} });
  it('sees events another writer appended after the stream was cached', async () => {
    const path = file();
    const inner = createSqliteEventStore(path);
    const cached = withStreamCache(inner);
    const other = createSqliteEventStore(path);
    await cached.appendToStream('s', [ev(0)], { expectedRevision: 'no-stream' });
    expect(await cached.readStream('s')).toHaveLength(1);
    await other.appendToStream('s', [ev(1), ev(2)], { expectedRevision: 0 });
    expect((await cached.readStream('s')).map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2]);
    await cached.appendToStream('s', [ev(3)], { expectedRevision: 2 });
    expect((await cached.readStream('s')).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect((await cached.readStream('s', { fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 3]);
    await Promise.all([cached.close(), other.close()]);
  });
  it('gives callers copies: changing an answer does not change the next one', async () => {
    const cached = withStreamCache(createSqliteEventStore(file()));
    await cached.appendToStream('s', [ev(0)], { expectedRevision: 'no-stream' });
    (await cached.readStream('s')).pop();
    expect(await cached.readStream('s')).toHaveLength(1);
    await cached.close();
  });
});
