// The query service's OpenAPI document (issue 10): every route of app.ts with its strict query schema
// (query-params.ts), the schema of its answer (answers.ts, answers-ops.ts), who may read it, its problem codes and an
// example from DOMAIN.md's worked example. A test walks the app's routes against this list
// (test/int/openapi.int.test.ts), and the int and e2e suites validate every answer against it.
//
// To document a new route: add one `read({...})` to `queryOperations` below (path in OpenAPI's `{param}` form,
// the `q.<route>` query schema app.ts parses with, the zod schema of the answer in answers.ts, an example in
// openapi-examples.ts, the roles if not everyone, and every problem code it can answer beyond the token's), describe
// any new query parameter in DESCRIPTIONS, then `pnpm openapi:write`.
import { z } from 'zod';
import type { Role } from '@csu-ledger/domain';
import {
  buildOpenApi,
  discoveryOperations,
  DISCOVERY_TAG,
  wire,
  type ApiOperation,
  type ApiParameter,
  type ApiResponse,
  type ProblemCode,
} from '@csu-ledger/http';
import * as a from './answers.ts';
import * as ops from './answers-ops.ts';
import * as ex from './openapi-examples.ts';
import { querySchemas, type Route } from './query-params.ts';
import { auditVerifyQuery } from './audit.ts';
import { settlementDiffQuery } from './diff.ts';
import { HISTORY_TYPES } from './history.ts';
import { LIMIT_DEFAULT, LIMIT_MAX } from './paging.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ALL: readonly Role[] = ['admin', 'csu', 'ccg', 'auditor'];
const SPEND: readonly Role[] = ['admin', 'auditor', 'ccg'];
const AUDITOR: readonly Role[] = ['auditor'];

/** Every query parameter any route takes, described once. */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  asOf: 'Only what happened by this business date (YYYY-MM-DD, not in the future).',
  asAt: 'Only what the system had recorded by this instant (ISO 8601 with Z or an offset; encode + as %2B).',
  limit: `Items per page: 1 to ${LIMIT_MAX} (default ${LIMIT_DEFAULT}).`,
  after: 'The `next` cursor of the previous page, as it was given.',
  type: `Event types, separated by commas: ${HISTORY_TYPES.join(', ')}.`,
  from: 'Events whose business date is on or after this date.',
  to: 'Events whose business date is on or before this date.',
  year: 'A financial year such as 2025-26.',
  format: 'json, csv or xlsx; instead of Accept.',
  extras: 'Open extras assumed resolved: extraId:agreedPence pairs separated by commas.',
  challenges: 'Open challenges assumed recovered: challengeId:recoveredPence pairs separated by commas.',
  servedOn: 'The date notice would be served (it may lie ahead).',
  reset: '`true` starts the event-loop histogram afresh after answering.',
  receipt: 'A receipt an approval answered with: its JSON, URL-encoded (`curl -G --data-urlencode receipt@receipt.json`), or base64url.',
};

// Optional headers carry no example: the reference's client would send it with every try.
const headers: Record<string, ApiParameter> = {
  'X-Min-Position': {
    schema: z.string().regex(/^\d{1,19}$/),
    description: 'Wait (a few seconds at most) until the read models include this log position, as a command answered it; 503 not-ready with Retry-After if they cannot.',
  },
};

const params = {
  contractId: { schema: z.string().min(1), description: 'The contract’s id.', example: 'KIN-0AX-2025' },
  quarter: { schema: wire.quarterId(), description: 'The quarter.', example: '2025-26-Q1' },
  code: { schema: z.string().min(1), description: 'The commissioner’s ODS code.', example: '08J' },
} satisfies Record<string, ApiParameter>;

const TAGS = {
  contracts: { name: 'Contracts', description: 'The contracts you may see, their terms, performance and history.' },
  settlement: { name: 'Settlement', description: 'A quarter’s settlement, its statement, late items, reconciliation and what-ifs.' },
  lists: { name: 'Extras, challenges and invoices', description: 'Paged lists of a contract’s extras, challenges and invoices.' },
  organisations: { name: 'Organisations', description: 'The register, and commissioners’ support spend and payment performance.' },
  audit: { name: 'Audit', description: 'Integrity of the log and the service’s own diagnostics (auditors).' },
};

/** What every read may meet: a bad query parameter or X-Min-Position, a read model that cannot catch up in time. */
const READ_PROBLEMS: readonly ProblemCode[] = ['validation-failed', 'not-ready'];
/** A contract's views: not one the caller may see (404), one whose projection failed (503). */
const CONTRACT_PROBLEMS: readonly ProblemCode[] = [...READ_PROBLEMS, 'not-found', 'projection-failed'];

