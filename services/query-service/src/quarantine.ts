// A quarantined contract's views answer 503 `projection-failed` with the reason and the log position (issue 9): its
// read model stands before an event that could not be applied, so any figure from it would be silently wrong. Only
// those who may see the contract learn this; anyone else gets the route's own 404. Every other contract is unaffected.
import { Router, type Request, type Response } from 'express';
import { isContractId } from '@csu-ledger/domain';
import { canSeeContract, canSeeOrganisationSpend, requireActor } from '@csu-ledger/auth';
import { problem, titleFor } from '@csu-ledger/http';
import type { Quarantine, ReadModels } from './read-models.ts';

const refuse = (res: Response, detail: string, quarantined: Quarantine[]): void =>
  problem(res, 503, 'projection-failed', titleFor('projection-failed'), detail, {
    quarantined: quarantined.map((q) => ({
      unit: q.unit,
      position: q.position,
      type: q.type,
      reason: q.reason,
      heldBack: q.heldBack,
    })),
    // the first (usually only) one, flat, for a caller who reads one contract
    position: quarantined[0]!.position,
    reason: quarantined[0]!.reason,
  });

/** Mount after authentication and before the routes: it answers only for quarantined contracts. */
export const refuseQuarantined = (models: ReadModels): Router => {
  const router = Router();
  router.use('/contracts/:id', (req: Request, res, next) => {
    const id = String(req.params.id);
    const q = isContractId(id) ? models.quarantined(`contract:${id}`) : undefined;
    if (!q) return next();
    const ledger = models.ledger(id);
    // With no parties known (its agreement itself failed), only those who see every contract are told.
    const parties = (ledger?.contract.status === 'agreed' ? ledger.contract : q.parties) ?? { ccg: '', csu: '' };
    if (!canSeeContract(requireActor(req), parties)) return next();
    refuse(
      res,
      `contract ${id} cannot be shown: the event at log position ${q.position} (${q.type}) could not be projected: ${q.reason}; ` +
        `its views wait for a fix (${q.heldBack} later event${q.heldBack === 1 ? '' : 's'} held back)`,
      [q],
    );
  });
  // A commissioner's spend adds up its contracts: not while one of them (or its register entry) is quarantined.
  router.get('/organisations/:code/support-spend', (req: Request, res, next) => {
    const code = String(req.params.code).toUpperCase();
    const blocking = models
      .quarantines()
      .filter((q) => q.unit === `organisation:${code}` || q.parties?.ccg.toUpperCase() === code);
    if (blocking.length === 0 || !canSeeOrganisationSpend(requireActor(req), code)) return next();
    refuse(
      res,
      `the support spend of ${code} cannot be computed: ${blocking.length} of its records could not be projected`,
      blocking,
    );
  });
  return router;
};
