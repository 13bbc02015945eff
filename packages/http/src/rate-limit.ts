// A per-caller token bucket (issue 6: limits). Each caller may send `burst` requests at once and `perSecond` on
// average; beyond that the answer is 429 'rate-limited' with Retry-After in whole seconds. The caller is the
// authenticated subject, or the remote address where no one is authenticated yet. Memory stays bounded: a bucket that
// has filled up again is the same as no bucket, so it is dropped, and at most `maxCallers` buckets are kept.
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

  return {
    take: (key) => {
      const t = now();
      if (t - sweptAt >= Math.max(fillMs, 1_000)) sweep(t);
      const b = buckets.get(key);
      const tokens = b === undefined ? burst : Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
      if (b !== undefined) buckets.delete(key);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: t });
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: t });
      if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value!);
      return { ok: true };
    },
    size: () => buckets.size,
  };
};

/** The authenticated subject (set by @csu-ledger/auth's `authenticate`), else the remote address. */
export const callerOf = (req: Request): string => {
  const sub = (req as Request & { actor?: { sub?: unknown } }).actor?.sub;
  if (typeof sub === 'string') return `sub:${sub}`;
  return `ip:${req.socket.remoteAddress ?? 'unknown'}`;
};

/** Express middleware: mount right after `authenticate`, so callers are counted by who they are. */
export const rateLimit = (options: RateLimitOptions = {}): RequestHandler => {
  const buckets = createTokenBuckets(options);
  return (req, _res, next) => {
    const taken = buckets.take(callerOf(req));
    if (taken.ok) {
      next();
      return;
    }
    next(
      new HttpError('rate-limited', `too many requests; try again in ${taken.retryAfterSeconds} s`, {
        headers: { 'Retry-After': String(taken.retryAfterSeconds) },
      }),
    );
  };
};
