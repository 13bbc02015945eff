// A quarter's settlement statement (issue 10; DOMAIN.md: Settlement): every line of F, R, W, G, X and N, each traced to
// the events behind it, so CCG finance can check a figure without reading history. The lines that count add up to N
// to the penny (a test proves it for open and approved quarters alike); R, each KPI and each recovery are shown for
// reading. Pure: the caller gives the ledger, "now" and how to name an organisation at a date.
import { formatMonth, formatQuarter, lastDayOfQuarter, monthsOfQuarter, parseMonthId, type IsoDate, type QuarterId } from './calendar.ts';
import { inTerm, kpiMonthKey, termsAt, versionAt, type AgreedContract } from './contract/model.ts';
import type { KpiPerformance, Provenance } from './events.ts';
import { formatBp, formatPounds } from './format.ts';
import type { ContractLedger, MoneyItem } from './ledger.ts';
import { instalment } from './money.ts';
import { approvalSummary, approvedFigures, computeSettlement, countedIn, settlementView, type ApprovalSummary, type SettlementView } from './settlement.ts';

export type StatementFigure = 'F' | 'R' | 'W' | 'G' | 'X' | 'N';
export type StatementLineKind = 'fee' | 'at-risk' | 'kpi' | 'withheld' | 'recovery' | 'queried-recovery' | 'gain-share' | 'extra' | 'net';

export interface StatementLine {
  kind: StatementLineKind;
  /** The settlement figure of DOMAIN.md this line explains. */
  figure: StatementFigure;
  label: string;
  /** NHS period label of what the line is about: '2025/26 M1', '2025/26 Q1'. */
  period: string;
  /** Signed amount this line adds to N (fee +, withheld −, gain share +, extras +); null when shown for reading. */
  amountPence: bigint | null;
  /** An amount shown for reading, not added again: R, a recovery's value, N itself. */
  valuePence: bigint | null;
  kpi?: Pick<KpiPerformance, 'kpiId' | 'weightBp' | 'targetBp' | 'floorBp' | 'achievementBp' | 'scoreBp'> & { name: string };
  /** The events this line rests on. */
  events: Provenance[];
}

export interface StatementParty {
  code: string;
  /** The name in force on the quarter's last day, as the register knew it; null when not in the register. */
  name: string | null;
}

export interface Statement {
  contractId: string;
  quarter: QuarterId;
  period: string;
  status: 'open' | 'approved';
  /** The date used as "now" for pending deliverables (the approval's, once approved). */
  assessedOn: IsoDate;
  ccg: StatementParty;
  csu: StatementParty;
  approval: ApprovalSummary | null;
  lines: StatementLine[];
  /** The settlement itself: the lines that count add up to its net payable. */
  settlement: SettlementView;
}

const recordedBy = (i: MoneyItem): Provenance => ({
  eventId: i.eventId,
  type: i.eventType,
  businessDate: i.businessDate,
  position: i.position,
  recordedAt: i.recordedAt,
  by: i.actor,
});

const present = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

/** The deliveries, rejections and reports behind a KPI's months in the quarter. */
const kpiEvents = (c: AgreedContract, kpiId: string, months: string[]): Provenance[] =>
  months.flatMap((m) => {
    const d = c.deliveries[kpiMonthKey(kpiId, m)];
    const r = c.measurements[kpiMonthKey(kpiId, m)];
    return present([d?.recorded, d?.rejectionRecorded, r?.recorded]);
  });

