// Turning an HTTP request into what the pipeline needs: the caller, a validated body, idempotency and If-Match.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { z } from 'zod';
import { requireActor, requireCallerKey } from '@csu-ledger/auth';
import { HttpError } from '@csu-ledger/http';
import type { RequestContext } from './pipeline.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** No command body is deeper than a KPI list; anything far deeper is refused before it is walked. */
const MAX_DEPTH = 32;

/** JSON with sorted keys, so a retry whose body differs only in key order counts as the same request. */
const canonical = (v: unknown, depth = 0): string => {
  if (depth > MAX_DEPTH) throw new HttpError('validation-failed', `the body is nested more than ${MAX_DEPTH} levels deep`, { errors: [{ path: '(body)', message: 'too deeply nested' }] });
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
};

export const requestContext = (req: Request): RequestContext => {
  const actor = requireActor(req);
  const key = req.get('idempotency-key');
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError('validation-failed', 'Idempotency-Key must be 1 to 200 visible ASCII characters', {
      errors: [{ path: 'Idempotency-Key', message: 'invalid' }],
    });
  }
  const ifMatchHeader = req.get('if-match');
  let ifMatch: number | undefined;
  if (ifMatchHeader !== undefined) {
    const m = /^(?:W\/)?"?(-?\d{1,15})"?$/.exec(ifMatchHeader.trim());
    if (!m) throw new HttpError('validation-failed', 'If-Match must be a quoted stream revision such as "3"', { errors: [{ path: 'If-Match', message: 'invalid' }] });
    ifMatch = Number(m[1]);
  }
  const requestHash = createHash('sha256').update(`${req.method} ${req.originalUrl.split('?')[0]}\n${canonical(req.body ?? {})}`).digest('hex');
  return { actor, caller: requireCallerKey(req), correlationId: req.correlationId, idempotencyKey: key, requestHash, ifMatch, commandId: crypto.randomUUID() };
};

/** Validates the body against the command's schema: 400 'validation-failed' with every field problem. */
export const parseBody = <T extends z.ZodType>(schema: T, req: Request): z.infer<T> => {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  throw new HttpError('validation-failed', 'the request body is not valid', {
    // An unknown field is reported at its own path, so a client can point at it.
    errors: parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: [...i.path, k].join('.'), message: `unknown field ${JSON.stringify(k)}` }))
        : [{ path: i.path.join('.') || '(body)', message: i.message }],
    ),
  });
};
