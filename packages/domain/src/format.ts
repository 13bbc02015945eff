// How people read figures (DOMAIN.md: screens and reports): money in pounds with thousands separators, dates as
// "15 May 2025". Pure and exact: pence are formatted from their digits, never through a float.
import { CALENDAR_MONTHS, type IsoDate } from './calendar.ts';

const groupThousands = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** 41_700_000n → '£417,000.00'; -160_000n → '-£1,600.00'. Any size, exactly. */
export const formatPounds = (pence: bigint | number): string => {
  const p = BigInt(pence);
  const abs = p < 0n ? -p : p;
  const pounds = groupThousands((abs / 100n).toString());
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${p < 0n ? '-' : ''}£${pounds}.${rest}`;
};

/** 41_700_000n → '417000.00': pounds as a plain decimal, for CSV cells a spreadsheet reads as numbers. */
export const poundsDecimal = (pence: bigint | number): string => {
  const p = BigInt(pence);
  const abs = p < 0n ? -p : p;
  return `${p < 0n ? '-' : ''}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, '0')}`;
};

/** '2025-05-15' → '15 May 2025'. */
export const formatDate = (d: IsoDate): string => {
  const [y, m, day] = d.split('-');
  return `${Number(day)} ${CALENDAR_MONTHS[Number(m) - 1] ?? '?'} ${Number(y)}`;
};

/** Basis points as a percentage with two decimals: 6667 → '66.67%'. */
export const formatBp = (bp: number): string => `${Math.trunc(bp / 100)}.${String(Math.abs(bp) % 100).padStart(2, '0')}%`;
