// The fuzzers' oracle (test/support/spec-limits.ts) on the examples DOMAIN.md and API.md give, so that a mistake in
// the oracle shows here rather than as a defect of the services.
import { describe, expect, it } from 'vitest';
import {
  dateExists,
  firstDayOf,
  judgeAmount,
  judgeBp,
  judgeDate,
  judgeMonth,
  judgeOrgCode,
  judgeQuarter,
  judgeText,
} from '../support/spec-limits.ts';

describe('the oracle of DOMAIN.md Limits', () => {
  it('amounts: JSON integers of pence from 0 to 100,000,000,000, judged from the text', () => {
    for (const ok of ['0', '1', '41700000', '100000000000']) expect(judgeAmount(ok), ok).toBe('valid');
    // "100.0000000000000001, 1e2 and "100" are refused"
    for (const bad of [
      '100.0000000000000001',
      '1e2',
      '"100"',
      '100000000001',
      '9007199254740991',
      '-1',
      '100.0',
      'null',
    ])
      expect(judgeAmount(bad), bad).toBe('invalid');
  });
  it('dates: days that exist, none before 2000-04-01, business dates not after today', () => {
    expect(dateExists('2024-02-29')).toBe(true);
    expect(dateExists('2025-02-29')).toBe(false);
    expect(dateExists('2025-02-30')).toBe(false);
    expect(dateExists('1900-02-29')).toBe(false);
    expect(dateExists('2000-02-29')).toBe(true);
    expect(judgeDate('"2000-04-01"', '2026-11-24')).toBe('valid');
    expect(judgeDate('"2026-11-24"', '2026-11-24')).toBe('valid');
    for (const bad of [
      '"2000-03-31"',
      '"0000-01-01"',
      '"2026-11-25"',
      '"2025-02-30"',
      '"2025-6-1"',
      '"2025-06-01T00:00:00Z"',
      '20250601',
    ])
      expect(judgeDate(bad, '2026-11-24'), bad).toBe('invalid');
    expect(judgeDate('"2030-01-01"', undefined)).toBe('valid'); // not a business date: may lie ahead
  });
  it('months and quarters of financial years from 2000-01, written 2025-26-M01 and 2025-26-Q1', () => {
    for (const ok of ['"2025-26-M01"', '"2025-26-M12"', '"2000-01-M01"', '"2099-00-M01"'])
      expect(judgeMonth(ok), ok).toBe('valid');
    for (const bad of [
      '"2025-26-M13"',
      '"2025-26-M00"',
      '"2025-27-M01"',
      '"1999-00-M12"',
      '"2025-26-M1"',
      '"2025-26-Q1"',
    ])
      expect(judgeMonth(bad), bad).toBe('invalid');
    for (const ok of ['"2025-26-Q1"', '"2025-26-Q4"']) expect(judgeQuarter(ok), ok).toBe('valid');
    for (const bad of ['"2025-26-Q5"', '"2025-26-Q0"', '"1999-00-Q4"', '"2025-26-q1"'])
      expect(judgeQuarter(bad), bad).toBe('invalid');
    expect(['M01', 'M09', 'M10', 'M12'].map((m) => firstDayOf(`2025-26-${m}`))).toEqual([
      '2025-04-01',
      '2025-12-01',
      '2026-01-01',
      '2026-03-01',
    ]);
  });
  it('codes: letters and digits, 3 to 5 characters; text: at most 2,000 characters', () => {
    for (const ok of ['"08J"', '"0AX"', '"RAX"', '"QWE"', '"36L"']) expect(judgeOrgCode(ok), ok).toBe('valid');
    for (const bad of ['"RA"', '"RAX123"', '"R-X"', '8', 'null']) expect(judgeOrgCode(bad), bad).toBe('invalid');
    expect(judgeOrgCode('"rax"')).toBe('unsure'); // the pages write codes in capitals, but do not forbid others
    expect(judgeText(JSON.stringify('x'.repeat(2_001)))).toBe('invalid');
    expect(judgeText(JSON.stringify('Ad hoc SUS data extract'))).toBe('valid');
  });
  it('basis points: whole, 0 to 10000', () => {
    expect(judgeBp('9500')).toBe('valid');
    for (const bad of ['10001', '-1', '9500.5', '"9500"']) expect(judgeBp(bad), bad).toBe('invalid');
  });
});
