export {
  devSecretFromString,
  estimateSecretBits,
  loadOrCreateDevSecret,
  loadOrCreateDevSecretFile,
  DEV_SECRET_FILE,
  PUBLIC_EXAMPLE_SECRETS,
  type DevSecretOptions,
} from './secret.ts';
export {
  actorFromClaims,
  AuthError,
  CLOCK_TOLERANCE_SECONDS,
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  signDevToken,
  type AuthErrorCode,
  type DevTokenClaims,
  type TokenVerifier,
  type TokenVerifierConfig,
} from './tokens.ts';
export {
  authenticate,
  DEFAULT_AUTH_FAILURE_LIMIT,
  requireActor,
  requireCallerKey,
  type AuthenticateOptions,
} from './middleware.ts';
export {
  actingRole,
  canSeeContract,
  canSeeOrganisationSpend,
  canVerifyIntegrity,
  mayActOnContract,
  mayDo,
  partyOf,
  PERMISSIONS,
  rolesFor,
  type ContractParties,
  type Permission,
} from './permissions.ts';
export { devSecret, verifierFromSettings, type AuthSettings } from './config.ts';
