import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEventStore } from '../conformance.ts';
import { ConcurrencyError, type NewEvent } from '../port.ts';
import { createSqliteEventStore } from './sqlite-event-store.ts';
import { eventColumns, groupCondition } from './schema.ts';

const dirs: string[] = [];
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-store-'));
  dirs.push(dir);
  return join(dir, 'events.db');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeEventStore('sqlite', () => {
  const file = tempFile();
  const store = createSqliteEventStore(file);
  return Promise.resolve({
    store,
    reopen: () => Promise.resolve(createSqliteEventStore(file)),
    dispose: () => store.close(),
  });
});

let counter = 0;
const event = (data: unknown = {}): NewEvent => ({
  eventId: `e-${(counter += 1)}-${Date.now()}`,
  type: 'T',
  data,
  metadata: {},
});

describe('SQLite event store', () => {
  it('a read of a stream tail this process wrote to the end sees what another connection appended since', async () => {
    const file = tempFile();
    const mine = createSqliteEventStore(file);
    const other = createSqliteEventStore(file); // its own writer connection, as another process has
    await mine.appendToStream('s', [event(), event()], { expectedRevision: 'no-stream' });
    expect(await mine.readStream('s', { fromRevision: 2 })).toEqual([]); // known to end at 2: no query needed
    await other.appendToStream('s', [event({ by: 'other' })], { expectedRevision: 1 });
    expect((await mine.readStream('s', { fromRevision: 2 })).map((e) => e.data)).toEqual([{ by: 'other' }]);
    // a length learned from a read to the end is forgotten the same way
    expect(await mine.readStream('s', { fromRevision: 3 })).toEqual([]);
    await other.appendToStream('s', [event({ by: 'other again' })], { expectedRevision: 2 });
    expect((await mine.readStream('s', { fromRevision: 3 })).map((e) => e.data)).toEqual([{ by: 'other again' }]);
    // and this process's own appends move it on
    await mine.appendToStream('s', [event({ by: 'mine' })], { expectedRevision: 3 });
    expect((await mine.readStream('s', { fromRevision: 3 })).map((e) => e.data)).toEqual([{ by: 'other again' }, { by: 'mine' }]);
    expect(await mine.readStream('s', { fromRevision: 5 })).toEqual([]);
    await Promise.all([mine.close(), other.close()]);
  });

  it('runs with WAL, synchronous=FULL and a busy timeout, read back from SQLite', async () => {
    const file = tempFile();
    const store = createSqliteEventStore(file);
    expect(store.diagnostics()).toMatchObject({ journalMode: 'wal', synchronous: 2, schemaVersion: 1 });
    expect(store.diagnostics().busyTimeoutMs).toBeGreaterThanOrEqual(1_000);
    await store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent in the file
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    raw.close();
  });

  it('refuses a file whose schema is newer than the code', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => createSqliteEventStore(file)).toThrow(/schema version 99/);
  });

  it('commits concurrent appends together, and a conflict fails only its own append', async () => {
    const store = createSqliteEventStore(tempFile());
    const results = await Promise.allSettled(
      Array.from({ length: 500 }, (_, i) =>
        store.appendToStream(`s-${i}`, [event()], { expectedRevision: 'no-stream' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(500);
    const { commits, appends } = store.diagnostics();
    expect(appends).toBe(500);
    expect(commits).toBeLessThan(10);

    const mixed = await Promise.allSettled([
      store.appendToStream('s-1', [event()], { expectedRevision: 0 }),
      store.appendToStream('s-2', [event()], { expectedRevision: 5 }), // wrong
      store.appendToStream('s-3', [event()], { expectedRevision: 0 }),
    ]);
    expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(mixed[1]?.status === 'rejected' && mixed[1].reason).toBeInstanceOf(ConcurrencyError);
    expect(store.diagnostics().commits).toBe(commits + 1);
    expect((await store.readStream('s-2')).length).toBe(1);
    await store.close();
  });

  it('never lets recorded time go back, across a clock step and a reopen', async () => {
    const file = tempFile();
    const times = ['2030-01-01T00:00:00.000Z', '2029-06-01T12:00:00.000Z'];
    const store = createSqliteEventStore(file, { clock: () => new Date(times.shift() ?? '2020-01-01T00:00:00.000Z') });
    const first = await store.appendToStream('t', [event()], { expectedRevision: 'no-stream' });
    const second = await store.appendToStream('t', [event()], { expectedRevision: 0 });
    await store.close();
    const again = createSqliteEventStore(file); // the real clock, years before 2030
    const third = await again.appendToStream('t', [event()], { expectedRevision: 1 });
    await again.close();
    expect([first, second, third].map((r) => r.events[0]?.recordedAt)).toEqual(
      Array(3).fill('2030-01-01T00:00:00.000Z'),
    );
  });

  it('rejects appends once closing, and close is idempotent', async () => {
    const store = createSqliteEventStore(tempFile());
    const closing = store.close();
    await expect(store.appendToStream('s', [event()], { expectedRevision: 'any' })).rejects.toThrow(/closed/);
    await Promise.all([closing, store.close()]);
  });

  it('serves stream-group reads and reads after a position from indexes, not table scans', () => {
    const file = tempFile();
    const store = createSqliteEventStore(file);
    const raw = new Database(file, { readonly: true });
    const plan = (sql: string, ...params: unknown[]): string =>
      raw
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => row.detail)
        .join('; ');
    const group = plan(`SELECT ${eventColumns} FROM events WHERE ${groupCondition} ORDER BY position`, 'a', 'a.', 'a/');
    expect(group).toMatch(/USING INDEX/);
    expect(group).not.toMatch(/SCAN events(?! USING)/);
    expect(plan(`SELECT ${eventColumns} FROM events WHERE position > ? ORDER BY position LIMIT 10`, 5n)).toMatch(
      /SEARCH events USING INTEGER PRIMARY KEY/,
    );
    raw.close();
    return store.close();
  });
});

const fixture = fileURLToPath(new URL('./fixtures/store-child.ts', import.meta.url));

const startChild = (
  args: string[],
): { child: ChildProcessWithoutNullStreams; lines: string[]; next: () => Promise<string> } => {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('exit', (code) => {
    // Anyone still waiting gets the reason instead of hanging until the test times out.
    for (const resolve of waiting.splice(0)) resolve(`exited ${code}: ${stderr}`);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    waiting.shift()?.(line);
  });
  let read = 0;
  const next = (): Promise<string> => {
    const line = lines[read];
    read += 1;
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
  return { child, lines, next };
};

/**
 * The child's exit code, or 'still running' after `withinMs`: a poll that never comes or a leaked timer keeps it
 * running for ever, so the bound is only there to turn that into a failure, with room for a machine whose cores are
 * busy (not a speed the child must keep).
 */
const exitCode = async (child: ChildProcessWithoutNullStreams, withinMs = 20_000): Promise<number | null | string> => {
  if (child.exitCode !== null) return child.exitCode;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), withinMs)));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const code = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (code === 'still running') child.kill();
  return code;
};

