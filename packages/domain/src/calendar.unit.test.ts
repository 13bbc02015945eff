import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  WORKING_DAYS_MAX_IN_MONTH,
  addDays,
  addMonths,
  addWorkingDays,
  calendarMonth,
  compareMonths,
  compareQuarters,
  dueDate,
  EARLIEST_DATE,
  financialYearOfQuarter,
  firstDayOfMonth,
  firstDayOfQuarter,
  formatMonth,
  formatQuarter,
  isFinancialYear,
  isIsoDate,
  isLedgerDate,
  isLedgerFinancialYear,
  isLedgerMonth,
  isLedgerQuarter,
  isMonthId,
  isQuarterId,
  isWorkingDay,
  lastDayOfMonth,
  lastDayOfQuarter,
  londonDate,
  monthId,
  monthOfDate,
  monthsBetween,
  monthsOfQuarter,
  nextQuarter,
  parseMonthId,
  parseQuarterId,
  previousQuarter,
  quarterId,
  quarterOfDate,
  quarterOfMonth,
  quartersOfYear,
  workingDayOfMonth,
} from './calendar.ts';

const arbMonth = fc.record({ fy: fc.integer({ min: 2000, max: 2098 }), m: fc.integer({ min: 1, max: 12 }) });
const arbDate = fc.integer({ min: 0, max: 365 * 90 }).map((n) => addDays('2000-01-01', n));

describe('ISO dates', () => {
  it('accepts real calendar dates only, leap years included', () => {
    for (const d of '2024-02-29 2000-02-29 2025-12-31 2025-04-30 0001-01-01'.split(' '))
      expect(isIsoDate(d)).toBe(true);
    const notDates =
      '2025-02-29 1900-02-29 2025-04-31 2025-13-01 2025-00-10 2025-01-00 2025-1-01 2025-01-01T00:00'.split(' ');
    for (const d of [...notDates, ' 2025-01-01', 20250101, null]) expect(isIsoDate(d), String(d)).toBe(false);
  });

  it('adds days across months, years and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2025-03-30', 0)).toBe('2025-03-30');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01'); // no Date.UTC two-digit-year trap
    expect(() => addDays('2025-02-29', 1)).toThrow(RangeError);
    expect(() => addDays('2025-01-01', 0.5)).toThrow(RangeError);
  });

  it('composes and inverts (property)', () => {
    const arbN = fc.integer({ min: -4000, max: 4000 });
    fc.assert(
      fc.property(arbDate, arbN, arbN, (d, a, b) => {
        expect(addDays(addDays(d, a), b)).toBe(addDays(d, a + b));
        expect(addDays(addDays(d, a), -a)).toBe(d);
        const e = addDays(d, a);
        expect(e < d ? -1 : e > d ? 1 : 0).toBe(a < 0 ? -1 : a > 0 ? 1 : 0); // string order is date order
      }),
    );
  });
});

