import type { Request, RequestHandler, Response } from 'express';
import type { Actor } from '@csu-ledger/domain';
import {
  callerKey,
  clientAddress,
  createTokenBuckets,
  HttpError,
  problem,
  rateLimited,
  titleFor,
  type RateLimitOptions,
} from '@csu-ledger/http';
import { AuthError, type TokenVerifier } from './tokens.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express's own augmentation point
  namespace Express {
    interface Request {
      /** Who is calling; set by `authenticate`, absent on routes mounted before it (`GET /health`). */
      actor?: Actor;
      /** The issuer of the caller's token, set with `actor`: with its org and sub, it names the caller (callerKey). */
      issuer?: string;
    }
  }
}

// RFC 6750 section 2.1: the scheme is case-insensitive; b64token characters only.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const bearerToken = (header: string | undefined): string | undefined => BEARER.exec(header?.trim() ?? '')?.[1];

const refuse = (res: Response, code: 'missing-token' | 'invalid-token', detail: string): void => {
  // RFC 6750 section 3: a 401 names the scheme the client should use
  const error = code === 'invalid-token' ? ', error="invalid_token"' : '';
  res.setHeader('WWW-Authenticate', `Bearer realm="csu-ledger"${error}`);
  problem(res, 401, code, titleFor(code), detail);
};

/** Refusals (no token, a bad one) each client address may earn: generous for people, scripts and our test suites. */
export const DEFAULT_AUTH_FAILURE_LIMIT = { burst: 500, perSecond: 50 } as const;

export interface AuthenticateOptions {
  /**
   * Per client address, how many requests without a good token it may send (issue 9): past that, its requests are
   * answered 429 before any token is verified, so a flood of bad tokens costs a map lookup each. false: no limit.
   */
  failures?: RateLimitOptions | false | undefined;
}

/**
 * Express middleware: `Authorization: Bearer <token>` -> `req.actor` and `req.issuer`, or a 401 problem. Mount
 * `GET /health` before it, since health needs no token (API.md: Identity), and read bodies only after it (jsonBody).
 */
export const authenticate = (verify: TokenVerifier, options: AuthenticateOptions = {}): RequestHandler => {
  const f = options.failures;
  const failures =
    f === false
      ? undefined
      : createTokenBuckets({
          burst: f?.burst ?? DEFAULT_AUTH_FAILURE_LIMIT.burst,
          perSecond: f?.perSecond ?? DEFAULT_AUTH_FAILURE_LIMIT.perSecond,
          maxCallers: f?.maxCallers,
          now: f?.now,
        });
  return (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const address = clientAddress(req);
    // A token that verified before is served even from an address past its allowance: many honest callers may
    // share one address (a trust's proxy) with whoever floods it.
    const allowance = failures?.peek(address);
    if (allowance?.ok === false && (token === undefined || verify.known(token) === undefined)) {
      next(rateLimited(allowance.retryAfterSeconds));
      return;
    }
    const fail = (code: 'missing-token' | 'invalid-token', detail: string): void => {
      failures?.take(address);
      refuse(res, code, detail);
    };
    if (token === undefined) {
      fail('missing-token', 'send Authorization: Bearer <token>');
      return;
    }
    verify(token).then(
      (actor) => {
        req.actor = actor;
        req.issuer = verify.issuer;
        next();
      },
      (err: unknown) => {
        if (!(err instanceof AuthError)) {
          next(err);
        } else if (err.code === 'key-set-unavailable') {
          req.log.warn({ err: err.cause }, 'token key set unavailable');
          next(new HttpError('key-set-unavailable', err.message, { headers: { 'Retry-After': '5' } }));
        } else {
          fail('invalid-token', err.message);
        }
      },
    );
  };
};

/** The caller, for handlers behind `authenticate`; fails closed if a route was mounted without it. */
export const requireActor = (req: Request): Actor => {
  if (req.actor === undefined) throw new HttpError('missing-token', 'send Authorization: Bearer <token>');
  return req.actor;
};

/** The caller's key for per-caller state such as idempotency scopes (issuer, organisation and subject; callerKey). */
export const requireCallerKey = (req: Request): string => {
  const { org, sub } = requireActor(req);
  if (req.issuer === undefined) throw new HttpError('missing-token', 'send Authorization: Bearer <token>');
  return callerKey({ issuer: req.issuer, org, sub });
};
