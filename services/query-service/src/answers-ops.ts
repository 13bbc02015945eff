// What the query service answers about commissioners, the log and itself (issue 10; see answers.ts).
import { z } from 'zod';
import type { ProblemKind } from '@csu-ledger/integrity';
import { wire } from '@csu-ledger/http';

const { bp, count, enumOf, financialYear, instant, integer, isoDate, orgCode, pence, position, receiptEvent } = wire;

export const supportSpend = z.object({
  code: orgCode(),
  name: z.string().optional().meta({ description: 'The commissioner’s name on the year’s last day (or today, while the year runs).' }),
  year: financialYear(),
  population: integer().nullable(),
  runningCostAllowancePencePerHead: pence().nullable(),
  contracts: z.array(z.object({ contractId: z.string(), csu: orgCode(), csuName: z.string().optional(), feePence: pence('Core fees of the year’s quarters.') })),
  corePence: pence('Core support fees in the year.'),
  perHeadPence: pence('Core fees per head of registered population, rounded half up.').nullable(),
  shareOfRunningCostAllowanceBp: bp('Core fees as a share of the running-cost allowance (may pass 10000).').nullable(),
});

const paymentRecord = z.object({
  invoiceId: z.string(),
  contractId: z.string(),
  csu: orgCode(),
  invoiceNumber: z.string(),
  receivedOn: isoDate(),
  dueBy: isoDate(),
  paidOn: isoDate().nullable(),
  grossPence: pence(),
  days: integer('Days after receipt that it was paid, or (unpaid) that have passed.'),
});

export const paymentPerformance = z.object({
  code: orgCode(),
  year: financialYear(),
  assessed: z.object({ count: count(), valuePence: pence() }).meta({ description: 'Undisputed invoices paid, or unpaid past 30 days.' }),
  paidWithinTerms: z.object({ count: count(), valuePence: pence() }),
  shareByCountBp: bp().nullable(),
  shareByValueBp: bp().nullable(),
  paidLate: z.array(paymentRecord),
  unpaidOverdue: z.array(paymentRecord),
  notYetDue: count('Undisputed, unpaid and not yet 30 days old.'),
});

const integrityProblem = z.object({
  kind: enumOf<ProblemKind>()(['altered', 'missing', 'reordered', 'bad-signature', 'head-mismatch', 'unsigned-key', 'unsigned']),
  streamName: z.string(),
  revision: integer(),
  position: position(),
  detail: z.string(),
  line: integer().optional(),
});

/** GET /audit/verify: the whole log (`intact` or `tampered`), or with `receipt` a kept receipt (`holds` or `broken`). */
export const auditVerdict = z.discriminatedUnion('verdict', [
  z.object({
    verdict: z.literal('intact'),
    summary: z.object({
      events: count(),
      headEvents: count('Events of the integrity-heads stream: signed heads and key changes.'),
      streams: count(),
      signatures: count('Signed heads checked, every one valid.'),
      throughPosition: position('The last position verified.'),
      signedThroughPosition: position('The highest position a valid signature vouches for.'),
      awaitingSignature: count('Events no signed head covers yet, recorded too recently for the signer to have come round to them.'),
      keyId: z.string().nullable().meta({ description: 'The trusted (first) key’s id.' }),
      keys: z.array(z.string()).meta({ description: 'The keys in force one after another, the trusted key first.' }),
      intervalMs: integer('The signing interval the latest signed head records, in milliseconds.').nullable(),
      latestSignedAt: instant('When the latest signed head was signed.').nullable(),
    }),
  }),
  z.object({ verdict: z.literal('tampered'), problem: integrityProblem }),
  z.object({
    verdict: z.literal('holds'),
    summary: z.object({
      contractId: z.string().nullable(),
      quarter: z.string().nullable(),
      event: receiptEvent.nullable().meta({ description: 'The event the receipt was issued for, found unchanged where it was.' }),
      streams: count('Streams the signed head vouches for.'),
      events: count('Their events checked, each from its first.'),
      signedAt: instant().nullable(),
      throughPosition: position(),
      keyId: z.string().meta({ description: 'The key that signed the head.' }),
      keys: z.array(z.string()).meta({ description: 'The keys from the trusted one to the signing one.' }),
      signedHeadInLog: z.boolean().meta({ description: 'Whether the log’s integrity-heads stream still holds this very signed head (informative only).' }),
    }),
  }),
  z.object({ verdict: z.literal('broken'), problem: integrityProblem }),
]);

const jobCounts = z.object({ running: count(), queued: count() });

export const diagnostics = z.object({
  eventLoopDelay: z.object({ samples: count(), meanMs: z.number(), p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
  jobs: z.object({
    running: count(),
    queued: count(),
    keys: z.record(z.string(), jobCounts).meta({ description: 'Per organisation.' }),
    refused: z.object({ limited: count(), busy: count(), expired: count(), abandoned: count() }),
    meanMs: z.number(),
    done: count(),
    where: z.enum(['inline', 'workers']),
    workers: count(),
  }),
});

const quarantined = z.object({
  unit: z.string(),
  position: position(),
  streamName: z.string(),
  type: z.string(),
  eventId: z.string(),
  reason: z.string(),
  parties: z.object({ ccg: z.string(), csu: z.string() }).optional(),
  heldBack: count(),
  lastHeldPosition: position().nullable(),
});

export const queryHealth = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  position: position('The last projected position.'),
  failure: z.object({ position: position(), reason: z.string() }).optional().meta({ description: 'Auditors only.' }),
  quarantined: z.array(quarantined).optional().meta({ description: 'Auditors only.' }),
  skipped: z.array(z.object({ position: position(), streamName: z.string(), type: z.string(), reason: z.string() })).optional().meta({ description: 'Auditors only.' }),
});
