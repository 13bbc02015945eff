// How the read models look to a reader (API.md: Query service). Pure functions of a ledger and the date that "now"
// means; the figures themselves come from the domain package.
import {
  compareMonths,
  inTerm,
  isOverdue,
  responseDeadline,
  lastDayOfMonth,
  monthOfDate,
  nameAt,
  termsAt,
  type AgreedContract,
  type ContractLedger,
  type IsoDate,
  type OrganisationState,
} from '@csu-ledger/domain';

export type OrgLookup = (code: string) => OrganisationState | undefined;

const party = (code: string, orgs: OrgLookup, on: IsoDate) => {
  const o = orgs(code);
  // DOMAIN.md: a contract may name organisations not in the register; views then show the code alone.
  return o?.status === 'registered' ? { code, name: nameAt(o, on) } : { code };
};

export const contractStatus = (
  c: AgreedContract,
  today: IsoDate,
): 'not-started' | 'active' | 'notice-served' | 'ended' => {
  const month = monthOfDate(today);
  if (compareMonths(month, c.firstMonth) < 0) return 'not-started';
  if (compareMonths(month, c.termEndMonth) > 0) return 'ended';
  return c.breakNotice ? 'notice-served' : 'active';
};

/** The month whose terms a view shows: today's, or the term's first or last month when today lies outside it. */
const shownMonth = (c: AgreedContract, today: IsoDate): string => {
  const month = monthOfDate(today);
  return inTerm(c, month) ? month : compareMonths(month, c.firstMonth) < 0 ? c.firstMonth : c.termEndMonth;
};

export const contractSummary = (l: ContractLedger & { contract: AgreedContract }, orgs: OrgLookup, today: IsoDate) => {
  const c = l.contract;
  const current = shownMonth(c, today);
  return {
    contractId: c.contractId,
    ccg: party(c.ccg, orgs, today),
    csu: party(c.csu, orgs, today),
    vehicle: c.vehicle ?? null,
    firstMonth: c.firstMonth,
    lastMonth: c.lastMonth,
    termEndMonth: c.termEndMonth,
    termEnd: lastDayOfMonth(c.termEndMonth),
    status: contractStatus(c, today),
    annualFeePence: termsAt(c, current).annualFeePence,
    position: l.position,
  };
};

export const contractDetail = (l: ContractLedger & { contract: AgreedContract }, orgs: OrgLookup, today: IsoDate) => {
  const c = l.contract;
  const summary = contractSummary(l, orgs, today);
  const current = shownMonth(c, today);
  return {
    ...summary,
    agreedOn: c.agreedOn,
    terms: termsAt(c, current),
    termsInForceFrom: [...c.versions].reverse().find((v) => compareMonths(v.from, current) <= 0)?.from ?? c.firstMonth,
    variations: c.versions.slice(1).map((v) => ({ effectiveFrom: v.from, terms: v.terms })),
    breakNotice: c.breakNotice
      ? {
          servedOn: c.breakNotice.businessDate,
          servedBy: c.breakNotice.servedBy,
          termEndMonth: c.breakNotice.termEndMonth,
        }
      : null,
    approvedQuarters: Object.values(c.approvals).map((a) => ({
      quarter: a.quarter,
      netPayablePence: a.netPayablePence,
      approvedOn: a.businessDate,
    })),
  };
};

export const extrasView = (l: ContractLedger) =>
  Object.values(l.extras).map((x) => {
    const item = [...l.moneyItems].reverse().find((i) => i.kind === 'extra' && i.id === x.extraId);
    return {
      extraId: x.extraId,
      status: x.status,
      raisedOn: x.raisedOn,
      description: x.description,
      serviceLine: x.serviceLine,
      requestedBy: x.requestedBy,
      originalPence: x.originalPence,
      amountPence: x.amountPence,
      payablePence: x.payablePence ?? null,
      disputeReason: x.disputeReason ?? null,
      settledInQuarter: item?.landingQuarter ?? null,
      lastChangedOn: x.lastChangedOn,
    };
  });

export const challengesView = (l: ContractLedger & { contract: AgreedContract }, orgs: OrgLookup, today: IsoDate) =>
  Object.values(l.challenges).map((ch) => {
    const deadline = responseDeadline(ch, termsAt(l.contract, monthOfDate(ch.raisedOn)).trustResponseWorkingDays);
    const item = [...l.moneyItems].reverse().find((i) => i.kind === 'challenge' && i.id === ch.challengeId);
    const latest = ch.responses[ch.responses.length - 1];
    return {
      challengeId: ch.challengeId,
      status: ch.status,
      trust: ch.trust,
      // The trust's name when the challenge was raised (DOMAIN.md: names in force at the date a view is about).
      trustName: party(ch.trust, orgs, ch.raisedOn).name ?? null,
      activityMonth: ch.activityMonth,
      category: ch.category,
      activityLines: ch.activityLines,
      phase: ch.phase ?? null,
      raisedOn: ch.raisedOn,
      valuePence: ch.valuePence,
      acceptedPence: latest?.acceptedPence ?? null,
      rejectedPence: latest?.rejectedPence ?? null,
      responses: ch.responses,
      recoveredPence: ch.recoveredPence ?? null,
      settledInQuarter: item?.landingQuarter ?? null,
      responseDeadline: deadline,
      overdue: isOverdue(ch, deadline, today),
    };
  });
