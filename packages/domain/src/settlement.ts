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
  ...quarterMoneyFromRecord(r),
  withheldPence: readPence(r.withheldPence),
  netPayablePence: readPence(r.netPayablePence),
});

/** Figures as an approval event stores them (see `StoredPence`). */
export const figuresToRecord = (f: SettlementFigures): RecordedSettlementFigures => ({
  ...f,
  ...quarterMoneyToRecord(f),
  withheldPence: storePence(f.withheldPence),
  netPayablePence: storePence(f.netPayablePence),
});

/** The approved figures of quarter q, if it is approved. */
export const approvedFigures = (c: AgreedContract, q: QuarterId): SettlementFigures | undefined => {
  const a = c.approvals[q];
  return a ? figuresFromRecord(a.figures) : undefined;
};

/**
 * The part of quarter q's settlement that the passing of days does not change: the fee F and its part at risk, the
 * recovered value V and gain share G, the extras X, and the disputes open at the quarter's end. The rest (the
 * performance score S, so W and N) turns as deliverables fall due: `settle` adds it for a given "now". The query
 * service keeps this part as one row per quarter (issue 12), so that a settlement read never walks the ledger.
 */
export type QuarterMoney = Omit<SettlementFigures, DayDependent>;

/** The figures that turn with the date used as "now": S, and W and N, which follow from it. */
type DayDependent = 'performanceScoreBp' | 'withheldPence' | 'netPayablePence' | 'kpis';

interface Tally {
  count: number;
  valuePence: bigint;
}

/** For each date of `ends` (ascending), the count and value of `open` raised on or before it: one sort and a sweep. */
const openBy = (open: { raisedOn: IsoDate; pence: number }[], ends: readonly IsoDate[]): Tally[] => {
  const sorted = [...open].sort((a, b) => (a.raisedOn < b.raisedOn ? -1 : a.raisedOn > b.raisedOn ? 1 : 0));
  const tallies: Tally[] = [];
  let i = 0;
  let count = 0;
  let valuePence = 0n;
  for (const end of ends) {
    for (; i < sorted.length && sorted[i]!.raisedOn <= end; i++) {
      count += 1;
      valuePence += sumPence([sorted[i]!.pence]);
    }
    tallies.push({ count, valuePence });
  }
  return tallies;
};

/**
 * The money of each of `quarters` (QuarterMoney), in one pass over the ledger's money items whatever the number of
 * quarters: V and X are sums of the items counted in (landing in) a quarter; G is min(V·rate, the year's cap − the
 * gain share of its earlier quarters), where an earlier quarter counts with its approved figure when approved, else as
 * computed now; the disputes are the extras and challenges raised by the quarter's last day and still open.
 */
export const quarterMoneyOf = (ledger: ContractLedger, quarters: readonly QuarterId[]): Map<QuarterId, QuarterMoney> => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const landed = new Map<QuarterId, { challenge: bigint; extra: bigint }>();
  for (const i of ledger.moneyItems) {
    if (i.state !== 'counted') continue;
    let sums = landed.get(i.landingQuarter);
    if (!sums) landed.set(i.landingQuarter, (sums = { challenge: 0n, extra: 0n }));
    sums[i.kind] += sumPence([i.amountPence]);
  }
  const recovered = (q: QuarterId): bigint => landed.get(q)?.challenge ?? 0n;
  // G of every quarter of each financial year asked about, in order through the year (each depends on those before)
  const gain = new Map<QuarterId, bigint>();
  for (const fy of new Set(quarters.map(financialYearOfQuarter))) {
    let earlier = 0n;
    for (const e of quartersOfYear(fy)) {
      const terms = termsAt(c, monthsOfQuarter(e)[0]!);
      const share = percentOf(recovered(e), terms.gainShareBp);
      const room = BigInt(terms.gainShareCapPence) - earlier;
      const g = share < room ? share : room > 0n ? room : 0n;
      gain.set(e, g);
      earlier += approvedFigures(c, e)?.gainSharePence ?? g;
    }
  }
  const byEnd = [...quarters].sort(compareQuarters);
  const ends = byEnd.map(lastDayOfQuarter);
  const extras = Object.values(ledger.extras).flatMap((x) => (isExtraOpen(x.status) ? [{ raisedOn: x.raisedOn, pence: x.amountPence }] : []));
  const challenges = Object.values(ledger.challenges).flatMap((x) =>
    isChallengeOpen(x.status) ? [{ raisedOn: x.raisedOn, pence: x.valuePence }] : [],
  );
  const disputed = openBy(extras, ends);
  const open = openBy(challenges, ends);
  const money = new Map<QuarterId, QuarterMoney>();
  byEnd.forEach((q, k) => {
    const fee = quarterFee(c, q);
    money.set(q, {
      feePence: fee,
      atRiskPence: percentOf(fee, termsAt(c, monthsOfQuarter(q)[0]!).feeAtRiskBp),
      recoveredPence: recovered(q),
      gainSharePence: gain.get(q)!,
      extrasPence: landed.get(q)?.extra ?? 0n,
      disputedExtras: disputed[k]!,
      openChallenges: open[k]!,
    });
  });
  return money;
};

