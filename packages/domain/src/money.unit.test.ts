import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  ONE,
  ZERO,
  add,
  bpRatio,
  compare,
  div,
  instalment,
  isPence,
  maxRatio,
  minRatio,
  mul,
  percentOf,
  ratio,
  roundHalfUp,
  readPence,
  storePence,
  sumPence,
  sub,
  toBp,
} from './money.ts';

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

const arbRatio = fc
  .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 12n }))
  .map(([n, d]) => ratio(n, d));

describe('ratio', () => {
  it('reduces and puts the sign on the numerator', () => {
    expect(ratio(6, 4)).toEqual({ num: 3n, den: 2n });
    expect(ratio(6n, -4n)).toEqual({ num: -3n, den: 2n });
    expect(ratio(-6, -4)).toEqual({ num: 3n, den: 2n });
    expect(ratio(0, -7)).toEqual(ZERO);
    expect(ratio(5)).toEqual({ num: 5n, den: 1n });
    expect(ZERO).toEqual({ num: 0n, den: 1n });
    expect(ONE).toEqual({ num: 1n, den: 1n });
  });

  it('refuses a zero denominator and non-integer numbers', () => {
    expect(() => ratio(1, 0)).toThrow(RangeError);
    expect(() => ratio(1n, 0n)).toThrow(RangeError);
    expect(() => ratio(1.5)).toThrow(RangeError);
    expect(() => ratio(1, 2.5)).toThrow(RangeError);
    expect(() => ratio(Number.NaN)).toThrow(RangeError);
    expect(() => ratio(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('is exact where floats are not: 0.1 + 0.2 = 0.3', () => {
    expect(add(ratio(1, 10), ratio(2, 10))).toEqual(ratio(3, 10));
    expect(sub(ratio(1, 3), ratio(1, 2))).toEqual(ratio(-1, 6));
    expect(mul(ratio(2, 3), ratio(9, 4))).toEqual(ratio(3, 2));
    expect(div(ratio(2, 3), ratio(-4, 9))).toEqual(ratio(-3, 2));
    expect(mul(ratio(10n ** 30n), ratio(1n, 10n ** 30n))).toEqual(ONE);
    expect(() => div(ONE, ZERO)).toThrow(RangeError);
  });

  it('compares, and picks min and max', () => {
    expect(compare(ratio(1, 3), ratio(1, 2))).toBe(-1);
    expect(compare(ratio(2, 4), ratio(1, 2))).toBe(0);
    expect(compare(ratio(-1, 3), ratio(-1, 2))).toBe(1);
    expect(minRatio(ratio(3, 5), ratio(1, 2))).toEqual(ratio(1, 2));
    expect(maxRatio(ratio(3, 5), ratio(1, 2))).toEqual(ratio(3, 5));
  });

  it('always yields the reduced form with a positive denominator (property)', () => {
    fc.assert(
      fc.property(arbRatio, arbRatio, (a, b) => {
        const results = [add(a, b), sub(a, b), mul(a, b), ...(b.num === 0n ? [] : [div(a, b)])];
        for (const r of results) {
          expect(r.den > 0n).toBe(true);
          expect(gcd(r.num, r.den)).toBe(1n);
        }
      }),
    );
  });

  it('add/sub and mul/div are inverses; compare agrees with sub (property)', () => {
    fc.assert(
      fc.property(arbRatio, arbRatio, (a, b) => {
        expect(sub(add(a, b), b)).toEqual(a);
        if (b.num !== 0n) expect(div(mul(a, b), b)).toEqual(a);
        const d = sub(a, b).num;
        expect(compare(a, b)).toBe(d < 0n ? -1 : d > 0n ? 1 : 0);
      }),
    );
  });
});

describe('roundHalfUp', () => {
  it('sends an exact half up, towards +infinity', () => {
    expect(roundHalfUp(ratio(1, 2))).toBe(1n);
    expect(roundHalfUp(ratio(3, 2))).toBe(2n);
    expect(roundHalfUp(ratio(5, 2))).toBe(3n);
    expect(roundHalfUp(ratio(-1, 2))).toBe(0n);
    expect(roundHalfUp(ratio(-3, 2))).toBe(-1n);
    expect(roundHalfUp(ratio(-5, 2))).toBe(-2n);
  });

  it('rounds to the nearest integer either side of the half', () => {
    expect(roundHalfUp(ratio(24_999_999_999n, 10_000_000_000n))).toBe(2n); // 2.4999999999
    expect(roundHalfUp(ratio(25_000_000_001n, 10_000_000_000n))).toBe(3n); // 2.5000000001
    expect(roundHalfUp(ratio(-24, 10))).toBe(-2n);
    expect(roundHalfUp(ratio(-26, 10))).toBe(-3n);
    expect(roundHalfUp(ratio(-25_000_000_001n, 10_000_000_000n))).toBe(-3n);
    expect(roundHalfUp(ratio(1, 3))).toBe(0n);
    expect(roundHalfUp(ratio(2, 3))).toBe(1n);
    expect(roundHalfUp(ratio(7))).toBe(7n);
    expect(roundHalfUp(ZERO)).toBe(0n);
  });

  it('is within a half of the value, and a tie goes up (property)', () => {
    fc.assert(
      fc.property(arbRatio, (r) => {
        const diff = sub(ratio(roundHalfUp(r)), r);
        expect(compare(diff, ratio(-1, 2))).toBe(1);
        expect(compare(diff, ratio(1, 2))).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('stays exact beyond what a JS number can hold (DOMAIN.md: Limits, no sum may fail)', () => {
    const big = BigInt(Number.MAX_SAFE_INTEGER) * 3n + 1n;
    expect(roundHalfUp(ratio(big * 2n + 1n, 2n))).toBe(big + 1n);
    expect(roundHalfUp(ratio(-big * 2n - 1n, 2n))).toBe(-big);
  });
});

describe('basis points', () => {
  it('converts between basis points and fractions', () => {
    expect(bpRatio(9500)).toEqual(ratio(19, 20));
    expect(bpRatio(10_000)).toEqual(ONE);
    expect(toBp(ratio(3, 5))).toBe(6000);
    expect(toBp(ratio(2, 3))).toBe(6667);
    expect(toBp(ratio(1, 20_000))).toBe(1); // 0.5 bp goes up
    expect(toBp(bpRatio(1234))).toBe(1234);
  });

  it('takes percentages of pence, rounding once (DOMAIN.md worked example)', () => {
    const f = 40_000_000; // Q1 fee: a quarter of £1,600,000.00
    const r = percentOf(f, 1000);
    expect(r).toBe(4_000_000n);
    // W = roundHalfUp(R · (1 − S)) with S = 0.6
    expect(roundHalfUp(mul(ratio(r), sub(ONE, bpRatio(6000))))).toBe(1_600_000n);
    expect(percentOf(12_000_000, 2000)).toBe(2_400_000n); // G
    expect(percentOf(1, 5000)).toBe(1n); // half a penny goes up
    expect(percentOf(1, 4999)).toBe(0n);
    expect(percentOf(-1, 5000)).toBe(0n);
    expect(percentOf(333, 3333)).toBe(111n); // 110.9889
    expect(percentOf(0, 9500)).toBe(0n);
  });

  it('refuses non-integer amounts and rates', () => {
    expect(() => percentOf(1.5, 100)).toThrow(RangeError);
    expect(() => percentOf(100, 12.5)).toThrow(RangeError);
    expect(() => percentOf(Number.MAX_SAFE_INTEGER + 1, 1)).toThrow(RangeError);
  });

  it('takes a percentage of a sum beyond 2^53 exactly', () => {
    const v = BigInt(Number.MAX_SAFE_INTEGER) * 2n; // two challenges of 9,007,199,254,740,991p resolved (issue 9)
    expect(percentOf(v, 2000)).toBe((v * 2000n + 5000n) / 10_000n);
  });
});

describe('sums and stored money (DOMAIN.md: Limits)', () => {
  it('adds any number of amounts exactly', () => {
    expect(sumPence([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 2])).toBe(BigInt(Number.MAX_SAFE_INTEGER) * 2n + 2n);
    expect(sumPence([])).toBe(0n);
    expect(sumPence([1n, 2, 3n])).toBe(6n);
  });
  it('refuses an amount that is not whole pence', () => {
    expect(() => sumPence([1.5])).toThrow(RangeError);
    expect(() => sumPence([Number.MAX_SAFE_INTEGER + 1])).toThrow(RangeError);
  });
  it('stores a safe amount as a JSON number and a larger one as its digits, and reads both back exactly', () => {
    expect(storePence(41_700_000n)).toBe(41_700_000);
    const big = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    expect(storePence(big)).toBe('9007199254740992');
    expect(storePence(-big)).toBe('-9007199254740992');
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (p) => {
        const stored = JSON.parse(JSON.stringify(storePence(p))) as number | string;
        expect(readPence(stored)).toBe(p);
      }),
    );
  });
  it('refuses stored money that is not an integer', () => {
    for (const bad of ['1.5', '1e3', '', ' 1', '01', 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => readPence(bad)).toThrow(RangeError);
    }
  });
});

describe('instalment (DOMAIN.md: floor(A·m/12) − floor(A·(m−1)/12))', () => {
  it('splits a fee that divides evenly, and one that does not', () => {
    const third = [13_333_333n, 13_333_333n, 13_333_334n]; // £1,600,000.00 / 12 = 13,333,333.33p
    expect(Array.from({ length: 12 }, (_, i) => instalment(160_000_000, i + 1))).toEqual([
      ...third,
      ...third,
      ...third,
      ...third,
    ]);
    expect(Array.from({ length: 12 }, (_, i) => instalment(1_200, i + 1))).toEqual(Array(12).fill(100n));
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => instalment(5, m))).toEqual([
      0n, 0n, 1n, 0n, 1n, 0n, 0n, 1n, 0n, 1n, 0n, 1n,
    ]);
    expect(instalment(0, 7)).toBe(0n);
  });

  it('gives the worked example a Q1 fee of 40,000,000p', () => {
    expect(instalment(160_000_000, 1) + instalment(160_000_000, 2) + instalment(160_000_000, 3)).toBe(40_000_000n);
  });

  it('sums to the fee exactly, each month floor or ceil of A/12 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), (a) => {
        const months = Array.from({ length: 12 }, (_, i) => instalment(a, i + 1));
        expect(months.reduce((s, x) => s + x, 0n)).toBe(BigInt(a));
        for (const x of months) expect([Math.floor(a / 12), Math.ceil(a / 12)]).toContain(Number(x));
      }),
    );
  });

  it('refuses a month outside 1..12 and a non-integer fee', () => {
    expect(() => instalment(1200, 0)).toThrow(RangeError);
    expect(() => instalment(1200, 13)).toThrow(RangeError);
    expect(() => instalment(1200, 1.5)).toThrow(RangeError);
    expect(() => instalment(12.5, 1)).toThrow(RangeError);
  });
});

describe('isPence', () => {
  it('accepts safe integers only', () => {
    expect(isPence(0)).toBe(true);
    expect(isPence(-42)).toBe(true);
    expect(isPence(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isPence(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isPence(1.5)).toBe(false);
    expect(isPence(Number.NaN)).toBe(false);
    expect(isPence('100')).toBe(false);
    expect(isPence(100n)).toBe(false);
    expect(isPence(undefined)).toBe(false);
  });
});
