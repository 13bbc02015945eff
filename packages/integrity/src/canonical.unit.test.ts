import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('orders keys by UTF-16 code units, as RFC 8785 does', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"Z":3,"z":2,"é":1}');
  });

  it('reads a value as JSON.stringify stores it: undefined properties left out, undefined in arrays as null, toJSON used', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: new Date('2025-04-01T00:00:00Z') })).toBe('{"b":[null,1],"c":"2025-04-01T00:00:00.000Z"}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ s: 'line\nbreak "quoted" \u0001' })).toBe('{"s":"line\\nbreak \\"quoted\\" \\u0001"}');
  });

  it('refuses numbers and values JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN \(at \$\.a\)/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });

  it('is the same whatever the key order, and survives a JSON round trip (what every store does)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(text);
      }),
    );
  });
});
