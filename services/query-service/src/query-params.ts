// Every query parameter of every route, validated by a strict zod schema per route (API.md: unknown query
// parameters are 400, never silently ignored). Each refusal names its parameter; all are reported at once.
import type { Request } from 'express';
import { z } from 'zod';
import { EARLIEST_DATE, isFinancialYear, isLedgerDate, londonDate, MAX_AMOUNT_PENCE, type IsoDate, type WhatIfAssumptions } from '@csu-ledger/domain';
import { HttpError } from '@csu-ledger/http';
import { HISTORY_TYPES, type HistoryType } from './history.ts';
import { LIMIT_DEFAULT, LIMIT_MAX } from './paging.ts';
import {
  combineTimeTravel,
  parseInstant,
  parseQueryDate,
  type Instant,
  type Parsed,
  type TimeTravel,
} from './time-travel.ts';

/** A parameter given once, as text: `?a=1&a=2` arrives as an array, `?a[b]=1` never matches a name we take. */
const once = (name: string) => z.string({ error: `${name} must be given once` });

const checked = <T>(name: string, parse: (text: string) => Parsed<T>) =>
  once(name).transform((text, ctx): T => {
    const r = parse(text);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });

const limit = checked('limit', (text): Parsed<number> => {
  if (!/^\d{1,10}$/.test(text)) return { ok: false, message: `limit must be a whole number from 1 to ${LIMIT_MAX}` };
  const n = Number(text);
  if (n < 1) return { ok: false, message: `limit must be at least 1` };
  if (n > LIMIT_MAX) return { ok: false, message: `limit ${text} is more than ${LIMIT_MAX}, the most one page holds` };
  return { ok: true, value: n };
});

const after = once('after').min(1, 'after must be the `next` cursor of the previous page');

/** A route's query schema and the names it takes (for the message about an unknown one). */
export interface Route<T> {
  schema: z.ZodType<T>;
  names: readonly string[];
}
const route = <T>(schema: z.ZodType<T>, shape: object): Route<T> => ({ schema, names: Object.keys(shape) });

type Paged = { limit: number; after: string | undefined };
type When = { when: TimeTravel | undefined };

export interface QuerySchemas {
  /** Views: asOf, asAt. */
  view: Route<When>;
  /** Lists of a contract view: limit, after, asOf, asAt. */
  viewList: Route<When & Paged>;
  /** Lists that are not views of a past moment: limit, after. */
  list: Route<Paged>;
  /** The register: limit, after, asOf, asAt (names in force at a date, as known at an instant). */
  register: Route<When & Paged>;
  /** History: limit, after, asOf, asAt, type, from, to. */
  history: Route<
    When & Paged & { types: HistoryType[] | undefined; from: IsoDate | undefined; to: IsoDate | undefined }
  >;
  /** Support spend: year. */
  supportSpend: Route<{ year: string }>;
  /** The diagnostics: reset. */
  diagnostics: Route<{ reset?: 'true' | undefined }>;
  /** A statement: asOf, asAt, format. */
  statement: Route<When & { format?: 'json' | 'csv' | 'xlsx' | undefined }>;
  /** What-if: extras and challenges as id:pence pairs. */
  whatIf: Route<WhatIfAssumptions>;
  /** The break-clause calculator: servedOn. */
  breakClause: Route<{ servedOn: IsoDate }>;
  /** No parameters at all. */
  none: Route<Record<string, never>>;
}

