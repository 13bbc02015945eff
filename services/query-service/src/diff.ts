// GET /contracts/{id}/settlements/{quarter}/diff?from=<instant>&to=<instant> (issue 14): a quarter's settlement as the
// system knew it at two instants, side by side, and the events recorded between them that changed a figure. Run as a
// time-travel job (settlement-diff.ts) in the caller's organisation's fair turn, in a fold worker in production.
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { isContractId, isQuarterId } from '@csu-ledger/domain';
import { canSeeContract, requireActor } from '@csu-ledger/auth';
import { HttpError } from '@csu-ledger/http';
import { jsonOrThrow } from './past.ts';
import type { PastRunner } from './past-runner.ts';
import { parseQuery, type Route } from './query-params.ts';
import type { ReadModels } from './read-models.ts';
import { parseInstant, type Instant } from './time-travel.ts';

export interface SettlementDiffOptions {
  models: ReadModels;
  past: PastRunner;
  clock: () => Date;
}

/** `from` and `to`: instants as `asAt` takes them (time-travel.ts), `from` not after `to`. */
export const settlementDiffQuery = (clock: () => Date): Route<{ from: Instant; to: Instant }> => {
  const instant = (name: string) =>
    z.string({ error: `${name} is required, once: an instant such as 2025-07-21T12:00:00Z` }).transform((text, ctx): Instant => {
      const r = parseInstant(name, text, clock());
      if (r.ok) return r.value;
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    });
  const shape = { from: instant('from'), to: instant('to') };
  const schema = z.strictObject(shape).superRefine((v, ctx) => {
    if (v.from.ms > v.to.ms) ctx.addIssue({ code: 'custom', message: `from ${v.from.iso} is after to ${v.to.iso}`, path: ['from'] });
  });
  return { schema, names: Object.keys(shape) };
};

/** Aborted when the client goes away before its answer is written (a queued job is then dropped). */
const abandonment = (res: Response): AbortSignal => {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
};

export const mountSettlementDiff = (app: Express, o: SettlementDiffOptions): void => {
  const query = settlementDiffQuery(o.clock);
  app.get('/contracts/:id/settlements/:quarter/diff', async (req: Request, res: Response) => {
    const actor = requireActor(req);
    const quarter = String(req.params.quarter);
    if (!isQuarterId(quarter)) {
      throw new HttpError('validation-failed', 'quarter must look like 2025-26-Q1', { errors: [{ path: 'quarter', message: 'invalid' }] });
    }
    const { from, to } = parseQuery(query, req);
    // Who may see the contract now may see its past (as app.ts's views): else 404, never revealing another's.
    const id = String(req.params.id);
    const ledger = isContractId(id) ? o.models.ledger(id) : undefined;
    if (!ledger || ledger.contract.status !== 'agreed' || !canSeeContract(actor, ledger.contract)) {
      throw new HttpError('not-found', `no contract ${id} that you can see`);
    }
    const result = await o.past.run(actor.org.toUpperCase(), { kind: 'settlement-diff', contractId: id, quarter, from, to }, abandonment(res));
    if (!result.ok && result.log) req.log.error({ failure: result.log }, 'a settlement diff job failed');
    res.type('application/json').send(jsonOrThrow(result));
  });
};
