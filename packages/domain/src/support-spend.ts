// What a commissioner spends on support (DOMAIN.md: Organisation register): core fees in a financial year, per
// head of registered population, and as a share of its running-cost allowance (the articles' yardstick: £25 a
// head, a third of it on the CSU).
import { quartersOfYear } from './calendar.ts';
import type { AgreedContract } from './contract/model.ts';
import { ratio, roundHalfUp, sumPence, toBpExact } from './money.ts';
import type { RegisteredOrganisation } from './organisation/organisation.ts';
import { approvedFigures, quarterFee } from './settlement.ts';

export interface SupportSpend {
  code: string;
  year: string;
  population: number | null;
  runningCostAllowancePencePerHead: number | null;
  contracts: { contractId: string; csu: string; feePence: bigint }[];
  corePence: bigint;
  perHeadPence: bigint | null;
  shareOfRunningCostAllowanceBp: bigint | null;
}

/** Core fees of the year's quarters: an approved quarter counts its approved fee (it equals the computed one). */
export const supportSpend = (org: RegisteredOrganisation, year: string, contracts: AgreedContract[]): SupportSpend => {
  const rows = contracts
    .filter((c) => c.ccg === org.code)
    .map((c) => ({
      contractId: c.contractId,
      csu: c.csu,
      feePence: sumPence(quartersOfYear(year).map((q) => approvedFigures(c, q)?.feePence ?? quarterFee(c, q))),
    }))
    .filter((r) => r.feePence > 0n);
  const core = sumPence(rows.map((r) => r.feePence));
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
    shareOfRunningCostAllowanceBp: pop && rca ? toBpExact(ratio(core, BigInt(pop) * BigInt(rca))) : null,
  };
};
