import { describe, it } from 'vitest';
import { decideContract, type ContractCommand } from '../src/contract/decide.ts';
import { evolveContract, initialContractState, type ContractState } from '../src/contract/model.ts';
import type { ContractEvent, SettlementFigures } from '../src/events.ts';
import { deciderSpec } from './spec.ts';
import { figuresToRecord } from '../src/settlement.ts';
import { AGREED, KPIS, TODAY } from './fixtures.ts';

const given = deciderSpec<ContractCommand, ContractEvent, ContractState>({
  decide: decideContract,
  evolve: evolveContract,
  initialState: initialContractState,
});
const agreed: ContractEvent = { type: 'ContractAgreed', data: AGREED };
const base = { contractId: 'KIN-2025', today: TODAY };
const delivered = (kpiId: string, month: string, on: string): ContractEvent => ({
  type: 'DeliverableDelivered',
  data: { contractId: 'KIN-2025', kpiId, month, deliveredOn: on, businessDate: on, reference: undefined },
});
const figures = (net: number): SettlementFigures => ({
  feePence: BigInt(net),
  atRiskPence: 0n,
  performanceScoreBp: 10000,
  withheldPence: 0n,
  recoveredPence: 0n,
  gainSharePence: 0n,
  extrasPence: 0n,
  netPayablePence: BigInt(net),
  disputedExtras: { count: 0, valuePence: 0n },
  openChallenges: { count: 0, valuePence: 0n },
  kpis: [],
});
const approved = (quarter: string): ContractEvent => ({
  type: 'SettlementApproved',
  data: { contractId: 'KIN-2025', quarter, businessDate: '2025-07-20', netPayablePence: 1, assessedOn: '2025-07-20', figures: figuresToRecord(figures(1)) },
});

describe('AgreeContract', () => {
  const { contractId: _c, ...terms } = AGREED;
  const cmd: ContractCommand = { type: 'AgreeContract', ...terms, ...base };
  it('agrees a new contract', () => given([]).when(cmd).then([agreed]));
  it('refuses a second agreement', () => given([agreed]).when(cmd).thenRefuses('already-exists', 'contractId'));
  it('refuses weights not summing to 10000', () =>
    given([]).when({ ...cmd, kpis: [{ ...KPIS[0]!, weightBp: 5000 }] }).thenRefuses('invalid-input', 'kpis'));
  it('refuses duplicate KPI ids', () =>
    given([]).when({ ...cmd, kpis: [{ ...KPIS[0]!, weightBp: 5000 }, { ...KPIS[1]!, id: 'K1', weightBp: 5000 }] }).thenRefuses('invalid-input', 'kpis.1.id'));
  it('refuses a deliverable without a due working day', () =>
    given([]).when({ ...cmd, kpis: [{ ...KPIS[0]!, weightBp: 10000, dueWorkingDay: undefined }] }).thenRefuses('invalid-input', 'kpis.0.dueWorkingDay'));
  it('refuses a floor above the target', () =>
    given([]).when({ ...cmd, kpis: [{ ...KPIS[2]!, weightBp: 10000, floorBp: 9600 }] }).thenRefuses('invalid-input', 'kpis.0.floorBp'));
  it('refuses a term ending before it starts', () =>
    given([]).when({ ...cmd, firstMonth: '2025-26-M05', lastMonth: '2025-26-M04' }).thenRefuses('invalid-input', 'lastMonth'));
  it('refuses the same organisation on both sides', () => given([]).when({ ...cmd, csu: '08J' }).thenRefuses('invalid-input', 'csu'));
  it('refuses fractional pence', () => given([]).when({ ...cmd, annualFeePence: 10.5 }).thenRefuses('invalid-input', 'annualFeePence'));
  it('refuses a business date in the future', () => given([]).when({ ...cmd, businessDate: '2026-11-25' }).thenRefuses('business-date-in-future', 'businessDate'));
});

