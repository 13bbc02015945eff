// The query service's HTTP app: every GET of API.md, organisation-scoped, with read-your-writes (X-Min-Position).
// Lists and history are paged and every query parameter is checked (query-params.ts). What costs in proportion to a
// contract's whole log (time travel, history) runs as a job behind a fair, bounded scheduler, in a worker thread in
// production (past-runner.ts), so that one organisation's heavy reads cannot stall the others'.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Express, Request, RequestHandler, Response } from 'express';
import {
  isContractId,
  isOrgCode,
  isQuarterId,
  lastDayOfQuarter,
  londonDate,
  parseChildId,
  quartersOfYear,
  parsePenceJson,
  paymentPerformance,
  supportSpend,
  toExactJson,
  type AgreedContract,
  type IsoDate,
  type Statement,
} from '@csu-ledger/domain';
import { statementCsv, statementXlsx } from '@csu-ledger/reports';
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
import type { KeyObject } from 'node:crypto';
import { mountAudit } from './audit.ts';
import { mountSettlementDiff } from './diff.ts';
import { healthRoute } from './health.ts';
import { queryOpenApi } from './openapi.ts';
import { jsonOrThrow, type Job } from './past.ts';
import { createInlineRunner, type PastRunner } from './past-runner.ts';
import { compareText, decodeCursor, encodeCursor, pageByKey, type ListName } from './paging.ts';
import type { Projector } from './projector.ts';
import { refuseQuarantined } from './quarantine.ts';
import { parseQuery, querySchemas, type Route } from './query-params.ts';
import type { ReadModels } from './read-models.ts';
import { factsOf, nameKnown, namesFrom, registeredKnown, type Names } from './register.ts';
import type { SummaryScope } from './summaries.ts';
import type { TimeTravel } from './time-travel.ts';
import { contractSummary, isRowView, ledgerSettlements, renderRowView, renderView, type Agreed, type SettlementSource, type ViewRequest } from './views.ts';

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
  /** Where time travel and history run (past-runner.ts); default inline on `store`, one job at a time. */
  past?: PastRunner;
}

const badCursor = (): never => {
  throw new HttpError('validation-failed', 'after is not a cursor of this list', {
    errors: [{ path: 'after', message: "not a cursor of this list: pass the previous page's next as it was given" }],
  });
};

/** The key an `after` cursor carries, checked to be a key this list could have written. */
const cursorKey = (list: ListName, after: string | undefined, valid: (key: string) => boolean): string | undefined => {
  if (after === undefined) return undefined;
  const key = decodeCursor(list, after);
  return key !== undefined && valid(key) ? key : badCursor();
};
/** Records a contract's ledger holds (money items, extras, challenges): what its views cost in proportion to. */
const weights = new WeakMap<Agreed, { position: string; weight: number }>();
const ledgerWeight = (l: Agreed): number => {
  // Counted once per position the ledger reaches (the read models change cached ledgers in place).
  const hit = weights.get(l);
  if (hit?.position === l.position) return hit.weight;
  const weight = l.moneyItems.length + Object.keys(l.extras).length + Object.keys(l.challenges).length;
  weights.set(l, { position: l.position, weight });
  return weight;
};
/** From this many records a contract's views now are jobs too (a few milliseconds each on an idle machine). */
const HEAVY_LEDGER = 2_000;

/** Names looked up once each within one answer (the same few parties and trusts recur). */
const onceEach = (names: Names): Names => {
  const known = new Map<string, string | undefined>();
  return (code, on) => {
    const key = `${code}|${on}`;
    if (!known.has(key)) known.set(key, names(code, on));
    return known.get(key);
  };
};

