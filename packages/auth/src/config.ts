// Builds the token verifier the environment asks for: JWKS in production, else the development HS256 key
// (LEDGER_JWT_SECRET, or the key file: LEDGER_JWT_SECRET_FILE, by default in the data folder, created on first start
// with mode 0600).
import { join } from 'node:path';
import { DEV_SECRET_FILE, devSecretFromString, loadOrCreateDevSecretFile } from './secret.ts';
import { createTokenVerifier, type TokenVerifier } from './tokens.ts';

export interface AuthSettings {
  dataDir: string;
  jwtSecret?: string | undefined;
  /** Where the development key file is (default `<dataDir>/jwt-secret`), e.g. on a volume several containers share. */
  jwtSecretFile?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** `pnpm ledger start --demo` (LEDGER_DEMO): a published example secret is allowed. */
  demo?: boolean | undefined;
}

export const devSecret = async (s: AuthSettings): Promise<Uint8Array> =>
  s.jwtSecret !== undefined
    ? devSecretFromString(s.jwtSecret, { demo: s.demo })
    : loadOrCreateDevSecretFile(s.jwtSecretFile ?? join(s.dataDir, DEV_SECRET_FILE), { demo: s.demo });

export const verifierFromSettings = async (s: AuthSettings): Promise<TokenVerifier> => {
  if (s.jwksUrl !== undefined) {
    if (!s.issuer || !s.audience) throw new Error('LEDGER_JWKS_URL needs LEDGER_JWT_ISSUER and LEDGER_JWT_AUDIENCE');
    return createTokenVerifier({ mode: 'jwks', jwksUrl: s.jwksUrl, issuer: s.issuer, audience: s.audience });
  }
  return createTokenVerifier({ mode: 'dev', secret: await devSecret(s) });
};
