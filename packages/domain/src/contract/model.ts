// Contract aggregate: its events' effect on state (DOMAIN.md: Contract terms; Delivery and performance).
import { addMonths, compareMonths, firstDayOfMonth, monthOfDate, monthsOfQuarter } from '../calendar.ts';
import { newDraft, writable, type Draft } from '../draft.ts';
import type {
  BreakNoticeServed,
  ContractEvent,
  ContractTerms,
  IsoDate,
  MeasurementEvidence,
  MonthId,
  Provenance,
  QuarterId,
  SettlementApproved,
  Vehicle,
} from '../events.ts';

export interface TermsVersion {
  from: MonthId; // first month these terms are in force
  terms: ContractTerms;
  /** The agreement or variation that set them (absent when folded without envelopes, as decider tests do). */
  recorded?: Provenance | undefined;
}
export interface LatestDelivery {
  deliveredOn: IsoDate;
  reference?: string | undefined;
  rejected: boolean;
  rejectedReason?: string | undefined;
  recorded?: Provenance | undefined;
  rejectionRecorded?: Provenance | undefined;
}
export interface LatestMeasurement {
  achievedBp: number;
  reportedOn: IsoDate;
  /** What the report rests on (version 1 reports: their note alone, lifted by the decode step). */
  evidence?: MeasurementEvidence | undefined;
  recorded?: Provenance | undefined;
}
/** An approval as it stands in the contract: the event's data, and who recorded it when. */
export interface ApprovalRecord extends SettlementApproved {
  recorded?: Provenance | undefined;
}
export interface AgreedContract {
  status: 'agreed';
  contractId: string;
  ccg: string;
  csu: string;
  vehicle?: Vehicle | undefined;
  agreedOn: IsoDate;
  firstMonth: MonthId;
  lastMonth: MonthId; // as agreed
  termEndMonth: MonthId; // after any break notice
  versions: TermsVersion[]; // ordered by `from`; the first is the agreed terms
  breakNotice?: BreakNoticeServed | undefined;
  /** Latest delivery per `kpiId|month`; earlier ones stay in the log. */
  deliveries: Record<string, LatestDelivery>;
  /** Latest measurement per `kpiId|month` (DOMAIN.md: a later report replaces the earlier one). */
  measurements: Record<string, LatestMeasurement>;
  approvals: Record<QuarterId, ApprovalRecord>;
}
export type ContractState = { status: 'none' } | AgreedContract;

export const initialContractState = (): ContractState => ({ status: 'none' });

export const kpiMonthKey = (kpiId: string, month: MonthId): string => `${kpiId}|${month}`;

/** The terms version in force in a month: the latest effective on or before it (the agreed terms before the term). */
export const versionAt = (contract: AgreedContract, month: MonthId): TermsVersion => {
  let found = contract.versions[0]!;
  for (const v of contract.versions) if (compareMonths(v.from, month) <= 0) found = v;
  return found;
};

/** Terms in force in a month. */
export const termsAt = (contract: AgreedContract, month: MonthId): ContractTerms => versionAt(contract, month).terms;

export const inTerm = (contract: AgreedContract, month: MonthId): boolean =>
  compareMonths(month, contract.firstMonth) >= 0 && compareMonths(month, contract.termEndMonth) <= 0;

/**
 * Folds one event into the state: a new state, the one given (and everything in it) left as it was. What the event
 * does not touch is shared with the state given (issue 12: pure folds).
 */
export const evolveContract = (state: ContractState, event: ContractEvent, recorded?: Provenance): ContractState =>
  evolveContractIn(newDraft(), state, event, recorded);

/**
 * The one rule for each event's effect, writing only what `draft` made (draft.ts): the state given is copied on
 * first write in a fold, then changed in place by that fold's later steps.
 */