interface ReadOp {
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: keyof typeof TAGS;
  roles?: readonly Role[];
  params?: Record<string, ApiParameter>;
  query: Route<unknown>;
  /** Where a query parameter means something else on this route than DESCRIPTIONS says. */
  descriptions?: Readonly<Record<string, string>>;
  answer: z.ZodType;
  /** An answer from DOMAIN.md's worked example (openapi-examples.ts); the tests hold it to `answer`. */
  example: unknown;
  alternatives?: ApiResponse['alternatives'];
  problems: readonly ProblemCode[];
}

const read = (o: ReadOp): ApiOperation => ({
  method: 'get',
  path: o.path,
  operationId: o.operationId,
  summary: o.summary,
  description: o.description ?? '',
  tags: [TAGS[o.tag].name],
  auth: 'token',
  roles: o.roles ?? ALL,
  ...(o.params ? { params: o.params } : {}),
  query: { schema: o.query.schema, descriptions: { ...DESCRIPTIONS, ...o.descriptions } },
  headers,
  responses: { 200: { description: 'The answer.', schema: o.answer, example: o.example, ...(o.alternatives ? { alternatives: o.alternatives } : {}) } },
  problems: o.problems,
});

const TIME_TRAVEL = 'With `asOf` and/or `asAt`, the view as it stood then, computed from the log.';
const SCOPE = 'A csu or ccg user sees only contracts where their organisation is that party; another’s is 404, like one that does not exist.';

