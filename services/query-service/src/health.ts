// GET /health of the query service (API.md), no token needed. Without one (or with any token but an auditor's) it
// answers only `status` and `position`: other organisations' stream names and error text are not for everyone
// (issue 9). An auditor's bearer token adds why: the projection's failure, the quarantined contracts and skipped events.
//
// The status code is for load balancers and orchestrators, which take a 503 instance out of service:
// - 503 `unavailable`: the projection as a whole is stopped (the read models refused a commit) or the log subscription
//   is down, so no read can be current;
// - 200 `degraded`: some contracts (or register entries) are quarantined but the projection runs: this instance still
//   serves every other contract current, and another instance would quarantine the same ones;
// - 200 `ok`: otherwise (events passed over by the operator's LEDGER_PROJECTION_SKIP are listed to auditors).
import type { Request, RequestHandler } from 'express';
import type { TokenVerifier } from '@csu-ledger/auth';
import type { Projector } from './projector.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

const isAuditor = async (req: Request, verify: TokenVerifier): Promise<boolean> => {
  const token = BEARER.exec(req.get('authorization')?.trim() ?? '')?.[1];
  if (token === undefined) return false;
  // A bad token is not refused here (health needs none): it simply shows nothing more.
  return verify(token).then(
    (actor) => actor.roles.includes('auditor'),
    () => false,
  );
};

export const healthRoute =
  (projector: Projector, verify: TokenVerifier): RequestHandler =>
  async (req, res) => {
    const s = projector.status();
    const status = s.failure ? 'unavailable' : s.quarantined.length > 0 ? 'degraded' : 'ok';
    const body: Record<string, unknown> = { status, position: s.position.toString() };
    if (await isAuditor(req, verify)) {
      if (s.failure) body.failure = s.failure;
      if (s.quarantined.length > 0) body.quarantined = s.quarantined;
      if (s.skipped.length > 0) body.skipped = s.skipped;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.status(s.failure ? 503 : 200).json(body);
  };
