// The command service's OpenAPI document (issue 10): every route of app.ts with the zod schema that validates its
// body (schemas.ts), the roles that may call it (auth's PERMISSIONS), its answers and problem codes, and an example
// from DOMAIN.md's worked example. A test walks the app's routes against this list (test/int/openapi.int.test.ts),
// and the int and e2e suites validate every answer against it.
//
// To document a new command: add one `command({...})` to `commandOperations` below (path in OpenAPI's `{param}`
// form, the permission it needs, the zod body schema of schemas.ts, an example body, `creates` when it answers 201,
// and every problem code it can answer beyond COMMAND_PROBLEMS), then `pnpm openapi:write`.
import { z } from 'zod';
import { PERMISSIONS, type Permission } from '@csu-ledger/auth';
import { CHILD_ID_EXAMPLES, CONTRACT_ID_EXAMPLE } from './openapi-examples.ts';
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
import * as s from './schemas.ts';
import * as ex from './openapi-examples.ts';

/** What every command may meet besides its own rules (API.md: Conventions). */
const COMMAND_PROBLEMS: readonly ProblemCode[] = [
  'malformed-json',
  'validation-failed',
  'invalid-input',
  'business-date-in-future',
  'payload-too-large',
  'unsupported-media-type',
  'forbidden',
  'idempotency-key-reused',
  'concurrency-conflict',
  'precondition-failed',
];

const recorded = (created?: 'contractId' | 'code' | 'extraId' | 'challengeId' | 'invoiceId') =>
  z.object({
    ...(created === undefined ? {} : { [created]: z.string().meta({ description: 'The id of what was created.' }) }),
    position: wire.position(),
    revision: wire.integer('The stream’s revision now: send it as If-Match to change the stream only if nothing else has since.').min(0),
  });

const answers = {
  Recorded: recorded(),
  ApprovalRecorded: recorded().extend({
    receipt: wire.receipt
      .nullable()
      .optional()
      .meta({ description: 'The signed head that covers the approval, for the CCG to keep (issue 14). Null when signing failed (`pnpm ledger receipt` then gives it); absent where the service signs nothing.' }),
  }),
  ContractAgreedAnswer: recorded('contractId'),
  OrganisationRegisteredAnswer: recorded('code'),
  ExtraRaisedAnswer: recorded('extraId'),
  ChallengeRaisedAnswer: recorded('challengeId'),
  InvoiceSubmittedAnswer: recorded('invoiceId'),
};

// Optional headers carry no example: the reference's client would send it with every try (an If-Match of "3" would
// refuse most commands).
const headers: Record<string, ApiParameter> = {
  'Idempotency-Key': {
    schema: z.string().regex(/^[\x21-\x7e]{1,200}$/),
    description: 'A retry with the same key and body returns the first answer and records nothing more; the same key with another body is 409 idempotency-key-reused.',
  },
  'If-Match': {
    schema: z.string().regex(/^(W\/)?"?-?\d{1,15}"?$/),
    description: 'The target stream’s revision ("3", from an earlier answer’s ETag or revision): refused with 412 unless the stream is still at it.',
  },
};

const idParam = (description: string, example: string): ApiParameter => ({ schema: z.string().min(1), description, example });
const contractId = idParam('The contract’s id.', CONTRACT_ID_EXAMPLE);
const params = {
  contract: { contractId },
  extra: { extraId: idParam('The extra’s id (it names its contract).', CHILD_ID_EXAMPLES.extra) },
  challenge: { challengeId: idParam('The challenge’s id (it names its contract).', CHILD_ID_EXAMPLES.challenge) },
  invoice: { invoiceId: idParam('The invoice’s id (it names its contract).', CHILD_ID_EXAMPLES.invoice) },
};

const TAGS = {
  register: { name: 'Organisations', description: 'The register of CCGs, CSUs and trusts (admin).' },
  contracts: { name: 'Contracts', description: 'Agreeing and varying contracts, break notices, delivery and performance, settlement approval.' },
  extras: { name: 'Extras', description: 'Charges beyond the core fee: raised by the CSU, accepted, disputed, resolved by the CCG.' },
  challenges: { name: 'Challenges', description: 'Challenges to trusts’ billed activity, and CCG finance’s queries of recoveries.' },
  invoices: { name: 'Invoices', description: 'What the CSU bills, and its payment by the CCG.' },
};