describe('SQLite event store across processes', () => {
  it('a subscriber in another process sees events this process appends, then exits by itself', async () => {
    const file = tempFile();
    const store = createSqliteEventStore(file);
    await store.appendToStream('before', [event(), event(), event()], { expectedRevision: 'no-stream' });
    const { child, lines, next } = startChild(['subscribe', file, '42']);
    for (let i = 0; i < 3; i += 1) expect(await next()).toMatch(/^\d+ e-/); // caught up: the rest only by polling
    for (let i = 0; i < 19; i += 1) {
      await store.appendToStream(`live-${i % 4}`, [event({ i }), event({ i })], { expectedRevision: 'any' });
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await store.appendToStream('live-last', [event()], { expectedRevision: 'no-stream' });
    expect(await exitCode(child)).toBe(0);
    const stored = await store.readAll();
    expect(lines).toEqual(stored.map((e) => `${e.position} ${e.eventId}`));
    await store.close();
  });

  it('two writer processes append concurrently without SQLITE_BUSY, with unique gap-free positions', async () => {
    const file = tempFile();
    const store = createSqliteEventStore(file); // creates the schema, and reads the result
    const writers = [startChild(['append', file, 'a', '400']), startChild(['append', file, 'b', '400'])];
    for (const w of writers) expect(await w.next()).toBe('ready');
    for (const w of writers) w.child.stdin.end('go\n');
    for (const w of writers) expect(await w.next()).toBe('done');
    expect(await Promise.all(writers.map((w) => exitCode(w.child)))).toEqual([0, 0]);

    const all = await store.readAll();
    expect(all).toHaveLength(800);
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(new Set(all.map((e) => e.eventId)).size).toBe(800);
    const shared = await store.readStream('shared');
    expect(shared.map((e) => e.revision)).toEqual(shared.map((_, i) => i));
    expect(new Set(shared.map((e) => (e.data as { name: string }).name))).toEqual(new Set(['a', 'b']));
    expect(all.every((e, i) => i === 0 || e.recordedAt >= (all[i - 1]?.recordedAt ?? ''))).toBe(true);
    await store.close();
  });
});