/** How often the event loop's delay is sampled (monitorEventLoopDelay's resolution). */
const LOOP_SAMPLE_MS = 10;
const isPosition = (k: string): boolean => /^(0|[1-9]\d{0,18})$/.test(k);

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The statement's format from Accept (API.md: Statements), JSON unless CSV or XLSX is asked for. */
const statementFormat = (req: Request): 'json' | 'csv' | 'xlsx' => {
  const best = req.accepts(['application/json', 'text/csv', XLSX]);
  return best === 'text/csv' ? 'csv' : best === XLSX ? 'xlsx' : 'json';
};

/** Answers a JSON text made elsewhere (a job's), as res.json would answer the value. */
const sendJson = (res: Response, json: string): void => {
  res.type('application/json').send(json);
};

/** Aborted when the client goes away before its answer is written (a queued job is then dropped). */
const abandonment = (res: Response): AbortSignal => {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
};

export const createQueryApp = (o: QueryAppOptions): Express => {
  const { models, projector, store } = o;
  const clock = o.clock ?? (() => new Date());
  const past = o.past ?? createInlineRunner(store, {}, models);
  const params = querySchemas(clock);
  // GET /openapi.json and /docs come before authentication (API.md: no token needed).
  const app = baseApp({ logger: o.logger, metrics: o.metrics, apiDocs: { document: queryOpenApi, title: 'CSU Ledger: query service' } });
  // The event loop's delay, for operators and for `pnpm bench:isolation` (GET /diagnostics/event-loop).
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loopDelay.enable();

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
    projector.waitFor(BigInt(header), o.minPositionWaitMs ?? 5_000).then(
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
  const query = <T>(route: Route<T>, req: Request): T => parseQuery(route, req);

  /** The register's names as the read models hold them: everything recorded so far. */
  const currentNames: Names = namesFrom((code) => factsOf(models.organisation(code)));

  /**
   * The contract's settlement rows (settlement-rows.ts). A quarter it does not settle has no row: its money is
   * computed from the ledger (it holds no items of its own, but disputes open at its end still count).
   */
  const settlementRows = (id: string): SettlementSource => ({
    quarters: () => models.settlementQuarters(id),
    money: (q) => models.settlementMoney(id, q) ?? ledgerSettlements(models.ledger(id) as Agreed).money(q),
  });

  /** The agreed contract as the read models hold it, if the caller may see it; else 404 (never reveal another's). */
  const visibleContract = (req: Request): AgreedContract => {
    const actor = requireActor(req);
    const id = String(req.params.id);
    const current = isContractId(id) ? models.contract(id) : undefined;
    if (!current || !canSeeContract(actor, current)) throw new HttpError('not-found', `no contract ${id} that you can see`);
    return current;
  };
  /** Its ledger (extras, challenges, invoices and money items), for the views not answered from rows. */
  const ledgerOf = (contract: AgreedContract): Agreed => models.ledger(contract.contractId) as Agreed;

  /** A job in the caller's organisation's turn (scheduler.ts); its JSON text, or its problem thrown. */
  const pastJson = async (req: Request, res: Response, job: Job): Promise<string> => {
    const result = await past.run(requireActor(req).org.toUpperCase(), job, abandonment(res));
    if (!result.ok && result.log) req.log.error({ failure: result.log }, 'a time-travel or history job failed');
    return jsonOrThrow(result);
  };
  const runPast = async (req: Request, res: Response, job: Job): Promise<void> => sendJson(res, await pastJson(req, res, job));

  /**
   * A contract view now, from the read models, or at a past moment, from the log (a job), as JSON text. A view of a
   * very large contract now costs tens of milliseconds or more (a settlement over 10,000 money items, a page of 1,000
   * challenges): that too is a job, run where the folds run, in its organisation's turn.
   */
  const contractViewJson = async (req: Request, res: Response, request: ViewRequest, when: TimeTravel | undefined): Promise<string> => {
    const contract = visibleContract(req);
    const contractId = contract.contractId;
    if (when) return pastJson(req, res, { kind: 'view', contractId, when, request });
    // settlements and lists come from their rows and the contract, whatever the ledger's size: no job, no ledger
    const names = onceEach(currentNames);
    if (isRowView(request)) return toExactJson(renderRowView(contract, request, names, today(), settlementRows(contractId), models.lists(contractId)));
    const ledger = ledgerOf(contract);
    if (ledgerWeight(ledger) >= HEAVY_LEDGER) return pastJson(req, res, { kind: 'view-now', contractId, request, now: today() });
    return toExactJson(renderView(ledger, request, names, today(), settlementRows(contractId), models.lists(contractId)));
  };
  const contractView = async (req: Request, res: Response, request: ViewRequest, when: TimeTravel | undefined) =>
    sendJson(res, await contractViewJson(req, res, request, when));

  const quarterParam = (req: Request): string => {
    const q = String(req.params.quarter);
    if (!isQuarterId(q))
      throw new HttpError('validation-failed', 'quarter must look like 2025-26-Q1', {
        errors: [{ path: 'quarter', message: 'invalid' }],
      });
    return q;
  };

  // Every route below is documented in openapi.ts (one `read({...})` each): test/int/openapi.int.test.ts fails on a
  // route mounted here and not documented there.
  app.get('/contracts', (req, res) => {
    const actor = requireActor(req);
    const { limit, after } = query(params.list, req);
    const from = cursorKey('contracts', after, isContractId);
    // auth's canSeeContract as an index lookup, then checked again row by row
    const wide = actor.roles.some((r) => r === 'admin' || r === 'auditor');
    const scope: SummaryScope = wide
      ? { all: true }
      : {
          all: false,
          ccg: actor.roles.includes('ccg') ? actor.org : undefined,
          csu: actor.roles.includes('csu') ? actor.org : undefined,
        };
    const rows = models.contractSummaries(scope, from, limit + 1);
    const now = today();
    const shown = rows.slice(0, limit).filter((r) => canSeeContract(actor, r));
    const names = onceEach(currentNames);
    const next = rows.length > limit ? encodeCursor('contracts', rows[limit - 1]!.contractId) : null;
    res.json({ items: shown.map((r) => contractSummary(r, names, now)), next });
  });
  app.get('/contracts/:id', async (req, res) => {
    const { when } = query(params.view, req);
    await contractView(req, res, { view: 'contract' }, when);
  });
  app.get('/contracts/:id/performance/:quarter', async (req, res) => {
    const quarter = quarterParam(req);
    const { when } = query(params.view, req);
    await contractView(req, res, { view: 'performance', quarter }, when);
  });
  app.get('/contracts/:id/settlements/:quarter', async (req, res) => {
    const quarter = quarterParam(req);
    const { when } = query(params.view, req);
    await contractView(req, res, { view: 'settlement', quarter }, when);
  });
  mountSettlementDiff(app, { models, past, clock }); // issue 14: …/settlements/{quarter}/diff (diff.ts)
  app.get('/contracts/:id/settlements/:quarter/late-items', async (req, res) => {
    const quarter = quarterParam(req);
    const { when, limit, after } = query(params.viewList, req);
    const page = { limit, after: cursorKey('late-items', after, isPosition) };
    await contractView(req, res, { view: 'late-items', quarter, page }, when);
  });
  // Issue 10: the quarter's statement, every line traced to its events: JSON, or by Accept or ?format= CSV or XLSX.
  app.get('/contracts/:id/settlements/:quarter/statement', async (req, res) => {
    const quarter = quarterParam(req);
    const { when, format } = query(params.statement, req);
    const wanted = format ?? statementFormat(req);
    const json = await contractViewJson(req, res, { view: 'statement', quarter }, when);
    if (wanted === 'json') return sendJson(res, json);
    const statement = parsePenceJson(json) as Statement;
    const name = `${statement.contractId}-${quarter}-statement`;
    if (wanted === 'csv') {
      res.type('text/csv; charset=utf-8').attachment(`${name}.csv`).send(statementCsv(statement));
    } else {
      res.type(XLSX).attachment(`${name}.xlsx`).send(await statementXlsx(statement));
    }
  });
  // Issue 13: what the CSU billed for the quarter against what the ledger settles, per component.
  app.get('/contracts/:id/settlements/:quarter/reconciliation', async (req, res) => {
    const quarter = quarterParam(req);
    const { when } = query(params.view, req);
    await contractView(req, res, { view: 'reconciliation', quarter }, when);
  });
  // Issue 11: the quarter's N if open extras were resolved and open challenges recovered as assumed; nothing stored.
  app.get('/contracts/:id/settlements/:quarter/what-if', async (req, res) => {
    const quarter = quarterParam(req);
    const assumptions = query(params.whatIf, req);
    await contractView(req, res, { view: 'what-if', quarter, assumptions }, undefined);
  });
  // Issue 11: if notice were served on a date, when the term would end and what core fee would remain.
  app.get('/contracts/:id/break-clause', async (req, res) => {
    const { servedOn } = query(params.breakClause, req);
    await contractView(req, res, { view: 'break-clause', servedOn }, undefined);
  });
  app.get('/contracts/:id/invoices', async (req, res) => {
    const { when, limit, after } = query(params.viewList, req);
    const page = { limit, after: cursorKey('invoices', after, (k) => parseChildId(k, 'invoice') !== undefined) };
    await contractView(req, res, { view: 'invoices', page }, when);
  });
  app.get('/contracts/:id/settlements', async (req, res) => {
    const { when, limit, after } = query(params.viewList, req);
    const page = { limit, after: cursorKey('settlements', after, isQuarterId) };
    await contractView(req, res, { view: 'settlements', page }, when);
  });
  app.get('/contracts/:id/extras', async (req, res) => {
    const { when, limit, after } = query(params.viewList, req);
    const page = { limit, after: cursorKey('extras', after, (k) => parseChildId(k, 'extra') !== undefined) };
    await contractView(req, res, { view: 'extras', page }, when);
  });
  app.get('/contracts/:id/challenges', async (req, res) => {
    const { when, limit, after } = query(params.viewList, req);
    const page = { limit, after: cursorKey('challenges', after, (k) => parseChildId(k, 'challenge') !== undefined) };
    await contractView(req, res, { view: 'challenges', page }, when);
  });
  // Now: from the read models' rows, as every other view (history-rows.ts); in the past: from the log (history.ts).
  // Either way a page at a time, as a job in the caller's organisation's turn.
  app.get('/contracts/:id/history', async (req, res) => {
    const { when, limit, after, types, from, to } = query(params.history, req);
    const key = cursorKey('history', after, isPosition);
    const { contractId } = visibleContract(req);
    const q = { contractId, when, types, from, to, limit, after: key === undefined ? undefined : BigInt(key) };
    await runPast(req, res, when ? { kind: 'history', query: q } : { kind: 'history-now', query: q });
  });

  // Any signed-in user may read the register of names and codes (public ODS data); the spend figures are scoped.
  // Bitemporal: names in force at the view's date (asOf, asAt's date, or today) as known at asAt (register.ts).
  app.get('/organisations', (req, res) => {
    const { when, limit, after } = query(params.register, req);
    const from = cursorKey('organisations', after, isOrgCode);
    const asAtMs = when?.asAt?.ms;
    const on = when?.now ?? today();
    const known = models
      .organisations()
      .filter((o) => o.status === 'registered' && registeredKnown(factsOf(o), asAtMs));
    const page = pageByKey(
      'organisations',
      known,
      (o) => (o.status === 'registered' ? o.code : ''),
      compareText,
      limit,
      from,
    );
    res.json({
      items: page.items.flatMap((o) => {
        if (o.status !== 'registered') return [];
        const facts = factsOf(o).filter(
          (f) => asAtMs === undefined || f.recordedAt === undefined || Date.parse(f.recordedAt) <= asAtMs,
        );
        const name = nameKnown(facts, on, asAtMs);
        const names = facts.map((f) => ({ from: f.from, name: f.name })).sort((a, b) => compareText(a.from, b.from));
        return [{ code: o.code, kind: o.kind, ...(name === undefined ? {} : { name }), names }];
      }),
      next: page.next,
    });
  });
  app.get('/organisations/:code/support-spend', (req, res) => {
    const actor = requireActor(req);
    const code = String(req.params.code);
    const { year } = query(params.supportSpend, req);
    const org = isOrgCode(code) ? models.organisation(code) : undefined;
    if (!org || org.status !== 'registered' || org.kind !== 'ccg' || !canSeeOrganisationSpend(actor, code)) {
      throw new HttpError('not-found', `no commissioner ${code} whose spend you can see`);
    }
    const contracts = models.contractIdsOfCcg(code).flatMap((id) => {
      const l = models.ledger(id);
      return l?.contract.status === 'agreed' ? [l.contract] : [];
    });
    const spend = supportSpend(org, year, contracts);
    // Names in force on the year's last day, or today while the year runs (DOMAIN.md: the date a view is about).
    const yearEnd = lastDayOfQuarter(quartersOfYear(year)[3]!);
    const on = yearEnd < today() ? yearEnd : today();
    const name = currentNames(code, on);
    res.json({
      ...spend,
      ...(name === undefined ? {} : { name }),
      contracts: spend.contracts.map((c) => {
        const csuName = currentNames(c.csu, on);
        return csuName === undefined ? c : { ...c, csuName };
      }),
    });
  });

  // Issue 13: how promptly the commissioner pays (the Better Payment Practice Code: 30 days), over its contracts' invoices.
  app.get('/organisations/:code/payment-performance', (req, res) => {
    const actor = requireActor(req);
    const code = String(req.params.code);
    const { year } = query(params.supportSpend, req);
    const org = isOrgCode(code) ? models.organisation(code) : undefined;
    if (!org || org.status !== 'registered' || org.kind !== 'ccg' || !canSeeOrganisationSpend(actor, code)) {
      throw new HttpError('not-found', `no commissioner ${code} whose payments you can see`);
    }
    const invoices = models.contractIdsOfCcg(code).flatMap((id) => Object.values(models.ledger(id)?.invoices ?? {}));
    res.json(paymentPerformance(code, year, invoices, today()));
  });

  // Issue 5 and 14: the integrity check of the whole log, or of a receipt, for auditors (audit.ts).
  mountAudit(app, { store, clock, integrityKey: o.integrityKey });

  // For auditors and operators: how long the event loop has had to wait (monitorEventLoopDelay) since the last
  // `reset=true`, and the queue of time-travel and history jobs per organisation.
  app.get('/diagnostics/event-loop', (req, res) => {
    const actor = requireActor(req);
    const { reset } = query(params.diagnostics, req);
    if (!canVerifyIntegrity(actor)) throw new HttpError('forbidden', 'only an auditor may read the diagnostics');
    // The histogram holds the time between its samples, every LOOP_SAMPLE_MS when nothing holds the loop: the delay
    // is what lies beyond that.
    const ms = (ns: number) =>
      loopDelay.count > 0 ? Math.max(0, Math.round((ns / 1e6 - LOOP_SAMPLE_MS) * 100) / 100) : 0;
    res.json({
      eventLoopDelay: {
        samples: loopDelay.count,
        meanMs: ms(loopDelay.mean),
        p50Ms: ms(loopDelay.percentile(50)),
        p99Ms: ms(loopDelay.percentile(99)),
        maxMs: ms(loopDelay.max),
      },
      jobs: past.stats(),
    });
    if (reset === 'true') loopDelay.reset();
  });

  return finishApp(app, { logger: o.logger });
};
