// `/organisations/{code}`: a commissioner's support spend per head against its running-cost allowance, per financial
// year, with a chart (the articles' yardstick: £25 a head, a third of it spent on the CSU).
import type { Request, Response } from 'express';
import { financialYearId, isOrgCode, monthOfDate, parseMonthId } from '@csu-ledger/domain';
import { readOpts, userOf, type PageContext } from '../app.ts';
import { spendChart } from '../charts.ts';
import { financialYear } from '../format.ts';
import type { ContractSummary, Organisation, SupportSpend } from '../views.ts';

/**
 * What both commissioner pages start from: the organisation code (a 404 page when it cannot be one), the register and
 * the contracts the user can see, and the financial years of this commissioner's contracts with the current one.
 */
export const commissionerYears = async (ctx: PageContext, req: Request, res: Response) => {
  const code = String(req.params.code).toUpperCase();
  if (!isOrgCode(code)) {
    res.status(404).render('error.njk', { title: 'Page not found', message: 'An organisation code has 3 to 5 letters or digits, like 08J.' });
    return undefined;
  }
  const { token } = userOf(req);
  const opts = readOpts(req);
  const [orgs, contracts] = await Promise.all([
    ctx.api.all<Organisation>(token, '/organisations', 'organisations', opts),
    ctx.api.all<ContractSummary>(token, '/contracts', 'contracts', opts),
  ]);
  const years = new Set<number>([parseMonthId(monthOfDate(ctx.today())).fy]);
  for (const c of contracts.filter((x) => x.ccg.code === code)) {
    for (let y = parseMonthId(c.firstMonth).fy; y <= parseMonthId(c.termEndMonth).fy; y++) years.add(y);
  }
  const ordered = [...years].sort((a, b) => a - b).map(financialYearId);
  return { code, token, opts, orgs, contracts, org: orgs.find((o) => o.code === code), years: ordered };
};

export const organisationPage = (ctx: PageContext) => async (req: Request, res: Response): Promise<void> => {
  const found = await commissionerYears(ctx, req, res);
  if (!found) return;
  const { code, token, opts, contracts, org, years: ordered } = found;
  const spend = await Promise.all(ordered.map((y) => ctx.api.get<SupportSpend>(token, `/organisations/${code}/support-spend?year=${y}`, opts)));
  const chart = spendChart(
    'spend-chart',
    `${org?.name ?? code}: support spend per head against the running-cost allowance`,
    spend.map((s) => ({ label: financialYear(s.year), perHeadPence: s.perHeadPence, allowancePerHeadPence: s.runningCostAllowancePencePerHead })),
  );
  res.render('organisation.njk', {
    code,
    org,
    spend,
    contractNames: Object.fromEntries(contracts.map((c) => [c.contractId, c.csu.name ?? c.csu.code])),
    chart,
  });
};
