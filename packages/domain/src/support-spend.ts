// What a commissioner spends on support (DOMAIN.md: Organisation register): core fees in a financial year, per
// head of registered population, and as a share of its running-cost allowance (the articles' yardstick: £25 a
// head, a third of it on the CSU).
import { quartersOfYear } from './calendar.ts';
import type { AgreedContract } from './contract/model.ts';
import { ratio, roundHalfUp, toBp } from './money.ts';
import type { RegisteredOrganisation } from './organisation/organisation.ts';
import { quarterFee } from './settlement.ts';

export interface SupportSpend {
  code: string;
  year: string;
  population: number | null;
  runningCostAllowancePencePerHead: number | null;
  contracts: { contractId: string; csu: string; feePence: number }[];
  corePence: number;
  perHeadPence: number | null;
  shareOfRunningCostAllowanceBp: number | null;
}

/** Core fees of the year's quarters: an approved quarter counts its approved fee (it equals the computed one). */
export const supportSpend = (org: RegisteredOrganisation, year: string, contracts: AgreedContract[]): SupportSpend => {
  const rows = contracts
    .filter((c) => c.ccg === org.code)
    .map((c) => ({
      contractId: c.contractId,
      csu: c.csu,
      feePence: quartersOfYear(year).reduce((s, q) => s + (c.approvals[q]?.figures.feePence ?? quarterFee(c, q)), 0),
    }))
    .filter((r) => r.feePence > 0);
  const core = rows.reduce((s, r) => s + r.feePence, 0);
  const pop = org.population ?? null;
  const rca = org.runningCostAllowancePencePerHead ?? null;
  return {
    code: org.code,
    year,
    population: pop,
    runningCostAllowancePencePerHead: rca,
    contracts: rows,
    corePence: core,
    perHeadPence: pop ? roundHalfUp(ratio(core, pop)) : null,
    shareOfRunningCostAllowanceBp: pop && rca ? toBp(ratio(core, pop * rca)) : null,
  };
};