/** A quarter's settlement figures from its money and its performance as of some "now". */
export const settle = (money: QuarterMoney, perf: QuarterPerformance): SettlementFigures => {
  const withheld = roundHalfUp(mul(ratio(money.atRiskPence), sub(ONE, perf.score)));
  return {
    feePence: money.feePence,
    atRiskPence: money.atRiskPence,
    performanceScoreBp: toBp(perf.score),
    withheldPence: withheld,
    recoveredPence: money.recoveredPence,
    gainSharePence: money.gainSharePence,
    extrasPence: money.extrasPence,
    // DOMAIN.md: net payable N = F − W + G + X
    netPayablePence: money.feePence - withheld + money.gainSharePence + money.extrasPence,
    disputedExtras: money.disputedExtras,
    openChallenges: money.openChallenges,
    kpis: perf.kpis,
  };
};

/** The settlement of quarter q as it stands (never the frozen approved figures: see `settlementView`). */
export const computeSettlement = (ledger: ContractLedger, q: QuarterId, today: IsoDate): SettlementFigures => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  return settle(quarterMoneyOf(ledger, [q]).get(q)!, quarterPerformance(c, q, today));
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
  return quarterSettlementView(c, q, () => quarterMoneyOf(ledger, [q]).get(q)!, today);
};

/**
 * The same view from the quarter's money (QuarterMoney: kept as a row by the query service, or computed from the
 * ledger), asked for only when the quarter is open; its performance comes from the contract as of `today`.
 */
export const quarterSettlementView = (c: AgreedContract, q: QuarterId, money: () => QuarterMoney, today: IsoDate): SettlementView => {
  const approved = c.approvals[q];
  const { kpis: _k, ...figures } = approved ? figuresFromRecord(approved.figures) : settle(money(), quarterPerformance(c, q, today));
  return {
    contractId: c.contractId,
    quarter: q,
    status: approved ? 'approved' : 'open',
    ...figures,
    ...(approved ? { approval: approvalSummary(approved) } : {}),
  };
};

/** Quarter money as a read-model row stores it: pence as `StoredPence`, so every figure stays exact in JSON. */
export type RecordedQuarterMoney = Omit<RecordedSettlementFigures, DayDependent>;

export const quarterMoneyToRecord = (m: QuarterMoney): RecordedQuarterMoney => ({
  feePence: storePence(m.feePence),
  atRiskPence: storePence(m.atRiskPence),
  recoveredPence: storePence(m.recoveredPence),
  gainSharePence: storePence(m.gainSharePence),
  extrasPence: storePence(m.extrasPence),
  disputedExtras: { count: m.disputedExtras.count, valuePence: storePence(m.disputedExtras.valuePence) },
  openChallenges: { count: m.openChallenges.count, valuePence: storePence(m.openChallenges.valuePence) },
});

export const quarterMoneyFromRecord = (r: RecordedQuarterMoney): QuarterMoney => ({
  feePence: readPence(r.feePence),
  atRiskPence: readPence(r.atRiskPence),
  recoveredPence: readPence(r.recoveredPence),
  gainSharePence: readPence(r.gainSharePence),
  extrasPence: readPence(r.extrasPence),
  disputedExtras: { count: r.disputedExtras.count, valuePence: readPence(r.disputedExtras.valuePence) },
  openChallenges: { count: r.openChallenges.count, valuePence: readPence(r.openChallenges.valuePence) },
});

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
