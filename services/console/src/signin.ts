// How users sign in. Development (the local key, as `pnpm ledger token` signs with): a form of demo users, or any
// role, organisation and name, gets a token signed by the console itself. Production: OpenID Connect (authorization
// code with PKCE) against the issuer whose JWKS the services trust; the console forwards the access token it gets,
// so the issuer must put `org` and `roles` in it (API.md: Identity). The two never mix: config picks one.
import { devSecret, signDevToken } from '@csu-ledger/auth';
import type { Role } from '@csu-ledger/domain';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import type { ConsoleConfig } from './config.ts';
import type { Session, SignedInUser } from './session.ts';

export interface DemoUser {
  role: Role;
  org: string;
  sub: string;
  name: string;
  /** What the user does, shown on the sign-in page. */
  does: string;
}

/** The people of DOMAIN.md's worked example (the demo data of `pnpm ledger start --demo`), one per role. */
export const DEMO_USERS: DemoUser[] = [
  { role: 'csu', org: '0AX', sub: 'am-0ax-1', name: 'Priya Shah', does: 'CSU account manager at South London CSU (0AX): records deliveries and measurements, raises extras and challenges' },
  { role: 'ccg', org: '08J', sub: 'fin-08j-1', name: 'Tom Baker', does: 'CCG finance at NHS Kingston CCG (08J): rejects deliveries, answers extras, approves quarterly settlements' },
  { role: 'auditor', org: 'NAO', sub: 'audit-1', name: 'Ada Okafor', does: 'Auditor: reads every contract as it was at any date or instant and checks the integrity of the log' },
  { role: 'admin', org: 'NHS', sub: 'admin-1', name: 'Ledger Administrator', does: 'Administrator: keeps the organisation register and agrees contracts' },
];

export interface DevSignIn {
  mode: 'dev';
  demoUsers: DemoUser[];
  /** A session's user from the fields of POST /sign-in; throws TypeError for claims a token may not carry. */
  signIn(claims: { role: Role; org: string; sub: string; name: string }): Promise<SignedInUser>;
}

export interface OidcSignIn {
  mode: 'oidc';
  /** Where to send the browser to sign in; remembers state, nonce and PKCE verifier in the session. */
  start(session: Session): Promise<URL>;
  /** The user from the issuer's answer at the redirect URL. */
  finish(session: Session, callbackUrl: URL): Promise<SignedInUser>;
}

export type SignIn = DevSignIn | OidcSignIn;

const TOKEN_HOURS = 8;

export const createSignIn = async (config: ConsoleConfig, clock: () => number = Date.now): Promise<SignIn> => {
  const s = config.signIn;
  if (s.mode === 'dev') {
    const secret = await devSecret(s);
    return {
      mode: 'dev',
      demoUsers: DEMO_USERS,
      signIn: async ({ role, org, sub, name }) => {
        const token = await signDevToken(secret, { sub, name, org, roles: [role], expiresIn: `${TOKEN_HOURS}h` });
        return { sub, name, org: org.toUpperCase(), role, token, expiresAt: clock() + TOKEN_HOURS * 3_600_000 - 60_000 };
      },
    };
  }
  const issuer = await oidc.discovery(new URL(s.issuer), s.clientId, s.clientSecret);
  return {
    mode: 'oidc',
    start: async (session) => {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      session.oidc = { state, nonce, verifier };
      return oidc.buildAuthorizationUrl(issuer, {
        redirect_uri: s.redirectUrl,
        scope: s.scopes,
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
    },
    finish: async (session, callbackUrl) => {
      const pending = session.oidc;
      if (!pending) throw new TypeError('no sign-in in progress');
      delete session.oidc;
      const tokens = await oidc.authorizationCodeGrant(issuer, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      // The services read sub, name, org and roles from the token they are given: read them from the same one.
      const claims = decodeJwt(tokens.access_token) as { sub?: string; name?: string; org?: string; roles?: string[]; exp?: number };
      const role = (claims.roles ?? []).find((r): r is Role => ['admin', 'csu', 'ccg', 'auditor'].includes(r));
      if (!claims.sub || !claims.org || !role) throw new TypeError('the access token lacks sub, org or a known role');
      return {
        sub: claims.sub,
        name: claims.name ?? (typeof tokens.claims()?.name === 'string' ? (tokens.claims()?.name as string) : claims.sub),
        org: claims.org.toUpperCase(),
        role,
        token: tokens.access_token,
        expiresAt: claims.exp ? claims.exp * 1000 : clock() + (tokens.expires_in ?? 3600) * 1000,
      };
    },
  };
};
