// The query service's HTTP app: every GET of API.md, organisation-scoped, with read-your-writes (X-Min-Position).
import type { Express, Request, RequestHandler } from 'express';
import {
  compareQuarters,
  contractStream,
  monthsBetween,
  quarterOfMonth,
  eventsAsOf,
  foldLedger,
  isContractId,
  isFinancialYear,
  isIsoDate,
  isOrgCode,
  isQuarterId,
  londonDate,
  performanceView,
  settlementView,
  supportSpend,
  type AgreedContract,
  type ContractLedger,
  type IsoDate,
  type StoredLedgerEvent,
} from '@csu-ledger/domain';
import {
  authenticate,
  canSeeContract,
  canSeeOrganisationSpend,
  canVerifyIntegrity,
  requireActor,
  type TokenVerifier,
} from '@csu-ledger/auth';
import type { EventStore } from '@csu-ledger/event-store';
import { baseApp, finishApp, HttpError, rateLimit, type Logger, type Metrics, type RateLimitOptions } from '@csu-ledger/http';
import { verifyStore, type Verdict } from '@csu-ledger/integrity';
import type { KeyObject } from 'node:crypto';
import { healthRoute } from './health.ts';
import type { Projector } from './projector.ts';
import { refuseQuarantined } from './quarantine.ts';
import type { HistoryRow, ReadModels } from './read-models.ts';
import { challengesView, contractDetail, contractSummary, extrasView } from './views.ts';

export interface QueryAppOptions {
  /** Request counts and latency, and GET /metrics (issue 10). */
  metrics?: Metrics | undefined;
  store: EventStore;
  models: ReadModels;
  projector: Projector;
  verify: TokenVerifier;
  logger: Logger;
  clock?: () => Date;
  /** How long X-Min-Position may wait before 503. */
  minPositionWaitMs?: number;
  /** Per-caller token bucket after authentication (issue 6); default burst 1000, 500/s; false: none. */
  rateLimit?: RateLimitOptions | false | undefined;
  /** The public key that signed chain heads verify with (GET /audit/verify); undefined when there is none yet. */
  integrityKey?: () => Promise<KeyObject | undefined>;
}

type Agreed = ContractLedger & { contract: AgreedContract };

