// Contract aggregate: one small function per command, then `decide` (STYLE.md pattern 3).
import {
  addMonths,
  compareMonths,
  compareQuarters,
  firstDayOfMonth,
  formatMonth,
  formatQuarter,
  lastDayOfMonth,
  monthInWords,
  lastDayOfQuarter,
  monthsBetween,
  monthsOfQuarter,
  quarterOfDate,
  quarterOfMonth,
} from '../calendar.ts';
import { notInFuture } from '../dates.ts';
import { formatBp, formatDate, formatPounds } from '../format.ts';
import { ratio, toBp } from '../money.ts';
import { refuse } from '../errors.ts';
import type {
  ContractAgreed,
  ContractEvent,
  ContractTerms,
  ContractVaried,
  IsoDate,
  Kpi,
  KpiKind,
  MeasurementEvidence,
  MonthId,
  QuarterId,
  SettlementFigures,
} from '../events.ts';
import { figuresToRecord } from '../settlement.ts';
import { checkTerms } from './terms.ts';
import { inTerm, kpiMonthKey, termEndAfterNotice, termsAt, type AgreedContract, type ContractState } from './model.ts';

/** Every command says when it happened (businessDate) and what today is in England (from the service's clock). */
interface Dated {
  businessDate: IsoDate;
  today: IsoDate;
}
export type ContractCommand =
  | ({ type: 'AgreeContract' } & Dated & Omit<ContractAgreed, 'businessDate'>)
  | ({ type: 'VaryContract' } & Dated & Omit<ContractVaried, 'businessDate'>)
  | ({ type: 'ServeBreakNotice'; servedBy: 'ccg' | 'csu' } & Dated)
  | ({ type: 'DeliverDeliverable'; kpiId: string; month: MonthId; reference?: string | undefined } & Dated)
  | ({ type: 'RejectDeliverable'; kpiId: string; month: MonthId; reason: string } & Dated)
  | ({ type: 'ReportMeasurement'; kpiId: string; month: MonthId; achievedBp: number; evidence?: MeasurementEvidence | undefined } & Dated)
  | ({ type: 'ApproveSettlement'; quarter: QuarterId; netPayablePence: number; current: SettlementFigures } & Dated);


/** Every term a variation may change (DOMAIN.md: ContractVaried); a new term that this lacks fails to compile. */
const TERM_KEYS = [
  'annualFeePence',
  'feeAtRiskBp',
  'gainShareBp',
  'gainShareCapPence',
  'breakNoticeMonths',
  'trustResponseWorkingDays',
  'kpis',
] as const satisfies readonly (keyof ContractTerms)[];
const everyTerm: [Exclude<keyof ContractTerms, (typeof TERM_KEYS)[number]>] extends [never] ? true : never = true;
void everyTerm;

const agreed = (state: ContractState): AgreedContract =>
  state.status === 'agreed' ? state : refuse('not-found', 'no such contract');

/** Notices and variations act on an agreed contract, so they cannot be dated before the agreement. */
const notBeforeAgreement = (c: AgreedContract, cmd: Dated): void => {
  if (cmd.businessDate < c.agreedOn) refuse('invalid-input', `the contract was agreed on ${formatDate(c.agreedOn)}; this cannot be dated before it`, 'businessDate');
};

const quarterOpen = (c: AgreedContract, month: MonthId): void => {
  const q = quarterOfMonth(month);
  if (c.approvals[q]) refuse('quarter-closed', `${formatQuarter(q)} is approved and closed: nothing more can be recorded for its months`, 'month');
};

const kpiOf = (c: AgreedContract, kpiId: string, month: MonthId, kind: KpiKind): Kpi => {
  if (!inTerm(c, month)) refuse('outside-term', `${monthInWords(month)}, outside the contract's term (${formatMonth(c.firstMonth)} to ${formatMonth(c.termEndMonth)})`, 'month');
  const kpi = termsAt(c, month).kpis.find((k) => k.id === kpiId) ?? refuse('unknown-kpi', `the contract has no KPI ${kpiId} in ${formatMonth(month)}`, 'kpiId');
  if (kpi.kind !== kind) refuse('wrong-kpi-kind', kind === 'deliverable' ? `KPI ${kpiId} is measured: report a measurement for it, not a delivery` : `KPI ${kpiId} is a deliverable: record a delivery for it, not a measurement`, 'kpiId');
  return kpi;
};