export const settlementStatement = (
  ledger: ContractLedger,
  q: QuarterId,
  today: IsoDate,
  nameOf: (code: string, on: IsoDate) => string | undefined,
): Statement => {
  const c = ledger.contract;
  if (c.status !== 'agreed') throw new RangeError('no contract agreed');
  const approved = c.approvals[q];
  const view = settlementView(ledger, q, today);
  const frozen = approvedFigures(c, q);
  const assessedOn = approved?.assessedOn ?? today;
  const kpis = (frozen ?? computeSettlement(ledger, q, today)).kpis;
  const months = monthsOfQuarter(q);
  const terms = termsAt(c, months[0]!);
  const period = formatQuarter(q);
  const termsEvent = present([versionAt(c, months[0]!).recorded]);
  const lines: StatementLine[] = [];

  // F: each month's instalment inside the term (DOMAIN.md: Time and money).
  for (const m of months.filter((x) => inTerm(c, x))) {
    const fee = instalment(terms.annualFeePence, parseMonthId(m).m);
    lines.push({ kind: 'fee', figure: 'F', label: `Core fee, ${formatMonth(m)}`, period: formatMonth(m), amountPence: fee, valuePence: null, events: termsEvent });
  }
  lines.push({
    kind: 'at-risk',
    figure: 'R',
    label: `Fee at risk: ${formatBp(terms.feeAtRiskBp)} of ${formatPounds(view.feePence)}`,
    period,
    amountPence: null,
    valuePence: view.atRiskPence,
    events: termsEvent,
  });
  // W: each KPI's achievement and score, then what is withheld for the quarter's performance score S.
  for (const k of kpis) {
    const kpi = terms.kpis.find((t) => t.id === k.kpiId);
    const name = kpi?.name ?? k.kpiId;
    const shown = (bp: number | null) => (bp === null ? 'nothing to assess' : formatBp(bp));
    lines.push({
      kind: 'kpi',
      figure: 'W',
      label: `${k.kpiId} ${name}: achievement ${shown(k.achievementBp)}, score ${shown(k.scoreBp)} (weight ${formatBp(k.weightBp)}, target ${formatBp(k.targetBp)})`,
      period,
      amountPence: null,
      valuePence: null,
      kpi: { kpiId: k.kpiId, name, weightBp: k.weightBp, targetBp: k.targetBp, floorBp: k.floorBp, achievementBp: k.achievementBp, scoreBp: k.scoreBp },
      events: kpiEvents(c, k.kpiId, k.months.map((x) => x.month)),
    });
  }
  lines.push({
    kind: 'withheld',
    figure: 'W',
    label: `Withheld: ${formatPounds(view.atRiskPence)} at risk × (1 − performance score ${formatBp(view.performanceScoreBp)})`,
    period,
    amountPence: -view.withheldPence,
    valuePence: null,
    events: [],
  });
  // G: each recovery counting in the quarter, then the gain share on them (capped per financial year).
  const items = countedIn(ledger, q);
  for (const i of items.filter((x) => x.kind === 'challenge')) {
    const ch = ledger.challenges[i.id];
    const trust = ch ? `${nameOf(ch.trust, ch.raisedOn) ?? ch.trust} (${ch.trust})` : 'a trust';
    const late = i.dueQuarter === q ? '' : `, dated ${formatQuarter(i.dueQuarter)} and recorded after its approval`;
    lines.push({
      kind: 'recovery',
      figure: 'G',
      label: `Recovered from ${trust}${ch ? `: ${ch.category}, activity ${formatMonth(ch.activityMonth)}` : ''}${late}`,
      period,
      amountPence: null,
      valuePence: BigInt(i.amountPence),
      events: [recordedBy(i)],
    });
  }
  // Recoveries CCG finance has queried: shown, not counted, until confirmed or recorded again (DOMAIN.md).
  for (const i of ledger.moneyItems.filter((x) => x.state === 'queried' && x.landingQuarter === q)) {
    const ch = ledger.challenges[i.id];
    lines.push({
      kind: 'queried-recovery',
      figure: 'G',
      label: `Recovery queried by CCG finance (${ch?.query?.reason ?? 'no reason recorded'}): not counted until confirmed`,
      period,
      amountPence: null,
      valuePence: BigInt(i.amountPence),
      events: [recordedBy(i)],
    });
  }
  lines.push({
    kind: 'gain-share',
    figure: 'G',
    label: `Gain share: ${formatBp(terms.gainShareBp)} of ${formatPounds(view.recoveredPence)} recovered, within the annual cap of ${formatPounds(terms.gainShareCapPence)}`,
    period,
    amountPence: view.gainSharePence,
    valuePence: null,
    events: [],
  });
  // X: each agreed extra counting in the quarter.
  for (const i of items.filter((x) => x.kind === 'extra')) {
    const x = ledger.extras[i.id];
    const how = i.eventType === 'ExtraResolved' ? 'agreed after dispute' : 'accepted';
    lines.push({
      kind: 'extra',
      figure: 'X',
      label: `Extra ${how}: ${x?.description ?? i.id}`,
      period,
      amountPence: BigInt(i.amountPence),
      valuePence: null,
      events: [recordedBy(i)],
    });
  }
  lines.push({ kind: 'net', figure: 'N', label: 'Net payable: F − W + G + X', period, amountPence: null, valuePence: view.netPayablePence, events: present([approved?.recorded]) });

  const on = lastDayOfQuarter(q);
  return {
    contractId: c.contractId,
    quarter: q,
    period,
    status: view.status,
    assessedOn,
    ccg: { code: c.ccg, name: nameOf(c.ccg, on) ?? null },
    csu: { code: c.csu, name: nameOf(c.csu, on) ?? null },
    approval: approved ? approvalSummary(approved) : null,
    lines,
    settlement: view,
  };
};
