import type { Request, RequestHandler, Response } from 'express';
import type { Actor } from '@csu-ledger/domain';
import { HttpError, problem, titleFor } from '@csu-ledger/http';
import { AuthError, type TokenVerifier } from './tokens.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express's own augmentation point
  namespace Express {
    interface Request {
      /** Who is calling; set by `authenticate`, absent on routes mounted before it (`GET /health`). */
      actor?: Actor;
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

/**
 * Express middleware: `Authorization: Bearer <token>` -> `req.actor`, or a 401 problem. Mount `GET /health` before
 * it, since health needs no token (API.md: Identity).
 */
export const authenticate =
  (verify: TokenVerifier): RequestHandler =>
  (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) {
      refuse(res, 'missing-token', 'send Authorization: Bearer <token>');
      return;
    }
    verify(token).then(
      (actor) => {
        req.actor = actor;
        next();
      },
      (err: unknown) => {
        if (!(err instanceof AuthError)) {
          next(err);
        } else if (err.code === 'key-set-unavailable') {
          req.log.warn({ err: err.cause }, 'token key set unavailable');
          next(new HttpError('key-set-unavailable', err.message, { headers: { 'Retry-After': '5' } }));
        } else {
          refuse(res, 'invalid-token', err.message);
        }
      },
    );
  };

/** The caller, for handlers behind `authenticate`; fails closed if a route was mounted without it. */
export const requireActor = (req: Request): Actor => {
  if (req.actor === undefined) throw new HttpError('missing-token', 'send Authorization: Bearer <token>');
  return req.actor;
};
