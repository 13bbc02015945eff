// Request bodies (issue 9). A body is read only once the caller is known, so a request without a good token costs
// its headers and nothing more; a refusal sent before the body was received closes the connection, so the server
// does not go on reading a body nobody wants. Numbers are judged from the request's text, not from the double
// JSON.parse would make of them (DOMAIN.md: Limits).
import express, { type Request, type RequestHandler } from 'express';
import { HttpError, type FieldProblem } from './problem.ts';

export const DEFAULT_BODY_LIMIT = '256kb';
const JSON_TYPES = ['application/json', 'application/*+json'];

// A POST with `Content-Length: 0` (fetch with no body) counts as bodiless, unlike type-is's own test.
export const hasBody = (req: Request): boolean =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Answers `Connection: close` to a request whose body has not been received in full when the answer starts: without
 * it, Node keeps reading (and discarding) the rest of the body to reuse the connection, however slowly it comes.
 * A body read to its end, or one small enough to have arrived whole, leaves the connection open for the next request.
 */
export const closeUnreadBody: RequestHandler = (req, res, next) => {
  if (hasBody(req)) {
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((...args: Parameters<typeof writeHead>) => {
      if (!req.complete) res.setHeader('Connection', 'close');
      return writeHead(...args);
    }) as typeof writeHead;
  }
  next();
};

/** Set by @csu-ledger/auth's `authenticate`; read structurally, since auth depends on this package and not back. */
const isAuthenticated = (req: Request): boolean => (req as Request & { actor?: unknown }).actor !== undefined;

/** A JSON integer as JSON writes it: no fraction, no exponent, no leading zeros (RFC 8259 section 6). */
const PLAIN_INTEGER = /^-?(?:0|[1-9]\d*)$/;

/** Stands in for a number literal that is not a plain integer, until the body is walked for them. */
class InexactNumber {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }
}

/**
 * JSON.parse's reviver: Node 24 hands it each literal's text (`context.source`), so `100.0000000000000001`, `1e2` and
 * `100.0` are caught before they become the double 100. Every number in our API is an integer (pence, basis points,
 * counts), so no request needs anything else.
 */
const judgeNumbers = (_key: string, value: unknown, context?: { source?: string }): unknown => {
  if (typeof value !== 'number') return value;
  const source = context?.source;
  const plain = source === undefined ? Number.isSafeInteger(value) : PLAIN_INTEGER.test(source);
  return plain ? value : new InexactNumber(source ?? String(value));
};

/** Where the inexact numbers are, as field paths (`kpis.0.weightBp`). Iterative: a body may be deeply nested. */
const inexactNumbers = (body: unknown): FieldProblem[] => {
  const found: FieldProblem[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value: body, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (value instanceof InexactNumber) {
      found.push({
        path: path.join('.') || '(body)',
        message: `must be a whole number written as a plain JSON integer, not ${value.source.slice(0, 40)}`,
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...path, key] });
    }
  }
  return found.reverse();
};

interface BodyParserError {
  type?: unknown;
}

const parseError = (err: unknown, limit: string): HttpError => {
  const type = typeof err === 'object' && err !== null ? (err as BodyParserError).type : undefined;
  if (type === 'entity.too.large') return new HttpError('payload-too-large', `the body is larger than ${limit}`);
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new HttpError('unsupported-media-type', 'unsupported charset or content encoding');
  return new HttpError('malformed-json', 'the body is not valid JSON');
};

/**
 * Reads and parses a JSON body. Mount it after `authenticate` and the per-caller rate limit: it refuses to read for
 * a caller nobody has identified (fails closed if mounted too early). A body in any other type than JSON is refused
 * with 415 rather than ignored, which would let a form post reach a handler as "no body" and fail later with a
 * misleading validation error.
 */
export const jsonBody = (limit: string = DEFAULT_BODY_LIMIT): RequestHandler => {
  const parse = express.json({ limit, type: JSON_TYPES, reviver: judgeNumbers });
  return (req, res, next) => {
    if (!isAuthenticated(req)) {
      next(new HttpError('missing-token', 'send Authorization: Bearer <token>'));
      return;
    }
    if (hasBody(req) && req.is(JSON_TYPES) === false) {
      next(new HttpError('unsupported-media-type', 'send the body as application/json'));
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null) {
        next(parseError(err, limit));
        return;
      }
      const errors = inexactNumbers(req.body);
      next(errors.length === 0 ? undefined : new HttpError('validation-failed', 'the request body is not valid', { errors }));
    });
  };
};