export const querySchemas = (clock: () => Date): QuerySchemas => {
  const today = () => londonDate(clock());
  const asOf = checked('asOf', (t) => parseQueryDate('asOf', t, today()));
  const asAt = checked('asAt', (t) => parseInstant('asAt', t, clock()));
  const date = (name: string) => checked(name, (t) => parseQueryDate(name, t, today()));
  const types = checked('type', (text): Parsed<HistoryType[]> => {
    const names = text.split(',');
    const unknown = names.filter((n) => !(HISTORY_TYPES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      return {
        ok: false,
        message: `type must be event types separated by commas; not one: ${unknown.map((u) => JSON.stringify(u)).join(', ')} (one of ${HISTORY_TYPES.join(', ')})`,
      };
    }
    return { ok: true, value: [...new Set(names)] as HistoryType[] };
  });

  /** asOf and asAt into one TimeTravel, refusing a pair that cannot be (time-travel.ts). */
  const withWhen = <T extends { asOf?: IsoDate | undefined; asAt?: Instant | undefined }>(
    v: T,
    ctx: z.RefinementCtx,
  ) => {
    const { asOf: d, asAt: i, ...rest } = v;
    const r = combineTimeTravel(d, i);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.message, path: ['asOf'] });
      return z.NEVER;
    }
    return { ...rest, when: r.value };
  };
  const paged = <T extends { limit?: number | undefined }>(v: T) => ({ ...v, limit: v.limit ?? LIMIT_DEFAULT });

  const viewShape = { asOf: asOf.optional(), asAt: asAt.optional() };
  const view = z.strictObject(viewShape).transform(withWhen);
  const viewListShape = { ...viewShape, limit: limit.optional(), after: after.optional() };
  const viewList = z
    .strictObject(viewListShape)
    .transform(withWhen)
    .transform((v) => ({ ...paged(v), after: v.after }));
  const historyShape = {
    ...viewListShape,
    type: types.optional(),
    from: date('from').optional(),
    to: date('to').optional(),
  };
  const history = z
    .strictObject(historyShape)
    .superRefine((v, ctx) => {
      if (v.from !== undefined && v.to !== undefined && v.from > v.to) {
        ctx.addIssue({ code: 'custom', message: `from ${v.from} is after to ${v.to}`, path: ['from'] });
      }
    })
    .transform(withWhen)
    .transform(({ type, ...v }) => ({ ...paged(v), after: v.after, types: type, from: v.from, to: v.to }));
  const listShape = { limit: limit.optional(), after: after.optional() };
  const list = z.strictObject(listShape).transform((v) => ({ ...paged(v), after: v.after }));
  const spendShape = { year: once('year').refine(isFinancialYear, 'year must be a financial year such as 2025-26') };
  const diagnosticsShape = { reset: z.enum(['true'], { error: 'reset may only be true' }).optional() };
  const statementShape = { ...viewShape, format: z.enum(['json', 'csv', 'xlsx'], { error: 'format must be json, csv or xlsx' }).optional() };
  /** `id:pence,id:pence`: what-if assumptions, each amount whole pence within the Limits. */
  const assumed = (name: string, field: 'agreedPence' | 'recoveredPence', idKey: 'extraId' | 'challengeId') =>
    once(name).transform((text, ctx) => {
      const items = text.split(',').map((pair) => /^([A-Za-z0-9._-]{1,100}):(0|[1-9]\d{0,11})$/.exec(pair.trim()));
      if (items.some((m) => m === null || Number(m[2]) > MAX_AMOUNT_PENCE)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be id:pence pairs separated by commas, each at most ${MAX_AMOUNT_PENCE} pence` });
        return z.NEVER;
      }
      return items.map((m) => ({ [idKey]: m![1]!, [field]: Number(m![2]) }) as { extraId: string; agreedPence: number } & { challengeId: string; recoveredPence: number });
    });
  const whatIfShape = { extras: assumed('extras', 'agreedPence', 'extraId').optional(), challenges: assumed('challenges', 'recoveredPence', 'challengeId').optional() };
  const whatIf = z.strictObject(whatIfShape).transform((v) => ({ extras: v.extras ?? [], challenges: v.challenges ?? [] }));
  // A notice that might be served: a real date from the ledger's earliest, in the future too (it is a what-if).
  const breakClauseShape = { servedOn: once('servedOn').refine(isLedgerDate, `servedOn must be a real date YYYY-MM-DD, not before ${EARLIEST_DATE}`) };
  return {
    view: route(view, viewShape),
    viewList: route(viewList, viewListShape),
    list: route(list, listShape),
    register: route(viewList, viewListShape),
    history: route(history, historyShape),
    supportSpend: route(z.strictObject(spendShape), spendShape),
    diagnostics: route(z.strictObject(diagnosticsShape), diagnosticsShape),
    statement: route(z.strictObject(statementShape).transform(withWhen), statementShape),
    whatIf: route(whatIf, whatIfShape),
    breakClause: route(z.strictObject(breakClauseShape), breakClauseShape),
    none: route(z.strictObject({}), {}),
  };
};

/** The route's parameters, or 400 'validation-failed' listing every problem at its parameter's name. */
export const parseQuery = <T>(route: Route<T>, req: Request): T => {
  const parsed = route.schema.safeParse(req.query);
  const accepted = route.names.join(', ');
  if (parsed.success) return parsed.data;
  throw new HttpError('validation-failed', 'invalid query parameters', {
    errors: parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({
            path: k,
            message: `unknown query parameter ${JSON.stringify(k)}; this route takes ${accepted || 'none'}`,
          }))
        : [{ path: i.path.join('.') || '(query)', message: i.message }],
    ),
  });
};