interface CommandOp {
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: keyof typeof TAGS;
  permission: Permission;
  params?: Record<string, ApiParameter>;
  body: z.ZodType;
  example: unknown;
  /** 201 and the new id's answer; else 200 Recorded (or `answer`). */
  creates?: { schema: z.ZodType; example: Record<string, unknown> };
  /** A 200 answer with more than Recorded's fields. */
  answer?: { schema: z.ZodType; example: Record<string, unknown> };
  problems: readonly ProblemCode[];
}

const command = (c: CommandOp): ApiOperation => {
  const etag = { ETag: { schema: z.string(), description: 'The stream’s revision, quoted: send it as If-Match.' } };
  const success: Record<number, ApiResponse> = c.creates
    ? { 201: { description: 'Recorded; the new id and the log position.', schema: c.creates.schema, example: c.creates.example, headers: etag } }
    : { 200: { description: 'Recorded; the log position.', schema: c.answer?.schema ?? answers.Recorded, example: c.answer?.example ?? { position: '42', revision: 3 }, headers: etag } };
  return {
    method: 'post',
    path: c.path,
    operationId: c.operationId,
    summary: c.summary,
    description: c.description ?? '',
    tags: [TAGS[c.tag].name],
    auth: 'token',
    roles: PERMISSIONS[c.permission],
    ...(c.params ? { params: c.params } : {}),
    headers,
    body: { schema: c.body, example: c.example },
    responses: success,
    problems: [...COMMAND_PROBLEMS, ...c.problems],
  };
};

const onContract: readonly ProblemCode[] = ['not-found'];
const kpiMonth: readonly ProblemCode[] = ['not-found', 'outside-term', 'unknown-kpi', 'wrong-kpi-kind', 'quarter-closed'];
const step: readonly ProblemCode[] = ['not-found', 'transition-not-allowed'];

