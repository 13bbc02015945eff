// GET /audit/verify (auditors): the integrity check of the whole log (issue 5), or (issue 14) of a receipt a CCG
// kept, `?receipt=<its JSON>` (URL-encoded, e.g. `curl -G --data-urlencode receipt@receipt.json`, or base64url):
// whether the log still holds, unchanged, everything the receipt's signed head vouched for.
import type { KeyObject } from 'node:crypto';
import type { Express } from 'express';
import { z } from 'zod';
import { canVerifyIntegrity, requireActor } from '@csu-ledger/auth';
import type { EventStore } from '@csu-ledger/event-store';
import { HttpError } from '@csu-ledger/http';
import { parseReceipt, verifyReceipt, verifyStore, type Problem, type Receipt, type Verdict } from '@csu-ledger/integrity';
import { parseQuery, type Route } from './query-params.ts';

export interface AuditOptions {
  store: EventStore;
  /** The service's clock: the verification time, before which unsigned events may not be too old. */
  clock: () => Date;
  /** The public key verification starts from (the first key); undefined when there is none yet. */
  integrityKey?: (() => Promise<KeyObject | undefined>) | undefined;
}

/** Longer than any receipt of a contract's group of a few hundred streams; a URL this long is what servers take. */
const RECEIPT_MAX = 12_000;

/** The receipt's JSON, as it is or base64url-encoded, read and checked for its shape. */
const receiptParam = z
  .string({ error: 'receipt must be given once' })
  .max(RECEIPT_MAX, `receipt is longer than ${RECEIPT_MAX} characters; check a larger one with \`pnpm ledger verify --receipt <file>\``)
  .transform((text, ctx): Receipt => {
    const json = text.trimStart().startsWith('{') ? text : Buffer.from(text, 'base64url').toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'receipt must be the JSON of a receipt (URL-encoded), or that JSON in base64url' });
      return z.NEVER;
    }
    const receipt = parseReceipt(value);
    if (typeof receipt === 'string') {
      ctx.addIssue({ code: 'custom', message: `receipt is not one: ${receipt}` });
      return z.NEVER;
    }
    return receipt;
  });
const shape = { receipt: receiptParam.optional() };
/** The route's strict parameters (query-params.ts): `receipt` or nothing. */
export const auditVerifyQuery: Route<{ receipt?: Receipt | undefined }> = { schema: z.strictObject(shape), names: Object.keys(shape) };

const problemJson = (p: Problem) => ({ ...p, position: p.position.toString() });

const verdictJson = (verdict: Verdict) =>
  verdict.ok
    ? {
        verdict: 'intact',
        summary: {
          ...verdict.summary,
          throughPosition: verdict.summary.throughPosition.toString(),
          signedThroughPosition: verdict.summary.signedThroughPosition.toString(),
        },
      }
    : { verdict: 'tampered', problem: problemJson(verdict.problem) };

export const mountAudit = (app: Express, o: AuditOptions): void => {
  // Concurrent checks of the whole log share one run: it reads every event, giving way to other requests as it goes.
  let checking: Promise<Verdict> | undefined;
  app.get('/audit/verify', async (req, res) => {
    const actor = requireActor(req);
    const { receipt } = parseQuery(auditVerifyQuery, req);
    if (!canVerifyIntegrity(actor)) throw new HttpError('forbidden', 'only an auditor may check the integrity of the log');
    const key = await o.integrityKey?.();
    if (!key) {
      throw new HttpError('not-ready', 'there is no integrity public key to check signatures with yet', { headers: { 'Retry-After': '5' } });
    }
    if (receipt) {
      const verdict = await verifyReceipt(o.store, receipt, key);
      res.json(verdict.ok ? { verdict: 'holds', summary: verdict.summary } : { verdict: 'broken', problem: problemJson(verdict.problem) });
      return;
    }
    checking ??= verifyStore(o.store, key, { now: o.clock() }).finally(() => {
      checking = undefined;
    });
    res.json(verdictJson(await checking));
  });
};