const agree = (state: ContractState, cmd: Extract<ContractCommand, { type: 'AgreeContract' }>): ContractEvent[] => {
  if (state.status !== 'none') refuse('already-exists', `contract ${cmd.contractId} already exists`, 'contractId');
  notInFuture(cmd);
  if (compareMonths(cmd.firstMonth, cmd.lastMonth) > 0) refuse('invalid-input', 'last month is before first month', 'lastMonth');
  if (cmd.ccg === cmd.csu) refuse('invalid-input', 'the CCG and the CSU must be different organisations', 'csu');
  checkTerms(cmd);
  const { type: _t, today: _today, ...data } = cmd;
  return [{ type: 'ContractAgreed', data }];
};

const vary = (state: ContractState, cmd: Extract<ContractCommand, { type: 'VaryContract' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd);
  notBeforeAgreement(c, cmd);
  const q = cmd.effectiveQuarter;
  // DOMAIN.md: new terms are effective "from the first month of a later quarter"
  if (compareQuarters(q, quarterOfDate(cmd.businessDate)) <= 0) {
    refuse('invalid-variation', `a variation agreed on ${formatDate(cmd.businessDate)} takes effect from a quarter after ${formatQuarter(quarterOfDate(cmd.businessDate))}`, 'effectiveQuarter');
  }
  const from = monthsOfQuarter(q)[0]!;
  if (!monthsOfQuarter(q).some((m) => inTerm(c, m))) refuse('outside-term', `${formatQuarter(q)} is outside the contract's term`, 'effectiveQuarter');
  if (c.approvals[q]) refuse('quarter-closed', `${formatQuarter(q)} is approved and closed: its terms cannot change`, 'effectiveQuarter');
  // Variations stack in time order, so every quarter's terms are unambiguous.
  const latest = c.versions[c.versions.length - 1]!;
  if (c.versions.length > 1 && compareMonths(from, latest.from) < 0) {
    refuse('invalid-variation', `a variation from ${formatQuarter(quarterOfMonth(latest.from))} exists; vary from that quarter or a later one`, 'effectiveQuarter');
  }
  const { type: _t, today: _today, contractId, effectiveQuarter, businessDate, ...terms } = cmd;
  // Only the terms given: an absent term is not recorded at all (a stored `undefined` would not survive JSON anyway).
  const changes: Partial<ContractTerms> = {};
  for (const key of TERM_KEYS) if (terms[key] !== undefined) Object.assign(changes, { [key]: terms[key] });
  if (Object.keys(changes).length === 0) refuse('invalid-variation', 'a variation must change at least one term', 'effectiveQuarter');
  checkTerms({ ...termsAt(c, from), ...changes });
  const data: ContractVaried = { contractId, effectiveQuarter, businessDate, ...changes };
  return [{ type: 'ContractVaried', data }];
};

const serveBreakNotice = (state: ContractState, cmd: Extract<ContractCommand, { type: 'ServeBreakNotice' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd);
  notBeforeAgreement(c, cmd);
  if (c.breakNotice) refuse('break-notice-already-served', `notice was already served on ${formatDate(c.breakNotice.businessDate)}; the term ends with ${formatMonth(c.termEndMonth)}`);
  if (cmd.businessDate > lastDayOfMonth(c.termEndMonth)) refuse('term-ended', `the term ended on ${formatDate(lastDayOfMonth(c.termEndMonth))}`, 'businessDate');
  const termEndMonth = termEndAfterNotice(c, cmd.businessDate);
  const cut = monthsBetween(addMonths(termEndMonth, 1), c.termEndMonth).find((m) => c.approvals[quarterOfMonth(m)]);
  if (cut) refuse('quarter-closed', `${formatQuarter(quarterOfMonth(cut))} is approved; the term cannot end before it`, 'businessDate');
  return [
    { type: 'BreakNoticeServed', data: { contractId: c.contractId, businessDate: cmd.businessDate, servedBy: cmd.servedBy, termEndMonth } },
  ];
};