export const evolveContractIn = (draft: Draft, state: ContractState, event: ContractEvent, recorded?: Provenance): ContractState => {
  if (event.type === 'ContractAgreed') {
    const { contractId, ccg, csu, vehicle, firstMonth, lastMonth, businessDate, ...rest } = event.data;
    const terms: ContractTerms = {
      annualFeePence: rest.annualFeePence,
      feeAtRiskBp: rest.feeAtRiskBp,
      gainShareBp: rest.gainShareBp,
      gainShareCapPence: rest.gainShareCapPence,
      breakNoticeMonths: rest.breakNoticeMonths,
      trustResponseWorkingDays: rest.trustResponseWorkingDays,
      kpis: rest.kpis,
    };
    return {
      status: 'agreed',
      contractId,
      ccg,
      csu,
      vehicle,
      agreedOn: businessDate,
      firstMonth,
      lastMonth,
      termEndMonth: lastMonth,
      versions: [{ from: firstMonth, terms, recorded }],
      deliveries: {},
      measurements: {},
      approvals: {},
    };
  }
  if (state.status !== 'agreed') return state; // nothing but ContractAgreed can start a contract stream
  const c = writable(draft, state);
  switch (event.type) {
    case 'ContractVaried': {
      const { contractId: _c, effectiveQuarter: _q, businessDate: _d, ...changes } = event.data;
      const from = monthsOfQuarter(event.data.effectiveQuarter)[0]!;
      const base = termsAt(c, from);
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      c.versions = [...c.versions.filter((v) => compareMonths(v.from, from) < 0), { from, terms: { ...base, ...defined }, recorded }];
      return c;
    }
    case 'BreakNoticeServed':
      c.breakNotice = event.data;
      c.termEndMonth = event.data.termEndMonth;
      return c;
    case 'DeliverableDelivered': {
      const { kpiId, month, deliveredOn, reference } = event.data;
      c.deliveries = writable(draft, c.deliveries);
      c.deliveries[kpiMonthKey(kpiId, month)] = { deliveredOn, reference, rejected: false, recorded };
      return c;
    }
    case 'DeliverableRejected': {
      const key = kpiMonthKey(event.data.kpiId, event.data.month);
      const latest = c.deliveries[key];
      if (!latest) return c;
      c.deliveries = writable(draft, c.deliveries);
      c.deliveries[key] = { ...latest, rejected: true, rejectedReason: event.data.reason, rejectionRecorded: recorded };
      return c;
    }
    case 'MeasurementReported': {
      const { kpiId, month, achievedBp, businessDate, evidence } = event.data;
      c.measurements = writable(draft, c.measurements);
      c.measurements[kpiMonthKey(kpiId, month)] = { achievedBp, reportedOn: businessDate, ...(evidence ? { evidence } : {}), recorded };
      return c;
    }
    case 'SettlementApproved':
      c.approvals = writable(draft, c.approvals);
      c.approvals[event.data.quarter] = { ...event.data, recorded };
      return c;
    default: {
      const _never: never = event;
      return _never;
    }
  }
};

/**
 * The earliest business date of an extra or challenge under the contract: its agreement, or the start of its term
 * if that came first (contracts are often signed after the work began). Our rule; DOMAIN.md is silent.
 */
export const contractActiveFrom = (c: AgreedContract): IsoDate => {
  const start = firstDayOfMonth(c.firstMonth);
  return start < c.agreedOn ? start : c.agreedOn;
};

/**
 * DOMAIN.md, BreakNoticeServed: the term ends on the last day of the calendar month that lies the notice period's
 * number of months (the terms in force when it is served) after the notice's month, never later than it ends now.
 */
export const termEndAfterNotice = (c: AgreedContract, servedOn: IsoDate): MonthId => {
  const month = monthOfDate(servedOn);
  const byNotice = addMonths(month, termsAt(c, month).breakNoticeMonths);
  return compareMonths(byNotice, c.termEndMonth) < 0 ? byNotice : c.termEndMonth;
};
