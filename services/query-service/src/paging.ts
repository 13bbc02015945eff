// Paged lists (API.md: `limit` default 100, at most 1,000; `after` an opaque cursor from the previous page's `next`;
// the body `{ items, next }`). A cursor is the base64url of the list's name and the last key it showed, so a cursor
// from one list is refused by another, and a hand-made one is refused unless it is exactly what we would write.

export const LIMIT_DEFAULT = 100;
export const LIMIT_MAX = 1_000;

export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The lists that page; a cursor names one of them. */
export type ListName =
  'contracts' | 'extras' | 'challenges' | 'invoices' | 'history' | 'organisations' | 'settlements' | 'late-items';

const MAX_CURSOR_LENGTH = 400;

export const encodeCursor = (list: ListName, key: string): string =>
  Buffer.from(JSON.stringify([list, key]), 'utf8').toString('base64url');

/** The key a cursor carries, or undefined when it is not a cursor this list wrote. */
export const decodeCursor = (list: ListName, cursor: string): string | undefined => {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== list || typeof parsed[1] !== 'string')
    return undefined;
  const key = parsed[1];
  return encodeCursor(list, key) === cursor ? key : undefined;
};

/** Items ordered by a key: those after `afterKey` (by `compare`), at most `limit`, and the cursor to the rest. */
export const pageByKey = <T>(
  list: ListName,
  sorted: readonly T[],
  keyOf: (item: T) => string,
  compare: (a: string, b: string) => number,
  limit: number,
  afterKey: string | undefined,
): Page<T> => {
  let start = 0;
  if (afterKey !== undefined) {
    // binary search: the first item whose key is after the cursor's
    let hi = sorted.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      if (compare(keyOf(sorted[mid]!), afterKey) <= 0) start = mid + 1;
      else hi = mid;
    }
  }
  const items = sorted.slice(start, start + limit);
  const more = start + limit < sorted.length;
  return { items, next: more && items.length > 0 ? encodeCursor(list, keyOf(items[items.length - 1]!)) : null };
};

/**
 * Items in a fixed order that is not a key order (extras and challenges, as they were raised): the page after the
 * item the cursor names; undefined when the cursor names no item of the list.
 */
export const pageByPlace = <T>(
  list: ListName,
  ordered: readonly T[],
  keyOf: (item: T) => string,
  limit: number,
  afterKey: string | undefined,
): Page<T> | undefined => {
  let start = 0;
  if (afterKey !== undefined) {
    const at = ordered.findIndex((item) => keyOf(item) === afterKey);
    if (at < 0) return undefined;
    start = at + 1;
  }
  const items = ordered.slice(start, start + limit);
  const more = start + limit < ordered.length;
  return { items, next: more && items.length > 0 ? encodeCursor(list, keyOf(items[items.length - 1]!)) : null };
};

/** Compares decimal strings of non-negative integers (log positions) as numbers. */
export const comparePositions = (a: string, b: string): number =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