export const commandOperations = (): ApiOperation[] => [
  {
    method: 'get',
    path: '/health',
    operationId: 'getCommandHealth',
    summary: 'Is the command service up, and where is the log’s head?',
    tags: [DISCOVERY_TAG.name],
    auth: 'none',
    responses: {
      200: { description: 'Up.', schema: z.object({ status: z.literal('ok'), service: z.literal('command'), position: wire.position('The log’s head position.') }), example: { status: 'ok', service: 'command', position: '42' } },
      503: { description: 'The store cannot be read.', schema: z.object({ status: z.literal('unavailable'), service: z.literal('command') }) },
    },
    problems: [],
  },
  ...discoveryOperations({ metrics: true }),
  command({ path: '/organisations', operationId: 'registerOrganisation', summary: 'Register an organisation', tag: 'register', permission: 'register-organisation', body: s.registerOrganisation, example: ex.registerOrganisation, creates: { schema: answers.OrganisationRegisteredAnswer, example: { code: '08J', position: '1', revision: 0 } }, problems: ['already-exists'] }),
  command({ path: '/organisations/{code}/renaming', operationId: 'renameOrganisation', summary: 'Rename an organisation from a date', description: 'The new name is in force from `businessDate`; views show the name in force at the date they are about.', tag: 'register', permission: 'rename-organisation', params: { code: { schema: z.string(), description: 'The organisation’s ODS code.', example: 'RAX' } }, body: s.renameOrganisation, example: ex.renameOrganisation, problems: ['not-found'] }),
  command({ path: '/contracts', operationId: 'agreeContract', summary: 'Agree a contract', description: 'The contract id is yours to choose (`contractId`) or made for you. KPI weights must add up to 10000.', tag: 'contracts', permission: 'agree-contract', body: s.agreeContract, example: ex.agreeContract, creates: { schema: answers.ContractAgreedAnswer, example: { contractId: CONTRACT_ID_EXAMPLE, position: '5', revision: 0 } }, problems: ['already-exists'] }),
  command({ path: '/contracts/{contractId}/variations', operationId: 'varyContract', summary: 'Vary a contract’s terms from a later quarter', tag: 'contracts', permission: 'vary-contract', params: params.contract, body: s.varyContract, example: ex.varyContract, problems: [...onContract, 'invalid-variation', 'outside-term', 'quarter-closed'] }),
  command({ path: '/contracts/{contractId}/break-notices', operationId: 'serveBreakNotice', summary: 'Serve break notice', description: 'The term then ends on the last day of the month the notice period after the notice’s month (never later than agreed).', tag: 'contracts', permission: 'serve-break-notice', params: params.contract, body: s.breakNotice, example: { businessDate: '2025-08-31' }, problems: [...onContract, 'break-notice-already-served', 'term-ended', 'quarter-closed'] }),
  command({ path: '/contracts/{contractId}/deliveries', operationId: 'recordDelivery', summary: 'Record a delivery of a deliverable KPI', description: 'The delivered-on date is the business date.', tag: 'contracts', permission: 'deliver', params: params.contract, body: s.delivery, example: ex.delivery, problems: kpiMonth }),
  command({ path: '/contracts/{contractId}/rejections', operationId: 'rejectDelivery', summary: 'Reject the latest delivery of a KPI and month', tag: 'contracts', permission: 'reject-delivery', params: params.contract, body: s.rejection, example: ex.rejection, problems: [...kpiMonth, 'nothing-to-reject'] }),
  command({ path: '/contracts/{contractId}/measurements', operationId: 'reportMeasurement', summary: 'Report a measured KPI’s achievement for a month', tag: 'contracts', permission: 'report-measurement', params: params.contract, body: s.measurement, example: ex.measurement, problems: kpiMonth }),
  command({ path: '/contracts/{contractId}/returns', operationId: 'recordReturns', summary: 'Record a month’s KPI returns (deliveries and measurements) together', description: 'Each row is decided in turn, by the same rules as a single delivery or measurement, against the contract as the rows before it leave it. All rows are recorded together or, if any is refused, none: the 400 names every refused row (`rows[3].deliveredOn`). Rows of measurements need the report-measurement permission as well. Send one Idempotency-Key per file, so that sending the same file again records nothing more.', tag: 'contracts', permission: 'deliver', params: params.contract, body: s.returns, example: ex.returns, problems: kpiMonth }),
  command({
    path: '/contracts/{contractId}/settlements/{quarter}/approval',
    operationId: 'approveSettlement',
    summary: 'Approve a quarter’s settlement',
    description: 'Send the net payable you saw: if the settlement computed now differs, the approval is refused (409 stale-settlement, with the current figure as `netPayablePence`). Quarters are approved in order, after they end; an approved quarter is closed.',
    tag: 'contracts',
    permission: 'approve-settlement',
    params: { ...params.contract, quarter: { schema: wire.quarterId(), description: 'The quarter.', example: '2025-26-Q1' } },
    body: s.approval,
    example: ex.approval,
    answer: { schema: answers.ApprovalRecorded, example: ex.approvalRecorded },
    problems: [...onContract, 'outside-term', 'quarter-closed', 'quarter-not-ended', 'earlier-quarter-open', 'stale-settlement'],
  }),
  command({ path: '/contracts/{contractId}/extras', operationId: 'raiseExtra', summary: 'Raise an extra', tag: 'extras', permission: 'raise-extra', params: params.contract, body: s.raiseExtra, example: ex.raiseExtra, creates: { schema: answers.ExtraRaisedAnswer, example: { extraId: CHILD_ID_EXAMPLES.extra, position: '20', revision: 0 } }, problems: [...onContract, 'already-exists'] }),
  command({ path: '/extras/{extraId}/accept', operationId: 'acceptExtra', summary: 'Accept an extra', tag: 'extras', permission: 'accept-extra', params: params.extra, body: s.acceptExtra, example: { businessDate: '2025-04-22' }, problems: step }),
  command({ path: '/extras/{extraId}/dispute', operationId: 'disputeExtra', summary: 'Dispute an extra', tag: 'extras', permission: 'dispute-extra', params: params.extra, body: s.disputeExtra, example: ex.disputeExtra, problems: step }),
  command({ path: '/extras/{extraId}/revise', operationId: 'reviseExtra', summary: 'Revise a disputed extra’s amount', tag: 'extras', permission: 'revise-extra', params: params.extra, body: s.reviseExtra, example: { businessDate: '2025-05-02', amountPence: 1_200_000, detail: 'Two days fewer' }, problems: step }),
  command({ path: '/extras/{extraId}/withdraw', operationId: 'withdrawExtra', summary: 'Withdraw an extra', tag: 'extras', permission: 'withdraw-extra', params: params.extra, body: s.withdraw, example: { businessDate: '2025-05-02' }, problems: step }),
  command({ path: '/extras/{extraId}/resolve', operationId: 'resolveExtra', summary: 'Record the amount both parties agreed for a disputed extra', tag: 'extras', permission: 'resolve-extra', params: params.extra, body: s.resolveExtra, example: { businessDate: '2025-06-16', agreedPence: 900_000 }, problems: [...step, 'amount-exceeds-claim'] }),
  command({ path: '/extras/{extraId}/escalate', operationId: 'escalateExtra', summary: 'Escalate a disputed extra to formal dispute resolution', tag: 'extras', permission: 'escalate-extra', params: params.extra, body: s.escalate, example: { businessDate: '2025-05-01' }, problems: step }),
  command({ path: '/contracts/{contractId}/challenges', operationId: 'raiseChallenge', summary: 'Challenge a trust’s billed activity', tag: 'challenges', permission: 'raise-challenge', params: params.contract, body: s.raiseChallenge, example: ex.raiseChallenge, creates: { schema: answers.ChallengeRaisedAnswer, example: { challengeId: CHILD_ID_EXAMPLES.challenge, position: '14', revision: 0 } }, problems: [...onContract, 'already-exists'] }),
  command({ path: '/challenges/{challengeId}/responses', operationId: 'recordTrustResponse', summary: 'Record the trust’s reply to a challenge', tag: 'challenges', permission: 'record-trust-response', params: params.challenge, body: s.trustResponse, example: { businessDate: '2025-05-30', acceptedPence: 8_000_000, rejectedPence: 1_000_000 }, problems: [...step, 'amount-exceeds-challenge'] }),
  command({ path: '/challenges/{challengeId}/escalate', operationId: 'escalateChallenge', summary: 'Escalate a challenge to formal dispute resolution', tag: 'challenges', permission: 'escalate-challenge', params: params.challenge, body: s.escalate, example: { businessDate: '2025-06-02' }, problems: step }),
  command({ path: '/challenges/{challengeId}/resolve', operationId: 'resolveChallenge', summary: 'Record what a challenge recovered', description: 'Recording it again replaces the recovery and clears a query by CCG finance.', tag: 'challenges', permission: 'resolve-challenge', params: params.challenge, body: s.resolveChallenge, example: { businessDate: '2025-06-20', recoveredPence: 8_000_000, creditNoteReference: 'CN-RAX-0042' }, problems: [...step, 'amount-exceeds-challenge'] }),
  command({ path: '/challenges/{challengeId}/withdraw', operationId: 'withdrawChallenge', summary: 'Withdraw a challenge', tag: 'challenges', permission: 'withdraw-challenge', params: params.challenge, body: s.withdraw, example: { businessDate: '2025-06-02' }, problems: step }),
  command({ path: '/challenges/{challengeId}/query', operationId: 'queryRecovery', summary: 'Query a recovery (CCG finance)', description: 'The recovery leaves the gain share until confirmed or recorded again; only while the quarter it counts in is open.', tag: 'challenges', permission: 'query-recovery', params: params.challenge, body: s.queryRecovery, example: { businessDate: '2025-06-27', reason: 'No credit note from the trust yet' }, problems: [...step, 'quarter-closed'] }),
  command({ path: '/challenges/{challengeId}/confirm', operationId: 'confirmRecovery', summary: 'Confirm a queried recovery', tag: 'challenges', permission: 'confirm-recovery', params: params.challenge, body: s.confirmRecovery, example: { businessDate: '2025-06-30' }, problems: step }),
  command({ path: '/contracts/{contractId}/invoices', operationId: 'submitInvoice', summary: 'Submit an invoice', description: 'Invoice numbers are unique per CSU, across its contracts.', tag: 'invoices', permission: 'submit-invoice', params: params.contract, body: s.submitInvoice, example: ex.submitInvoice, creates: { schema: answers.InvoiceSubmittedAnswer, example: { invoiceId: CHILD_ID_EXAMPLES.invoice, position: '40', revision: 0 } }, problems: [...onContract, 'already-exists', 'outside-term'] }),
  command({ path: '/invoices/{invoiceId}/dispute', operationId: 'disputeInvoice', summary: 'Dispute an invoice', tag: 'invoices', permission: 'dispute-invoice', params: params.invoice, body: s.disputeInvoice, example: { businessDate: '2025-07-10', reason: 'Bills the withheld amount' }, problems: step }),
  command({ path: '/invoices/{invoiceId}/pay', operationId: 'payInvoice', summary: 'Record an invoice’s payment', description: 'The amount is the invoice’s gross (net plus VAT); the paid-on date is the business date.', tag: 'invoices', permission: 'pay-invoice', params: params.invoice, body: s.payInvoice, example: { paidOn: '2025-07-25', amountPence: 38_400_000 }, problems: [...step, 'amount-mismatch'] }),
  command({ path: '/invoices/{invoiceId}/withdraw', operationId: 'withdrawInvoice', summary: 'Withdraw an invoice', tag: 'invoices', permission: 'withdraw-invoice', params: params.invoice, body: s.withdraw, example: { businessDate: '2025-07-11' }, problems: step }),
];

