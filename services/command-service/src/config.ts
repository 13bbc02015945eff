// The only file of the command service that reads the environment (STYLE.md), validated with zod.
import { z } from 'zod';
import { defaultStoreSpec } from '@csu-ledger/event-store';

const schema = z.object({
  LEDGER_COMMAND_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  LEDGER_HOST: z.string().default('127.0.0.1'),
  LEDGER_DATA_DIR: z.string().default('./data'),
  LEDGER_STORE: z.string().optional(),
  LEDGER_JWT_SECRET: z.string().optional(),
  LEDGER_JWKS_URL: z.url().optional(),
  LEDGER_JWT_ISSUER: z.string().optional(),
  LEDGER_JWT_AUDIENCE: z.string().optional(),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_BODY_LIMIT: z.string().default('256kb'),
});

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const e = schema.parse(env);
  return {
    port: e.LEDGER_COMMAND_PORT,
    host: e.LEDGER_HOST,
    dataDir: e.LEDGER_DATA_DIR,
    store: e.LEDGER_STORE ?? defaultStoreSpec(e.LEDGER_DATA_DIR),
    auth: { dataDir: e.LEDGER_DATA_DIR, jwtSecret: e.LEDGER_JWT_SECRET, jwksUrl: e.LEDGER_JWKS_URL, issuer: e.LEDGER_JWT_ISSUER, audience: e.LEDGER_JWT_AUDIENCE },
    logLevel: e.LEDGER_LOG_LEVEL,
    bodyLimit: e.LEDGER_BODY_LIMIT,
  };
};
