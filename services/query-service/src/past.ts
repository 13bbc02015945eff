// The past, computed from the log itself (never from read-model rows): a contract's views asOf a business date or
// asAt an instant, and its history a page at a time. Each is a job: plain data in, a JSON body (or a problem) out,
// so that it can run in a worker thread (worker-pool.ts) as well as here (past-runner.ts).
import {
  contractStream,
  DecodeError,
  decodeLedgerEvent,
  initialLedger,
  ledgerFold,
  isLedgerRecord,
  isOrganisationEvent,
  organisationStream,
  toExactJson,
  type ContractLedger,
  type IsoDate,
} from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';
import { HttpError, type FieldProblem, type ProblemCode } from '@csu-ledger/http';
import { historyPage, type HistoryQuery } from './history.ts';
import type { CurrentReader } from './current-reader.ts';
import { createDecodedLog, type DecodedLog } from './decoded-log.ts';
import { factOf, factsOf, namesFrom, type RegisterFact } from './register.ts';
import type { SnapshotCache } from './snapshots.ts';
import type { TimeTravel } from './time-travel.ts';
import { codesShown, renderView, type Agreed, type ViewRequest } from './views.ts';
import { settlementDiff, type SettlementDiffJob } from './settlement-diff.ts';

export type Job =
  | { kind: 'view'; contractId: string; when: TimeTravel; request: ViewRequest }
  /** The history in the past, from the log. */
  | { kind: 'history'; query: HistoryQuery }
  /** The history now, from the read models' rows (history-rows.ts). */
  | { kind: 'history-now'; query: HistoryQuery }
  /** A view of a very large contract as it stands, from the read models, with `now` the service's date. */
  | { kind: 'view-now'; contractId: string; request: ViewRequest; now: IsoDate }
  /** A quarter's settlement at two instants and the events between that moved it (settlement-diff.ts). */
  | SettlementDiffJob;

export type JobResult =
  | { ok: true; json: string }
  | { ok: false; status: number; code: ProblemCode; detail: string; errors?: FieldProblem[] | undefined; log?: string };

export interface PastOptions {
  /** Called between pages of the log, so that a long fold can give way (to the event loop, when run inline). */
  pause?: () => Promise<void>;
  /** Ledgers at earlier positions, from which an `asAt` fold may start instead of from the first event. */
  snapshots?: SnapshotCache | undefined;
  /** The read models, for `history-now` and `view-now` jobs. */
  current?: CurrentReader | undefined;
  /** Contracts' groups as read and decoded before (decoded-log.ts); without it every fold reads the log afresh. */
  decoded?: DecodedLog | undefined;
}

/** No memory between folds: each reads and decodes what it needs (a budget of none keeps nothing). */
const uncached = createDecodedLog({ budget: 0 });

const PAGE = 2_000;

/**
 * The contract's ledger from what the log held at `when`: `asAt` keeps the events recorded by then (a prefix of the
 * group, since recorded times never decrease with position: reading stops at the first later one), `asOf` those
 * dated on or before it, in recorded order either way (DOMAIN.md: Time travel).
 */
export const foldPast = async (
  store: EventStore,
  contractId: string,
  when: TimeTravel,
  options: PastOptions = {},
): Promise<ContractLedger> => {
  const root = contractStream(contractId);
  const asAtMs = when.asAt?.ms;
  const asOf = when.asOf;
  // A fold may start from a snapshot and leave new ones behind. An asAt fold (a prefix of the log) starts from any of
  // the contract's; an asOf fold keeps only the events dated by then, so its snapshots are its date's own: a ledger of
  // the events up to P dated by D serves any later fold asOf D (asAt a time at or after P's recording, or none). It may
  // also start from a prefix snapshot none of whose events is dated after D: there, nothing was left out.
  const snapshots = options.snapshots;
  const key = asOf === undefined ? contractId : `${contractId} asOf ${asOf}`;
  const own = snapshots?.latest(key, asAtMs);
  const whole = asOf === undefined ? undefined : snapshots?.latest(contractId, asAtMs, asOf);
  const start = whole && (!own || whole.position > own.position) ? whole : own;
  let ledger = start?.ledger ?? initialLedger();
  // One fold until a snapshot is offered: a snapshot is kept as it is, so the steps after it start a fold of their own.
  let fold = ledgerFold();
  let after = start?.position ?? 0n;
  let lastMs = start?.recordedMs ?? 0;
  let latestDate = start?.latestDate ?? '';
  let sinceSnapshot = 0;
  const keep = (): void => snapshots?.offer(key, { position: after, recordedMs: lastMs, latestDate, ledger });
  const done = (): ContractLedger => {
    // The end of a long fold is worth keeping too: the same asAt asked again starts there.
    if (snapshots && sinceSnapshot >= snapshots.every / 4) keep();
    return ledger;
  };
  for await (const events of (options.decoded ?? uncached).pages(store, root, after, PAGE)) {
    for (const e of events) {
      if (asAtMs !== undefined && e.recordedMs > asAtMs) return done();
      after = e.position;
      lastMs = e.recordedMs;
      const dated = e.event.data.businessDate;
      if (dated > latestDate) latestDate = dated;
      // decoded by the one decode step (issue 12): a record that cannot be read fails the job with its location
      if (asOf === undefined || dated <= asOf) ledger = fold(ledger, e.event);
      if (snapshots && ++sinceSnapshot >= snapshots.every) {
        keep();
        fold = ledgerFold();
        sinceSnapshot = 0;
      }
    }
    await options.pause?.();
  }
  return done();
};

