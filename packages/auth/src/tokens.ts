import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  SignJWT,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { ROLES, type Actor, type Role } from '@csu-ledger/domain';

export const DEV_ISSUER = 'csu-ledger-dev';
export const DEV_AUDIENCE = 'csu-ledger';
/** Allowance for clocks that disagree a little between the token issuer and us. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const ORG_CODE = /^[A-Z0-9]{3,5}$/i;

/**
 * `invalid-token`: the caller's token is refused (401). `key-set-unavailable`: the JWKS could not be fetched, which
 * is our dependency failing, not the caller's fault (503). Messages are safe to show and never contain the token.
 */
export type AuthErrorCode = 'invalid-token' | 'key-set-unavailable';

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  constructor(message: string, code: AuthErrorCode = 'invalid-token', options?: ErrorOptions) {
    super(message, options);
    this.name = 'AuthError';
    this.code = code;
  }
}

const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** The claims the services rely on (API.md: Identity), checked after the signature and the registered claims. */
export const actorFromClaims = (claims: JWTPayload): Actor => {
  const { sub, org, roles, name } = claims as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || sub.trim() === '') throw new AuthError('token claim "sub" must be a non-empty string');
  if (typeof org !== 'string' || !ORG_CODE.test(org)) {
    throw new AuthError('token claim "org" must be an organisation code of 3 to 5 letters or digits');
  }
  if (!Array.isArray(roles) || roles.length === 0) throw new AuthError('token claim "roles" must be a non-empty array');
  // an unknown role is refused rather than dropped: the issuer and we disagree about the model, and guessing is unsafe
  if (!roles.every(isRole)) throw new AuthError(`token claim "roles" may hold only ${ROLES.join(', ')}`);
  if (name !== undefined && typeof name !== 'string') throw new AuthError('token claim "name" must be a string');
  return {
    sub,
    name: name === undefined || name.trim() === '' ? sub : name,
    // ODS codes are upper case; normalising here lets every later comparison be a plain one
    org: org.toUpperCase(),
    roles: [...new Set(roles)],
  };
};

export interface DevTokenClaims {
  sub: string;
  name?: string;
  org: string;
  roles: readonly Role[];
  /** A jose time span such as '8h' or '15m'. */
  expiresIn?: string;
}

/** A development token (HS256), as `pnpm ledger token` prints. Refuses claims the verifier would refuse. */
export const signDevToken = async (secret: Uint8Array, claims: DevTokenClaims): Promise<string> => {
  const { expiresIn = '8h', ...rest } = claims;
  let actor: Actor;
  try {
    actor = actorFromClaims({ ...rest, roles: [...rest.roles] });
  } catch (err) {
    throw new TypeError(`cannot sign a development token: ${(err as Error).message}`);
  }
  return new SignJWT({ name: actor.name, org: actor.org, roles: actor.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(actor.sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secret);
};

export type TokenVerifierConfig =
  { mode: 'dev'; secret: Uint8Array } | { mode: 'jwks'; jwksUrl: string; issuer: string; audience: string };

/**
 * Verifies a bearer token and returns who it names. `issuer` is the one issuer whose tokens it accepts (issue 9:
 * callers are told apart by issuer, organisation and subject); `known` answers, without any cryptography, for a token
 * that verified earlier and has not expired, so a caller who already proved who they are can be served cheaply.
 */
export type TokenVerifier = ((token: string) => Promise<Actor>) & {
  readonly issuer: string;
  readonly known: (token: string) => Actor | undefined;
};

/** Marks a failure to obtain the key set, as opposed to a token the key set does not cover. */
class KeySetFailure extends Error {}

const claimMessages: Record<string, string> = {
  iss: 'token issuer is not accepted',
  aud: 'token audience is not accepted',
  nbf: 'token is not valid yet',
  exp: 'token has no expiry',
  iat: 'token issue time is not valid',
};

/** jose's errors become fixed messages of our own, so nothing from the token (or its claims) is echoed. */
const toAuthError = (err: unknown): AuthError => {
  if (err instanceof AuthError) return err;
  if (err instanceof KeySetFailure) {
    return new AuthError('the token key set cannot be fetched', 'key-set-unavailable', { cause: err.cause });
  }
  if (err instanceof errors.JWTExpired) return new AuthError('token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new AuthError(claimMessages[err.claim] ?? `token claim "${err.claim}" is not valid`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthError('token algorithm is not accepted');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AuthError('token signature is not valid');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthError('token key is not known');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return new AuthError('token key is ambiguous');
  return new AuthError('token is malformed');
};

const remoteKeySet = (jwksUrl: string): JWTVerifyGetKey => {
  const remote = createRemoteJWKSet(new URL(jwksUrl));
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // these say the token does not fit the key set; anything else means we could not get a usable key set
      if (
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys ||
        err instanceof errors.JOSENotSupported
      ) {
        throw err;
      }
      throw new KeySetFailure('key set unavailable', { cause: err });
    }
  };
};

/**
 * Verifies a bearer token and returns who it names. Each mode pins its algorithms, so a token can never choose how
 * it is checked (no `none`, no HS256 signed with a public key).
 */
export const createTokenVerifier = (config: TokenVerifierConfig, clock: () => number = Date.now): TokenVerifier =>
  remembering(verifierFor(config, clock), config.mode === 'dev' ? DEV_ISSUER : config.issuer, clock);

/**
 * Remembers tokens that verified, until they expire (a signature check is ~8% of a command's CPU). A token that
 * failed is never remembered; `exp` and `nbf` are checked again on every use, without the tolerance once cached.
 */
const remembering = (
  verify: (token: string) => Promise<{ actor: Actor; exp: number; nbf: number }>,
  issuer: string,
  clock: () => number,
): TokenVerifier => {
  const verified = new Map<string, { actor: Actor; exp: number; nbf: number }>();
  const known = (token: string): Actor | undefined => {
    const now = clock() / 1000;
    const hit = verified.get(token);
    return hit && hit.exp > now && hit.nbf <= now ? hit.actor : undefined;
  };
  const check = async (token: string): Promise<Actor> => {
    const hit = known(token);
    if (hit) return hit;
    verified.delete(token);
    const fresh = await verify(token);
    if (verified.size >= 10_000) verified.delete(verified.keys().next().value!); // oldest first: a Map keeps order
    verified.set(token, fresh);
    return fresh.actor;
  };
  return Object.assign(check, { issuer, known });
};

const verifierFor = (
  config: TokenVerifierConfig,
  clock: () => number,
): ((token: string) => Promise<{ actor: Actor; exp: number; nbf: number }>) => {
  const remember = (payload: JWTPayload) => ({
    actor: actorFromClaims(payload),
    exp: payload.exp ?? 0,
    nbf: payload.nbf ?? 0,
  });
  const common: JWTVerifyOptions = { clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ['exp'] };
  if (config.mode === 'dev') {
    const { secret } = config;
    const options = { ...common, algorithms: ['HS256'], issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
    return async (token) => {
      try {
        return remember((await jwtVerify(token, secret, { ...options, currentDate: new Date(clock()) })).payload);
      } catch (err) {
        throw toAuthError(err);
      }
    };
  }
  const keys = remoteKeySet(config.jwksUrl);
  const options = { ...common, algorithms: ['RS256', 'ES256'], issuer: config.issuer, audience: config.audience };
  return async (token) => {
    try {
      return remember((await jwtVerify(token, keys, { ...options, currentDate: new Date(clock()) })).payload);
    } catch (err) {
      throw toAuthError(err);
    }
  };
};