export const queryOperations = (): ApiOperation[] => {
  const now = () => new Date();
  const q = { ...querySchemas(now), diff: settlementDiffQuery(now) };
  const contract = { contractId: params.contractId };
  const quarter = { ...contract, quarter: params.quarter };
  return [
    {
      method: 'get',
      path: '/health',
      operationId: 'getQueryHealth',
      summary: 'Is the projection running, and how far has it got?',
      description: '503 `unavailable` when the projection as a whole is stopped; 200 `degraded` while some contracts are quarantined. An auditor’s token adds the reasons.',
      tags: [DISCOVERY_TAG.name],
      auth: 'optional',
      responses: {
        200: { description: 'Running (`ok` or `degraded`).', schema: ops.queryHealth, example: { status: 'ok', position: '42' } },
        503: { description: 'Stopped (`unavailable`).', schema: ops.queryHealth },
      },
      problems: [],
    },
    ...discoveryOperations({ metrics: true }),
    read({ path: '/contracts', operationId: 'listContracts', summary: 'The contracts you may see', description: SCOPE, tag: 'contracts', query: q.list, answer: a.contractsPage, example: ex.CONTRACTS_EXAMPLE, problems: READ_PROBLEMS }),
    read({ path: '/contracts/{contractId}', operationId: 'getContract', summary: 'A contract: terms in force, term end, status', description: `${SCOPE} ${TIME_TRAVEL}`, tag: 'contracts', params: contract, query: q.view, answer: a.contractDetail, example: ex.CONTRACT_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/performance/{quarter}', operationId: 'getPerformance', summary: 'A quarter’s KPI performance', description: `Per KPI and month: met, missed, pending or the reported value, late recording marked; achievement and score; and S. ${TIME_TRAVEL}`, tag: 'contracts', params: quarter, query: q.view, answer: a.performance, example: ex.PERFORMANCE_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/history', operationId: 'getHistory', summary: 'A contract’s events, its extras’, challenges’ and invoices’ included', description: `Each with business date, recorded time, actor, correlation and causation ids; filtered by type and business date. ${TIME_TRAVEL}`, tag: 'contracts', params: contract, query: q.history, answer: a.historyPage, example: ex.HISTORY_EXAMPLE, problems: [...CONTRACT_PROBLEMS, 'rate-limited'] }),
    read({ path: '/contracts/{contractId}/settlements', operationId: 'listSettlements', summary: 'Every quarter’s settlement', tag: 'settlement', params: contract, query: q.viewList, answer: a.settlementsPage, example: ex.SETTLEMENTS_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/settlements/{quarter}', operationId: 'getSettlement', summary: 'A quarter’s settlement', description: `F, R, S, W, V, G, X and N = F − W + G + X; an approved quarter shows its frozen figures and who approved it. ${TIME_TRAVEL}`, tag: 'settlement', params: quarter, query: q.view, answer: a.settlement, example: ex.SETTLEMENT_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/settlements/{quarter}/late-items', operationId: 'listLateItems', summary: 'Money items dated in the quarter but recorded after its approval', tag: 'settlement', params: quarter, query: q.viewList, answer: a.lateItems, example: ex.LATE_ITEMS_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({
      path: '/contracts/{contractId}/settlements/{quarter}/statement',
      operationId: 'getStatement',
      summary: 'A quarter’s statement: every line of F, R, W, G, X and N traced to its events',
      description: `JSON by default; CSV or XLSX by \`Accept\` or \`format\`. ${TIME_TRAVEL}`,
      tag: 'settlement',
      params: quarter,
      query: q.statement,
      answer: a.statement, example: ex.STATEMENT_EXAMPLE,
      alternatives: { 'text/csv': z.string().meta({ description: 'One row per line, with its events; money in pence.' }), [XLSX]: z.string().meta({ format: 'binary', description: 'An Excel workbook: pounds shown as £417,000.00.' }) },
      problems: CONTRACT_PROBLEMS,
    }),
    read({
      path: '/contracts/{contractId}/settlements/{quarter}/diff',
      operationId: 'getSettlementDiff',
      summary: 'A quarter’s settlement as known at two instants, and the events recorded between them that moved it',
      description: 'Both settlements side by side, every figure’s difference, and each cause in order: the passing of time alone (`elapsed`), then each event that changed a figure, with who recorded it and when. At most 20,000 events of the contract between `from` and `to`.',
      tag: 'settlement',
      params: quarter,
      query: q.diff,
      descriptions: { from: 'The earlier instant (ISO 8601 with Z or an offset; encode + as %2B).', to: 'The later instant, not before `from`.' },
      answer: a.settlementDiff,
      example: ex.SETTLEMENT_DIFF_EXAMPLE,
      problems: CONTRACT_PROBLEMS,
    }),
    read({ path: '/contracts/{contractId}/settlements/{quarter}/reconciliation', operationId: 'getReconciliation', summary: 'What the CSU billed for the quarter against what the ledger settles', tag: 'settlement', params: quarter, query: q.view, answer: a.reconciliation, example: ex.RECONCILIATION_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/settlements/{quarter}/what-if', operationId: 'getWhatIf', summary: 'The quarter’s net payable if open extras and challenges were resolved as assumed', description: 'Nothing is recorded.', tag: 'settlement', params: quarter, query: q.whatIf, answer: a.whatIf, example: ex.WHAT_IF_EXAMPLE, problems: [...CONTRACT_PROBLEMS, 'invalid-input', 'amount-exceeds-claim', 'amount-exceeds-challenge'] }),
    read({ path: '/contracts/{contractId}/break-clause', operationId: 'getBreakClause', summary: 'If notice were served on a date: the term’s end and the fee that would remain', description: 'Nothing is recorded.', tag: 'contracts', params: contract, query: q.breakClause, answer: a.breakClause, example: ex.BREAK_CLAUSE_EXAMPLE, problems: [...CONTRACT_PROBLEMS, 'invalid-input', 'break-notice-already-served', 'term-ended'] }),
    read({ path: '/contracts/{contractId}/extras', operationId: 'listExtras', summary: 'A contract’s extras, with state and amounts', tag: 'lists', params: contract, query: q.viewList, answer: a.extrasPage, example: ex.EXTRAS_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/challenges', operationId: 'listChallenges', summary: 'A contract’s challenges, with state, values and whether overdue', tag: 'lists', params: contract, query: q.viewList, answer: a.challengesPage, example: ex.CHALLENGES_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/contracts/{contractId}/invoices', operationId: 'listInvoices', summary: 'A contract’s invoices, with state', tag: 'lists', params: contract, query: q.viewList, answer: a.invoicesPage, example: ex.INVOICES_EXAMPLE, problems: CONTRACT_PROBLEMS }),
    read({ path: '/organisations', operationId: 'listOrganisations', summary: 'The register: codes, kinds and names over time', description: 'Names in force at `asOf` (or today), as known at `asAt`.', tag: 'organisations', query: q.register, answer: a.organisationsPage, example: ex.ORGANISATIONS_EXAMPLE, problems: READ_PROBLEMS }),
    read({ path: '/organisations/{code}/support-spend', operationId: 'getSupportSpend', summary: 'A commissioner’s core support fees in a year, per head and as a share of its running-cost allowance', description: 'A ccg user sees its own organisation’s only.', tag: 'organisations', roles: SPEND, params: { code: params.code }, query: q.supportSpend, answer: ops.supportSpend, example: ex.SUPPORT_SPEND_EXAMPLE, problems: [...READ_PROBLEMS, 'not-found', 'projection-failed'] }),
    read({ path: '/organisations/{code}/payment-performance', operationId: 'getPaymentPerformance', summary: 'A commissioner’s invoices paid within 30 days, by count and value', description: 'A ccg user sees its own organisation’s only.', tag: 'organisations', roles: SPEND, params: { code: params.code }, query: q.supportSpend, answer: ops.paymentPerformance, example: ex.PAYMENT_PERFORMANCE_EXAMPLE, problems: [...READ_PROBLEMS, 'not-found'] }),
    read({ path: '/audit/verify', operationId: 'verifyLog', summary: 'Check the integrity of the whole log, or of a receipt', description: 'Every event’s hash chain, every signed head and key change, and that no event has waited too long for a signature: `intact` or `tampered` with the first problem. With `receipt`: whether the log still holds, unchanged, everything the receipt’s signed head vouched for (`holds` or `broken`). 503 `not-ready` while there is no key to check with.', tag: 'audit', roles: AUDITOR, query: auditVerifyQuery, answer: ops.auditVerdict, example: ex.AUDIT_VERDICT_EXAMPLE, problems: [...READ_PROBLEMS, 'forbidden'] }),
    read({ path: '/diagnostics/event-loop', operationId: 'getDiagnostics', summary: 'Event-loop delay and the queue of time-travel and history jobs', tag: 'audit', roles: AUDITOR, query: q.diagnostics, answer: ops.diagnostics, example: ex.DIAGNOSTICS_EXAMPLE, problems: [...READ_PROBLEMS, 'forbidden'] }),
  ];
};

let built: Record<string, unknown> | undefined;

/** The query service's OpenAPI 3.1 document (built once). */
export const queryOpenApi = (): Record<string, unknown> =>
  (built ??= buildOpenApi({
    info: {
      title: 'CSU Ledger: query service',
      version: '1.0.0',
      description: [
        'What CSU Ledger knows about NHS commissioning-support contracts: terms, performance, quarterly settlements, statements, extras, challenges, invoices and history, each as the caller’s organisation may see it. Every view is a `GET`.',
        'Send `X-Min-Position` with the position a command answered to read your own write. Settlement, performance, contract, statement, reconciliation, lists and history views take `asOf` (a business date) and `asAt` (an instant) to see the past. Lists are paged: `limit` and `after`, answered as `{ items, next }`. Unknown query parameters are 400.',
        'Money is in integer pence (fields ending `Pence`; sums may exceed 2^53, and every digit is sent), percentages in basis points (`Bp`). Errors are `application/problem+json` with a stable `code`. Answers may gain fields: ignore those you do not know.',
        'Get a token locally with `pnpm ledger token --role ccg --org 08J --sub me`.',
      ].join('\n\n'),
    },
    tags: [...Object.values(TAGS), DISCOVERY_TAG],
    components: {
      ContractSummary: a.contractSummary,
      ContractsPage: a.contractsPage,
      ContractDetail: a.contractDetail,
      Terms: a.terms,
      Kpi: a.kpi,
      Party: a.party,
      Performance: a.performance,
      KpiPerformance: a.kpiPerformance,
      Settlement: a.settlement,
      ApprovalSummary: a.approvalSummary,
      SettlementsPage: a.settlementsPage,
      LateItemsPage: a.lateItems,
      Statement: a.statement,
      Provenance: a.provenance,
      Reconciliation: a.reconciliation,
      WhatIf: a.whatIf,
      BreakClause: a.breakClause,
      Extra: a.extraItem,
      ExtrasPage: a.extrasPage,
      Challenge: a.challengeItem,
      ChallengesPage: a.challengesPage,
      Invoice: a.invoiceItem,
      InvoicesPage: a.invoicesPage,
      HistoryPage: a.historyPage,
      OrganisationsPage: a.organisationsPage,
      SupportSpend: ops.supportSpend,
      PaymentPerformance: ops.paymentPerformance,
      AuditVerdict: ops.auditVerdict,
      SettlementDiff: a.settlementDiff,
      ReceiptEvent: wire.receiptEvent,
      Diagnostics: ops.diagnostics,
      QueryHealth: ops.queryHealth,
      RecordedActor: wire.recordedActor,
    },
    operations: queryOperations(),
  }));