const deliver = (state: ContractState, cmd: Extract<ContractCommand, { type: 'DeliverDeliverable' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd, 'deliveredOn');
  kpiOf(c, cmd.kpiId, cmd.month, 'deliverable');
  quarterOpen(c, cmd.month);
  if (cmd.businessDate < firstDayOfMonth(cmd.month)) {
    refuse('invalid-input', `${monthInWords(cmd.month)}; a delivery for it cannot be dated before ${formatDate(firstDayOfMonth(cmd.month))}`, 'deliveredOn');
  }
  const { contractId } = c;
  const { kpiId, month, businessDate, reference } = cmd;
  return [{ type: 'DeliverableDelivered', data: { contractId, kpiId, month, deliveredOn: businessDate, businessDate, reference } }];
};

const reject = (state: ContractState, cmd: Extract<ContractCommand, { type: 'RejectDeliverable' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd);
  kpiOf(c, cmd.kpiId, cmd.month, 'deliverable');
  quarterOpen(c, cmd.month);
  const latest = c.deliveries[kpiMonthKey(cmd.kpiId, cmd.month)];
  if (!latest || latest.rejected) return refuse('nothing-to-reject', `there is no delivery of ${cmd.kpiId} for ${formatMonth(cmd.month)} that is not already rejected`);
  if (cmd.businessDate < latest.deliveredOn) refuse('invalid-input', 'a rejection cannot predate the delivery', 'businessDate');
  const { kpiId, month, reason, businessDate } = cmd;
  return [{ type: 'DeliverableRejected', data: { contractId: c.contractId, kpiId, month, reason, businessDate } }];
};

const measure = (state: ContractState, cmd: Extract<ContractCommand, { type: 'ReportMeasurement' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd);
  kpiOf(c, cmd.kpiId, cmd.month, 'measured');
  quarterOpen(c, cmd.month);
  if (!Number.isSafeInteger(cmd.achievedBp) || cmd.achievedBp < 0 || cmd.achievedBp > 10_000) {
    refuse('invalid-input', 'achieved must be 0..10000 bp', 'achievedBp');
  }
  // A month's achievement can only be reported once the month has begun.
  if (cmd.businessDate < firstDayOfMonth(cmd.month)) {
    refuse('invalid-input', `${monthInWords(cmd.month)}; a measurement for it cannot be dated before ${formatDate(firstDayOfMonth(cmd.month))}`, 'businessDate');
  }
  const evidence = checkedEvidence(cmd.achievedBp, cmd.evidence);
  const { kpiId, month, achievedBp, businessDate } = cmd;
  return [{ type: 'MeasurementReported', data: { contractId: c.contractId, kpiId, month, achievedBp, businessDate, ...(evidence ? { evidence } : {}) } }];
};

/**
 * A measurement's evidence (MeasurementReported version 2), with only the parts given. The counts come as a pair and
 * must be the percentage reported: achievedBp = round half up(achieved / outOf · 10000), e.g. 48 of 50 is 9600 and
 * 47 of 49 is 9592 (95.918…%). The percentage is what settles the KPI; counts that disagree with it are a slip of
 * the keyboard in one or the other, and a ledger that keeps both must not hold two answers.
 */
