// Quarter performance and settlement (DOMAIN.md: Delivery and performance; Settlement). Pure: the ledger and the
// date used as "now" (today in England, or an as-of date) in, figures out. Money is exact until one rounding.
import type { RecordedActor } from './actor.ts';
import {
  addWorkingDays,
  compareQuarters,
  dueDate,
  londonDate,
  financialYearOfQuarter,
  lastDayOfQuarter,
  monthsBetween,
  monthsOfQuarter,
  parseMonthId,
  quarterOfMonth,
  quartersOfYear,
} from './calendar.ts';
import { inTerm, kpiMonthKey, termsAt, type AgreedContract, type ApprovalRecord } from './contract/model.ts';
import type { IsoDate, KpiMonth, KpiPerformance, Provenance, QuarterId, RecordedSettlementFigures, SettlementFigures } from './events.ts';
import { isExtraOpen } from './extra/model.ts';
import { isChallengeOpen } from './challenge/model.ts';
import { deliverableAchievement, kpiScore, measuredAchievement, performanceScore, type DeliverableStatus } from './kpi.ts';
import type { ContractLedger, MoneyItem } from './ledger.ts';
import { instalment, mul, ONE, percentOf, ratio, readPence, roundHalfUp, storePence, sub, sumPence, toBp, type Ratio } from './money.ts';

export interface QuarterPerformance {
  kpis: KpiPerformance[];
  score: Ratio; // S, exact
}

/** Quarter fee F: the quarter's monthly instalments inside the term, on the terms in force at its first month. */
export const quarterFee = (c: AgreedContract, q: QuarterId): bigint => {
  const months = monthsOfQuarter(q);
  const terms = termsAt(c, months[0]!);
  return sumPence(months.filter((m) => inTerm(c, m)).map((m) => instalment(terms.annualFeePence, parseMonthId(m).m)));
};

/** Working days after its business date by which a delivery or measurement should be recorded (issue 10). */
export const LATE_RECORDING_WORKING_DAYS = 5;

/**
 * When a record reached the system and whether that was late: more than five working days after the business date it
 * carries (in England's calendar). A back-dated record that changes a quarter's score is then visible in the view.
 */
export const recording = (businessDate: IsoDate, recorded: Provenance | undefined): Pick<KpiMonth, 'recordedAt' | 'recordedLate'> =>
  recorded === undefined
    ? {}
    : {
        recordedAt: recorded.recordedAt,
        recordedLate: londonDate(new Date(recorded.recordedAt)) > addWorkingDays(businessDate, LATE_RECORDING_WORKING_DAYS),
      };

export const quarterPerformance = (c: AgreedContract, q: QuarterId, today: IsoDate): QuarterPerformance => {
  const months = monthsOfQuarter(q).filter((m) => inTerm(c, m));
  const terms = termsAt(c, monthsOfQuarter(q)[0]!);
  const scored: { weightBp: number; score: Ratio }[] = [];
  const kpis = terms.kpis.map((k): KpiPerformance => {
    const floorBp = k.floorBp ?? k.targetBp;
    let rows: KpiPerformance['months'];
    let a: Ratio | undefined;
    if (k.kind === 'deliverable') {
      const statuses = months.map((m): KpiMonth & { status: DeliverableStatus } => {
        const due = dueDate(m, k.dueWorkingDay ?? 1);
        const d = c.deliveries[kpiMonthKey(k.id, m)];
        // Met: latest delivery not rejected and on time. Missed: due date passed without that. Else pending.
        const status = d && !d.rejected && d.deliveredOn <= due ? 'met' : today > due ? 'missed' : 'pending';
        return {
          month: m,
          status,
          dueOn: due,
          ...(d ? { deliveredOn: d.deliveredOn, rejected: d.rejected, ...recording(d.deliveredOn, d.recorded) } : {}),
        };
      });
      rows = statuses;
      a = deliverableAchievement(statuses.map((s) => s.status));
    } else {
      rows = months.map((m): KpiMonth => {
        const v = c.measurements[kpiMonthKey(k.id, m)];
        if (v === undefined) return { month: m, status: 'not-reported' };
        return { month: m, status: 'reported', achievedBp: v.achievedBp, reportedOn: v.reportedOn, ...recording(v.reportedOn, v.recorded) };
      });
      a = measuredAchievement(rows.flatMap((r) => (r.achievedBp === undefined ? [] : [r.achievedBp])));
    }
    const s = a === undefined ? undefined : kpiScore(a, k.targetBp, floorBp);
    if (s) scored.push({ weightBp: k.weightBp, score: s });
    return {
      kpiId: k.id,
      kind: k.kind,
      weightBp: k.weightBp,
      targetBp: k.targetBp,
      floorBp,
      months: rows,
      achievementBp: a === undefined ? null : toBp(a),
      scoreBp: s === undefined ? null : toBp(s),
    };
  });
  return { kpis, score: performanceScore(scored) };
};

