// The PostgreSQL schema, created and upgraded by the adapter itself (issue 4): numbered migrations recorded in
// `<schema>.schema_migrations`, run under a transaction-scoped advisory lock so that two processes starting on a
// fresh database at once cannot both run one (the second waits, then finds nothing left to do).
import type pg from 'pg';

/**
 * A plain lower-case identifier: it is spliced into DDL, the NOTIFY channel and the lock keys, so it must need no
 * quoting (and `<schema>_events` must still fit PostgreSQL's 63-byte identifiers).
 */
export const assertSchemaName = (schema: string): void => {
  if (!/^[a-z_][a-z0-9_]{0,48}$/.test(schema)) {
    throw new Error(`PostgreSQL event store schema must match [a-z_][a-z0-9_]{0,48}, got ${JSON.stringify(schema)}`);
  }
};

/** The channel the append function notifies on commit; subscriptions LISTEN to it. */
export const notifyChannel = (schema: string): string => `${schema}_events`;

/**
 * The key of the one lock every append takes (see append_batch below and postgres-event-store.ts). Advisory locks
 * are per database; the schema in the key keeps two ledgers in one database independent.
 */
const appendLockKey = (schema: string): string => `hashtextextended('csu-ledger:append:${schema}', 0)`;

/** One entry per schema version, run in order, each at most once. Append only, never edit. */
const migrations: readonly ((schema: string) => string)[] = [
  (s) => `
    -- position is assigned by append_batch under the append lock (head + 1, no sequence), so positions are gap-free
    -- and commit in order. The primary key serves "after position P in order LIMIT n" (readAll, subscriptions).
    -- stream is COLLATE "C": byte order, so the stream-group range (root., root/) is exact whatever the database
    -- locale, and the unique (stream, revision) index serves reads by stream and by group. event_id too: ids are
    -- compared as bytes, which is all a unique id needs and cheaper than a linguistic collation.
    -- json, not jsonb: it keeps the text exactly, including \\u0000 and lone surrogates that jsonb refuses.
    CREATE TABLE ${s}.events (
      position    bigint PRIMARY KEY CHECK (position > 0),
      event_id    text COLLATE "C" NOT NULL UNIQUE,
      stream      text COLLATE "C" NOT NULL,
      revision    integer NOT NULL CHECK (revision >= 0),
      type        text NOT NULL,
      data        json NOT NULL,
      metadata    json NOT NULL,
      recorded_at timestamptz NOT NULL,
      UNIQUE (stream, revision)
    );

    -- Appends a whole group commit in one statement (one implicit transaction, one round trip, one WAL flush), with
    -- the semantics of the SQLite adapter: appends in order, each all or nothing, each with its own outcome.
    -- Appends are flattened: append i owns counts[i] consecutive entries of the event arrays. expected: NULL = any,
    -- -1 = no stream, n = last revision must be n. repeats[i]: 1-based index of the first id repeated within the
    -- append (0: none), found by the caller. No subtransactions: every check runs under the lock before writing.
    -- No joins either: single-table lookups through the unique indexes, whatever the table's size.
    CREATE FUNCTION ${s}.append_batch(
      streams text[], expected bigint[], group_roots text[], group_after bigint[], counts integer[],
      repeats integer[], ids text[], types text[], datas json[], metas json[]
    ) RETURNS TABLE (outcome text, stream_revision bigint, first_position bigint, recorded timestamptz, conflict_id text)
    LANGUAGE plpgsql
    -- Every statement here is an index probe, so: generic plans, made once per session (custom plans re-planned the
    -- ANY (slice) probe on every call: 2-3x the cost of the whole function), and no sequential scans, so that a plan
    -- made while the table was nearly empty cannot keep scanning the whole table once it has grown.
    SET plan_cache_mode = force_generic_plan
    SET enable_seqscan = off
    AS $fn$
    DECLARE
      head bigint;
      floor_time timestamptz;
      stamp timestamptz;
      offs integer := 0;
      n integer;
      stream_name text;
      root text;
      last_rev bigint;
      first_stored integer;
      first_rev bigint;
      matched integer;
      slice text[];
      wrote boolean := false;
    BEGIN
      -- Each statement below must see every append committed before the lock was granted.
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'append_batch needs READ COMMITTED, not %', current_setting('transaction_isolation');
      END IF;
      PERFORM pg_advisory_xact_lock(${appendLockKey(s)});
      SELECT e.position, e.recorded_at INTO head, floor_time FROM ${s}.events e ORDER BY e.position DESC LIMIT 1;
      head := coalesce(head, 0);
      FOR i IN 1 .. coalesce(array_length(streams, 1), 0) LOOP
        stream_name := streams[i];
        n := counts[i];
        root := group_roots[i];
        slice := ids[offs + 1 : offs + n];
        outcome := 'ok';
        first_position := NULL;
        recorded := NULL;
        conflict_id := NULL;
        SELECT max(e.revision) INTO last_rev FROM ${s}.events e WHERE e.stream = stream_name;
        stream_revision := coalesce(last_rev, -1);
        -- 1-based index of the first id of the append that is already stored (array_position: its first place).
        SELECT min(array_position(slice, e.event_id)) INTO first_stored
          FROM ${s}.events e WHERE e.event_id = ANY (slice);
        IF first_stored = 1 THEN
          -- A retry only if every id is stored in this stream at consecutive revisions, in this order (a repeated
          -- id counts once, so it can never pass).
          SELECT e.revision INTO first_rev FROM ${s}.events e WHERE e.event_id = slice[1];
          SELECT count(*) INTO matched FROM ${s}.events e
            WHERE e.event_id = ANY (slice) AND e.stream = stream_name
              AND e.revision = first_rev + array_position(slice, e.event_id) - 1;
          outcome := CASE WHEN matched = n THEN 'duplicate' ELSE 'duplicate-event-id' END;
          conflict_id := slice[1];
        ELSIF expected[i] IS NOT NULL
          AND (CASE WHEN expected[i] = -1 THEN last_rev IS NOT NULL ELSE expected[i] IS DISTINCT FROM last_rev END) THEN
          outcome := 'wrong-expected-revision';
        ELSIF root IS NOT NULL AND EXISTS (
          SELECT 1 FROM ${s}.events e WHERE e.position > group_after[i]
            AND (e.stream = root OR (e.stream >= (root || '.') COLLATE "C" AND e.stream < (root || '/') COLLATE "C"))
        ) THEN
          outcome := 'group-changed';
        ELSIF least(first_stored, nullif(repeats[i], 0)) IS NOT NULL THEN
          outcome := 'duplicate-event-id';
          conflict_id := slice[least(first_stored, nullif(repeats[i], 0))];
        ELSIF n > 0 THEN
          -- The database's clock, never before the newest stored time (ISO strings carry milliseconds: so do we).
          stamp := greatest(date_trunc('milliseconds', clock_timestamp()), floor_time);
          INSERT INTO ${s}.events (position, event_id, stream, revision, type, data, metadata, recorded_at)
            SELECT head + u.k, u.id, stream_name, stream_revision + u.k, u.t, u.d, u.m, stamp
            FROM unnest(slice, types[offs + 1 : offs + n], datas[offs + 1 : offs + n], metas[offs + 1 : offs + n])
              WITH ORDINALITY AS u(id, t, d, m, k);
          first_position := head + 1;
          recorded := stamp;
          head := head + n;
          floor_time := stamp;
          stream_revision := stream_revision + n;
          wrote := true;
        END IF;
        offs := offs + n;
        RETURN NEXT;
      END LOOP;
      -- Delivered to listeners only when (and if) this transaction commits.
      IF wrote THEN
        PERFORM pg_notify('${notifyChannel(s)}', head::text);
      END IF;
    END
    $fn$;
  `,
];

export const schemaVersion = migrations.length;

/**
 * Brings the schema to `schemaVersion`. Returns the version found before. Refuses a schema newer than this code.
 * When nothing is missing it runs no DDL, so a role without CREATE rights can open an up-to-date schema.
 */
export const migrate = async (pool: pg.Pool, schema: string): Promise<number> => {
  assertSchemaName(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`csu-ledger:migrate:${schema}`]);
    const table = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      `${schema}.schema_migrations`,
    ]);
    if (!table.rows[0]?.exists) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(
        `CREATE TABLE ${schema}.schema_migrations (
           version    integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    }
    const found = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0)::integer AS version FROM ${schema}.schema_migrations`,
    );
    const current = found.rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(
        `event store schema ${schema} is at version ${current}, newer than this code (${migrations.length})`,
      );
    }
    for (const [index, migration] of migrations.entries()) {
      if (index < current) continue;
      await client.query(migration(schema));
      await client.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [index + 1]);
    }
    await client.query('COMMIT');
    return current;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