describe('VaryContract', () => {
  const vary = (over: Partial<ContractCommand & { type: 'VaryContract' }> = {}): ContractCommand => ({
    type: 'VaryContract',
    ...base,
    businessDate: '2025-08-01',
    effectiveQuarter: '2025-26-Q3',
    annualFeePence: 170_000_000,
    ...over,
  });
  it('varies from a later quarter', () =>
    given([agreed]).when(vary()).then([
      { type: 'ContractVaried', data: { contractId: 'KIN-2025', businessDate: '2025-08-01', effectiveQuarter: '2025-26-Q3', annualFeePence: 170_000_000 } },
    ]));
  it('refuses a variation effective in the current quarter', () =>
    given([agreed]).when(vary({ effectiveQuarter: '2025-26-Q2' })).thenRefuses('invalid-variation', 'effectiveQuarter'));
  it('refuses a variation after the term', () => given([agreed]).when(vary({ effectiveQuarter: '2026-27-Q1' })).thenRefuses('outside-term', 'effectiveQuarter'));
  it('refuses a variation that changes nothing', () =>
    given([agreed]).when(vary({ annualFeePence: undefined })).thenRefuses('invalid-variation', 'effectiveQuarter'));
  it('refuses KPIs whose weights do not sum to 10000', () =>
    given([agreed]).when(vary({ kpis: [KPIS[0]!] })).thenRefuses('invalid-input', 'kpis'));
  it('refuses an unknown contract', () => given([]).when(vary()).thenRefuses('not-found'));
  it('refuses a variation dated before the agreement', () =>
    given([agreed]).when(vary({ businessDate: '2024-01-01', effectiveQuarter: '2025-26-Q1' })).thenRefuses('invalid-input', 'businessDate'));
});

describe('ServeBreakNotice', () => {
  const cmd: ContractCommand = { type: 'ServeBreakNotice', ...base, businessDate: '2025-08-15', servedBy: 'ccg' };
  it('ends the term at the month in which D + notice falls', () =>
    given([agreed]).when(cmd).then([
      { type: 'BreakNoticeServed', data: { contractId: 'KIN-2025', businessDate: '2025-08-15', servedBy: 'ccg', termEndMonth: '2025-26-M08' } },
    ]));
  it('never ends later than agreed', () =>
    given([agreed]).when({ ...cmd, businessDate: '2026-02-01' }).then([
      { type: 'BreakNoticeServed', data: { contractId: 'KIN-2025', businessDate: '2026-02-01', servedBy: 'ccg', termEndMonth: '2025-26-M12' } },
    ]));
  it('refuses a second notice', () =>
    given([agreed, { type: 'BreakNoticeServed', data: { contractId: 'KIN-2025', businessDate: '2025-08-15', servedBy: 'csu', termEndMonth: '2025-26-M08' } }])
      .when(cmd)
      .thenRefuses('break-notice-already-served'));
  it('refuses a notice dated before the agreement', () => given([agreed]).when({ ...cmd, businessDate: '2010-01-01' }).thenRefuses('invalid-input', 'businessDate'));
  it('refuses a notice after the term ended', () => given([agreed]).when({ ...cmd, businessDate: '2026-04-02' }).thenRefuses('term-ended', 'businessDate'));
  it('refuses a notice that would end the term inside an approved quarter', () =>
    given([agreed, approved('2025-26-Q1'), approved('2025-26-Q2')]).when({ ...cmd, businessDate: '2025-05-01' }).thenRefuses('quarter-closed', 'businessDate'));
});

