// Builds the token verifier the environment asks for: JWKS in production, else the development HS256 key
// (LEDGER_JWT_SECRET, or the key file in the data folder, created on first start with mode 0600).
import { devSecretFromString, loadOrCreateDevSecret } from './secret.ts';
import { createTokenVerifier, type TokenVerifier } from './tokens.ts';

export interface AuthSettings {
  dataDir: string;
  jwtSecret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export const devSecret = async (s: AuthSettings): Promise<Uint8Array> =>
  s.jwtSecret !== undefined ? devSecretFromString(s.jwtSecret) : loadOrCreateDevSecret(s.dataDir);

export const verifierFromSettings = async (s: AuthSettings): Promise<TokenVerifier> => {
  if (s.jwksUrl !== undefined) {
    if (!s.issuer || !s.audience) throw new Error('LEDGER_JWKS_URL needs LEDGER_JWT_ISSUER and LEDGER_JWT_AUDIENCE');
    return createTokenVerifier({ mode: 'jwks', jwksUrl: s.jwksUrl, issuer: s.issuer, audience: s.audience });
  }
  return createTokenVerifier({ mode: 'dev', secret: await devSecret(s) });
};
