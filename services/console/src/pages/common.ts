// What every contract page shares: the contract as the user may see it (now, or as of a date or instant), the
// contract's section navigation, and the time-travel parameters carried from page to page.
import type { Request } from 'express';
import { isIsoDate, monthsBetween, monthOfDate, compareMonths, quarterOfMonth } from '@csu-ledger/domain';
import type { Api } from '../api.ts';
import { readOpts, userOf } from '../app.ts';
import type { ActionContext } from '../actions.ts';
import { money, statusText } from '../format.ts';
import { contractPath, type ContractDetail, type Extra, type TimeTravel } from '../views.ts';

/** `asOf` and `asAt` from the address, if well formed (the services check them again and answer 400 otherwise). */
export const timeTravelOf = (req: Request): TimeTravel => {
  const asOf = typeof req.query.asOf === 'string' && isIsoDate(req.query.asOf) ? req.query.asOf : undefined;
  const asAt = typeof req.query.asAt === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(req.query.asAt) ? req.query.asAt : undefined;
  return { ...(asOf ? { asOf } : {}), ...(asAt ? { asAt } : {}) };
};

export const isTravelling = (t: TimeTravel): boolean => t.asOf !== undefined || t.asAt !== undefined;

export type Section = 'overview' | 'extras' | 'challenges' | 'invoices' | 'returns' | 'settlements' | 'break-clause' | 'history';

export const contractNav = (id: string, current: Section, t: TimeTravel, quarters: string[], role = '') => [
  { href: contractPath(id, '', t), text: 'Overview and KPIs', current: current === 'overview' },
  // Extras, challenges and invoices cannot be read as of a past date yet (API.md: time travel is for contract,
  // performance, settlement and history), so their links always show them as they stand.
  { href: contractPath(id, '/extras'), text: 'Extras', current: current === 'extras' },
  { href: contractPath(id, '/challenges'), text: 'Challenges', current: current === 'challenges' },
  ...(quarters.length > 0 ? [{ href: contractPath(id, `/settlements/${quarters[0]}`, t), text: 'Settlements', current: current === 'settlements' }] : []),
  { href: contractPath(id, '/invoices'), text: 'Invoices', current: current === 'invoices' },
  ...(role === 'csu' ? [{ href: contractPath(id, '/returns'), text: 'Upload returns', current: current === 'returns' }] : []),
  { href: contractPath(id, '/break-clause'), text: 'Break clause', current: current === 'break-clause' },
  { href: contractPath(id, '/history', t), text: 'History', current: current === 'history' },
];

/** The quarters of the term, in order. */
export const termQuarters = (c: { firstMonth: string; termEndMonth: string }): string[] => [
  ...new Set(monthsBetween(c.firstMonth, c.termEndMonth).map(quarterOfMonth)),
];

export const loadContract = async (api: Api, req: Request, t: TimeTravel = {}): Promise<ContractDetail> =>
  api.get<ContractDetail>(userOf(req).token, contractPath(String(req.params.id), '', t), readOpts(req));

/** What the action forms of a contract need: its KPIs, months and quarters, sensible ones to start from, its extras. */
export const actionContext = (c: ContractDetail, today: string, extras: Extra[] = []): ActionContext => {
  const months = monthsBetween(c.firstMonth, c.termEndMonth);
  // The month whose deliverables fall due now: last month's, within the term.
  let month = months.length > 0 ? months[months.length - 1]! : c.firstMonth;
  const current = monthOfDate(today);
  for (const m of months) if (compareMonths(m, current) < 0) month = m;
  if (compareMonths(current, c.firstMonth) <= 0) month = c.firstMonth;
  return {
    contractId: c.contractId,
    today,
    kpis: c.terms.kpis,
    months,
    month,
    quarters: termQuarters(c),
    quarter: quarterOfMonth(month),
    extras: extras
      .filter((x) => x.status !== 'withdrawn')
      .map((x) => ({ value: x.extraId, text: `${x.description} (${x.payablePence === null ? statusText(x.status).toLowerCase() : `agreed ${money(x.payablePence)}`})` })),
  };
};

/** Common view data of a contract page. */
export const contractFrame = (c: ContractDetail, section: Section, t: TimeTravel, req: Request) => ({
  contract: c,
  travel: t,
  travelling: isTravelling(t),
  nav: contractNav(c.contractId, section, t, termQuarters(c), userOf(req).role),
  nowLink: req.path,
  role: userOf(req).role,
});
