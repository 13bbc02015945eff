// Issue 9, item 5: asOf/asAt in year 9999 were 500s, offsets in 9999 sorted wrongly as text, future moments invented
// settlements, an instant without an offset was read in the host's time zone and 2025-02-30 became 2 March.
import { describe, expect, it } from 'vitest';
import { combineTimeTravel, EARLIEST_DATE, parseInstant, parseQueryDate, type Parsed } from './time-travel.ts';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const TODAY = '2026-11-24';

const value = <T>(p: Parsed<T>): T => {
  if (!p.ok) throw new Error(`refused: ${p.message}`);
  return p.value;
};
const refusal = <T>(p: Parsed<T>): string => {
  if (p.ok) throw new Error(`accepted: ${JSON.stringify(p.value)}`);
  return p.message;
};

describe('asOf (and the history filters from/to): a real date from 2000-04-01 to today in England', () => {
  it.each(['2000-04-01', '2025-06-30', '2024-02-29', TODAY])('accepts %s', (d) => {
    expect(value(parseQueryDate('asOf', d, TODAY))).toBe(d);
  });
  it.each([
    ['9999-12-31', /asOf 9999-12-31 is in the future \(today in England is 2026-11-24\)/],
    ['2026-11-25', /in the future/],
    ['2025-02-30', /asOf 2025-02-30 is not a date in the calendar/],
    ['2025-02-29', /not a date in the calendar/],
    ['2025-13-01', /not a date in the calendar/],
    ['2000-03-31', /before 2000-04-01/],
    ['0000-01-01', /before 2000-04-01/],
    ['2025-6-30', /must be a date YYYY-MM-DD/],
    ['2025-06-30T00:00:00Z', /must be a date YYYY-MM-DD/],
    ['', /must be a date/],
  ])('refuses %s, naming the parameter', (d, message) => {
    expect(refusal(parseQueryDate('asOf', d, TODAY))).toMatch(message);
  });
  it('names whichever parameter it checks', () => {
    expect(refusal(parseQueryDate('from', '2025-02-30', TODAY))).toMatch(/^from /);
  });
});

describe('asAt: an ISO 8601 instant with an explicit offset, real, from 2000-04-01, not in the future', () => {
  it.each([
    ['2025-06-30T12:00:00Z', '2025-06-30T12:00:00.000Z'],
    ['2025-06-30T12:00Z', '2025-06-30T12:00:00.000Z'],
    ['2025-06-30T13:00:00+01:00', '2025-06-30T12:00:00.000Z'],
    ['2025-06-30T00:30:00-12:00', '2025-06-30T12:30:00.000Z'],
    ['2025-06-30T12:00:00.5Z', '2025-06-30T12:00:00.500Z'],
    // finer than the store's milliseconds: truncated, which loses nothing against millisecond recorded times
    ['2025-06-30T12:00:00.123999999Z', '2025-06-30T12:00:00.123Z'],
    ['2024-02-29T23:59:59.999+00:00', '2024-02-29T23:59:59.999Z'],
    [NOW.toISOString(), NOW.toISOString()],
    // 2000-04-01 00:30 in London (BST) is 2000-03-31 23:30 UTC: still the first date, in England
    ['2000-04-01T00:30:00+01:00', '2000-03-31T23:30:00.000Z'],
  ])('accepts %s as %s', (text, iso) => {
    expect(value(parseInstant('asAt', text, NOW)).iso).toBe(iso);
  });

  it('compares instants as instants, whatever the offset written (text order would put -12:00 first)', () => {
    const east = value(parseInstant('asAt', '2025-06-30T23:00:00+10:00', NOW));
    const west = value(parseInstant('asAt', '2025-06-30T02:00:00-12:00', NOW));
    expect(east.ms).toBeLessThan(west.ms);
    expect(east.iso < west.iso).toBe(true); // the normalised form orders as the instants do
  });

  it.each([
    ['9999-12-31T23:59:59Z', /in the future/],
    ['9999-12-31T12:00:00-12:00', /in the future/],
    ['2026-11-24T12:00:00.001Z', /in the future/],
    ['2026-11-24T13:00:01+01:00', /in the future/],
    ['2025-06-30T12:00:00', /must say its UTC offset \(Z or ±hh:mm\): it is never read in the server's time zone/],
    ['2025-06-30T12:00', /must say its UTC offset/],
    ['2025-02-30T12:00:00Z', /2025-02-30 is not a date in the calendar/],
    ['2023-02-29T12:00:00Z', /not a date in the calendar/],
    ['2025-06-31T12:00:00Z', /not a date in the calendar/],
    ['2025-06-30T24:00:00Z', /not a time of day/],
    ['2025-06-30T12:60:00Z', /not a time of day/],
    ['2025-06-30T23:59:60Z', /not a time of day/],
    ['2025-06-30T12:00:00+24:00', /not a UTC offset/],
    ['2025-06-30T12:00:00+01:60', /not a UTC offset/],
    ['2000-03-31T22:59:59Z', /before 2000-04-01 in England/],
    ['0000-01-01T00:00:00Z', /before 2000-04-01/],
    ['2025-06-30', /must be an instant with a time and an offset.*use asOf/],
    ['2025-06-30T12:00:00+0100', /must be an ISO 8601 instant with an offset/],
    ['2025-06-30 12:00:00Z', /must be an ISO 8601 instant/],
    ['1751284800000', /must be an ISO 8601 instant/],
    ['', /must be an ISO 8601 instant/],
  ])('refuses %s', (text, message) => {
    expect(refusal(parseInstant('asAt', text, NOW))).toMatch(message);
  });

  it('explains an unencoded + (it arrives as a space): encode it as %2B', () => {
    const message = refusal(parseInstant('asAt', '2025-06-30T13:00:00 01:00', NOW));
    expect(message).toMatch(/%2B/);
    expect(message).toContain('asAt=2025-06-30T13:00:00%2B01:00');
  });
});

describe('asOf and asAt together', () => {
  const at = (text: string) => value(parseInstant('asAt', text, NOW));
  it('"now" for the view is asOf, else asAt’s date in England', () => {
    expect(value(combineTimeTravel('2025-06-30', undefined))?.now).toBe('2025-06-30');
    // 23:30 UTC on 30 June is already 1 July in London (BST)
    expect(value(combineTimeTravel(undefined, at('2025-06-30T23:30:00Z')))?.now).toBe('2025-07-01');
    expect(value(combineTimeTravel('2025-06-01', at('2025-06-30T12:00:00Z')))?.now).toBe('2025-06-01');
    expect(value(combineTimeTravel(undefined, undefined))).toBeUndefined();
  });
  it('refuses an asOf after asAt’s date: the system could not have known anything dated later then', () => {
    expect(refusal(combineTimeTravel('2025-07-02', at('2025-06-30T12:00:00Z')))).toMatch(
      /asOf 2025-07-02 is after asAt/,
    );
  });
  it('uses the earliest date of DOMAIN.md’s Limits', () => {
    expect(EARLIEST_DATE).toBe('2000-04-01');
  });
});
