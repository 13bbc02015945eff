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
  | 'business-date-in-future'
  | 'invalid-variation';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly field: string | undefined;
  constructor(code: DomainErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
  }
}

export const refuse = (code: DomainErrorCode, message: string, field?: string): never => {
  throw new DomainError(code, message, field);
};
