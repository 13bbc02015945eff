// Rules a contract's terms must satisfy, whether agreed or varied (DOMAIN.md: Contract terms).
import { WORKING_DAYS_MAX_IN_MONTH } from '../calendar.ts';
import { refuse } from '../errors.ts';
import type { ContractTerms, Kpi } from '../events.ts';

const isBp = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && n <= 10_000;
const isNonNegativePence = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

export const checkKpis = (kpis: Kpi[]): void => {
  if (kpis.length === 0) refuse('invalid-input', 'a contract needs at least one KPI', 'kpis');
  const ids = new Set<string>();
  let weights = 0;
  kpis.forEach((k, i) => {
    const at = `kpis.${i}`;
    if (ids.has(k.id)) refuse('invalid-input', `KPI id ${k.id} appears twice`, `${at}.id`);
    ids.add(k.id);
    if (!isBp(k.weightBp) || k.weightBp === 0) refuse('invalid-input', 'weight must be 1..10000 bp', `${at}.weightBp`);
    if (!isBp(k.targetBp)) refuse('invalid-input', 'target must be 0..10000 bp', `${at}.targetBp`);
    const floor = k.floorBp ?? k.targetBp;
    if (!isBp(floor) || floor > k.targetBp) refuse('invalid-input', 'floor must be 0..target bp', `${at}.floorBp`);
    if (k.kind === 'deliverable') {
      const n = k.dueWorkingDay;
      if (n === undefined || !Number.isSafeInteger(n) || n < 1 || n > WORKING_DAYS_MAX_IN_MONTH) {
        refuse('invalid-input', `a deliverable needs dueWorkingDay 1..${WORKING_DAYS_MAX_IN_MONTH}`, `${at}.dueWorkingDay`);
      }
    } else if (k.dueWorkingDay !== undefined) {
      refuse('invalid-input', 'a measured KPI has no due working day', `${at}.dueWorkingDay`);
    }
    weights += k.weightBp;
  });
  // DOMAIN.md: "the KPIs of a contract sum to 10000"
  if (weights !== 10_000) refuse('invalid-input', `KPI weights sum to ${weights} bp, not 10000`, 'kpis');
};

export const checkTerms = (t: ContractTerms): void => {
  if (!isNonNegativePence(t.annualFeePence)) refuse('invalid-input', 'annual fee must be whole pence ≥ 0', 'annualFeePence');
  if (!isBp(t.feeAtRiskBp)) refuse('invalid-input', 'fee at risk must be 0..10000 bp', 'feeAtRiskBp');
  if (!isBp(t.gainShareBp)) refuse('invalid-input', 'gain share must be 0..10000 bp', 'gainShareBp');
  if (!isNonNegativePence(t.gainShareCapPence)) refuse('invalid-input', 'gain-share cap must be whole pence ≥ 0', 'gainShareCapPence');
  if (!Number.isSafeInteger(t.breakNoticeMonths) || t.breakNoticeMonths < 0 || t.breakNoticeMonths > 120) {
    refuse('invalid-input', 'break notice must be 0..120 months', 'breakNoticeMonths');
  }
  if (!Number.isSafeInteger(t.trustResponseWorkingDays) || t.trustResponseWorkingDays < 1 || t.trustResponseWorkingDays > 250) {
    refuse('invalid-input', 'trust response deadline must be 1..250 working days', 'trustResponseWorkingDays');
  }
  checkKpis(t.kpis);
};