describe('DeliverDeliverable', () => {
  const cmd: ContractCommand = { type: 'DeliverDeliverable', ...base, kpiId: 'K1', month: '2025-26-M01', businessDate: '2025-05-14' };
  it('records a delivery', () => given([agreed]).when(cmd).then([delivered('K1', '2025-26-M01', '2025-05-14')]));
  it('records a re-delivery as a new event', () =>
    given([agreed, delivered('K1', '2025-26-M01', '2025-05-10')]).when(cmd).then([delivered('K1', '2025-26-M01', '2025-05-14')]));
  it('refuses an unknown KPI', () => given([agreed]).when({ ...cmd, kpiId: 'K9' }).thenRefuses('unknown-kpi', 'kpiId'));
  it('refuses a measured KPI', () => given([agreed]).when({ ...cmd, kpiId: 'K3' }).thenRefuses('wrong-kpi-kind', 'kpiId'));
  it('refuses a month outside the term', () => given([agreed]).when({ ...cmd, month: '2026-27-M01', businessDate: '2026-05-01' }).thenRefuses('outside-term', 'month'));
  it('refuses a month of a closed quarter', () => given([agreed, approved('2025-26-Q1')]).when(cmd).thenRefuses('quarter-closed', 'month'));
  it('refuses a delivery dated before its month', () => given([agreed]).when({ ...cmd, businessDate: '2025-03-31' }).thenRefuses('invalid-input', 'deliveredOn'));
  it('refuses a delivery dated in the future', () => given([agreed]).when({ ...cmd, businessDate: '2027-01-01' }).thenRefuses('business-date-in-future', 'deliveredOn'));
  it('refuses a month after a break notice ended the term', () =>
    given([agreed, { type: 'BreakNoticeServed', data: { contractId: 'KIN-2025', businessDate: '2025-05-01', servedBy: 'csu', termEndMonth: '2025-26-M05' } }])
      .when({ ...cmd, month: '2025-26-M06', businessDate: '2025-09-01' })
      .thenRefuses('outside-term', 'month'));
});

describe('RejectDeliverable', () => {
  const cmd: ContractCommand = { type: 'RejectDeliverable', ...base, kpiId: 'K1', month: '2025-26-M01', reason: 'totals wrong', businessDate: '2025-05-16' };
  const d = delivered('K1', '2025-26-M01', '2025-05-14');
  it('rejects the latest delivery', () =>
    given([agreed, d]).when(cmd).then([
      { type: 'DeliverableRejected', data: { contractId: 'KIN-2025', kpiId: 'K1', month: '2025-26-M01', reason: 'totals wrong', businessDate: '2025-05-16' } },
    ]));
  it('refuses when nothing was delivered', () => given([agreed]).when(cmd).thenRefuses('nothing-to-reject'));
  it('refuses to reject twice', () =>
    given([agreed, d, { type: 'DeliverableRejected', data: { contractId: 'KIN-2025', kpiId: 'K1', month: '2025-26-M01', reason: 'x', businessDate: '2025-05-15' } }])
      .when(cmd)
      .thenRefuses('nothing-to-reject'));
  it('refuses in a closed quarter', () => given([agreed, d, approved('2025-26-Q1')]).when(cmd).thenRefuses('quarter-closed', 'month'));
  it('refuses a rejection dated before the delivery', () => given([agreed, d]).when({ ...cmd, businessDate: '2025-05-13' }).thenRefuses('invalid-input', 'businessDate'));
});