describe('months and quarters', () => {
  it('builds, parses and validates ids', () => {
    expect(monthId(2025, 1)).toBe('2025-26-M01');
    expect(monthId(1999, 12)).toBe('1999-00-M12');
    expect(parseMonthId('2025-26-M10')).toEqual({ fy: 2025, m: 10 });
    expect(quarterId(2025, 4)).toBe('2025-26-Q4');
    expect(parseQuarterId('2025-26-Q3')).toEqual({ fy: 2025, q: 3 });
    expect(isMonthId('1999-00-M01')).toBe(true);
    expect(isFinancialYear('2025-26')).toBe(true);
    for (const bad of ['2025-27', '2025-25', '2025/26', '25-26', 2025]) expect(isFinancialYear(bad)).toBe(false);
    const notMonths = '2025-27-M01 2025-26-M13 2025-26-M00 2025-26-m01 2025-26-M1 2025-26-Q1 2025-26'.split(' ');
    for (const bad of [...notMonths, ' 2025-26-M01', null]) expect(isMonthId(bad), String(bad)).toBe(false);
    const notQuarters = '2025-27-Q1 2025-26-Q5 2025-26-Q0 2025-26-q1 2025-26-Q01 2025-26-M01'.split(' ');
    for (const bad of [...notQuarters, undefined]) expect(isQuarterId(bad), String(bad)).toBe(false);
    expect(() => parseMonthId('2025-26-M13')).toThrow(RangeError);
    expect(() => parseQuarterId('2025-26-Q5')).toThrow(RangeError);
    expect(() => monthId(2025, 13)).toThrow(RangeError);
    expect(() => quarterId(2025, 0)).toThrow(RangeError);
  });

  it('does arithmetic across financial years', () => {
    expect(addMonths('2025-26-M12', 1)).toBe('2026-27-M01');
    expect(addMonths('2025-26-M01', -1)).toBe('2024-25-M12');
    expect(addMonths('2025-26-M03', 25)).toBe('2027-28-M04');
    expect(compareMonths('2025-26-M12', '2026-27-M01')).toBeLessThan(0);
    expect(compareMonths('2025-26-M05', '2025-26-M05')).toBe(0);
    expect(compareQuarters('2026-27-Q1', '2025-26-Q4')).toBeGreaterThan(0);
    expect(nextQuarter('2025-26-Q4')).toBe('2026-27-Q1');
    expect(previousQuarter('2025-26-Q1')).toBe('2024-25-Q4');
    const winter = ['2025-26-M11', '2025-26-M12', '2026-27-M01', '2026-27-M02'];
    expect(monthsBetween('2025-26-M11', '2026-27-M02')).toEqual(winter);
    expect(monthsBetween('2025-26-M04', '2025-26-M04')).toEqual(['2025-26-M04']);
    expect(monthsBetween('2025-26-M05', '2025-26-M04')).toEqual([]);
  });

  it('maps months, quarters and years onto each other', () => {
    expect(quarterOfMonth('2025-26-M03')).toBe('2025-26-Q1');
    expect(quarterOfMonth('2025-26-M10')).toBe('2025-26-Q4');
    expect(monthsOfQuarter('2025-26-Q2')).toEqual(['2025-26-M04', '2025-26-M05', '2025-26-M06']);
    expect(financialYearOfQuarter('2025-26-Q3')).toBe('2025-26');
    expect(quartersOfYear('2025-26')).toEqual(['2025-26-Q1', '2025-26-Q2', '2025-26-Q3', '2025-26-Q4']);
    expect(() => quartersOfYear('2025-27')).toThrow(RangeError);
  });

  it('maps financial months onto the calendar: April to March', () => {
    expect(calendarMonth('2025-26-M01')).toEqual({ year: 2025, month: 4 });
    expect(calendarMonth('2025-26-M09')).toEqual({ year: 2025, month: 12 });
    expect(calendarMonth('2025-26-M10')).toEqual({ year: 2026, month: 1 });
    expect(monthOfDate('2025-04-01')).toBe('2025-26-M01');
    expect(monthOfDate('2026-03-31')).toBe('2025-26-M12');
    expect(monthOfDate('2026-01-15')).toBe('2025-26-M10');
    expect(quarterOfDate('2025-06-30')).toBe('2025-26-Q1');
    expect(quarterOfDate('2025-07-01')).toBe('2025-26-Q2');
    expect(firstDayOfMonth('2025-26-M11')).toBe('2026-02-01');
    expect(lastDayOfMonth('2023-24-M11')).toBe('2024-02-29');
    expect(lastDayOfMonth('2025-26-M11')).toBe('2026-02-28');
    expect(firstDayOfQuarter('2025-26-Q4')).toBe('2026-01-01');
    expect(lastDayOfQuarter('2025-26-Q4')).toBe('2026-03-31');
    expect(lastDayOfQuarter('2025-26-Q1')).toBe('2025-06-30');
    expect(() => monthOfDate('2025-02-30')).toThrow(RangeError);
  });

  it('formats the NHS way', () => {
    expect(formatMonth('2025-26-M01')).toBe('2025/26 M1');
    expect(formatMonth('2025-26-M12')).toBe('2025/26 M12');
    expect(formatQuarter('2025-26-Q1')).toBe('2025/26 Q1');
    expect(formatQuarter('1999-00-Q4')).toBe('1999/00 Q4');
  });

  it('round-trips and inverts (properties)', () => {
    fc.assert(
      fc.property(arbMonth, fc.integer({ min: -300, max: 300 }), ({ fy, m }, n) => {
        const id = monthId(fy, m);
        expect(parseMonthId(id)).toEqual({ fy, m });
        expect(addMonths(addMonths(id, n), -n)).toBe(id);
        expect(Math.sign(compareMonths(addMonths(id, n), id))).toBe(Math.sign(n));
        expect(monthOfDate(firstDayOfMonth(id))).toBe(id);
        expect(monthOfDate(lastDayOfMonth(id))).toBe(id);
        expect(addDays(lastDayOfMonth(id), 1)).toBe(firstDayOfMonth(addMonths(id, 1)));
        expect(monthsOfQuarter(quarterOfMonth(id))).toContain(id);
        expect(previousQuarter(nextQuarter(quarterOfMonth(id)))).toBe(quarterOfMonth(id));
      }),
    );
  });

  it('puts every date inside its month and quarter (property)', () => {
    fc.assert(
      fc.property(arbDate, (d) => {
        const q = quarterOfDate(d);
        expect(firstDayOfQuarter(q) <= d && d <= lastDayOfQuarter(q)).toBe(true);
        expect(firstDayOfMonth(monthOfDate(d)) <= d && d <= lastDayOfMonth(monthOfDate(d))).toBe(true);
      }),
    );
  });
});

