// How figures read on a page (DOMAIN.md: Time and money; issue 11): money in pounds with thousands separators from
// integer pence of any size (bigint, never a float), periods in the NHS form, dates as "15 May 2025". Also the
// reverse for what users type: pounds to pence, percentages to basis points, date fields to YYYY-MM-DD, a London
// date and time to a UTC instant.
import { formatMonth, formatQuarter, isIsoDate } from '@csu-ledger/domain';

export { formatMonth, formatQuarter };

const groups = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `41700000n` → `£417,000.00`; negative amounts as `−£16,000.00` (a true minus sign). */
export const money = (pence: bigint | number | string | null | undefined): string => {
  if (pence === null || pence === undefined) return '';
  const p = typeof pence === 'bigint' ? pence : BigInt(pence);
  const negative = p < 0n;
  const abs = negative ? -p : p;
  const pounds = groups((abs / 100n).toString());
  const pennies = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '\u2212' : ''}£${pounds}.${pennies}`;
};

/** A whole number with thousands separators: `180000` → `180,000`. */
export const count = (n: number | bigint): string => (n < 0 ? '-' : '') + groups((n < 0 ? -BigInt(n) : BigInt(n)).toString());

/** Pence to a plain pounds figure for an input's value (`1850000` → `18500.00`). */
export const poundsValue = (pence: bigint | number): string => {
  const p = BigInt(pence);
  return `${p / 100n}.${(p % 100n).toString().padStart(2, '0')}`;
};

const POUNDS = /^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.(\d{1,2}))?$/;

/** What a user typed as pounds (`£18,500`, `18500.5`, `18,500.00`) as pence; undefined when it is not money. */
export const parsePounds = (text: string): bigint | undefined => {
  const m = POUNDS.exec(text.trim());
  if (!m) return undefined;
  const whole = BigInt(m[1]!.replaceAll(',', ''));
  const fraction = BigInt((m[4] ?? '0').padEnd(2, '0'));
  return whole * 100n + fraction;
};

/** Basis points as a percentage: `9500` → `95%`, `9550` → `95.5%`, `6667` → `66.67%`. */
export const percent = (bp: number | bigint | null | undefined): string => {
  if (bp === null || bp === undefined) return '';
  const b = BigInt(bp);
  const whole = b / 100n;
  const frac = (b % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''}%`;
};

/** A percentage typed by a user (`96`, `96.5`, `96.25%`) as basis points; undefined when it is not one. */
export const parsePercent = (text: string): number | undefined => {
  const m = /^(\d{1,3})(\.(\d{1,2}))?\s*%?$/.exec(text.trim());
  if (!m) return undefined;
  const bp = Number(m[1]) * 100 + Number((m[3] ?? '0').padEnd(2, '0'));
  return bp <= 10_000 ? bp : undefined;
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2025-05-15` → `15 May 2025`. */
export const date = (iso: string | null | undefined): string => {
  if (!iso) return '';
  if (!isIsoDate(iso)) return iso;
  return `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
};

/** A service's message as people read it: `the term ends on 2026-03-31` → `the term ends on 31 March 2026`. */
export const readableDates = (text: string): string => text.replace(/\b(\d{4}-\d{2}-\d{2})\b(?!T)/g, (iso) => date(iso));

let londonParts: Intl.DateTimeFormat | undefined;
const partsInLondon = (instant: Date) => {
  londonParts ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const parts = londonParts.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    time: `${part('hour')}:${part('minute')}:${part('second')}`,
    zone: part('timeZoneName') === 'GMT' ? 'GMT' : 'BST',
  };
};

/** An instant as England read it: `21 July 2025, 10:15:03 BST` (milliseconds as given, when there are any). */
export const instant = (iso: string | null | undefined): string => {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const p = partsInLondon(at);
  const ms = at.getUTCMilliseconds();
  return `${date(p.date)}, ${p.time}${ms ? `.${String(ms).padStart(3, '0')}` : ''} ${p.zone}`;
};

/** The London date and time of an instant, for pre-filling the as-at picker. */
export const londonDateTime = (iso: string): { date: string; time: string } => {
  const p = partsInLondon(new Date(iso));
  return { date: p.date, time: p.time };
};

/**
 * A date and time as read on a clock in England (`2025-07-21`, `10:15` or `10:15:03`) as a UTC instant. The offset is
 * that of Europe/London at that moment (GMT or BST); in the hour the clocks go back the earlier reading wins, and a
 * time the clocks skip reads as an hour later.
 */
export const londonInstant = (isoDate: string, time: string): string | undefined => {
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!isIsoDate(isoDate) || !t) return undefined;
  const [h, m, s] = [Number(t[1]), Number(t[2]), Number(t[3] ?? '0')];
  if (h > 23 || m > 59 || s > 59) return undefined;
  const wall = Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10)), h, m, s);
  // Try BST (UTC+1) first, then GMT: the first candidate that reads back as the same wall-clock time.
  for (const offsetHours of [1, 0]) {
    const candidate = new Date(wall - offsetHours * 3_600_000);
    const p = partsInLondon(candidate);
    if (p.date === isoDate && p.time === `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`) {
      return candidate.toISOString();
    }
  }
  return new Date(wall - 0).toISOString(); // the skipped hour in March: read on GMT, which is the hour after on BST
};

/** Day, month and year fields of a date input as YYYY-MM-DD; undefined when they do not make a real date. */
export const dateFromFields = (day: string | undefined, month: string | undefined, year: string | undefined): string | undefined => {
  const [d, m, y] = [day?.trim() ?? '', month?.trim() ?? '', year?.trim() ?? ''];
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return undefined;
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
};

/** YYYY-MM-DD as the three fields of a date input. */
export const dateFields = (iso: string | undefined): { day: string; month: string; year: string } =>
  iso && isIsoDate(iso)
    ? { day: String(Number(iso.slice(8, 10))), month: String(Number(iso.slice(5, 7))), year: iso.slice(0, 4) }
    : { day: '', month: '', year: '' };

/** `2025-26` → `2025/26`. */
export const financialYear = (fy: string): string => fy.replace('-', '/');

const STATUS_WORDS: Record<string, string> = {
  'awaiting-ccg': 'Awaiting the CCG',
  'not-reported': 'Not reported',
  'notice-served': 'Notice served',
  'not-started': 'Not started',
  'over-billed': 'Over-billed',
  'under-billed': 'Under-billed',
};

/** A status word as a person writes it: `awaiting-ccg` → `Awaiting the CCG`, `disputed` → `Disputed`. */
export const statusText = (s: string): string => STATUS_WORDS[s] ?? s.charAt(0).toUpperCase() + s.slice(1).replaceAll('-', ' ');
