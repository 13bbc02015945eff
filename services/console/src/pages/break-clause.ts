// `/contracts/{id}/break-clause`: the break-clause calculator (issue 11). If notice were served on a date D by either
// party, when would the term end and how much core fee would remain to be paid: the query service's answer
// (GET /contracts/{id}/break-clause?servedOn=D), computed by the domain's own rule. A GET form: nothing is recorded.
import type { Request, Response } from 'express';
import { ServiceProblem, query } from '../api.ts';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { date, dateFields, dateFromFields, readableDates } from '../format.ts';
import type { FormError } from '../session.ts';
import { contractPath, type BreakClause } from '../views.ts';
import { contractFrame, loadContract } from './common.ts';

const field = (req: Request, part: string): string => {
  const v = req.query[`servedOn[${part}]`];
  return typeof v === 'string' ? v.trim() : '';
};

/** `2025-08-31` → `August 2025`. */
const monthName = (iso: string): string => date(iso).replace(/^\d+ /, '');

export const breakClausePage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const c = await loadContract(ctx.api, req);
  const typed = { day: field(req, 'day'), month: field(req, 'month'), year: field(req, 'year') };
  const asked = typed.day !== '' || typed.month !== '' || typed.year !== '';
  const errors: FormError[] = [];
  let answer: BreakClause | undefined;
  let servedOn: string | undefined;
  if (asked) {
    servedOn = dateFromFields(typed.day, typed.month, typed.year);
    if (servedOn === undefined) errors.push({ field: 'servedOn-day', message: 'The date notice is served must be a real date, like 31 8 2025' });
    else {
      try {
        answer = await ctx.api.get<BreakClause>(userOf(req).token, query(contractPath(c.contractId, '/break-clause'), { servedOn }), readOpts(req));
      } catch (err) {
        if (!(err instanceof ServiceProblem) || (err.status !== 400 && err.status !== 409)) throw err;
        const detail = err.errors[0]?.message ?? err.detail ?? err.title;
        errors.push({ field: 'servedOn-day', message: readableDates(detail.charAt(0).toUpperCase() + detail.slice(1)) });
      }
    }
  }
  res.render('break-clause.njk', {
    ...contractFrame(c, 'break-clause', {}, req),
    // Today is the natural date to ask about while the term runs; after its end any answer would be a refusal.
    picker: asked ? typed : ctx.today() <= c.termEnd ? dateFields(ctx.today()) : { day: '', month: '', year: '' },
    errors,
    answer,
    servedOn,
    // The calendar months the remaining fee covers, as people say them: "August 2025 to November 2025".
    span: answer ? { from: monthName(answer.servedOn < c.agreedOn ? c.agreedOn : answer.servedOn), to: monthName(answer.termEnd), agreedEnd: date(c.termEnd) } : undefined,
  });
};
