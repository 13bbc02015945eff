import type { Response } from 'express';
import type { DomainErrorCode } from '@csu-ledger/domain';
import { toExactJson } from '@csu-ledger/domain';

/** Codes that only the HTTP edge produces (API.md: Conventions). */
export type HttpOnlyCode =
  | 'malformed-json'
  | 'validation-failed'
  | 'unsupported-media-type'
  | 'missing-token'
  | 'invalid-token'
  | 'forbidden'
  | 'precondition-failed'
  | 'concurrency-conflict'
  | 'idempotency-key-reused'
  | 'payload-too-large'
  | 'rate-limited'
  | 'not-ready'
  | 'key-set-unavailable'
  | 'projection-failed'
  | 'internal';

export type ProblemCode = DomainErrorCode | HttpOnlyCode;

/**
 * The one code-to-status table (STYLE.md pattern 4). Typed as a full Record so that a new DomainErrorCode that nobody
 * mapped fails to compile. Bad input is 400; refusals by the domain's rules are 409 (API.md: Conventions).
 */
export const STATUS_BY_CODE: Readonly<Record<ProblemCode, number>> = {
  // domain: bad input
  'invalid-input': 400,
  'business-date-in-future': 400,
  'invalid-variation': 400,
  'unknown-kpi': 400,
  'wrong-kpi-kind': 400,
  // domain: no such thing (or not visible to the caller)
  'not-found': 404,
  // domain: refused by the rules
  'already-exists': 409,
  'transition-not-allowed': 409,
  'quarter-closed': 409,
  'quarter-not-ended': 409,
  'earlier-quarter-open': 409,
  'stale-settlement': 409,
  'outside-term': 409,
  'nothing-to-reject': 409,
  'break-notice-already-served': 409,
  'term-ended': 409,
  'amount-exceeds-claim': 409,
  'amount-exceeds-challenge': 409,
  'amount-mismatch': 409,
  // HTTP only
  'malformed-json': 400,
  'validation-failed': 400,
  'missing-token': 401,
  'invalid-token': 401,
  forbidden: 403,
  'precondition-failed': 412,
  'concurrency-conflict': 409,
  'idempotency-key-reused': 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  internal: 500,
  'not-ready': 503,
  // the JWKS endpoint could not be fetched: our dependency failed, not the caller's token
  'key-set-unavailable': 503,
  // an event of this contract could not be projected: its views wait for a fix, every other contract is served
  'projection-failed': 503,
};

export const PROBLEM_TYPE_BASE = 'https://csu-ledger.nhs.example/problems/';

export interface FieldProblem {
  path: string;
  message: string;
}

export interface ProblemExtra {
  errors?: FieldProblem[];
  [member: string]: unknown;
}

export interface ProblemBody extends ProblemExtra {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
}

/** `quarter-closed` -> `Quarter closed`: RFC 9457 wants one title per problem type, and the code is the type. */
export const titleFor = (code: string): string => {
  const words = code.replaceAll('-', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export const problemBody = (
  status: number,
  code: string,
  title: string,
  detail?: string,
  extra?: ProblemExtra,
): ProblemBody => ({
  // extension members first, so they can never overwrite the standard ones
  ...extra,
  type: `${PROBLEM_TYPE_BASE}${code}`,
  title,
  status,
  ...(detail === undefined ? {} : { detail }),
  code,
});

/** Writes an RFC 9457 problem. Only what it is given goes out: never a stack trace. */
export const problem = (
  res: Response,
  status: number,
  code: string,
  title: string,
  detail?: string,
  extra?: ProblemExtra,
): void => {
  if (res.headersSent) return;
  res.locals.problemCode = code; // counted by /metrics (metrics.ts)
  res
    .status(status)
    .type('application/problem+json')
    .send(toExactJson(problemBody(status, code, title, detail, extra)));
};

export interface HttpErrorOptions {
  /** Overrides the table, for the rare case the same code needs another status. */
  status?: number;
  errors?: FieldProblem[];
  headers?: Record<string, string>;
}

/** Thrown by handlers for refusals the domain does not know about (validation, auth, preconditions). */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string | undefined;
  readonly errors: FieldProblem[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(code: ProblemCode, detail?: string, options: HttpErrorOptions = {}) {
    super(detail ?? code);
    this.name = 'HttpError';
    this.code = code;
    this.status = options.status ?? STATUS_BY_CODE[code];
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}
