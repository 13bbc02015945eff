// KPI achievement and score (DOMAIN.md: Delivery and performance), exact fractions throughout.
import { compare, ONE, ratio, sub, div, ZERO, bpRatio, type Ratio } from './money.ts';

export type DeliverableStatus = 'met' | 'missed' | 'pending';

/** Deliverable achievement: met / (met + missed); undefined when nothing can be assessed yet. */
export const deliverableAchievement = (statuses: DeliverableStatus[]): Ratio | undefined => {
  const met = statuses.filter((s) => s === 'met').length;
  const missed = statuses.filter((s) => s === 'missed').length;
  return met + missed === 0 ? undefined : ratio(met, met + missed);
};

/** Measured achievement: the mean of the reported months (in bp → fraction of 1). */
export const measuredAchievement = (reportedBp: number[]): Ratio | undefined =>
  reportedBp.length === 0 ? undefined : ratio(reportedBp.reduce((a, b) => a + b, 0), reportedBp.length * 10_000);

/**
 * s = 1 if a ≥ target; 0 if a ≤ floor (or a < target when floor = target); else (a − floor)/(target − floor).
 */
export const kpiScore = (a: Ratio, targetBp: number, floorBp: number): Ratio => {
  const target = bpRatio(targetBp);
  const floor = bpRatio(floorBp);
  if (compare(a, target) >= 0) return ONE;
  if (floorBp >= targetBp || compare(a, floor) <= 0) return ZERO;
  return div(sub(a, floor), sub(target, floor));
};

/** S = Σ weight·s / Σ weight over the KPIs that could be assessed; 1 when none could (DOMAIN.md). */
export const performanceScore = (scored: { weightBp: number; score: Ratio }[]): Ratio => {
  const totalWeight = scored.reduce((sum, k) => sum + k.weightBp, 0);
  if (totalWeight === 0) return ONE;
  let weighted = ZERO;
  for (const k of scored) weighted = addWeighted(weighted, k.score, k.weightBp);
  return div(weighted, ratio(totalWeight));
};

const addWeighted = (acc: Ratio, s: Ratio, w: number): Ratio => {
  const num = acc.num * s.den + s.num * BigInt(w) * acc.den;
  return ratio(num, acc.den * s.den);
};
