// What every command reads from the environment (the same variables as the services: API.md, Processes and ports).
import { resolve } from 'node:path';

const env = process.env;

export const dataDir = resolve(env.LEDGER_DATA_DIR ?? './data');
export const storeSpec = env.LEDGER_STORE;
export const readModelsPath = resolve(env.LEDGER_READ_MODELS ?? resolve(dataDir, 'read-models.db'));
export const authSettings = {
  dataDir,
  jwtSecret: env.LEDGER_JWT_SECRET,
  jwtSecretFile: env.LEDGER_JWT_SECRET_FILE,
  demo: env.LEDGER_DEMO === 'true',
};
export const integrityEnv = {
  dataDir,
  store: env.LEDGER_STORE,
  publicKeyPath: env.LEDGER_INTEGRITY_PUBLIC_KEY,
  privateKeyPath: env.LEDGER_INTEGRITY_KEY,
};
export const projectionSkip = env.LEDGER_PROJECTION_SKIP;
export const oidcIssuer = env.LEDGER_OIDC_ISSUER;

/** A refusal of the command line itself: exit 2 with the reason and a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
