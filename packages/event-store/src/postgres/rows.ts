// Rows of `<schema>.events` <-> RecordedEvent, and the pg settings that make that mapping cheap and exact.
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import type { RecordedEvent } from '../port.ts';

export const eventColumns = 'position, event_id, stream, revision, type, data, metadata, recorded_at';

/** A row as selected with `eventColumns` in array mode, after the parsers below (json arrives parsed). */
export type EventRow = [bigint, string, string, number, string, unknown, Record<string, unknown>, string];

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row[1],
  streamName: row[2],
  revision: row[3],
  position: row[0],
  type: row[4],
  data: row[5],
  metadata: row[6],
  recordedAt: row[7],
});

const INT8 = 20;
const TIMESTAMPTZ = 1184;
const parseTimestamptzAsDate = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date;

/**
 * timestamptz text -> ISO 8601 UTC with milliseconds, as `Date#toISOString` writes it. Our sessions run with
 * TimeZone=UTC and DateStyle=ISO, so the text is `YYYY-MM-DD HH:MM:SS[.fff]+00`: rearranged without a Date. Anything
 * else (another offset, a 5-digit year) goes through pg's own parser.
 */
export const timestamptzToIso = (text: string): string => {
  if (text.length >= 22 && text[4] === '-' && text[10] === ' ' && text.endsWith('+00')) {
    const fraction = text.length === 22 ? '' : text.slice(20, -3);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${`${fraction}000`.slice(0, 3)}Z`;
  }
  return parseTimestamptzAsDate(text).toISOString();
};

/** Type parsers of this adapter's connections only (pg's global registry is left alone): int8 as bigint. */
export const ledgerTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === INT8) return (text: string) => BigInt(text);
    if (format !== 'binary' && oid === TIMESTAMPTZ) return timestamptzToIso;
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  }) as CustomTypesConfig['getTypeParser'],
};

/**
 * Session settings sent at connection start (they outrank role and database defaults): the text format the parser
 * above expects; READ COMMITTED, which the append function relies on (it also checks); and no sequential scans:
 * every query of this adapter is served by an index, and a prepared statement's generic plan, made once per
 * connection, must not be a scan-and-sort chosen while the log was still small (PERFORMANCE.md: Emmett's reads).
 */
export const sessionOptions =
  '-c TimeZone=UTC -c DateStyle=ISO -c default_transaction_isolation=read\\ committed -c enable_seqscan=off';

/** PostgreSQL text cannot hold U+0000; data and metadata are JSON, where it is escaped, but names are not. */
export const assertNoNul = (what: string, value: string): void => {
  if (value.includes('\u0000')) throw new RangeError(`${what} must not contain U+0000 (PostgreSQL text cannot)`);
};