describe('working days (England and Wales)', () => {
  it('excludes weekends and the ordinary bank holidays', () => {
    expect(isWorkingDay('2025-05-02')).toBe(true); // Friday
    expect(isWorkingDay('2025-05-03')).toBe(false); // Saturday
    expect(isWorkingDay('2025-05-04')).toBe(false); // Sunday
    const holidays = ['2025-01-01', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26', '2026-01-01'];
    for (const d of holidays) expect(isWorkingDay(d)).toBe(false);
    expect(isWorkingDay('2025-12-24')).toBe(true);
    expect(isWorkingDay('2025-12-29')).toBe(true);
  });

  it('excludes Good Friday and Easter Monday, 2025 to 2030', () => {
    const easter = ['2025-04-18', '2025-04-21', '2026-04-03', '2026-04-06', '2027-03-26', '2027-03-29'];
    easter.push('2028-04-14', '2028-04-17', '2029-03-30', '2029-04-02', '2030-04-19', '2030-04-22');
    for (const d of easter) expect(isWorkingDay(d), d).toBe(false);
    expect(isWorkingDay('2025-04-17')).toBe(true);
    expect(isWorkingDay('2025-04-22')).toBe(true);
  });

  it('excludes substitute days when a holiday falls at a weekend', () => {
    for (const d of ['2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03', '2022-12-27', '2023-01-02']) {
      expect(isWorkingDay(d), d).toBe(false);
    }
    expect(isWorkingDay('2026-12-29')).toBe(true);
    expect(isWorkingDay('2027-12-29')).toBe(true);
  });

  it('excludes the one-off days of 2022 and 2023', () => {
    expect(isWorkingDay('2022-06-03')).toBe(false); // Platinum Jubilee
    expect(isWorkingDay('2022-09-19')).toBe(false); // State Funeral
    expect(isWorkingDay('2023-05-08')).toBe(false); // Coronation
    expect(isWorkingDay('2024-06-03')).toBe(true);
  });

  it('finds the n-th working day of a month (DOMAIN.md: WD10 of May 2025 is 15 May)', () => {
    expect(workingDayOfMonth(2025, 5, 1)).toBe('2025-05-01');
    expect(workingDayOfMonth(2025, 5, 3)).toBe('2025-05-06'); // 5 May is a bank holiday
    expect(workingDayOfMonth(2025, 5, 10)).toBe('2025-05-15');
    expect(workingDayOfMonth(2026, 1, 1)).toBe('2026-01-02');
    expect(workingDayOfMonth(2026, 12, 21)).toBe('2026-12-31'); // 25 and 28 Dec off: 23 weekdays, 21 working days
    expect(() => workingDayOfMonth(2026, 12, 22)).toThrow(RangeError);
    expect(workingDayOfMonth(2027, 12, 19)).toBe('2027-12-29'); // 27 and 28 Dec off
    expect(() => workingDayOfMonth(2025, 5, 0)).toThrow(RangeError);
    expect(() => workingDayOfMonth(2025, 13, 1)).toThrow(RangeError);
  });

  it('has between 18 and 23 working days in every month of 2025 to 2030', () => {
    for (const m of monthsBetween('2024-25-M10', '2030-31-M09')) {
      // January 2025 to December 2030
      const { year, month } = calendarMonth(m);
      let count = 0;
      for (let d = firstDayOfMonth(m); d <= lastDayOfMonth(m); d = addDays(d, 1)) if (isWorkingDay(d)) count += 1;
      expect(count, m).toBeGreaterThanOrEqual(18);
      expect(count).toBeLessThanOrEqual(WORKING_DAYS_MAX_IN_MONTH);
      expect(isWorkingDay(workingDayOfMonth(year, month, count))).toBe(true);
      expect(() => workingDayOfMonth(year, month, count + 1)).toThrow(RangeError);
    }
  });

  it('dates deliverables on working day N of the following month', () => {
    expect(dueDate('2025-26-M01', 10)).toBe('2025-05-15');
    // April 2026 has 20 working days: working day 21 or 23 means its last one, 30 April.
    expect(dueDate('2025-26-M12', 20)).toBe('2026-04-30');
    expect(dueDate('2025-26-M12', 21)).toBe('2026-04-30');
    expect(dueDate('2025-26-M12', 23)).toBe('2026-04-30');
    expect(dueDate('2025-26-M01', 8)).toBe('2025-05-13');
    expect(dueDate('2025-26-M02', 10)).toBe('2025-06-13');
    expect(dueDate('2025-26-M02', 8)).toBe('2025-06-11');
    expect(dueDate('2025-26-M03', 10)).toBe('2025-07-14');
    expect(dueDate('2025-26-M03', 8)).toBe('2025-07-10');
    expect(dueDate('2025-26-M09', 10)).toBe('2026-01-15'); // 1 Jan off
    expect(dueDate('2025-26-M11', 10)).toBe('2026-03-13');
    expect(dueDate('2025-26-M12', 10)).toBe('2026-04-16'); // into 2026-27; Good Friday and Easter Monday off
  });

  it('adds working days, not counting the start', () => {
    expect(addWorkingDays('2025-05-01', 10)).toBe('2025-05-16');
    expect(addWorkingDays('2025-05-03', 1)).toBe('2025-05-06'); // from a Saturday, over the bank holiday
    expect(addWorkingDays('2025-12-24', 1)).toBe('2025-12-29');
    expect(addWorkingDays('2027-12-24', 1)).toBe('2027-12-29');
    expect(addWorkingDays('2025-04-17', 2)).toBe('2025-04-23');
    expect(() => addWorkingDays('2025-05-01', 0)).toThrow(RangeError);
  });

  it('lands addWorkingDays on the n-th working day after the start (property)', () => {
    fc.assert(
      fc.property(
        arbDate.filter((d) => d >= '2020-01-01'),
        fc.integer({ min: 1, max: 40 }),
        (d, n) => {
          const end = addWorkingDays(d, n);
          expect(isWorkingDay(end)).toBe(true);
          let count = 0;
          for (let x = addDays(d, 1); x <= end; x = addDays(x, 1)) if (isWorkingDay(x)) count += 1;
          expect(count).toBe(n);
        },
      ),
    );
  });
});

describe('londonDate', () => {
  it('reads the date in Europe/London, GMT or BST', () => {
    expect(londonDate(new Date('2025-03-30T00:30:00Z'))).toBe('2025-03-30'); // GMT until 01:00 UTC
    expect(londonDate(new Date('2025-03-29T23:30:00Z'))).toBe('2025-03-29');
    expect(londonDate(new Date('2025-06-30T23:30:00Z'))).toBe('2025-07-01'); // BST: 00:30 next day
    expect(londonDate(new Date('2025-10-25T23:30:00Z'))).toBe('2025-10-26'); // still BST
    expect(londonDate(new Date('2025-10-26T23:30:00Z'))).toBe('2025-10-26'); // GMT again
    expect(londonDate(new Date('2025-12-31T23:30:00Z'))).toBe('2025-12-31');
    expect(() => londonDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('Limits: nothing before financial year 2000-01 (DOMAIN.md)', () => {
  it('dates from 1 April 2000, real ones only', () => {
    expect(EARLIEST_DATE).toBe('2000-04-01');
    for (const d of ['2000-04-01', '2025-06-30', '2024-02-29', '9999-12-31']) expect(isLedgerDate(d), d).toBe(true);
    for (const d of ['2000-03-31', '1999-12-31', '0000-01-01', '2025-02-30', '2025-02-29', '2000-4-01', 20250601, ''])
      expect(isLedgerDate(d), String(d)).toBe(false);
  });

  it('financial years, months and quarters from 2000-01', () => {
    expect(['2000-01', '2025-26'].every(isLedgerFinancialYear)).toBe(true);
    expect(['1999-00', '0000-01', '2000-02'].some(isLedgerFinancialYear)).toBe(false);
    expect(['2000-01-M01', '2025-26-M12'].every(isLedgerMonth)).toBe(true);
    expect(['1999-00-M12', '0000-01-M01', '2000-01-M00', '2000-01-M13'].some(isLedgerMonth)).toBe(false);
    expect(['2000-01-Q1', '2025-26-Q4'].every(isLedgerQuarter)).toBe(true);
    expect(['1999-00-Q4', '0000-01-Q1', '2000-01-Q5'].some(isLedgerQuarter)).toBe(false);
  });

  it('the first month and quarter begin on the first date', () => {
    expect(firstDayOfMonth('2000-01-M01')).toBe(EARLIEST_DATE);
    expect(firstDayOfQuarter('2000-01-Q1')).toBe(EARLIEST_DATE);
    expect(isLedgerMonth(monthOfDate(EARLIEST_DATE))).toBe(true);
    expect(isLedgerMonth(monthOfDate(addDays(EARLIEST_DATE, -1)))).toBe(false);
  });
});
