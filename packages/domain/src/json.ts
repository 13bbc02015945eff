// Exact money on the wire (DOMAIN.md: Limits): the domain sums pence as bigint, and an answer writes a bigint as a
// plain JSON integer with every digit, however large. JSON.parse on the client may round a figure beyond 2^53; the
// text we send never does.

declare global {
  interface JSON {
    /** Node 22+ (ES2025 JSON.parse source text access): a value JSON.stringify writes as this exact text. */
    rawJSON(text: string): unknown;
  }
}

/** A JSON.stringify replacer: bigint → its digits as a JSON number (JSON.stringify alone throws on a bigint). */
export const exactJsonReplacer = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? JSON.rawJSON(value.toString()) : value;

/** JSON text of a value that may hold bigints. */
export const toExactJson = (value: unknown): string => JSON.stringify(value, exactJsonReplacer);

/**
 * JSON text back to values with every `…Pence` number as a bigint, read from its literal's text (so nothing beyond
 * 2^53 is rounded): the inverse of toExactJson for answers the domain writes with bigint money (a statement, figures).
 */
export const parsePenceJson = (text: string): unknown =>
  JSON.parse(text, (key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && key.endsWith('Pence') && context?.source !== undefined && /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  );
