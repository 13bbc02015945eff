// Time-travel input (API.md: asOf, asAt; DOMAIN.md: Limits, Time travel): what `asOf`, `asAt` and the history's
// `from`/`to` may be, and what a view asked for them computes with. Pure: "now" arrives as an argument.
// asOf: a real date from 2000-04-01 to today in England. asAt: an ISO 8601 instant with an explicit offset (Z or
// ±hh:mm), a real date and time, not before 2000-04-01 in England and not in the future. Instants are compared as
// instants (milliseconds), and shown normalised to UTC ISO with milliseconds, the form the store records.
import { isIsoDate, londonDate, type IsoDate } from '@csu-ledger/domain';

/**
 * The first date the ledger knows (DOMAIN.md: Limits, financial year 2000-01). The same value as `EARLIEST_DATE`
 * that branch i9-edge adds to the domain's calendar.ts; kept here until the two meet.
 */
export const EARLIEST_DATE: IsoDate = '2000-04-01';

/** Midnight starting 2000-04-01 in London, which was then on British Summer Time (from 26 March 2000). */
const EARLIEST_INSTANT_MS = Date.UTC(2000, 2, 31, 23);

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (message: string): Parsed<never> => ({ ok: false, message });

/** A business date a query names (`asOf`, `from`, `to`): a real date from 2000-04-01 to today in England. */
export const parseQueryDate = (name: string, text: string, today: IsoDate): Parsed<IsoDate> => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return no(`${name} must be a date YYYY-MM-DD, such as 2025-06-30`);
  const shown: string = text; // isIsoDate narrows `text` to never when it fails
  if (!isIsoDate(text)) return no(`${name} ${shown} is not a date in the calendar`);
  if (text < EARLIEST_DATE) return no(`${name} ${text} is before ${EARLIEST_DATE}, the first date the ledger knows`);
  if (text > today) return no(`${name} ${text} is in the future (today in England is ${today})`);
  return ok(text);
};

/** An instant: its UTC form with milliseconds (as the store records times) and its milliseconds since 1970. */
export interface Instant {
  iso: string;
  ms: number;
}

// Extended format only, as RFC 3339: date 'T' time, seconds and a fraction optional, then Z or ±hh:mm.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const SPACED_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)? \d{2}:\d{2}$/;
const EXAMPLE = '2025-06-30T12:00:00Z or 2025-06-30T13:00:00+01:00';

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number): number =>
  m === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/** `asAt` (or any query instant): see the file's header for the rules; `now` is the service's clock. */
export const parseInstant = (name: string, text: string, now: Date): Parsed<Instant> => {
  // A '+' left unencoded in a query string arrives as a space (application/x-www-form-urlencoded).
  if (SPACED_OFFSET.test(text)) {
    return no(
      `${name} has a space where its offset's sign should be: a '+' in a query string must be sent encoded as %2B (${name}=${text.replace(' ', '%2B')})`,
    );
  }
  const m = INSTANT.exec(text);
  if (!m) {
    if (LOCAL_TIME.test(text)) {
      return no(
        `${name} must say its UTC offset (Z or ±hh:mm): it is never read in the server's time zone, e.g. ${EXAMPLE}`,
      );
    }
    if (isIsoDate(text))
      return no(
        `${name} must be an instant with a time and an offset, e.g. ${EXAMPLE} (for a business date, use asOf)`,
      );
    return no(`${name} must be an ISO 8601 instant with an offset, e.g. ${EXAMPLE}`);
  }
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i])) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const offset = m[8]!;
  const [oh, om]: [number, number] = offset === 'Z' ? [0, 0] : [Number(offset.slice(1, 3)), Number(offset.slice(4, 6))];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo))
    return no(`${name} ${text}: ${m[1]}-${m[2]}-${m[3]} is not a date in the calendar`);
  if (h > 23 || mi > 59 || s > 59)
    return no(`${name} ${text}: ${m[4]}:${m[5]}${m[6] === undefined ? '' : `:${m[6]}`} is not a time of day`);
  if (oh > 23 || om > 59) return no(`${name} ${text}: ${offset} is not a UTC offset`);
  // Milliseconds: the store records times to the millisecond, so truncating a finer fraction loses nothing.
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const sign = offset.startsWith('-') ? -1 : 1;
  const local = new Date(0).setUTCFullYear(y, mo - 1, d) + ((h * 60 + mi) * 60 + s) * 1000 + millis;
  const ms = local - sign * (oh * 60 + om) * 60_000;
  // As numbers, never as text: '10000-01-01' (9999-12-31T12:00-12:00) sorts before '2000-04-01'.
  if (ms > now.getTime()) return no(`${name} ${text} is in the future (it is now ${now.toISOString()})`);
  if (ms < EARLIEST_INSTANT_MS) {
    return no(`${name} ${text} is before ${EARLIEST_DATE} in England, the first date the ledger knows`);
  }
  return ok({ iso: new Date(ms).toISOString(), ms });
};

/** What a view asked for a past moment computes with. */
export interface TimeTravel {
  /** Only events whose business date is on or before it. */
  asOf?: IsoDate | undefined;
  /** Only events recorded by it. */
  asAt?: Instant | undefined;
  /** "Now" for pending and overdue (DOMAIN.md): asOf, else asAt's date in England. */
  now: IsoDate;
}

/**
 * Both together: the view's date may not lie after the date in England at `asAt`, since the system could not then
 * have known anything dated later. Undefined when neither is given; a message when the pair is refused.
 */
export const combineTimeTravel = (
  asOf: IsoDate | undefined,
  asAt: Instant | undefined,
): Parsed<TimeTravel | undefined> => {
  if (asOf === undefined && asAt === undefined) return ok(undefined);
  const asAtDate = asAt === undefined ? undefined : londonDate(new Date(asAt.ms));
  if (asOf !== undefined && asAtDate !== undefined && asOf > asAtDate) {
    return no(
      `asOf ${asOf} is after asAt's date in England (${asAtDate}): nothing dated later could have been known then`,
    );
  }
  return ok({ asOf, asAt, now: asOf ?? asAtDate! });
};
