// What a command body may carry, written from ../shared/docs/DOMAIN.md (Limits; Time and money; Who and what; Extras;
// Acute activity challenges) and API.md (Conventions; Command service) alone. Nothing here is imported from the
// domain or the services: an oracle taken from the code cannot find a validator that wrongly accepts (STYLE.md).
//
// Values are judged as JSON text, as the services must judge them ("judged from the request's text, not from a
// rounded float"). Each judgement is 'valid' (the pages allow it), 'invalid' (the pages rule it out: 400, nothing
// stored) or 'unsure' (the pages do not say, e.g. a lower-case ODS code, a 1,500-character reason).

export type Verdict = 'valid' | 'invalid' | 'unsure';

/** Limits: no date or month before 2000-04-01 (financial year 2000-01). */
export const FIRST_DATE = '2000-04-01';
export const FIRST_FINANCIAL_YEAR = 2000;
/** Limits: 0 ≤ amount ≤ 100,000,000,000 pence (£1bn). */
export const MAX_PENCE = 100_000_000_000n;
/** Limits: text fields at most 2,000 characters. */
export const MAX_TEXT = 2_000;
/** Time and money: percentages are integer basis points, 10000 = 100%. */
export const MAX_BP = 10_000;

/** The value of a JSON text, or undefined where the text is not JSON at all. */
const parse = (text: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
};
/** A JSON integer literal as written: no fraction, no exponent. */
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
/** Any JSON number literal. */
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** Money: "a JSON integer of pence … 0 ≤ amount ≤ 100,000,000,000"; `100.0000000000000001`, `1e2`, `"100"` refused. */
export const judgeAmount = (text: string): Verdict => {
  if (!INTEGER.test(text)) return 'invalid';
  const n = BigInt(text);
  if (text.startsWith('-')) return n === 0n ? 'unsure' : 'invalid';
  return n <= MAX_PENCE ? 'valid' : 'invalid';
};

/** Percentages: integer basis points; a percentage lies between 0 and 100%. */
export const judgeBp = (text: string): Verdict => {
  if (INTEGER.test(text)) {
    const n = BigInt(text);
    if (text.startsWith('-')) return n === 0n ? 'unsure' : 'invalid';
    return n <= BigInt(MAX_BP) ? 'valid' : 'invalid';
  }
  if (!NUMBER.test(text)) return 'invalid'; // a string, null, true, an array, an object: not a number
  const [, fraction = ''] = /\.([0-9]+)/.exec(text) ?? [];
  if (/[eE]/.test(text) || !/[1-9]/.test(fraction)) return 'unsure'; // 9500.0, 95e2: integer-valued, written oddly
  return 'invalid'; // 9500.5: not whole basis points
};

/** A count (activity lines, notice months, working days, population): a whole number; its range is not written. */
export const judgeCount = (text: string): Verdict => {
  if (INTEGER.test(text)) return text.startsWith('-') && BigInt(text) !== 0n ? 'invalid' : 'unsure';
  if (!NUMBER.test(text)) return 'invalid';
  const [, fraction = ''] = /\.([0-9]+)/.exec(text) ?? [];
  return /[1-9]/.test(fraction) && !/[eE]/.test(text) ? 'invalid' : 'unsure';
};

const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** A day of the Gregorian calendar written YYYY-MM-DD (`2025-02-30` does not exist). */
export const dateExists = (s: string): boolean => {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(s);
  if (!m) return false;
  const [y, month, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || d < 1) return false;
  return d <= (month === 2 && leap(y) ? 29 : DAYS_IN_MONTH[month - 1]!);
};

/**
 * Dates: `YYYY-MM-DD` (API.md), a day that exists, none before 2000-04-01; business dates and delivered-on dates not
 * after today in England (`today`); other dates (a payment's) may be.
 */
export const judgeDate = (text: string, today: string | undefined): Verdict => {
  const parsed = parse(text);
  if (!parsed || typeof parsed.value !== 'string') return 'invalid';
  const s = parsed.value;
  if (!dateExists(s) || s < FIRST_DATE) return 'invalid';
  if (today !== undefined && s > today) return 'invalid';
  return 'valid';
};

/** Financial years are written `2025-26`: the second part is the next year's last two digits; from 2000-01. */
const financialYear = (y: string, yy: string): boolean =>
  Number(y) >= FIRST_FINANCIAL_YEAR && Number(yy) === (Number(y) + 1) % 100;

/** Months `2025-26-M01` … `M12`, from financial year 2000-01 (a contract's term may lie ahead). */
export const judgeMonth = (text: string): Verdict => {
  const parsed = parse(text);
  if (!parsed || typeof parsed.value !== 'string') return 'invalid';
  const m = /^([0-9]{4})-([0-9]{2})-M([0-9]{2})$/.exec(parsed.value);
  return m && financialYear(m[1]!, m[2]!) && Number(m[3]) >= 1 && Number(m[3]) <= 12 ? 'valid' : 'invalid';
};

/** Quarters `2025-26-Q1` … `Q4`, from financial year 2000-01. */
export const judgeQuarter = (text: string): Verdict => {
  const parsed = parse(text);
  if (!parsed || typeof parsed.value !== 'string') return 'invalid';
  const m = /^([0-9]{4})-([0-9]{2})-Q([1-4])$/.exec(parsed.value);
  return m && financialYear(m[1]!, m[2]!) ? 'valid' : 'invalid';
};

/** ODS codes: "letters and digits, 3 to 5 characters" (written in capitals; the pages do not say lower case is wrong). */
export const judgeOrgCode = (text: string): Verdict => {
  const parsed = parse(text);
  if (!parsed || typeof parsed.value !== 'string') return 'invalid';
  if (/^[A-Z0-9]{3,5}$/.test(parsed.value)) return 'valid';
  return /^[A-Za-z0-9]{3,5}$/.test(parsed.value) ? 'unsure' : 'invalid';
};

/** Text: at most 2,000 characters. What a field needs beyond that (not blank, shorter) the pages do not say. */
export const judgeText = (text: string): Verdict => {
  const parsed = parse(text);
  if (!parsed || typeof parsed.value !== 'string') return 'invalid';
  if ([...parsed.value].length > MAX_TEXT) return 'invalid';
  return parsed.value.trim() === '' || parsed.value.length > 200 ? 'unsure' : 'valid';
};

/** One of the values the pages list, exactly. */
export const judgeEnum =
  (values: readonly string[]) =>
  (text: string): Verdict => {
    const parsed = parse(text);
    return parsed && typeof parsed.value === 'string' && values.includes(parsed.value) ? 'valid' : 'invalid';
  };

/** Combines the judgements of a body's parts: any invalid part makes it invalid. */
export const judgeAll = (verdicts: Verdict[]): Verdict =>
  verdicts.includes('invalid') ? 'invalid' : verdicts.includes('unsure') ? 'unsure' : 'valid';

/** The first day of a financial month (`2025-26-M01` is April 2025, `M10` January 2026). */
export const firstDayOf = (monthId: string): string => {
  const m = /^([0-9]{4})-[0-9]{2}-M([0-9]{2})$/.exec(monthId);
  if (!m) throw new Error(`not a financial month: ${monthId}`);
  const n = Number(m[2]);
  const year = Number(m[1]) + (n >= 10 ? 1 : 0);
  return `${year}-${String(((n + 2) % 12) + 1).padStart(2, '0')}-01`;
};