/** The register's facts of these organisations, from their streams, as the log holds them now. */
const registerFacts = async (store: EventStore, codes: string[]): Promise<Map<string, RegisterFact[]>> => {
  const facts = new Map<string, RegisterFact[]>();
  for (const code of codes) {
    const events = (await store.readStream(organisationStream(code))).filter(isLedgerRecord).map(decodeLedgerEvent);
    facts.set(code, events.filter(isOrganisationEvent).map(factOf));
  }
  return facts;
};

const viewOfThePast = async (
  store: EventStore,
  job: Extract<Job, { kind: 'view' }>,
  options: PastOptions,
): Promise<unknown> => {
  const ledger = await foldPast(store, job.contractId, job.when, options);
  if (ledger.contract.status !== 'agreed') {
    throw new HttpError('not-found', `contract ${job.contractId} had not been agreed by then`);
  }
  const agreed = ledger as Agreed;
  const facts = await registerFacts(store, codesShown(agreed, job.request));
  const names = namesFrom((code) => facts.get(code) ?? [], job.when.asAt?.ms);
  return renderView(agreed, job.request, names, job.when.now);
};

const history = async (
  store: EventStore,
  job: Extract<Job, { kind: 'history' | 'history-now' }>,
  options: PastOptions,
): Promise<unknown> => {
  if (job.kind === 'history')
    return { contractId: job.query.contractId, ...(await historyPage(store, job.query, options.pause)) };
  if (!options.current) throw new Error('no read models to read the history from');
  return { contractId: job.query.contractId, ...options.current.historyPage(job.query) };
};

const viewNow = (job: Extract<Job, { kind: 'view-now' }>, options: PastOptions): unknown => {
  const current = options.current;
  if (!current) throw new Error('no read models to read the contract from');
  const ledger = current.ledger(job.contractId);
  if (ledger?.contract.status !== 'agreed') throw new HttpError('not-found', `no contract ${job.contractId}`);
  const known = new Map<string, RegisterFact[]>();
  const names = namesFrom((code) => {
    let facts = known.get(code);
    if (!facts) known.set(code, (facts = factsOf(current.organisation(code))));
    return facts;
  });
  return renderView(ledger as Agreed, job.request, names, job.now);
};

/** Runs a job; never throws: a refusal or a failure is its result. */
export const runJob = async (store: EventStore, job: Job, options: PastOptions = {}): Promise<JobResult> => {
  try {
    const body =
      job.kind === 'view'
        ? await viewOfThePast(store, job, options)
        : job.kind === 'view-now'
          ? viewNow(job, options)
          : job.kind === 'settlement-diff'
            ? await settlementDiff(store, job, (when) => foldPast(store, job.contractId, when, options), options.pause)
            : await history(store, job, options);
    return { ok: true, json: toExactJson(body) }; // bigint sums with every digit, as res.json writes them
  } catch (err) {
    if (err instanceof HttpError) {
      return { ok: false, status: err.status, code: err.code, detail: err.detail ?? err.code, errors: err.errors };
    }
    // A record of the log this code cannot read: where it is and why, as the projector's quarantine says it.
    if (err instanceof DecodeError) return { ok: false, status: 503, code: 'projection-failed', detail: err.message };
    return {
      ok: false,
      status: 500,
      code: 'internal',
      detail: 'Something went wrong on our side; quote the correlation id when reporting it.',
      log: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
  }
};

/** The result as the HTTP edge throws it (a problem), or its JSON text. */
export const jsonOrThrow = (result: JobResult): string => {
  if (result.ok) return result.json;
  throw new HttpError(result.code, result.detail, { status: result.status, errors: result.errors });
};
