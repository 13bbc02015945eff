// The calendar's memoised functions (issue 15) against the direct computations they replace on hot paths: every
// date, month and working-day offset of financial years 2000-01..2039-40, and every hour of those years for londonDate.
import { describe, it, expect } from 'vitest';
import {
  addDays,
  addWorkingDays,
  dueDate,
  isMonthId,
  isQuarterId,
  isWorkingDay,
  londonDate,
  monthOfDate,
  monthsOfQuarter,
  quarterOfDate,
  uncachedCalendar,
} from './calendar.ts';

const FIRST = '2000-04-01';
const LAST = '2040-03-31';

const everyDate = (): string[] => {
  const dates: string[] = [];
  for (let d = FIRST; d <= LAST; d = addDays(d, 1)) dates.push(d);
  return dates;
};

/** Runs `check` twice: the first pass fills the caches, the second reads them back. */
const twice = (check: () => void): void => {
  check();
  check();
};

describe('memoised calendar = direct computation, 2000-04-01..2040-03-31', () => {
  const dates = everyDate();

  it('has the whole range', () => {
    expect(dates.length).toBe(14_610);
  });

  it('isWorkingDay', () => {
    twice(() => {
      const differ = dates.filter((d) => isWorkingDay(d) !== uncachedCalendar.isWorkingDay(d));
      expect(differ).toEqual([]);
    });
  });

  it('addWorkingDays, 1, 2, 5 (late recording) and 10 working days after every date', () => {
    twice(() => {
      const differ: string[] = [];
      for (const d of dates)
        for (const n of [1, 2, 5, 10]) if (addWorkingDays(d, n) !== uncachedCalendar.addWorkingDays(d, n)) differ.push(`${d}+${n}`);
      expect(differ).toEqual([]);
    });
    expect(() => addWorkingDays('2025-06-02', 0)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-06-02', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-02-30', 1)).toThrow(RangeError);
  });

  it('dueDate, working day 1 to 25 of the following month, every month', () => {
    const months = [...new Set(dates.map(monthOfDate))];
    expect(months.length).toBe(480);
    twice(() => {
      const differ: string[] = [];
      for (const m of months)
        for (let n = 1; n <= 25; n += 1) if (dueDate(m, n) !== uncachedCalendar.dueDate(m, n)) differ.push(`${m} WD${n}`);
      expect(differ).toEqual([]);
    });
    // Errors are not remembered as answers: thrown every time, as before.
    for (let k = 0; k < 2; k += 1) expect(() => dueDate('2025-26-M01', 0)).toThrow(RangeError);
  });

  it('month and quarter ids, valid and not', () => {
    const quarters = [...new Set(dates.map(quarterOfDate))];
    const ids = [...quarters, ...quarters.flatMap(monthsOfQuarter), '2025-27-M01', '2025-26-M13', '2025-26-Q5', '2025-26-q1', 'x', ''];
    twice(() => {
      for (const id of ids) {
        expect(isMonthId(id), id).toBe(uncachedCalendar.isMonthId(id));
        expect(isQuarterId(id), id).toBe(uncachedCalendar.isQuarterId(id));
      }
    });
    // The remembered months of a quarter are handed out as copies: a caller changing one changes no later answer.
    const months = monthsOfQuarter('2025-26-Q2');
    months.reverse().push('2025-26-M12');
    expect(monthsOfQuarter('2025-26-Q2')).toEqual(['2025-26-M04', '2025-26-M05', '2025-26-M06']);
  });

  it('londonDate at an instant in every 7-hour window (every hour of the day in turn), and every hour of each clock change', () => {
    const HOUR = 3_600_000;
    const WINDOW = 7 * HOUR; // 7 is prime to 24: the windows start at every hour of the day in turn
    const [start, end] = [Date.parse(`${FIRST}T00:00:00Z`), Date.parse(`${addDays(LAST, 1)}T00:00:00Z`)];
    let seed = 15;
    const differ: string[] = [];
    const compare = (at: Date): void => {
      if (londonDate(at) !== uncachedCalendar.londonDate(at)) differ.push(at.toISOString());
    };
    for (let ms = start; ms < end; ms += WINDOW) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; // a fixed pseudo-random instant in the window
      compare(new Date(ms + (seed % WINDOW)));
    }
    // The last Sundays of March and October (GMT to BST and back): the first and last millisecond of every hour from
    // the Saturday evening to the Monday morning, read twice (the cache filled, then read back).
    for (let y = 2000; y <= 2040; y += 1)
      for (const month of [3, 10]) {
        const lastSunday = Array.from({ length: 7 }, (_, k) => Date.UTC(y, month - 1, 31 - k)).find((ms) => new Date(ms).getUTCDay() === 0)!;
        for (let ms = lastSunday - 4 * HOUR; ms < lastSunday + 28 * HOUR; ms += HOUR)
          for (const at of [new Date(ms), new Date(ms + HOUR - 1), new Date(ms), new Date(ms + HOUR - 1)]) compare(at);
      }
    expect(differ).toEqual([]);
  });
});
