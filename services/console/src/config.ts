// The only file of the console that reads the environment (STYLE.md), validated with zod. The console knows the two
// services only by URL; in development it signs users' tokens with the same local key as `pnpm ledger token`, in
// production it signs them in with OpenID Connect against the issuer whose JWKS the services trust.
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

const schema = z.object({
  LEDGER_CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(4300),
  LEDGER_COMMAND_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  LEDGER_QUERY_PORT: z.coerce.number().int().min(0).max(65535).default(4200),
  LEDGER_HOST: z.string().default('127.0.0.1'),
  LEDGER_COMMAND_URL: z.url().optional(),
  LEDGER_QUERY_URL: z.url().optional(),
  /** Where users reach the console (behind a proxy: its https address); decides the cookie's Secure flag. */
  LEDGER_CONSOLE_PUBLIC_URL: z.url().optional(),
  LEDGER_DATA_DIR: z.string().default('./data'),
  LEDGER_JWT_SECRET: z.string().optional(),
  LEDGER_JWT_SECRET_FILE: z.string().min(1).optional(),
  // `pnpm ledger start --demo` allows the published example secret for a demonstration, as for the services.
  LEDGER_DEMO: z.enum(['true', 'false']).optional(),
  LEDGER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Sessions are kept in memory: at most this many, each ending after this much idleness or age.
  LEDGER_CONSOLE_MAX_SESSIONS: z.coerce.number().int().min(1).default(10_000),
  LEDGER_CONSOLE_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  LEDGER_CONSOLE_SESSION_HOURS: z.coerce.number().int().min(1).max(24).default(8),
  // Production sign-in (OpenID Connect, authorization code with PKCE). All of issuer, client id and redirect URL, or
  // none (then the development sign-in with the local key).
  LEDGER_OIDC_ISSUER: z.url().optional(),
  LEDGER_OIDC_CLIENT_ID: z.string().min(1).optional(),
  LEDGER_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  LEDGER_OIDC_REDIRECT_URL: z.url().optional(),
  LEDGER_OIDC_SCOPES: z.string().default('openid profile'),
});

export type ConsoleConfig = ReturnType<typeof loadConfig>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env) => {
  const e = schema.parse(env);
  const local = (port: number) => `http://${e.LEDGER_HOST.includes(':') ? `[${e.LEDGER_HOST}]` : e.LEDGER_HOST}:${port}`;
  const oidcParts = [e.LEDGER_OIDC_ISSUER, e.LEDGER_OIDC_CLIENT_ID, e.LEDGER_OIDC_REDIRECT_URL];
  if (oidcParts.some((p) => p !== undefined) && !oidcParts.every((p) => p !== undefined)) {
    throw new Error('OpenID Connect sign-in needs LEDGER_OIDC_ISSUER, LEDGER_OIDC_CLIENT_ID and LEDGER_OIDC_REDIRECT_URL together');
  }
  const publicUrl = e.LEDGER_CONSOLE_PUBLIC_URL ? new URL(e.LEDGER_CONSOLE_PUBLIC_URL) : undefined;
  return {
    port: e.LEDGER_CONSOLE_PORT,
    host: e.LEDGER_HOST,
    commandUrl: (e.LEDGER_COMMAND_URL ?? local(e.LEDGER_COMMAND_PORT)).replace(/\/$/, ''),
    queryUrl: (e.LEDGER_QUERY_URL ?? local(e.LEDGER_QUERY_PORT)).replace(/\/$/, ''),
    logLevel: e.LEDGER_LOG_LEVEL,
    // "Secure outside localhost": an https public address, or any host that is not loopback.
    secureCookies: publicUrl ? publicUrl.protocol === 'https:' : !LOOPBACK.has(e.LEDGER_HOST),
    sessions: {
      max: e.LEDGER_CONSOLE_MAX_SESSIONS,
      idleMs: e.LEDGER_CONSOLE_IDLE_MINUTES * 60_000,
      absoluteMs: e.LEDGER_CONSOLE_SESSION_HOURS * 3_600_000,
    },
    signIn:
      e.LEDGER_OIDC_ISSUER && e.LEDGER_OIDC_CLIENT_ID && e.LEDGER_OIDC_REDIRECT_URL
        ? {
            mode: 'oidc' as const,
            issuer: e.LEDGER_OIDC_ISSUER,
            clientId: e.LEDGER_OIDC_CLIENT_ID,
            clientSecret: e.LEDGER_OIDC_CLIENT_SECRET,
            redirectUrl: e.LEDGER_OIDC_REDIRECT_URL,
            scopes: e.LEDGER_OIDC_SCOPES,
          }
        : { mode: 'dev' as const, dataDir: e.LEDGER_DATA_DIR, jwtSecret: e.LEDGER_JWT_SECRET, jwtSecretFile: e.LEDGER_JWT_SECRET_FILE, demo: e.LEDGER_DEMO === 'true' },
  };
};
