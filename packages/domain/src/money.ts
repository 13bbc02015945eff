/**
 * Money and fractions. DOMAIN.md "Time and money": money is integer pence, percentages are integer basis points,
 * and money computed from fractions uses exact rational arithmetic, rounded half up to the penny once, at the end.
 * Ratios hold bigints so no intermediate product can lose precision, however large the fee.
 */

/** An exact fraction: `den > 0n`, always reduced (gcd 1), zero is 0/1, so equal values have equal fields. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

export const ZERO: Ratio = Object.freeze({ num: 0n, den: 1n });
export const ONE: Ratio = Object.freeze({ num: 1n, den: 1n });

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

const gcd = (a: bigint, b: bigint): bigint => {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

/** Floor division for `b > 0n`: bigint `/` truncates towards zero, which is wrong for negative numerators. */
const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
};

// Every Ratio is built here, so the reduced, positive-denominator form is an invariant rather than a convention.
// gcd(0, den) = |den|, so zero comes out as 0/1.
const normalise = (num: bigint, den: bigint): Ratio => {
  if (den === 0n) throw new RangeError('ratio: denominator is zero');
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den);
  return { num: (sign * num) / g, den: (sign * den) / g };
};

const toBigInt = (n: bigint | number, what: string): bigint => {
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) throw new RangeError(`ratio: ${what} ${n} is not an integer`);
  return BigInt(n);
};

/** `num/den`, reduced. Throws RangeError on a zero denominator or a number that is not an integer. */
export const ratio = (num: bigint | number, den: bigint | number = 1n): Ratio =>
  normalise(toBigInt(num, 'numerator'), toBigInt(den, 'denominator'));

export const add = (a: Ratio, b: Ratio): Ratio => normalise(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Ratio, b: Ratio): Ratio => normalise(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Ratio, b: Ratio): Ratio => normalise(a.num * b.num, a.den * b.den);

/** Throws RangeError when `b` is zero. */
export const div = (a: Ratio, b: Ratio): Ratio => {
  if (b.num === 0n) throw new RangeError('div: division by zero');
  return normalise(a.num * b.den, a.den * b.num);
};

export const compare = (a: Ratio, b: Ratio): -1 | 0 | 1 => {
  // Denominators are positive, so cross-multiplying keeps the order.
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};

export const minRatio = (a: Ratio, b: Ratio): Ratio => (compare(a, b) <= 0 ? a : b);
export const maxRatio = (a: Ratio, b: Ratio): Ratio => (compare(a, b) >= 0 ? a : b);

/**
 * The one rounding function (STYLE.md pattern 10; DOMAIN.md "Time and money"): nearest integer, an exact half goes
 * towards +infinity (2.5 → 3, -2.5 → -2). Computed as floor(r + 1/2) = floor((2·num + den) / (2·den)). A bigint,
 * so no sum of amounts, however many, can lose a penny or fail (DOMAIN.md: Limits).
 */
export const roundHalfUp = (r: Ratio): bigint => floorDiv(2n * r.num + r.den, 2n * r.den);

const BP_PER_UNIT = 10_000n;

/** A fraction of at most a few units shown as basis points (0.6 → 6000), rounded half up: scores, achievements. */
export const toBp = (r: Ratio): number => {
  const bp = roundHalfUp(mul(r, ratio(BP_PER_UNIT)));
  if (bp > BigInt(Number.MAX_SAFE_INTEGER) || bp < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`toBp: ${bp} bp is not a safe integer; use roundHalfUp for unbounded shares`);
  }
  return Number(bp);
};

/** An unbounded fraction as basis points, exactly (a spend per head can be any multiple of an allowance). */
export const toBpExact = (r: Ratio): bigint => roundHalfUp(mul(r, ratio(BP_PER_UNIT)));

/** Basis points as a fraction (9500 → 19/20). */
export const bpRatio = (bp: number): Ratio => ratio(bp, BP_PER_UNIT);

/** Safe integer pence; negatives pass, since only the caller knows whether a sign is allowed. */
export const isPence = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n);

const toPenceBigInt = (n: number | bigint, what: string): bigint => {
  if (typeof n === 'bigint') return n;
  if (!isPence(n)) throw new RangeError(`${what} ${String(n)} is not a safe integer of pence`);
  return BigInt(n);
};

/**
 * The exact sum of amounts of pence (DOMAIN.md: Limits, "every sum is exact whatever the number of items"). One
 * amount is a safe integer (the Limits cap it at £1bn), a sum of any number of them is a bigint.
 */
export const sumPence = (amounts: Iterable<number | bigint>): bigint => {
  let total = 0n;
  for (const a of amounts) total += toPenceBigInt(a, 'sumPence: amount');
  return total;
};

/** `amount · bp / 10000`, rounded half up once (DOMAIN.md "Settlement": R, W and G are all of this form). */
export const percentOf = (amountPence: number | bigint, bp: number): bigint => {
  if (!Number.isSafeInteger(bp)) throw new RangeError(`percentOf: ${bp} is not an integer of basis points`);
  return roundHalfUp(ratio(toPenceBigInt(amountPence, 'percentOf: amount') * BigInt(bp), BP_PER_UNIT));
};

/**
 * Monthly instalment of annual fee A for month m (1..12) of its financial year, DOMAIN.md "Time and money":
 * floor(A·m/12) − floor(A·(m−1)/12). The sum telescopes to floor(A·12/12) = A, so a year's twelve add up exactly.
 */
export const instalment = (annualFeePence: number | bigint, monthNumber: number): bigint => {
  const a = toPenceBigInt(annualFeePence, 'instalment: annual fee');
  if (!Number.isInteger(monthNumber) || monthNumber < 1 || monthNumber > 12) {
    throw new RangeError(`instalment: month number ${monthNumber} is not 1..12`);
  }
  const m = BigInt(monthNumber);
  return floorDiv(a * m, 12n) - floorDiv(a * (m - 1n), 12n);
};

/**
 * Money as an event stores it: a JSON number while it is a safe integer, else its decimal digits as a string, because
 * a JSON number beyond 2^53 does not survive every store and parser exactly (PostgreSQL's jsonb does, JSON.parse
 * does not). Only sums can get there; one amount never does (DOMAIN.md: Limits).
 */
export type StoredPence = number | string;

export const storePence = (p: bigint): StoredPence =>
  p <= BigInt(Number.MAX_SAFE_INTEGER) && p >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(p) : p.toString();

const DIGITS = /^-?(0|[1-9][0-9]*)$/;

/** Reads money written by `storePence` (or a plain safe integer); RangeError for anything else. */
export const readPence = (v: StoredPence | bigint): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && DIGITS.test(v)) return BigInt(v);
  return toPenceBigInt(v as number, 'readPence: stored amount');
};
