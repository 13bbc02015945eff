// A per-caller token bucket (issue 6: limits). Each caller may send `burst` requests at once and `perSecond` on
// average; beyond that the answer is 429 'rate-limited' with Retry-After in whole seconds. The caller is the
// authenticated subject of its issuer and organisation (issue 9), or the client address where no one is authenticated
// yet. Memory stays bounded: a bucket that has filled up again is the same as no bucket, so it is dropped, and at
// most `maxCallers` buckets are kept.
import { isIPv4, isIPv6 } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './problem.ts';

export interface RateLimitOptions {
  /** Requests a caller may send at once: the bucket's size. */
  burst?: number | undefined;
  /** Requests per second a caller may keep up: the refill rate. */
  perSecond?: number | undefined;
  /** Most callers remembered at once; beyond it the least recently seen is forgotten (its bucket starts full again). */
  maxCallers?: number | undefined;
  /** Milliseconds from a monotonic clock; for tests. */
  now?: (() => number) | undefined;
}

/** Generous enough for people, scripts and our own test suites; a flood from one caller is still cut to 500/s. */
export const DEFAULT_RATE_LIMIT = { burst: 1000, perSecond: 500 } as const;
const DEFAULT_MAX_CALLERS = 100_000;

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface TokenBuckets {
  /** Takes one token from the caller's bucket, or says how long until one is there. */
  take(key: string): Take;
  /** Whether `take` would succeed now, without taking anything. */
  peek(key: string): Take;
  /** Buckets held now (for tests of the memory bound). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const positive = (name: string, value: number): number => {
  if (!(Number.isFinite(value) && value > 0))
    throw new RangeError(`rate limit ${name} must be a number above 0, got ${value}`);
  return value;
};

export const createTokenBuckets = (options: RateLimitOptions = {}): TokenBuckets => {
  const burst = positive('burst', options.burst ?? DEFAULT_RATE_LIMIT.burst);
  const perSecond = positive('perSecond', options.perSecond ?? DEFAULT_RATE_LIMIT.perSecond);
  const maxCallers = positive('maxCallers', options.maxCallers ?? DEFAULT_MAX_CALLERS);
  const now = options.now ?? (() => performance.now());
  /** How long an emptied bucket takes to fill: after that, forgetting it changes nothing. */
  const fillMs = (burst / perSecond) * 1000;
  // A Map keeps insertion order; re-inserting on every use makes its first entry the least recently seen.
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();

  const sweep = (t: number): void => {
    sweptAt = t;
    for (const [key, b] of buckets) if (t - b.at >= fillMs) buckets.delete(key);
  };

  const tokensAt = (b: Bucket | undefined, t: number): number =>
    b === undefined ? burst : Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
  const refusal = (tokens: number): Take => ({
    ok: false,
    retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)),
  });

  return {
    take: (key) => {
      const t = now();
      if (t - sweptAt >= Math.max(fillMs, 1_000)) sweep(t);
      const b = buckets.get(key);
      const tokens = tokensAt(b, t);
      if (b !== undefined) buckets.delete(key);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t });
        return refusal(tokens);
      }
      buckets.set(key, { tokens: tokens - 1, at: t });
      if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value!);
      return { ok: true };
    },
    peek: (key) => {
      const tokens = tokensAt(buckets.get(key), now());
      return tokens < 1 ? refusal(tokens) : { ok: true };
    },
    size: () => buckets.size,
  };
};

export interface CallerIdentity {
  issuer: string;
  org: string;
  sub: string;
}

/**
 * The one key for per-caller state (rate-limit buckets, idempotency scopes): a subject is unique only within its
 * issuer, and one subject may hold tokens for several organisations, each a caller of its own (issue 9).
 */
export const callerKey = ({ issuer, org, sub }: CallerIdentity): string => JSON.stringify([issuer, org, sub]);

/** IPv6 `a:b:c:d:…` -> `a:b:c:d::/64`: one household or host gets a /64, so counting single addresses would let it
 * use 2^64 buckets. */
const ipv6Prefix64 = (address: string): string => {
  const bare = address.split('%')[0] ?? '';
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
};

/** The client's address as a bucket key: IPv4 as is (also when mapped into IPv6), IPv6 by its /64. */
export const clientAddress = (req: Request): string => {
  const raw = req.socket.remoteAddress ?? 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  return isIPv6(raw) ? ipv6Prefix64(raw) : raw;
};

/** The authenticated caller (set by @csu-ledger/auth's `authenticate`, read structurally), else the client address. */
export const callerOf = (req: Request): string => {
  const { actor, issuer } = req as Request & { actor?: { sub?: unknown; org?: unknown }; issuer?: unknown };
  if (typeof actor?.sub === 'string' && typeof actor.org === 'string' && typeof issuer === 'string') {
    return `caller:${callerKey({ issuer, org: actor.org, sub: actor.sub })}`;
  }
  return `ip:${clientAddress(req)}`;
};

/** The one 429 answer, with the wait in whole seconds. */
export const rateLimited = (retryAfterSeconds: number): HttpError =>
  new HttpError('rate-limited', `too many requests; try again in ${retryAfterSeconds} s`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

/** Express middleware: mount right after `authenticate`, so callers are counted by who they are. */
export const rateLimit = (options: RateLimitOptions = {}): RequestHandler => {
  const buckets = createTokenBuckets(options);
  return (req, _res, next) => {
    const taken = buckets.take(callerOf(req));
    next(taken.ok ? undefined : rateLimited(taken.retryAfterSeconds));
  };
};