/** The money items counting in quarter q (their landing quarter: DOMAIN.md roll-forward; a queried recovery does not). */
export const countedIn = (ledger: ContractLedger, q: QuarterId): MoneyItem[] =>
  ledger.moneyItems.filter((i) => i.state === 'counted' && i.landingQuarter === q);

const landedIn = (ledger: ContractLedger, kind: MoneyItem['kind'], q: QuarterId): bigint =>
  sumPence(countedIn(ledger, q).filter((i) => i.kind === kind).map((i) => i.amountPence));

/** The quarters a contract settles: those of its term, and any later one a late money item rolled into. */
export const settlementQuarters = (ledger: ContractLedger): QuarterId[] => {
  const c = ledger.contract;
  if (c.status !== 'agreed') return [];
  const quarters = new Set(monthsBetween(c.firstMonth, c.termEndMonth).map(quarterOfMonth));
  for (const item of ledger.moneyItems) quarters.add(item.landingQuarter);
  return [...quarters].sort(compareQuarters);
};

/** Stored figures (an approval's) as the domain computes with them. */
export const figuresFromRecord = (r: RecordedSettlementFigures): SettlementFigures => ({
  ...r,
  feePence: readPence(r.feePence),
  atRiskPence: readPence(r.atRiskPence),
  withheldPence: readPence(r.withheldPence),
  recoveredPence: readPence(r.recoveredPence),
  gainSharePence: readPence(r.gainSharePence),
  extrasPence: readPence(r.extrasPence),
  netPayablePence: readPence(r.netPayablePence),
  disputedExtras: { count: r.disputedExtras.count, valuePence: readPence(r.disputedExtras.valuePence) },
  openChallenges: { count: r.openChallenges.count, valuePence: readPence(r.openChallenges.valuePence) },
});

/** Figures as an approval event stores them (see `StoredPence`). */
export const figuresToRecord = (f: SettlementFigures): RecordedSettlementFigures => ({
  ...f,
  feePence: storePence(f.feePence),
  atRiskPence: storePence(f.atRiskPence),
  withheldPence: storePence(f.withheldPence),
  recoveredPence: storePence(f.recoveredPence),
  gainSharePence: storePence(f.gainSharePence),
  extrasPence: storePence(f.extrasPence),
  netPayablePence: storePence(f.netPayablePence),
  disputedExtras: { count: f.disputedExtras.count, valuePence: storePence(f.disputedExtras.valuePence) },
  openChallenges: { count: f.openChallenges.count, valuePence: storePence(f.openChallenges.valuePence) },
});

/** The approved figures of quarter q, if it is approved. */
export const approvedFigures = (c: AgreedContract, q: QuarterId): SettlementFigures | undefined => {
  const a = c.approvals[q];
  return a ? figuresFromRecord(a.figures) : undefined;
};

/**
 * Gain share G of quarter q: min(V·rate, annual cap − gain share of earlier quarters of the same financial year).
 * Earlier quarters count with their approved figure when approved, else as computed now.
 */
export const gainShare = (ledger: ContractLedger, c: AgreedContract, q: QuarterId): bigint => {
  let earlier = 0n;
  for (const e of quartersOfYear(financialYearOfQuarter(q))) {
    if (compareQuarters(e, q) >= 0) break;
    earlier += approvedFigures(c, e)?.gainSharePence ?? cappedShare(ledger, c, e, earlier);
  }
  return cappedShare(ledger, c, q, earlier);
};

