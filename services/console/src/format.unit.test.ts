import { describe, expect, it } from 'vitest';
import { date, dateFromFields, formatMonth, formatQuarter, instant, londonInstant, money, parsePercent, parsePounds, percent, readableDates } from './format.ts';

describe('money in pounds (issue 11: £417,000.00)', () => {
  it.each([
    [41_700_000n, '£417,000.00'],
    [0n, '£0.00'],
    [5, '£0.05'],
    [100, '£1.00'],
    [123_456_789, '£1,234,567.89'],
    [-1_600_000n, '\u2212£16,000.00'],
    ['900000', '£9,000.00'],
  ])('%s pence reads %s', (pence, text) => expect(money(pence)).toBe(text));

  it('keeps every digit of a sum beyond 2^53 (a bigint, never a float)', () => {
    // 2^70 pence = 1,180,591,620,717,411,303,424p, worked by hand from 2^70.
    expect(money(2n ** 70n)).toBe('£11,805,916,207,174,113,034.24');
    expect(money(9_007_199_254_740_993n)).toBe('£90,071,992,547,409.93');
  });
});

describe('pounds typed by a user', () => {
  it.each([
    ['£18,500', 1_850_000n],
    ['18500.5', 1_850_050n],
    ['18,500.00', 1_850_000n],
    ['  2,750.00 ', 275_000n],
    ['0', 0n],
    ['90071992547409.93', 9_007_199_254_740_993n],
  ])('%j is %s pence', (text, pence) => expect(parsePounds(text)).toBe(pence));

  it.each(['', '1,85', '-5', '1e2', '12.345', '£', '18 500', '18.500,00', 'ten'])('%j is not money', (text) =>
    expect(parsePounds(text)).toBeUndefined(),
  );
});

describe('percentages and basis points', () => {
  it.each([
    [9500, '95%'],
    [9550, '95.5%'],
    [6667, '66.67%'],
    [0, '0%'],
    [10_000, '100%'],
  ])('%s bp reads %s', (bp, text) => expect(percent(bp)).toBe(text));

  it.each([
    ['96.5', 9650],
    ['96.25%', 9625],
    ['100', 10_000],
    ['0', 0],
  ])('%j is %s bp', (text, bp) => expect(parsePercent(text)).toBe(bp));

  it.each(['100.01', '101', '96.555', '-1', 'x'])('%j is refused', (text) => expect(parsePercent(text)).toBeUndefined());
});

describe('periods and dates as NHS finance writes them', () => {
  it('shows quarters and months in the NHS form', () => {
    expect(formatQuarter('2025-26-Q1')).toBe('2025/26 Q1');
    expect(formatMonth('2025-26-M01')).toBe('2025/26 M1');
    expect(formatMonth('2025-26-M12')).toBe('2025/26 M12');
  });
  it('shows dates as 15 May 2025', () => {
    expect(date('2025-05-15')).toBe('15 May 2025');
    expect(date('2026-03-01')).toBe('1 March 2026');
  });
  it("writes the dates in a service's message as people read them, leaving instants alone", () => {
    expect(readableDates('the term ends on 2026-03-31')).toBe('the term ends on 31 March 2026');
    expect(readableDates('recorded at 2025-07-21T10:00:00Z')).toBe('recorded at 2025-07-21T10:00:00Z');
  });
  it('reads a date input only when it makes a real date', () => {
    expect(dateFromFields('1', '9', '2025')).toBe('2025-09-01');
    expect(dateFromFields('31', '2', '2025')).toBeUndefined();
    expect(dateFromFields('29', '2', '2024')).toBe('2024-02-29');
    expect(dateFromFields('1', '9', '25')).toBeUndefined();
  });
});

describe('instants read on a clock in England', () => {
  it('shows an instant in London time, BST or GMT as in force', () => {
    expect(instant('2025-07-21T09:15:03.000Z')).toBe('21 July 2025, 10:15:03 BST');
    expect(instant('2025-01-15T10:00:00.250Z')).toBe('15 January 2025, 10:00:00.250 GMT');
  });
  it('turns a London date and time into the UTC instant', () => {
    expect(londonInstant('2025-07-21', '10:15:03')).toBe('2025-07-21T09:15:03.000Z');
    expect(londonInstant('2025-01-15', '10:00')).toBe('2025-01-15T10:00:00.000Z');
    // 26 October 2025: 01:30 happens twice (BST, then GMT); the earlier is taken.
    expect(londonInstant('2025-10-26', '01:30')).toBe('2025-10-26T00:30:00.000Z');
    // 30 March 2025: 01:30 never happens on a London clock; read on GMT it is 02:30 BST.
    expect(londonInstant('2025-03-30', '01:30')).toBe('2025-03-30T01:30:00.000Z');
  });
  it('refuses times that are not times', () => {
    expect(londonInstant('2025-07-21', '25:00')).toBeUndefined();
    expect(londonInstant('2025-07-21', 'noon')).toBeUndefined();
    expect(londonInstant('2025-02-30', '10:00')).toBeUndefined();
  });
});
