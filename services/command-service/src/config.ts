// The only file of the command service that reads the environment (STYLE.md), validated with zod.
import { z } from 'zod';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '@csu-ledger/auth';
import { defaultStoreSpec } from '@csu-ledger/event-store';
import { DEFAULT_BODY_LIMIT } from '@csu-ledger/http';
import { DEFAULT_SIGN_INTERVAL_MS } from '@csu-ledger/integrity';

const schema = z.object({
  LEDGER_COMMAND_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  LEDGER_HOST: z.string().default('127.0.0.1'),
  LEDGER_DATA_DIR: z.string().default('./data'),
  LEDGER_STORE: z.string().optional(),
  LEDGER_JWT_SECRET: z.string().optional(),
  // Issue 9: the development key file (default <data dir>/jwt-secret); LEDGER_DEMO=true (set by `start --demo`)
  // allows the published example secret.
  LEDGER_JWT_SECRET_FILE: z.string().min(1).optional(),
  LEDGER_DEMO: z.enum(['true', 'false']).default('false'),
  LEDGER_JWKS_URL: z.url().optional(),
  LEDGER_JWT_ISSUER: z.string().optional(),
  LEDGER_JWT_AUDIENCE: z.string().optional(),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_BODY_LIMIT: z.string().min(1).default(DEFAULT_BODY_LIMIT),
  // Issue 6: the per-caller rate limit (token bucket); LEDGER_RATE_LIMIT_BURST=0 turns it off (e.g. for benchmarks).
  LEDGER_RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(1000),
  LEDGER_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(500),
  // Issue 9: per client address, requests without a good token (none, or a bad one) before 429; burst 0 turns it off.
  LEDGER_AUTH_FAILURE_BURST: z.coerce.number().int().min(0).default(DEFAULT_AUTH_FAILURE_LIMIT.burst),
  LEDGER_AUTH_FAILURE_PER_SECOND: z.coerce.number().positive().default(DEFAULT_AUTH_FAILURE_LIMIT.perSecond),
  // Issue 5: the Ed25519 key that signs chain heads (default <data dir>/integrity-key.pem, created on first start),
  // and how often the heads of changed streams are signed. Issue 14: every head records it and verification allows
  // two intervals before an unsigned event is a problem, so it cannot be turned off (at least 1 s, at most a day).
  LEDGER_INTEGRITY_KEY: z.string().min(1).optional(),
  LEDGER_SIGN_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000, 'LEDGER_SIGN_INTERVAL_MS must be at least 1000 (1 s): periodic signing cannot be turned off, since verify treats events left unsigned for two intervals as tampering')
    .max(86_400_000, 'LEDGER_SIGN_INTERVAL_MS must be at most 86400000 (a day)')
    .default(DEFAULT_SIGN_INTERVAL_MS),
});

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const e = schema.parse(env);
  return {
    port: e.LEDGER_COMMAND_PORT,
    host: e.LEDGER_HOST,
    dataDir: e.LEDGER_DATA_DIR,
    store: e.LEDGER_STORE ?? defaultStoreSpec(e.LEDGER_DATA_DIR),
    auth: { dataDir: e.LEDGER_DATA_DIR, jwtSecret: e.LEDGER_JWT_SECRET, jwtSecretFile: e.LEDGER_JWT_SECRET_FILE, demo: e.LEDGER_DEMO === 'true', jwksUrl: e.LEDGER_JWKS_URL, issuer: e.LEDGER_JWT_ISSUER, audience: e.LEDGER_JWT_AUDIENCE },
    logLevel: e.LEDGER_LOG_LEVEL,
    bodyLimit: e.LEDGER_BODY_LIMIT,
    rateLimit: e.LEDGER_RATE_LIMIT_BURST === 0 ? (false as const) : { burst: e.LEDGER_RATE_LIMIT_BURST, perSecond: e.LEDGER_RATE_LIMIT_PER_SECOND },
    authFailureLimit: e.LEDGER_AUTH_FAILURE_BURST === 0 ? (false as const) : { burst: e.LEDGER_AUTH_FAILURE_BURST, perSecond: e.LEDGER_AUTH_FAILURE_PER_SECOND },
    integrity: { dataDir: e.LEDGER_DATA_DIR, keyPath: e.LEDGER_INTEGRITY_KEY, signIntervalMs: e.LEDGER_SIGN_INTERVAL_MS },
  };
};