const cappedShare = (ledger: ContractLedger, c: AgreedContract, q: QuarterId, earlier: bigint): bigint => {
  const terms = termsAt(c, monthsOfQuarter(q)[0]!);
  const share = percentOf(landedIn(ledger, 'challenge', q), terms.gainShareBp);
  const room = BigInt(terms.gainShareCapPence) - earlier;
  return share < room ? share : room > 0n ? room : 0n;
};

/** The settlement of quarter q as it stands (never the frozen approved figures: see `settlementView`). */
export const computeSettlement = (ledger: ContractLedger, q: QuarterId, today: IsoDate): SettlementFigures => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const terms = termsAt(c, monthsOfQuarter(q)[0]!);
  const fee = quarterFee(c, q);
  const atRisk = percentOf(fee, terms.feeAtRiskBp);
  const perf = quarterPerformance(c, q, today);
  const withheld = roundHalfUp(mul(ratio(atRisk), sub(ONE, perf.score)));
  const gain = gainShare(ledger, c, q);
  const extras = landedIn(ledger, 'extra', q);
  const lastDay = lastDayOfQuarter(q);
  const disputed = Object.values(ledger.extras).filter((x) => x.raisedOn <= lastDay && isExtraOpen(x.status));
  const open = Object.values(ledger.challenges).filter((x) => x.raisedOn <= lastDay && isChallengeOpen(x.status));
  return {
    feePence: fee,
    atRiskPence: atRisk,
    performanceScoreBp: toBp(perf.score),
    withheldPence: withheld,
    recoveredPence: landedIn(ledger, 'challenge', q),
    gainSharePence: gain,
    extrasPence: extras,
    // DOMAIN.md: net payable N = F − W + G + X
    netPayablePence: fee - withheld + gain + extras,
    disputedExtras: { count: disputed.length, valuePence: sumPence(disputed.map((x) => x.amountPence)) },
    openChallenges: { count: open.length, valuePence: sumPence(open.map((x) => x.valuePence)) },
    kpis: perf.kpis,
  };
};

/** Who approved a quarter, and when: the business date they gave and the instant the system recorded it. */
export interface ApprovalSummary {
  businessDate: IsoDate;
  assessedOn: IsoDate;
  recordedAt: string | null;
  approvedBy: RecordedActor | null;
  eventId: string | null;
}

export interface SettlementView extends Omit<SettlementFigures, 'kpis'> {
  contractId: string;
  quarter: QuarterId;
  status: 'open' | 'approved';
  approval?: ApprovalSummary | undefined;
}

export const approvalSummary = (a: ApprovalRecord): ApprovalSummary => ({
  businessDate: a.businessDate,
  assessedOn: a.assessedOn,
  recordedAt: a.recorded?.recordedAt ?? null,
  approvedBy: a.recorded?.by ?? null,
  eventId: a.recorded?.eventId ?? null,
});

/** What a reader sees: an approved quarter's frozen figures, or the figures as they stand on `today`. */
export const settlementView = (ledger: ContractLedger, q: QuarterId, today: IsoDate): SettlementView => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const approved = c.approvals[q];
  const { kpis: _k, ...figures } = approved ? figuresFromRecord(approved.figures) : computeSettlement(ledger, q, today);
  return {
    contractId: c.contractId,
    quarter: q,
    status: approved ? 'approved' : 'open',
    ...figures,
    ...(approved ? { approval: approvalSummary(approved) } : {}),
  };
};

export interface PerformanceView {
  contractId: string;
  quarter: QuarterId;
  status: 'open' | 'approved';
  kpis: KpiPerformance[];
  performanceScoreBp: number;
}

export const performanceView = (ledger: ContractLedger, q: QuarterId, today: IsoDate): PerformanceView => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const approved = c.approvals[q];
  if (approved) {
    const { kpis, performanceScoreBp } = approved.figures;
    return { contractId: c.contractId, quarter: q, status: 'approved', kpis, performanceScoreBp };
  }
  const perf = quarterPerformance(c, q, today);
  return { contractId: c.contractId, quarter: q, status: 'open', kpis: perf.kpis, performanceScoreBp: toBp(perf.score) };
};
