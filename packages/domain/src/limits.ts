// DOMAIN.md: Limits. The bounds every request keeps, in one place for the command service's schemas and the query
// service's parameters (dates: calendar.ts, EARLIEST_DATE).

/** £1bn: no amount in a request (a fee, a cap, an allowance, an extra, a challenge, a recovery, a net payable). */
export const MAX_AMOUNT_PENCE = 100_000_000_000;

/** Free text (names, descriptions, reasons, notes): at most this many characters. */
export const MAX_TEXT_LENGTH = 2_000;