export const createQueryApp = (o: QueryAppOptions): Express => {
  const { models, projector, store } = o;
  const clock = o.clock ?? (() => new Date());
  const app = baseApp({ logger: o.logger, metrics: o.metrics });

  app.get('/health', healthRoute(projector, o.verify));
  app.use(authenticate(o.verify));
  if (o.rateLimit !== false) app.use(rateLimit(o.rateLimit));

  // Read-your-writes: wait (bounded) until the read models include the caller's last write.
  const minPosition: RequestHandler = (req, _res, next) => {
    const header = req.get('x-min-position');
    if (header === undefined) return next();
    if (!/^\d{1,19}$/.test(header)) {
      return next(
        new HttpError('validation-failed', 'X-Min-Position must be a log position', {
          errors: [{ path: 'X-Min-Position', message: 'invalid' }],
        }),
      );
    }
    projector
      .waitFor(BigInt(header), o.minPositionWaitMs ?? 5_000)
      .then(
        (ok) =>
          next(
            ok
              ? undefined
              : new HttpError('not-ready', `the read models have not reached position ${header} yet`, {
                  headers: { 'Retry-After': '1' },
                }),
          ),
        next,
      );
  };
  app.use(minPosition);
  app.use(refuseQuarantined(models)); // a contract whose projection failed: 503 with the reason (quarantine.ts)

  const today = (): IsoDate => londonDate(clock());

  /** `asOf` and `asAt` (API.md: Time travel), validated; "now" for pending is the asOf date when one is given. */
  const timeTravel = (req: Request): { asOf?: IsoDate; asAt?: string; now: IsoDate } | undefined => {
    const { asOf, asAt } = req.query;
    if (asOf === undefined && asAt === undefined) return undefined;
    const errors: { path: string; message: string }[] = [];
    if (asOf !== undefined && !(typeof asOf === 'string' && isIsoDate(asOf)))
      errors.push({ path: 'asOf', message: 'must be a date YYYY-MM-DD' });
    const at = typeof asAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(asAt) ? new Date(asAt) : undefined;
    if (asAt !== undefined && (!at || Number.isNaN(at.getTime())))
      errors.push({ path: 'asAt', message: 'must be an ISO 8601 instant' });
    if (errors.length > 0) throw new HttpError('validation-failed', 'invalid time-travel parameters', { errors });
    const asAtIso = at?.toISOString();
    const now = typeof asOf === 'string' ? asOf : at ? londonDate(at) : today();
    return { ...(typeof asOf === 'string' ? { asOf } : {}), ...(asAtIso ? { asAt: asAtIso } : {}), now };
  };

  /** The contract's ledger as the caller may see it, now or as of a past date/instant (then folded from the log). */
  const ledgerFor = async (req: Request): Promise<{ ledger: Agreed; now: IsoDate; past?: HistoryRow[] }> => {
    const actor = requireActor(req);
    const id = String(req.params.id);
    const current = isContractId(id) ? models.ledger(id) : undefined;
    if (!current || current.contract.status !== 'agreed' || !canSeeContract(actor, current.contract)) {
      throw new HttpError('not-found', `no contract ${id} that you can see`);
    }
    const when = timeTravel(req);
    if (!when) return { ledger: current as Agreed, now: today() };
    // The past is computed from the log itself, never from read-model rows.
    const events = eventsAsOf(
      (await store.readStreamGroup(contractStream(id))) as unknown as StoredLedgerEvent[],
      when,
    );
    const past = foldLedger(events);
    if (past.contract.status !== 'agreed')
      throw new HttpError('not-found', `contract ${id} had not been agreed by then`);
    const rows = events.map((e) => ({
      ...e,
      position: e.position.toString(),
      eventId: (e as unknown as { eventId: string }).eventId,
    }));
    return { ledger: past as Agreed, now: when.now, past: rows as unknown as HistoryRow[] };
  };

  const quarterParam = (req: Request): string => {
    const q = String(req.params.quarter);
    if (!isQuarterId(q))
      throw new HttpError('validation-failed', 'quarter must look like 2025-26-Q1', {
        errors: [{ path: 'quarter', message: 'invalid' }],
      });
    return q;
  };

  const orgs = (code: string) => models.organisation(code);

  app.get('/contracts', (req, res) => {
    const actor = requireActor(req);
    const now = today();
    const visible = models
      .contracts()
      .filter((l): l is Agreed => l.contract.status === 'agreed' && canSeeContract(actor, l.contract));
    res.json({ contracts: visible.map((l) => contractSummary(l, orgs, now)) });
  });
  app.get('/contracts/:id', async (req, res) => {
    const { ledger, now } = await ledgerFor(req);
    res.json(contractDetail(ledger, orgs, now));
  });
  app.get('/contracts/:id/performance/:quarter', async (req, res) => {
    const q = quarterParam(req);
    const { ledger, now } = await ledgerFor(req);
    res.json(performanceView(ledger, q, now));
  });
  app.get('/contracts/:id/settlements/:quarter', async (req, res) => {
    const q = quarterParam(req);
    const { ledger, now } = await ledgerFor(req);
    res.json(settlementView(ledger, q, now));
  });
  // Money items dated in an approved quarter but recorded after its approval, so counted in a later quarter
  // (DOMAIN.md: Settlement, roll-forward): what arrived late, when, for how much, where it landed and who recorded it.
  app.get('/contracts/:id/settlements/:quarter/late-items', async (req, res) => {
    const q = quarterParam(req);
    const { ledger } = await ledgerFor(req);
    const approved = ledger.contract.approvals[q];
    res.json({
      contractId: ledger.contract.contractId,
      quarter: q,
      status: approved ? 'approved' : 'open',
      approvedOn: approved?.businessDate ?? null,
      items: ledger.moneyItems
        .filter((i) => i.dueQuarter === q && i.landingQuarter !== q)
        .map((i) => ({
          kind: i.kind,
          id: i.id,
          eventType: i.eventType,
          position: i.position,
          businessDate: i.businessDate,
          recordedAt: i.recordedAt,
          amountPence: i.amountPence,
          landedIn: i.landingQuarter,
          recordedBy: i.actor,
        })),
    });
  });
  // Every quarter of the term (and any later one a late money item rolled into), for a finance officer's overview.
  app.get('/contracts/:id/settlements', async (req, res) => {
    const { ledger, now } = await ledgerFor(req);
    const c = ledger.contract;
    const quarters = new Set(monthsBetween(c.firstMonth, c.termEndMonth).map(quarterOfMonth));
    for (const item of ledger.moneyItems) quarters.add(item.landingQuarter);
    const ordered = [...quarters].sort(compareQuarters);
    res.json({ contractId: c.contractId, settlements: ordered.map((q) => settlementView(ledger, q, now)) });
  });
  app.get('/contracts/:id/extras', async (req, res) => {
    const { ledger } = await ledgerFor(req);
    res.json({ contractId: ledger.contract.contractId, extras: extrasView(ledger) });
  });
  app.get('/contracts/:id/challenges', async (req, res) => {
    const { ledger, now } = await ledgerFor(req);
    res.json({ contractId: ledger.contract.contractId, challenges: challengesView(ledger, orgs, now) });
  });
  app.get('/contracts/:id/history', async (req, res) => {
    const { ledger, past } = await ledgerFor(req);
    const id = ledger.contract.contractId;
    const rows = past ?? models.history(id);
    res.json({
      contractId: id,
      events: rows.map((r) => {
        const m = r.metadata as { actor?: unknown; correlationId?: string; causationId?: string };
        return {
          position: r.position,
          eventId: r.eventId,
          streamName: r.streamName,
          revision: r.revision,
          type: r.type,
          businessDate: (r.data as { businessDate?: string }).businessDate ?? null,
          recordedAt: r.recordedAt,
          actor: m.actor ?? null,
          correlationId: m.correlationId ?? null,
          causationId: m.causationId ?? null,
          data: r.data,
        };
      }),
    });
  });

  // Any signed-in user may read the register of names and codes (public ODS data); the spend figures are scoped.
  app.get('/organisations', (_req, res) => {
    const all = models.organisations().filter((o) => o.status === 'registered');
    res.json({
      organisations: all.map((o) => ({
        code: o.code,
        kind: o.kind,
        name: o.names[o.names.length - 1]!.name,
        names: o.names,
      })),
    });
  });
  app.get('/organisations/:code/support-spend', (req, res) => {
    const actor = requireActor(req);
    const code = String(req.params.code);
    const year = req.query.year;
    if (typeof year !== 'string' || !isFinancialYear(year)) {
      throw new HttpError('validation-failed', 'year must be a financial year such as 2025-26', {
        errors: [{ path: 'year', message: 'invalid' }],
      });
    }
    const org = isOrgCode(code) ? models.organisation(code) : undefined;
    if (!org || org.status !== 'registered' || org.kind !== 'ccg' || !canSeeOrganisationSpend(actor, code)) {
      throw new HttpError('not-found', `no commissioner ${code} whose spend you can see`);
    }
    const contracts = models
      .contracts()
      .flatMap((l) => (l.contract.status === 'agreed' && l.contract.ccg === code ? [l.contract] : []));
    res.json(supportSpend(org, year, contracts));
  });

  // Issue 5: the integrity check of the whole log, for auditors (DOMAIN.md: auditors see integrity checks). Concurrent
  // requests share one run: it reads every event.
  let checking: Promise<Verdict> | undefined;
  app.get('/audit/verify', async (req, res) => {
    const actor = requireActor(req);
    if (!canVerifyIntegrity(actor))
      throw new HttpError('forbidden', 'only an auditor may check the integrity of the log');
    const key = await o.integrityKey?.();
    if (!key)
      throw new HttpError('not-ready', 'there is no integrity public key to check signatures with yet', {
        headers: { 'Retry-After': '5' },
      });
    checking ??= verifyStore(store, key).finally(() => {
      checking = undefined;
    });
    const verdict = await checking;
    res.json(
      verdict.ok
        ? {
            verdict: 'intact',
            summary: {
              ...verdict.summary,
              throughPosition: verdict.summary.throughPosition.toString(),
              signedThroughPosition: verdict.summary.signedThroughPosition.toString(),
            },
          }
        : { verdict: 'tampered', problem: { ...verdict.problem, position: verdict.problem.position.toString() } },
    );
  });

  return finishApp(app, { logger: o.logger });
};
