/**
 * NHS financial calendar and England & Wales working days (DOMAIN.md "Time and money"). Dates are `YYYY-MM-DD`
 * strings compared as strings (DOMAIN.md); day arithmetic goes through a UTC day number, never a local-time Date.
 */
import Holidays from 'date-holidays';

export type IsoDate = string;
export type MonthId = string;
export type QuarterId = string;

/** No calendar month has more than 23 weekdays, so none has more working days. */
export const WORKING_DAYS_MAX_IN_MONTH = 23;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, month: number): number =>
  month === 2 ? (isLeapYear(y) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

const DAY_MS = 86_400_000;

/**
 * The calendar answers the same questions on every settlement read (issue 15: ~14% of the query service's CPU), so
 * the hot ones remember their answers in module-level maps. Each memoised function is pure and its cache changes no
 * answer (calendar.unit.test.ts compares them with the direct computations in `uncachedCalendar`). A cache is
 * emptied when it reaches this many entries, so callers' arbitrary inputs cannot grow it without bound; real use
 * (dates and months 2000..2040) stays far below it.
 */
const MEMO_LIMIT = 100_000;
const remember = <K, V>(cache: Map<K, V>, key: K, value: V): V => {
  if (cache.size >= MEMO_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
};

// Days since 1970-01-01 in UTC. setUTCFullYear, unlike Date.UTC, does not read years 0..99 as 1900..1999.
const dayNumber = (y: number, month: number, d: number): number => new Date(0).setUTCFullYear(y, month - 1, d) / DAY_MS;

const fromDayNumber = (n: number): IsoDate => {
  const iso = new Date(n * DAY_MS).toISOString(); // '+010000-…' or '-000001-…' outside 0000..9999
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`date out of range: ${iso}`);
  return iso.slice(0, 10);
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isIsoDate = (s: unknown): s is IsoDate => {
  if (typeof s !== 'string') return false;
  const match = ISO_DATE.exec(s);
  if (!match) return false;
  const [y, month, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && d >= 1 && d <= daysInMonth(y, month);
};

const parseDate = (d: IsoDate): { y: number; month: number; day: number } => {
  if (!isIsoDate(d)) throw new RangeError(`not a YYYY-MM-DD date: ${String(d)}`);
  return { y: Number(d.slice(0, 4)), month: Number(d.slice(5, 7)), day: Number(d.slice(8, 10)) };
};

const toDayNumber = (d: IsoDate): number => {
  const { y, month, day } = parseDate(d);
  return dayNumber(y, month, day);
};

const requireInteger = (n: number, what: string): void => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is not an integer`);
};

export const addDays = (d: IsoDate, n: number): IsoDate => {
  requireInteger(n, 'addDays: n');
  return fromDayNumber(toDayNumber(d) + n);
};

// ---- Financial years, months, quarters (DOMAIN.md: 1 April to 31 March, written 2025-26) ----

// The second half of '2025-26' must be the next year, else '2025-27' would pass the shape check.
const isFyPair = (start: string, end: string): boolean => (Number(start) + 1) % 100 === Number(end);
const fyText = (fy: number): string => `${pad(fy, 4)}-${pad((fy + 1) % 100, 2)}`;
/** The id of the financial year starting in April of `fy`: 2025 → `2025-26`. */
export const financialYearId = (fy: number): string => fyText(fy);
const requireFy = (fy: number): void => {
  if (!Number.isInteger(fy) || fy < 0 || fy > 9998) throw new RangeError(`financial year ${fy} out of range`);
};

const FY = /^(\d{4})-(\d{2})$/;
const MONTH_ID = /^(\d{4})-(\d{2})-M(\d{2})$/;
const QUARTER_ID = /^(\d{4})-(\d{2})-Q([1-4])$/;

export const isFinancialYear = (s: unknown): s is string => {
  const match = typeof s === 'string' ? FY.exec(s) : null;
  return match !== null && isFyPair(match[1] ?? '', match[2] ?? '') && Number(match[1]) <= 9998;
};

const isMonthIdDirect = (s: unknown): s is MonthId => {
  const match = typeof s === 'string' ? MONTH_ID.exec(s) : null;
  if (match === null || !isFinancialYear(`${match[1]}-${match[2]}`)) return false;
  const m = Number(match[3]);
  return m >= 1 && m <= 12;
};

const isQuarterIdDirect = (s: unknown): s is QuarterId => {
  const match = typeof s === 'string' ? QUARTER_ID.exec(s) : null;
  return match !== null && isFinancialYear(`${match[1]}-${match[2]}`);
};

// Month and quarter ids are parsed many times per settlement read (every KPI, every month): parsed once each.
const monthIdParts = new Map<string, { fy: number; m: number } | null>();
const quarterIdParts = new Map<string, { fy: number; q: number } | null>();
const monthParts = (s: unknown): { fy: number; m: number } | null => {
  if (typeof s !== 'string') return null;
  const known = monthIdParts.get(s);
  if (known !== undefined) return known;
  return remember(monthIdParts, s, isMonthIdDirect(s) ? Object.freeze({ fy: Number(s.slice(0, 4)), m: Number(s.slice(9)) }) : null);
};
const quarterParts = (s: unknown): { fy: number; q: number } | null => {
  if (typeof s !== 'string') return null;
  const known = quarterIdParts.get(s);
  if (known !== undefined) return known;
  return remember(quarterIdParts, s, isQuarterIdDirect(s) ? Object.freeze({ fy: Number(s.slice(0, 4)), q: Number(s.slice(9)) }) : null);
};

export const isMonthId = (s: unknown): s is MonthId => monthParts(s) !== null;
export const isQuarterId = (s: unknown): s is QuarterId => quarterParts(s) !== null;

export const parseMonthId = (id: MonthId): { fy: number; m: number } => {
  const parts = monthParts(id);
  if (parts === null) throw new RangeError(`not a month id (2025-26-M01): ${String(id)}`);
  return { fy: parts.fy, m: parts.m };
};

export const monthId = (fy: number, m: number): MonthId => {
  requireFy(fy);
  if (!Number.isInteger(m) || m < 1 || m > 12) throw new RangeError(`month number ${m} is not 1..12`);
  return `${fyText(fy)}-M${pad(m, 2)}`;
};

export const parseQuarterId = (id: QuarterId): { fy: number; q: number } => {
  const parts = quarterParts(id);
  if (parts === null) throw new RangeError(`not a quarter id (2025-26-Q1): ${String(id)}`);
  return { fy: parts.fy, q: parts.q };
};

export const quarterId = (fy: number, q: number): QuarterId => {
  requireFy(fy);
  if (!Number.isInteger(q) || q < 1 || q > 4) throw new RangeError(`quarter number ${q} is not 1..4`);
  return `${fyText(fy)}-Q${q}`;
};

// Months and quarters as a running index, so arithmetic that crosses financial years is plain addition.
const monthIndex = (id: MonthId): number => {
  const { fy, m } = parseMonthId(id);
  return fy * 12 + m - 1;
};
const fromMonthIndex = (i: number): MonthId => monthId(Math.floor(i / 12), (i % 12) + 1);
const quarterIndex = (id: QuarterId): number => {
  const { fy, q } = parseQuarterId(id);
  return fy * 4 + q - 1;
};
const fromQuarterIndex = (i: number): QuarterId => quarterId(Math.floor(i / 4), (i % 4) + 1);

export const addMonths = (m: MonthId, n: number): MonthId => {
  requireInteger(n, 'addMonths: n');
  return fromMonthIndex(monthIndex(m) + n);
};
export const compareMonths = (a: MonthId, b: MonthId): number => Math.sign(monthIndex(a) - monthIndex(b));
export const compareQuarters = (a: QuarterId, b: QuarterId): number => Math.sign(quarterIndex(a) - quarterIndex(b));
export const nextQuarter = (q: QuarterId): QuarterId => fromQuarterIndex(quarterIndex(q) + 1);
export const previousQuarter = (q: QuarterId): QuarterId => fromQuarterIndex(quarterIndex(q) - 1);

/** Inclusive; empty when `last` is before `first`. */
export const monthsBetween = (first: MonthId, last: MonthId): MonthId[] => {
  const [from, to] = [monthIndex(first), monthIndex(last)];
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => fromMonthIndex(from + k));
};

export const quarterOfMonth = (m: MonthId): QuarterId => {
  const { fy, m: n } = parseMonthId(m);
  return quarterId(fy, Math.ceil(n / 3));
};
const monthsOfQuarterKnown = new Map<QuarterId, readonly MonthId[]>();
export const monthsOfQuarter = (q: QuarterId): MonthId[] => {
  const known = monthsOfQuarterKnown.get(q);
  if (known !== undefined) return [...known]; // a copy: the caller may sort or push
  const { fy, q: n } = parseQuarterId(q);
  return [...remember(monthsOfQuarterKnown, q, [1, 2, 3].map((k) => monthId(fy, (n - 1) * 3 + k)))];
};
export const financialYearOfQuarter = (q: QuarterId): string => fyText(parseQuarterId(q).fy);
export const quartersOfYear = (fy: string): QuarterId[] => {
  if (!isFinancialYear(fy)) throw new RangeError(`not a financial year (2025-26): ${String(fy)}`);
  return [1, 2, 3, 4].map((q) => quarterId(Number(fy.slice(0, 4)), q));
};

/** M01 is April of the starting year, M10..M12 are January..March of the next. */
export const calendarMonth = (m: MonthId): { year: number; month: number } => {
  const { fy, m: n } = parseMonthId(m);
  return n <= 9 ? { year: fy, month: n + 3 } : { year: fy + 1, month: n - 9 };
};

export const monthOfDate = (d: IsoDate): MonthId => {
  const { y, month } = parseDate(d);
  return month >= 4 ? monthId(y, month - 3) : monthId(y - 1, month + 9);
};
export const quarterOfDate = (d: IsoDate): QuarterId => quarterOfMonth(monthOfDate(d));

export const firstDayOfMonth = (m: MonthId): IsoDate => {
  const { year, month } = calendarMonth(m);
  return `${pad(year, 4)}-${pad(month, 2)}-01`;
};
export const lastDayOfMonth = (m: MonthId): IsoDate => {
  const { year, month } = calendarMonth(m);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(daysInMonth(year, month), 2)}`;
};
export const firstDayOfQuarter = (q: QuarterId): IsoDate => firstDayOfMonth(monthsOfQuarter(q)[0] ?? '');
export const lastDayOfQuarter = (q: QuarterId): IsoDate => lastDayOfMonth(monthsOfQuarter(q)[2] ?? '');

export const CALENDAR_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** '2025-26-M05 is August 2025': a financial month named as the calendar month people know it by. */
export const monthInWords = (m: MonthId): string => {
  const { year, month } = calendarMonth(m);
  return `${m} is ${CALENDAR_MONTHS[month - 1]!} ${year}`;
};

/** The NHS display form (DOMAIN.md): '2025/26 M1', '2025/26 Q1'. */
export const formatMonth = (m: MonthId): string => `${m.slice(0, 4)}/${m.slice(5, 7)} M${parseMonthId(m).m}`;
export const formatQuarter = (q: QuarterId): string => `${q.slice(0, 4)}/${q.slice(5, 7)} Q${parseQuarterId(q).q}`;

// ---- Working days (DOMAIN.md: the Standard Contract's Operational Days) ----

let holidayLibrary: Holidays | undefined;
const bankHolidaysByYear = new Map<number, ReadonlySet<IsoDate>>();

/**
 * England & Wales bank holidays from date-holidays, not a hand-typed list (DOMAIN.md). `h.date` is the local date
 * in England (`start` is UTC). The library lists a weekend holiday and its weekday substitute; the weekend entry is
 * harmless because weekends are excluded anyway. Memoised per year: pure, the library's answer never changes.
 */
const bankHolidays = (year: number): ReadonlySet<IsoDate> => {
  let days = bankHolidaysByYear.get(year);
  if (days === undefined) {
    holidayLibrary ??= new Holidays('GB', 'ENG');
    const list = holidayLibrary.getHolidays(year).filter((h) => h.type === 'public');
    days = new Set(list.map((h) => h.date.slice(0, 10)));
    bankHolidaysByYear.set(year, days);
  }
  return days;
};

const isWorkingDayNumberDirect = (n: number, d: IsoDate): boolean => {
  const weekday = (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6 && !bankHolidays(Number(d.slice(0, 4))).has(d);
};

// Whether day number n is a working day, by day number alone: no date string to build on the hot loops.
const workingByDayNumber = new Map<number, boolean>();
const isWorkingDayNumber = (n: number): boolean => {
  const known = workingByDayNumber.get(n);
  return known ?? remember(workingByDayNumber, n, isWorkingDayNumberDirect(n, fromDayNumber(n)));
};

/** Not a Saturday, Sunday or England & Wales bank holiday. */
export const isWorkingDay = (d: IsoDate): boolean => isWorkingDayNumber(toDayNumber(d));

/** The n-th (1-based) working day of calendar month `month` (1..12) of `year`; RangeError if there are fewer. */
export const workingDayOfMonth = (year: number, month: number, n: number): IsoDate => {
  if (!Number.isInteger(year) || year < 0 || year > 9999) throw new RangeError(`year ${year} out of range`);
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`month ${month} is not 1..12`);
  requireInteger(n, 'workingDayOfMonth: n');
  let count = 0;
  for (let day = 1; day <= daysInMonth(year, month) && n >= 1; day += 1) {
    if (!isWorkingDayNumber(dayNumber(year, month, day))) continue;
    count += 1;
    if (count === n) return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  }
  throw new RangeError(`${pad(year, 4)}-${pad(month, 2)} has no working day ${n}`);
};

/**
 * A monthly deliverable for financial month m is due on working day N of the following calendar month (DOMAIN.md).
 * A month with fewer than N working days (August 2025 has 20) makes it due on that month's last working day: the
 * CSU keeps the whole month, and never more (our rule; DOMAIN.md is silent).
 */
const dueDateDirect = (m: MonthId, dueWorkingDay: number): IsoDate => {
  const { year, month } = calendarMonth(addMonths(m, 1));
  for (let n = dueWorkingDay; n >= 1; n -= 1) {
    try {
      return workingDayOfMonth(year, month, n);
    } catch (err) {
      if (!(err instanceof RangeError) || n === 1) throw err;
    }
  }
  throw new RangeError(`no working day in ${year}-${month}`);
};
const dueDates = new Map<string, IsoDate>();
export const dueDate = (m: MonthId, dueWorkingDay: number): IsoDate => {
  const key = `${m}|${dueWorkingDay}`;
  // Only answers are remembered: a RangeError is thrown afresh each time.
  return dueDates.get(key) ?? remember(dueDates, key, dueDateDirect(m, dueWorkingDay));
};

/** The n-th working day after d (n ≥ 1), d itself not counted: e.g. a trust's response deadline (DOMAIN.md). */
const addWorkingDaysDirect = (d: IsoDate, n: number): IsoDate => {
  requireInteger(n, 'addWorkingDays: n');
  if (n < 1) throw new RangeError(`addWorkingDays: n ${n} must be at least 1`);
  let day = toDayNumber(d);
  for (let left = n; left > 0;) {
    day += 1;
    if (isWorkingDayNumberDirect(day, fromDayNumber(day))) left -= 1;
  }
  return fromDayNumber(day);
};
const workingDaysAdded = new Map<string, IsoDate>();
export const addWorkingDays = (d: IsoDate, n: number): IsoDate => {
  const key = `${d}|${n}`;
  const known = workingDaysAdded.get(key);
  if (known !== undefined) return known;
  requireInteger(n, 'addWorkingDays: n');
  if (n < 1) throw new RangeError(`addWorkingDays: n ${n} must be at least 1`);
  let day = toDayNumber(d);
  for (let left = n; left > 0;) {
    day += 1;
    if (isWorkingDayNumber(day)) left -= 1;
  }
  return remember(workingDaysAdded, key, fromDayNumber(day));
};

// ---- "Now" in England (DOMAIN.md: pending is judged against the current date in Europe/London) ----

let londonFormat: Intl.DateTimeFormat | undefined;

const londonDateDirect = (instant: Date): IsoDate => {
  if (Number.isNaN(instant.getTime())) throw new RangeError('londonDate: invalid Date');
  londonFormat ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const parts = londonFormat.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
};

const HOUR_MS = 3_600_000;
const londonDateByHour = new Map<number, IsoDate>();

/**
 * The calendar date in Europe/London at `instant`, GMT or BST as in force then. Remembered per UTC hour: Intl is
 * asked about the hour's first and last millisecond, and when both fall on the same London date (every hour but
 * those of an offset that is not a whole number of hours, i.e. before 1848) every instant between does too, since
 * London's clocks never went back across midnight.
 */
export const londonDate = (instant: Date): IsoDate => {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('londonDate: invalid Date');
  const hour = Math.floor(ms / HOUR_MS);
  const known = londonDateByHour.get(hour);
  if (known !== undefined) return known;
  const first = londonDateDirect(new Date(hour * HOUR_MS));
  return first === londonDateDirect(new Date(hour * HOUR_MS + HOUR_MS - 1))
    ? remember(londonDateByHour, hour, first)
    : londonDateDirect(instant);
};

/** The direct computations the memoised calendar functions above must equal (their unit test compares them). */
export const uncachedCalendar = {
  londonDate: londonDateDirect,
  addWorkingDays: addWorkingDaysDirect,
  dueDate: dueDateDirect,
  isWorkingDay: (d: IsoDate): boolean => isWorkingDayNumberDirect(toDayNumber(d), d),
  isMonthId: isMonthIdDirect,
  isQuarterId: isQuarterIdDirect,
} as const;

// ---- Limits (DOMAIN.md: Limits): nothing is dated before financial year 2000-01 ----

/** The first day the ledger holds: 1 April 2000, the first day of financial year 2000-01. */
export const EARLIEST_DATE: IsoDate = '2000-04-01';
export const EARLIEST_FINANCIAL_YEAR = '2000-01';
export const EARLIEST_MONTH: MonthId = `${EARLIEST_FINANCIAL_YEAR}-M01`;
export const EARLIEST_QUARTER: QuarterId = `${EARLIEST_FINANCIAL_YEAR}-Q1`;

/**
 * A date a request may carry and a view may be asked about: real (no 2025-02-30) and not before EARLIEST_DATE. Whether
 * it is after today is for the caller to judge, with its own "now".
 */
export const isLedgerDate = (s: unknown): s is IsoDate => isIsoDate(s) && s >= EARLIEST_DATE;
export const isLedgerFinancialYear = (s: unknown): s is string => isFinancialYear(s) && s >= EARLIEST_FINANCIAL_YEAR;
export const isLedgerMonth = (s: unknown): s is MonthId => isMonthId(s) && s >= EARLIEST_MONTH;
export const isLedgerQuarter = (s: unknown): s is QuarterId => isQuarterId(s) && s >= EARLIEST_QUARTER;
