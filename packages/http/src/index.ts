export { baseApp, finishApp, CORRELATION_HEADER, type BaseAppOptions } from './app.ts';
export { closeUnreadBody, DEFAULT_BODY_LIMIT, hasBody, jsonBody } from './body.ts';
export { restrictNewFiles, secureDataDir } from './data-dir.ts';
export { createLogger, REDACT_PATHS, type Logger } from './logger.ts';
export {
  problem,
  problemBody,
  titleFor,
  HttpError,
  STATUS_BY_CODE,
  PROBLEM_TYPE_BASE,
  type FieldProblem,
  type HttpErrorOptions,
  type HttpOnlyCode,
  type ProblemBody,
  type ProblemCode,
  type ProblemExtra,
} from './problem.ts';
export {
  callerKey,
  callerOf,
  clientAddress,
  createTokenBuckets,
  DEFAULT_RATE_LIMIT,
  rateLimit,
  rateLimited,
  type CallerIdentity,
  type RateLimitOptions,
  type Take,
  type TokenBuckets,
} from './rate-limit.ts';
export { applyServerTimeouts, DEFAULT_SERVER_TIMEOUTS, type ServerTimeouts } from './timeouts.ts';
export { createMetrics, LATENCY_BUCKETS, type Metrics, type StoreMetrics } from './metrics.ts';
export {
  ALL_PROBLEM_CODES,
  buildOpenApi,
  fieldProblem,
  problemSchema,
  TOKEN_PROBLEMS,
  type ApiDefinition,
  type ApiOperation,
  type ApiParameter,
  type ApiResponse,
} from './openapi/document.ts';
export { apiDocsRoutes, DOCS_SCRIPT_PATH, SCALAR_VERSION, type ApiDocs } from './openapi/serve.ts';
export * as wire from './openapi/wire.ts';
export { discoveryOperations, DISCOVERY_TAG } from './openapi/discovery.ts';
