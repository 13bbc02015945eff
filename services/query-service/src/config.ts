// The only file of the query service that reads the environment (STYLE.md), validated with zod.
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultStoreSpec } from '@csu-ledger/event-store';

const schema = z.object({
  LEDGER_QUERY_PORT: z.coerce.number().int().min(0).max(65535).default(4200),
  LEDGER_HOST: z.string().default('127.0.0.1'),
  LEDGER_DATA_DIR: z.string().default('./data'),
  LEDGER_STORE: z.string().optional(),
  LEDGER_READ_MODELS: z.string().optional(),
  LEDGER_JWT_SECRET: z.string().optional(),
  // Issue 9: the development key file (default <data dir>/jwt-secret); LEDGER_DEMO=true (set by `start --demo`)
  // allows the published example secret.
  LEDGER_JWT_SECRET_FILE: z.string().min(1).optional(),
  LEDGER_DEMO: z.enum(['true', 'false']).default('false'),
  LEDGER_JWKS_URL: z.url().optional(),
  LEDGER_JWT_ISSUER: z.string().optional(),
  LEDGER_JWT_AUDIENCE: z.string().optional(),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Issue 6: positions of events the projection may pass over if (and only if) they cannot be applied, e.g. "1234,1240".
  // An operator's override after reading /health's failure; each skip is logged and listed by /health.
  LEDGER_PROJECTION_SKIP: z.string().regex(/^\s*\d{1,19}\s*(,\s*\d{1,19}\s*)*$/, 'comma-separated log positions').optional(),
  // Issue 6: the per-caller rate limit (token bucket); LEDGER_RATE_LIMIT_BURST=0 turns it off (e.g. for benchmarks).
  LEDGER_RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(1000),
  LEDGER_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(500),
  // Issue 5: the public key that /audit/verify trusts (default <data dir>/integrity-key.pub.pem, else the public half
  // of LEDGER_INTEGRITY_KEY or <data dir>/integrity-key.pem).
  LEDGER_INTEGRITY_PUBLIC_KEY: z.string().min(1).optional(),
  LEDGER_INTEGRITY_KEY: z.string().min(1).optional(),
  // Issue 9: time travel and history run in this many worker threads (0: in the event loop's thread, one at a time),
  // each organisation's turn in a fair queue of which it may fill LEDGER_PAST_QUEUE_PER_ORG places (then 429) and all
  // together LEDGER_PAST_QUEUE (then 503).
  LEDGER_FOLD_WORKERS: z.coerce.number().int().min(0).max(64).default(1),
  LEDGER_PAST_QUEUE_PER_ORG: z.coerce.number().int().min(1).max(10_000).default(8),
  LEDGER_PAST_QUEUE: z.coerce.number().int().min(1).max(100_000).default(128),
});

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const e = schema.parse(env);
  return {
    port: e.LEDGER_QUERY_PORT,
    host: e.LEDGER_HOST,
    dataDir: e.LEDGER_DATA_DIR,
    store: e.LEDGER_STORE ?? defaultStoreSpec(e.LEDGER_DATA_DIR),
    readModels: e.LEDGER_READ_MODELS ?? resolve(e.LEDGER_DATA_DIR, 'read-models.db'),
    auth: { dataDir: e.LEDGER_DATA_DIR, jwtSecret: e.LEDGER_JWT_SECRET, jwtSecretFile: e.LEDGER_JWT_SECRET_FILE, demo: e.LEDGER_DEMO === 'true', jwksUrl: e.LEDGER_JWKS_URL, issuer: e.LEDGER_JWT_ISSUER, audience: e.LEDGER_JWT_AUDIENCE },
    logLevel: e.LEDGER_LOG_LEVEL,
    projectionSkip: (e.LEDGER_PROJECTION_SKIP?.split(',') ?? []).map((p) => BigInt(p.trim())),
    rateLimit: e.LEDGER_RATE_LIMIT_BURST === 0 ? (false as const) : { burst: e.LEDGER_RATE_LIMIT_BURST, perSecond: e.LEDGER_RATE_LIMIT_PER_SECOND },
    integrity: { dataDir: e.LEDGER_DATA_DIR, publicKeyPath: e.LEDGER_INTEGRITY_PUBLIC_KEY, privateKeyPath: e.LEDGER_INTEGRITY_KEY },
    past: { workers: e.LEDGER_FOLD_WORKERS, perKeyQueue: e.LEDGER_PAST_QUEUE_PER_ORG, totalQueue: e.LEDGER_PAST_QUEUE },
  };
};
