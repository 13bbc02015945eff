// The building blocks of answers as they travel (API.md: Conventions), as zod schemas from which the OpenAPI document
// is generated (openapi/document.ts). They describe JSON that we write, so they are never used to parse it.
import { z } from 'zod';
import type { Role } from '@csu-ledger/domain';

/** An integer of JSON Schema, without zod's safe-integer bounds (a sum of pence may lie beyond 2^53). */
export const integer = (description?: string) =>
  z.number().meta({ type: 'integer', ...(description === undefined ? {} : { description }) });

/** Money: whole pence, never a float (DOMAIN.md: Time and money). */
export const pence = (description = 'Whole pence, net of VAT.') =>
  z.number().meta({
    type: 'integer',
    format: 'int64',
    description: `${description} A sum may exceed 2^53: every digit is sent, so read it as a big integer where that matters.`,
    examples: [41_700_000],
  });

/** A percentage in integer basis points (9500 = 95%). */
export const bp = (description = 'Basis points: 9500 is 95%.') => z.number().meta({ type: 'integer', description, examples: [9500] });

export const count = (description?: string) => integer(description).min(0);

export const isoDate = (description?: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .meta({ format: 'date', examples: ['2025-05-15'], ...(description === undefined ? {} : { description }) });

export const instant = (description = 'An instant, ISO 8601 in UTC.') =>
  z.string().meta({ format: 'date-time', description, examples: ['2025-05-20T09:14:03.120Z'] });

export const monthId = (description = 'A financial month: 2025-26-M01 is April 2025.') =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-M(0[1-9]|1[0-2])$/)
    .meta({ description, examples: ['2025-26-M01'] });

export const quarterId = (description = 'A financial quarter: 2025-26-Q1 is April to June 2025.') =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-Q[1-4]$/)
    .meta({ description, examples: ['2025-26-Q1'] });

export const financialYear = () => z.string().regex(/^\d{4}-\d{2}$/).meta({ examples: ['2025-26'] });

/** A global log position: decimal digits (it may pass 2^53), for X-Min-Position. */
export const position = (description = 'A global log position, as a decimal string; send it as X-Min-Position to read your write.') =>
  z
    .string()
    .regex(/^(0|[1-9]\d*)$/)
    .meta({ description, examples: ['17'] });

export const orgCode = (description = 'An ODS code: 3 to 5 capital letters or digits.') =>
  z.string().meta({ description, examples: ['08J'] });

/** `Exclude<T, V[number]>` empty: every member of T is listed. */
type Covers<T extends string, V extends readonly string[]> = [Exclude<T, V[number]>] extends [never] ? V : never;

/** A zod enum of every member of the union T: a member missing (or one T does not have) fails to compile. */
export const enumOf =
  <T extends string>() =>
  <const V extends readonly [T, ...T[]]>(values: V & Covers<T, V>) =>
    z.enum(values);

export const role = () => enumOf<Role>()(['admin', 'csu', 'ccg', 'auditor']);

/** Who did something, as every event records it: the acting role. */
export const recordedActor = z
  .object({ sub: z.string(), name: z.string(), org: z.string(), role: role() })
  .meta({ description: 'Who did it: subject, display name, organisation and the role they acted in.' });

/** A page of a list (API.md: `limit`, `after`): `next` is the cursor to the rest, or null at the end. */
export const page = <T extends z.ZodType>(item: T, extra: z.ZodRawShape = {}) =>
  z.object({
    ...extra,
    items: z.array(item),
    next: z.string().nullable().meta({ description: "Pass as `after` for the next page; null on the last page." }),
  });

const sha256 = (description = 'SHA-256, hex.') => z.string().meta({ description });
const revision = () => integer('The event’s revision in its stream, from 0.').min(0);

/** The event a receipt was issued for (the approval), bound to the signed head by its stream's hash chain. */
export const receiptEvent = z.object({
  streamName: z.string(),
  revision: revision(),
  position: position('Its position in the log.'),
  eventId: z.string(),
  type: z.string(),
  hash: sha256('Its chain hash.'),
});

const signingTrigger = z.union([
  z.object({ kind: z.enum(['periodic', 'start', 'stop']) }),
  z.object({ kind: z.literal('group'), root: z.string().meta({ description: 'The contract stream whose group was signed.' }) }),
]);

/**
 * A receipt (issue 14; packages/integrity receipt.ts): what a CCG keeps of a settlement approval, checkable with
 * `pnpm ledger verify --receipt` or GET /audit/verify?receipt= long after.
 */
export const receipt = z
  .object({
    format: z.literal('csu-ledger-receipt/1'),
    contractId: z.string().optional(),
    quarter: z.string().optional(),
    event: receiptEvent.optional(),
    signedHead: z.object({
      streamName: z.literal('integrity-heads'),
      revision: revision(),
      position: position('Where the signed head sits in the log.'),
      hash: sha256('The signed head’s own chain hash.'),
      heads: z.array(z.object({ streamName: z.string(), revision: revision(), hash: sha256() })).meta({ description: 'Each stream’s last revision and hash, as signed.' }),
      throughPosition: position('The log position through which the heads were read.'),
      keyId: sha256('The signing key’s id: SHA-256 of its SPKI DER.'),
      signature: z.string().meta({ description: 'Base64 Ed25519 signature.' }),
      signedAt: instant('When it was signed.').optional(),
      intervalMs: integer('The signer’s interval between log-wide signings, in milliseconds.').optional(),
      trigger: signingTrigger.optional(),
    }),
    keyChanges: z
      .array(
        z.object({
          previousKeyId: sha256(),
          keyId: sha256(),
          publicKey: z.string().meta({ description: 'Base64 SPKI DER.' }),
          rotatedAt: instant(),
          signature: z.string().meta({ description: 'By the previous key.' }),
          proof: z.string().meta({ description: 'The same bytes signed by the new key.' }),
        }),
      )
      .meta({ description: 'The key changes from the first key to the one that signed the head, in order.' }),
  })
  .meta({ description: 'Keep it: it proves, without the service, that the log still holds the approval unchanged.' });