describe('ReportMeasurement', () => {
  const cmd: ContractCommand = { type: 'ReportMeasurement', ...base, kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, businessDate: '2025-05-02' };
  it('records a measurement', () =>
    given([agreed]).when(cmd).then([
      { type: 'MeasurementReported', data: { contractId: 'KIN-2025', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, businessDate: '2025-05-02' } },
    ]));
  it('refuses a deliverable KPI', () => given([agreed]).when({ ...cmd, kpiId: 'K1' }).thenRefuses('wrong-kpi-kind', 'kpiId'));
  it('refuses more than 100%', () => given([agreed]).when({ ...cmd, achievedBp: 10001 }).thenRefuses('invalid-input', 'achievedBp'));
  it('refuses a closed quarter', () => given([agreed, approved('2025-26-Q1')]).when(cmd).thenRefuses('quarter-closed', 'month'));
  it('refuses a month after the term', () => given([agreed]).when({ ...cmd, month: '2026-27-M01' }).thenRefuses('outside-term', 'month'));
  it('refuses a measurement dated before its month starts', () =>
    given([agreed]).when({ ...cmd, month: '2025-26-M06', businessDate: '2025-05-31' }).thenRefuses('invalid-input', 'businessDate'));

  // MeasurementReported version 2: structured evidence. 48 of 50 = 96.00% exactly; 47 of 49 = 95.918…% → 9592 bp.
  const evidence = { note: 'from the press log', achieved: 48, outOf: 50, unit: 'press queries answered within 2 WD' };
  it('records the evidence: a note, the counts and their unit', () =>
    given([agreed]).when({ ...cmd, evidence }).then([
      { type: 'MeasurementReported', data: { contractId: 'KIN-2025', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, businessDate: '2025-05-02', evidence } },
    ]));
  it('takes counts whose share rounds half up to the percentage', () =>
    given([agreed]).when({ ...cmd, achievedBp: 9592, evidence: { achieved: 47, outOf: 49 } }).then([
      { type: 'MeasurementReported', data: { contractId: 'KIN-2025', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9592, businessDate: '2025-05-02', evidence: { achieved: 47, outOf: 49 } } },
    ]));
  it('keeps a note alone, and no evidence at all when none is given', () =>
    given([agreed]).when({ ...cmd, evidence: {} }).then([
      { type: 'MeasurementReported', data: { contractId: 'KIN-2025', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, businessDate: '2025-05-02' } },
    ]));
  it('refuses counts that are not the percentage reported', () =>
    given([agreed]).when({ ...cmd, achievedBp: 9591, evidence: { achieved: 47, outOf: 49 } }).thenRefuses('invalid-input', 'achievedBp'));
  it('refuses more achieved than it is out of', () =>
    given([agreed]).when({ ...cmd, achievedBp: 10000, evidence: { achieved: 51, outOf: 50 } }).thenRefuses('invalid-input', 'evidence.achieved'));
  it('refuses one count without the other, out of 0, and a unit without counts', () => {
    given([agreed]).when({ ...cmd, evidence: { achieved: 48 } }).thenRefuses('invalid-input', 'evidence.outOf');
    given([agreed]).when({ ...cmd, evidence: { outOf: 50 } }).thenRefuses('invalid-input', 'evidence.achieved');
    given([agreed]).when({ ...cmd, achievedBp: 0, evidence: { achieved: 0, outOf: 0 } }).thenRefuses('invalid-input', 'evidence.outOf');
    given([agreed]).when({ ...cmd, evidence: { unit: 'queries' } }).thenRefuses('invalid-input', 'evidence.unit');
  });
});

describe('ApproveSettlement', () => {
  const cmd: ContractCommand = { type: 'ApproveSettlement', ...base, quarter: '2025-26-Q1', netPayablePence: 5, current: figures(5), businessDate: '2025-07-20' };
  it('approves with the figures computed now', () =>
    given([agreed]).when(cmd).then([
      { type: 'SettlementApproved', data: { contractId: 'KIN-2025', quarter: '2025-26-Q1', businessDate: '2025-07-20', netPayablePence: 5, assessedOn: TODAY, figures: figuresToRecord(figures(5)) } },
    ]));
  it('refuses a stale figure', () => given([agreed]).when({ ...cmd, netPayablePence: 4 }).thenRefuses('stale-settlement', 'netPayablePence'));
  it('refuses a second approval', () => given([agreed, approved('2025-26-Q1')]).when(cmd).thenRefuses('quarter-closed', 'quarter'));
  it('refuses a quarter that has not ended', () => given([agreed]).when({ ...cmd, today: '2025-06-30', businessDate: '2025-06-30' }).thenRefuses('quarter-not-ended', 'quarter'));
  it('refuses an approval dated inside the quarter', () => given([agreed]).when({ ...cmd, businessDate: '2025-06-01' }).thenRefuses('quarter-not-ended', 'businessDate'));
  it('refuses while an earlier quarter is open', () =>
    given([agreed]).when({ ...cmd, quarter: '2025-26-Q2', businessDate: '2025-10-20' }).thenRefuses('earlier-quarter-open', 'quarter'));
  it('refuses a quarter outside the term', () =>
    given([agreed]).when({ ...cmd, quarter: '2027-28-Q1', current: figures(0), netPayablePence: 0 }).thenRefuses('outside-term', 'quarter'));
});