const checkedEvidence = (achievedBp: number, e: MeasurementEvidence | undefined): MeasurementEvidence | undefined => {
  if (e === undefined) return undefined;
  const { note, achieved, outOf, unit } = e;
  if ((achieved === undefined) !== (outOf === undefined)) {
    refuse('invalid-input', 'give both the number achieved and the number it is out of, or neither', achieved === undefined ? 'evidence.achieved' : 'evidence.outOf');
  }
  if (achieved !== undefined && outOf !== undefined) {
    if (!Number.isSafeInteger(outOf) || outOf < 1) refuse('invalid-input', 'out of must be a whole number of at least 1', 'evidence.outOf');
    if (!Number.isSafeInteger(achieved) || achieved < 0) refuse('invalid-input', 'achieved must be a whole number of at least 0', 'evidence.achieved');
    if (achieved > outOf) refuse('invalid-input', `${achieved} achieved is more than the ${outOf} it is out of`, 'evidence.achieved');
    const bp = toBp(ratio(achieved, outOf));
    if (bp !== achievedBp) {
      refuse('invalid-input', `${achieved} of ${outOf} is ${formatBp(bp)}, not the ${formatBp(achievedBp)} reported`, 'achievedBp');
    }
  }
  if (unit !== undefined && (achieved === undefined || unit.trim() === '')) refuse('invalid-input', 'a unit describes the counts: give them with it', 'evidence.unit');
  const kept: MeasurementEvidence = {
    ...(note === undefined ? {} : { note }),
    ...(achieved === undefined ? {} : { achieved, outOf }),
    ...(unit === undefined ? {} : { unit }),
  };
  return Object.keys(kept).length === 0 ? undefined : kept;
};

const approve = (state: ContractState, cmd: Extract<ContractCommand, { type: 'ApproveSettlement' }>): ContractEvent[] => {
  const c = agreed(state);
  notInFuture(cmd);
  const q = cmd.quarter;
  const termQuarters = [...new Set(monthsBetween(c.firstMonth, c.termEndMonth).map(quarterOfMonth))];
  const hasItems = compareQuarters(q, termQuarters[termQuarters.length - 1]!) > 0 && cmd.current.netPayablePence !== 0n;
  if (!termQuarters.includes(q) && !hasItems) refuse('outside-term', `${formatQuarter(q)} is outside the contract's term`, 'quarter');
  if (c.approvals[q]) refuse('quarter-closed', `${formatQuarter(q)} is already approved`, 'quarter');
  if (cmd.today <= lastDayOfQuarter(q)) refuse('quarter-not-ended', `${formatQuarter(q)} ends on ${formatDate(lastDayOfQuarter(q))}; it can be approved after that`, 'quarter');
  if (cmd.businessDate < lastDayOfQuarter(q)) refuse('quarter-not-ended', `an approval of ${formatQuarter(q)} cannot be dated before its last day, ${formatDate(lastDayOfQuarter(q))}`, 'businessDate');
  // Quarters are settled in order, so each gain share is capped against final figures of the earlier ones.
  const open = termQuarters.find((t) => compareQuarters(t, q) < 0 && !c.approvals[t]);
  if (open) refuse('earlier-quarter-open', `quarters are approved in order: ${formatQuarter(open)} must be approved first`, 'quarter');
  if (BigInt(cmd.netPayablePence) !== cmd.current.netPayablePence) {
    refuse('stale-settlement', `the net payable is now ${formatPounds(cmd.current.netPayablePence)}, not the ${formatPounds(cmd.netPayablePence)} you saw: check the new figure and approve it again`, 'netPayablePence', { netPayablePence: cmd.current.netPayablePence });
  }
  return [
    {
      type: 'SettlementApproved',
      data: {
        contractId: c.contractId,
        quarter: q,
        businessDate: cmd.businessDate,
        netPayablePence: cmd.netPayablePence,
        assessedOn: cmd.today,
        figures: figuresToRecord(cmd.current),
      },
    },
  ];
};

export const decideContract = (cmd: ContractCommand, state: ContractState): ContractEvent[] => {
  switch (cmd.type) {
    case 'AgreeContract':
      return agree(state, cmd);
    case 'VaryContract':
      return vary(state, cmd);
    case 'ServeBreakNotice':
      return serveBreakNotice(state, cmd);
    case 'DeliverDeliverable':
      return deliver(state, cmd);
    case 'RejectDeliverable':
      return reject(state, cmd);
    case 'ReportMeasurement':
      return measure(state, cmd);
    case 'ApproveSettlement':
      return approve(state, cmd);
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};
