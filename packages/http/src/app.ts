import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { DecodeError, DomainError } from '@csu-ledger/domain';
import { closeUnreadBody } from './body.ts';
import type { Logger } from './logger.ts';
import { exactJsonReplacer } from '@csu-ledger/domain';
import type { Metrics } from './metrics.ts';
import { apiDocsRoutes, type ApiDocs } from './openapi/serve.ts';
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
  /** Counts and times every request, and answers GET /metrics (no token: API.md). */
  metrics?: Metrics | undefined;
  /** GET /openapi.json and GET /docs (no token: API.md, Discovery and operations). */
  apiDocs?: ApiDocs | undefined;
}

/** Take the caller's id when it is safe to echo and log; otherwise start a new one. */
const correlation: RequestHandler = (req, res, next) => {
  const offered = req.get(CORRELATION_HEADER);
  const id = offered !== undefined && CORRELATION_ID.test(offered) ? offered : randomUUID();
  req.correlationId = id;
  res.setHeader(CORRELATION_HEADER, id);
  next();
};

const LOG = Symbol('req.log');
type LazyLog = Express.Request & { [LOG]?: Logger };

/**
 * `req.log`, the logger carrying the correlation id, made on first use: most requests log nothing of their own (their
 * one request line is pino-http's), and a child logger per request was ~3% of the query service's CPU (issue 15).
 * An accessor on the app's request prototype, defined once (a property defined on each request costs more than the
 * child did). Until the correlation id is known it reads as absent and ignores writes: pino-http, mounted before
 * `correlation`, would otherwise make the child (it reads `req.log`) or put its own request logger there.
 */
const lazyRequestLogger = (app: Express, logger: Logger): void => {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: LazyLog): Logger | undefined {
      if (this[LOG] === undefined && this.correlationId !== undefined) this[LOG] = logger.child({ correlationId: this.correlationId });
      return this[LOG];
    },
    set(this: LazyLog, value: Logger) {
      if (this.correlationId !== undefined) this[LOG] = value;
    },
  });
};

/**
 * The request line's own fields, as one plain object: the correlation id and the caller (subject, organisation,
 * roles) once authenticated. Given to pino-http as the line's object rather than as bindings (`customProps`), which
 * made two child loggers per request.
 */
const lineFields = (req: Express.Request, value: Record<string, unknown>): Record<string, unknown> => {
  const actor = req.actor;
  return {
    correlationId: req.correlationId,
    ...value,
    ...(actor ? { caller: { sub: actor.sub, org: actor.org, roles: actor.roles } } : {}),
  };
};

/**
 * One JSON line per answered request (pino-http): method, path without the query string, status, time, the correlation
 * id and the caller (subject, organisation, roles) once authenticated. No headers and no body, so nothing secret can
 * reach the log. 5xx at error; everything else at info (a 4xx is the caller's business, not an alarm).
 * Cheap on purpose (issue 15): no per-request child but the one pino-http always makes (`req`, through serializers that
 * read two fields instead of pino's full request serialisation: `wrapSerializers: false`).
 */
const requestLog = (logger: Logger): RequestHandler =>
  pinoHttp({
    logger,
    customAttributeKeys: { responseTime: 'ms' },
    wrapSerializers: false,
    customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, _res, value: Record<string, unknown>) => lineFields(req, value),
    // A 5xx that was answered (a problem body) needs no stack; an exception keeps its own, via the error handler.
    customErrorObject: (req, res, err, value: Record<string, unknown>) =>
      lineFields(req, err instanceof Error && err.message === `failed with status code ${res.statusCode}` ? { ...value, err: undefined } : value),
    serializers: {
      req: (req: { method?: string; url?: string; originalUrl?: string }) => ({ method: req.method, path: (req.originalUrl ?? req.url)?.split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  });

/**
 * The shared front of both services' apps; add routes, then call finishApp. It reads no body (issue 9): mount
 * `authenticate`, the rate limit and then `jsonBody` (body.ts) where an app takes bodies, so a request is refused
 * for its token before anything of its body is read.
 */
export const baseApp = ({ logger, metrics, apiDocs }: BaseAppOptions): Express => {
  const app = express();
  app.disable('x-powered-by');
  // Money sums are bigints: written with every digit, never rounded and never a 500 (DOMAIN.md: Limits).
  app.set('json replacer', exactJsonReplacer);
  if (metrics) app.use(metrics.track);
  lazyRequestLogger(app, logger);
  app.use(requestLog(logger));
  app.use(correlation);
  app.use(closeUnreadBody);
  // The services take no OPTIONS (no CORS): 404 as for any request they cannot serve. Without this, each router that
  // has a route for the path would answer it itself, 200 "GET, HEAD" in plain text, unlike every other refusal.
  app.use((req, res, next) => {
    if (req.method === 'OPTIONS') problem(res, 404, 'not-found', titleFor('not-found'), 'no such route');
    else next();
  });
  if (metrics) app.get('/metrics', metrics.expose);
  if (apiDocs) app.use(apiDocsRoutes(apiDocs));
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
      // The field at fault (for a form to highlight) and any facts to act on, e.g. a stale approval's new figure.
      const extra = { ...err.details, ...(err.field === undefined ? {} : { field: err.field }), ...(errors ? { errors } : {}) };
      problem(res, status, err.code, titleFor(err.code), err.message, extra);
      return;
    }
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
      problem(res, err.status, err.code, titleFor(err.code), err.detail, err.errors && { errors: err.errors });
      return;
    }
    if (err instanceof DecodeError) {
      // A stored event this code cannot read (issue 12): the operator gets where it is and why; the caller, the
      // position to quote. Never a stack from deep in a fold.
      const { streamName, revision, position, eventType } = err;
      log.error({ streamName, revision, position: position.toString(), type: eventType, reason: err.message }, 'a stored event cannot be read');
      problem(
        res,
        500,
        'internal',
        'Internal error',
        `an event of this record (log position ${position}) cannot be read by this version of the service; quote the correlation id when reporting it.`,
        { correlationId: req.correlationId, position: position.toString() },
      );
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
