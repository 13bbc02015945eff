// What people ask before they act (issue 11): if notice were served on a date, when would the term end and how much
// core fee would remain; if a disputed extra were resolved at an amount and an open challenge recovered an amount,
// what would the quarter's net payable be. Computed by the same rules as the real thing; nothing is stored.
import {
  addMonths,
  compareMonths,
  formatMonth,
  lastDayOfMonth,
  lastDayOfQuarter,
  monthOfDate,
  monthsBetween,
  parseMonthId,
  type IsoDate,
  type QuarterId,
} from './calendar.ts';
import { termEndAfterNotice, termsAt, type AgreedContract } from './contract/model.ts';
import { refuse } from './errors.ts';
import type { StoredLedgerEvent } from './events.ts';
import { isExtraOpen } from './extra/model.ts';
import { isChallengeOpen } from './challenge/model.ts';
import { formatPounds } from './format.ts';
import { evolveLedger, type ContractLedger } from './ledger.ts';
import { instalment, sumPence } from './money.ts';
import { settlementView, type SettlementView } from './settlement.ts';

export interface BreakNoticeEffect {
  servedOn: IsoDate;
  /** The notice period in force at that date (months). */
  noticeMonths: number;
  termEndMonth: string;
  termEnd: IsoDate;
  /** Core fee of the months from the notice's month to the new term end (terms in force month by month). */
  remainingFeePence: bigint;
  /** Core fee of the months the notice takes off the term. */
  forgoneFeePence: bigint;
}

const feeOf = (c: AgreedContract, months: string[]): bigint =>
  sumPence(months.map((m) => instalment(termsAt(c, m).annualFeePence, parseMonthId(m).m)));

/** If notice were served on `servedOn` (by either party: the rule is the same), as DOMAIN.md's BreakNoticeServed. */
export const breakNoticeEffect = (c: AgreedContract, servedOn: IsoDate): BreakNoticeEffect => {
  if (c.breakNotice) {
    refuse('break-notice-already-served', `notice was served on ${c.breakNotice.businessDate}; the term ends with ${formatMonth(c.termEndMonth)}`);
  }
  if (servedOn < c.agreedOn) refuse('invalid-input', `the contract was agreed on ${c.agreedOn}; notice cannot be served before it`, 'servedOn');
  if (servedOn > lastDayOfMonth(c.termEndMonth)) refuse('term-ended', `the term ends on ${lastDayOfMonth(c.termEndMonth)}`, 'servedOn');
  const termEndMonth = termEndAfterNotice(c, servedOn);
  const from = compareMonths(monthOfDate(servedOn), c.firstMonth) < 0 ? c.firstMonth : monthOfDate(servedOn);
  return {
    servedOn,
    noticeMonths: termsAt(c, monthOfDate(servedOn)).breakNoticeMonths,
    termEndMonth,
    termEnd: lastDayOfMonth(termEndMonth),
    remainingFeePence: feeOf(c, monthsBetween(from, termEndMonth)),
    forgoneFeePence: feeOf(c, monthsBetween(addMonths(termEndMonth, 1), c.termEndMonth)),
  };
};

export interface WhatIfAssumptions {
  /** Open extras resolved at an agreed amount (pence). */
  extras: { extraId: string; agreedPence: number }[];
  /** Open challenges resolved with an amount recovered (pence). */
  challenges: { challengeId: string; recoveredPence: number }[];
}

export interface WhatIf {
  quarter: QuarterId;
  assumptions: WhatIfAssumptions;
  current: SettlementView;
  /** The quarter's settlement if the assumptions were recorded now, dated within it. */
  whatIf: SettlementView;
  /** whatIf N − current N. */
  changePence: bigint;
}

/**
 * The quarter's settlement as it would be if the assumed resolutions were recorded (dated the quarter's last day, or
 * today if that is earlier): the ledger's own fold applies them, so roll-forward, the gain-share cap and every other
 * rule hold. An approved quarter cannot change: the answer says so by showing no change.
 */
export const whatIf = (ledger: ContractLedger, q: QuarterId, today: IsoDate, assumptions: WhatIfAssumptions): WhatIf => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const current = settlementView(ledger, q, today);
  const last = lastDayOfQuarter(q);
  const date = last < today ? last : today;
  // Folds are pure (issue 12): the assumptions fold onto the read models' own ledger without changing it.
  let l: ContractLedger = ledger;
  let position = BigInt(l.position);
  const assumed = (type: 'ExtraResolved' | 'ChallengeResolved', data: Record<string, unknown>): StoredLedgerEvent => {
    position += 1n;
    return {
      type,
      data: { contractId: c.contractId, businessDate: date, ...data },
      eventId: `what-if-${position}`,
      streamName: `contract-${c.contractId}`,
      revision: 0,
      position,
      recordedAt: new Date(0).toISOString(),
      metadata: { actor: { sub: 'what-if', name: 'what if', org: c.ccg, role: 'ccg' }, correlationId: 'what-if' },
    } as StoredLedgerEvent;
  };
  for (const { extraId, agreedPence } of assumptions.extras) {
    const x = ledger.extras[extraId] ?? refuse('invalid-input', `${extraId} is not an extra of this contract`, 'extras');
    if (!isExtraOpen(x.status)) refuse('invalid-input', `${extraId} is ${x.status}, not open`, 'extras');
    if (agreedPence > x.amountPence) refuse('amount-exceeds-claim', `${formatPounds(agreedPence)} is more than the ${formatPounds(x.amountPence)} claimed`, 'extras');
    l = evolveLedger(l, assumed('ExtraResolved', { extraId, agreedPence }));
  }
  for (const { challengeId, recoveredPence } of assumptions.challenges) {
    const ch = ledger.challenges[challengeId] ?? refuse('invalid-input', `${challengeId} is not a challenge of this contract`, 'challenges');
    if (!isChallengeOpen(ch.status)) refuse('invalid-input', `${challengeId} is ${ch.status}, not open`, 'challenges');
    if (recoveredPence > ch.valuePence) refuse('amount-exceeds-challenge', `${formatPounds(recoveredPence)} is more than the ${formatPounds(ch.valuePence)} challenged`, 'challenges');
    l = evolveLedger(l, assumed('ChallengeResolved', { challengeId, recoveredPence }));
  }
  const hypothetical = c.approvals[q] ? current : settlementView(l, q, today);
  return { quarter: q, assumptions, current, whatIf: hypothetical, changePence: hypothetical.netPayablePence - current.netPayablePence };
};
