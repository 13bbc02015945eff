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
  LEDGER_JWKS_URL: z.url().optional(),
  LEDGER_JWT_ISSUER: z.string().optional(),
  LEDGER_JWT_AUDIENCE: z.string().optional(),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const e = schema.parse(env);
  return {
    port: e.LEDGER_QUERY_PORT,
    host: e.LEDGER_HOST,
    dataDir: e.LEDGER_DATA_DIR,
    store: e.LEDGER_STORE ?? defaultStoreSpec(e.LEDGER_DATA_DIR),
    readModels: e.LEDGER_READ_MODELS ?? resolve(e.LEDGER_DATA_DIR, 'read-models.db'),
    auth: { dataDir: e.LEDGER_DATA_DIR, jwtSecret: e.LEDGER_JWT_SECRET, jwksUrl: e.LEDGER_JWKS_URL, issuer: e.LEDGER_JWT_ISSUER, audience: e.LEDGER_JWT_AUDIENCE },
    logLevel: e.LEDGER_LOG_LEVEL,
  };
};
