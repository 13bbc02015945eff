/**
 * A refusal by the domain's rules. The code is stable and machine-readable; each service maps codes to HTTP status
 * in one table (STYLE.md pattern 4). `field` names the input at fault where there is one.
 */
export type DomainErrorCode =
  | 'invalid-input'
  | 'not-found'
  | 'already-exists'
  | 'transition-not-allowed'
  | 'quarter-closed'
  | 'quarter-not-ended'
  | 'earlier-quarter-open'
  | 'stale-settlement'
  | 'outside-term'
  | 'unknown-kpi'
  | 'wrong-kpi-kind'
  | 'nothing-to-reject'
  | 'break-notice-already-served'
  | 'term-ended'
  | 'amount-exceeds-claim'
  | 'amount-exceeds-challenge'
  | 'amount-mismatch'
  | 'business-date-in-future'
  | 'invalid-variation';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly field: string | undefined;
  /** Facts a client can act on, e.g. the current net payable of a stale approval (sent as problem members). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: DomainErrorCode, message: string, field?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
    this.details = details;
  }
}

export const refuse = (code: DomainErrorCode, message: string, field?: string, details?: Record<string, unknown>): never => {
  throw new DomainError(code, message, field, details);
};
