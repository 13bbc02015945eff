import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { DomainError } from '@csu-ledger/domain';
import { closeUnreadBody } from './body.ts';
import type { Logger } from './logger.ts';
import { HttpError, problem, STATUS_BY_CODE, titleFor } from './problem.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express's own augmentation point
  namespace Express {
    interface Request {
      /** Set by baseApp's first middleware, so present on every request. */
      correlationId: string;
      /** Child logger carrying the correlation id. */
      log: Logger;
    }
  }
}

export const CORRELATION_HEADER = 'X-Correlation-Id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export interface BaseAppOptions {
  logger: Logger;
}

/** Take the caller's id when it is safe to echo and log; otherwise start a new one. */
const correlation =
  (logger: Logger): RequestHandler =>
  (req, res, next) => {
    const offered = req.get(CORRELATION_HEADER);
    const id = offered !== undefined && CORRELATION_ID.test(offered) ? offered : randomUUID();
    req.correlationId = id;
    req.log = logger.child({ correlationId: id });
    res.setHeader(CORRELATION_HEADER, id);
    next();
  };

/** One line per request; no headers, no query string, no body, so nothing secret can reach the log. */
const requestLog: RequestHandler = (req, res, next) => {
  const started = process.hrtime.bigint();
  const path = req.originalUrl.split('?')[0];
  res.once('close', () => {
    const ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
    const line = { method: req.method, path, status: res.statusCode, ms };
    req.log.info(res.writableFinished ? line : { ...line, aborted: true }, 'request');
  });
  next();
};

/**
 * The shared front of both services' apps; add routes, then call finishApp. It reads no body (issue 9): mount
 * `authenticate`, the rate limit and then `jsonBody` (body.ts) where an app takes bodies, so a request is refused
 * for its token before anything of its body is read.
 */
export const baseApp = ({ logger }: BaseAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.use(correlation(logger));
  app.use(requestLog);
  app.use(closeUnreadBody);
  return app;
};

interface ExposedHttpError {
  status?: unknown;
  expose?: unknown;
}

/** http-errors from express itself (e.g. a route parameter that is not valid percent-encoding). */
const exposedClientStatus = (err: unknown): number | undefined => {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose } = err as ExposedHttpError;
  // The router's own URIError (a route parameter that is not valid percent-encoding) carries status 400 without
  // `expose`: a client error all the same, never a 500.
  return expose !== false && typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
};

const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (err: unknown, req, res, next) => {
    const log = (req.log as Logger | undefined) ?? logger;
    if (res.headersSent) {
      // too late for a problem body; express closes the connection
      log.error({ err }, 'error after the response started');
      next(err);
      return;
    }
    if (err instanceof DomainError) {
      const status = STATUS_BY_CODE[err.code];
      const errors =
        status === 400 && err.field !== undefined ? [{ path: err.field, message: err.message }] : undefined;
      problem(res, status, err.code, titleFor(err.code), err.message, errors && { errors });
      return;
    }
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
      problem(res, err.status, err.code, titleFor(err.code), err.detail, err.errors && { errors: err.errors });
      return;
    }
    const clientStatus = exposedClientStatus(err);
    if (clientStatus !== undefined) {
      problem(res, clientStatus, 'invalid-input', titleFor('invalid-input'), 'the request could not be understood');
      return;
    }
    log.error({ err }, 'unhandled error');
    problem(
      res,
      500,
      'internal',
      'Internal error',
      'Something went wrong on our side; quote the correlation id when reporting it.',
      { correlationId: req.correlationId },
    );
  };

/** The shared back: 404 for unknown routes and the one error-to-problem mapping (STYLE.md pattern 4). */
export const finishApp = (app: Express, { logger }: { logger: Logger }): Express => {
  app.use((_req, res) => problem(res, 404, 'not-found', titleFor('not-found'), 'no such route'));
  app.use(errorHandler(logger));
  return app;
};