let built: Record<string, unknown> | undefined;

/** The command service's OpenAPI 3.1 document (built once). */
export const commandOpenApi = (): Record<string, unknown> =>
  (built ??= buildOpenApi({
    info: {
      title: 'CSU Ledger: command service',
      version: '1.0.0',
      description: [
        'Records what happens under NHS commissioning-support contracts between CCGs and CSUs: every command is a `POST` with a JSON body and answers the global log position of what it recorded (send it as `X-Min-Position` to the query service to read your write).',
        'Money is in integer pence (fields ending `Pence`), percentages in basis points (`Bp`), dates `YYYY-MM-DD`, months `2025-26-M01`, quarters `2025-26-Q1`. Every body carries its `businessDate`. Unknown fields are refused.',
        'Errors are `application/problem+json` with a stable `code`. Every answer carries `X-Correlation-Id`. Answers may gain fields: ignore those you do not know.',
        'Get a token locally with `pnpm ledger token --role csu --org 0AX --sub me`.',
      ].join('\n\n'),
    },
    tags: [...Object.values(TAGS), DISCOVERY_TAG],
    components: { ...answers, Receipt: wire.receipt, ReceiptEvent: wire.receiptEvent, ...requestComponents() },
    operations: commandOperations(),
  }));

/** Request bodies shown by name. */
const requestComponents = (): Record<string, z.ZodType> => ({
  RegisterOrganisation: s.registerOrganisation,
  RenameOrganisation: s.renameOrganisation,
  AgreeContract: s.agreeContract,
  Kpi: s.kpi,
  VaryContract: s.varyContract,
  BreakNotice: s.breakNotice,
  Delivery: s.delivery,
  Rejection: s.rejection,
  Measurement: s.measurement,
  Approval: s.approval,
  RaiseExtra: s.raiseExtra,
  AcceptExtra: s.acceptExtra,
  DisputeExtra: s.disputeExtra,
  ReviseExtra: s.reviseExtra,
  Withdrawal: s.withdraw,
  ResolveExtra: s.resolveExtra,
  Escalation: s.escalate,
  RaiseChallenge: s.raiseChallenge,
  TrustResponse: s.trustResponse,
  ResolveChallenge: s.resolveChallenge,
  QueryRecovery: s.queryRecovery,
  ConfirmRecovery: s.confirmRecovery,
  SubmitInvoice: s.submitInvoice,
  DisputeInvoice: s.disputeInvoice,
  PayInvoice: s.payInvoice,
});
