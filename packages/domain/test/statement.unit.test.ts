// Issue 10: a quarter's statement lists every line of F, R, W, G, X and N, traced to its events, and the lines that
// count add up to the settlement's net payable to the penny, open or approved. Figures from DOMAIN.md's worked example.
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../src/events.ts';
import { formatBp, formatDate, formatPounds, poundsDecimal } from '../src/format.ts';
import { computeSettlement, figuresToRecord } from '../src/settlement.ts';
import { settlementStatement, type Statement } from '../src/statement.ts';
import { AGREED, TODAY } from './fixtures.ts';
import { LedgerBuilder } from './ledger-builder.ts';
import { ids, workedExampleQ1 } from './worked-example.ts';

const names: Record<string, string> = { '08J': 'NHS Kingston CCG', '0AX': 'South London CSU', RAX: 'Kingston Hospital' };
const nameOf = (code: string) => names[code];
const counted = (s: Statement): bigint => s.lines.reduce((sum, l) => sum + (l.amountPence ?? 0n), 0n);

describe('settlement statement (issue 10)', () => {
  const b = new LedgerBuilder().add(...workedExampleQ1);
  const open = settlementStatement(b.ledger(), '2025-26-Q1', TODAY, nameOf);

  it('heads the statement with the parties, the NHS period and the status', () => {
    expect(open).toMatchObject({
      contractId: AGREED.contractId,
      quarter: '2025-26-Q1',
      period: '2025/26 Q1',
      status: 'open',
      ccg: { code: '08J', name: 'NHS Kingston CCG' },
      csu: { code: '0AX', name: 'South London CSU' },
      approval: null,
    });
  });

  it('charges each month of the fee: 13,333,333 + 13,333,333 + 13,333,334 = F', () => {
    const fees = open.lines.filter((l) => l.kind === 'fee');
    expect(fees.map((l) => [l.period, l.amountPence])).toEqual([
      ['2025/26 M1', 13_333_333n],
      ['2025/26 M2', 13_333_333n],
      ['2025/26 M3', 13_333_334n],
    ]);
    expect(fees[0]!.events.map((e) => e.type)).toEqual(['ContractAgreed']);
  });

  it('shows each KPI with its achievement and score, traced to its deliveries and reports', () => {
    const kpis = open.lines.filter((l) => l.kind === 'kpi');
    expect(kpis.map((l) => [l.kpi?.kpiId, l.kpi?.achievementBp, l.kpi?.scoreBp])).toEqual([
      ['K1', 6667, 0],
      ['K2', 10000, 10000],
      ['K3', 9600, 10000],
    ]);
    expect(kpis[0]!.events.map((e) => [e.type, e.businessDate])).toEqual([
      ['DeliverableDelivered', '2025-05-20'],
      ['DeliverableDelivered', '2025-06-10'],
      ['DeliverableDelivered', '2025-07-10'],
    ]);
    expect(kpis[2]!.events.every((e) => e.type === 'MeasurementReported')).toBe(true);
  });

  it('withholds 1,600,000p, shares 2,400,000p of the 12,000,000p recovered, adds the 900,000p agreed extra', () => {
    const by = (kind: string) => open.lines.filter((l) => l.kind === kind);
    expect(by('at-risk')[0]!.valuePence).toBe(4_000_000n);
    expect(by('withheld')[0]!.amountPence).toBe(-1_600_000n);
    expect(by('recovery').map((l) => l.valuePence)).toEqual([12_000_000n]);
    expect(by('recovery')[0]!.label).toContain('Kingston Hospital (RAX)');
    expect(by('recovery')[0]!.events.map((e) => e.type)).toEqual(['ChallengeResolved']);
    expect(by('gain-share')[0]!.amountPence).toBe(2_400_000n);
    expect(by('extra').map((l) => [l.amountPence, l.events[0]!.type])).toEqual([[900_000n, 'ExtraResolved']]);
    expect(by('net')[0]!.valuePence).toBe(41_700_000n);
  });

  it('adds up to N to the penny', () => {
    expect(counted(open)).toBe(41_700_000n);
    expect(counted(open)).toBe(open.settlement.netPayablePence);
  });

  it('adds up to the approved N once approved, and names the approver', () => {
    const figures = computeSettlement(b.ledger(), '2025-26-Q1', '2025-07-21');
    const approval: LedgerEvent = {
      type: 'SettlementApproved',
      data: { contractId: AGREED.contractId, quarter: '2025-26-Q1', businessDate: '2025-07-21', netPayablePence: 41_700_000, assessedOn: '2025-07-21', figures: figuresToRecord(figures) },
    };
    // A resolution dated in Q1 but recorded after the approval rolls into Q2: Q1's statement does not change.
    const late: LedgerEvent = { type: 'ExtraResolved', data: { extraId: ids.X2, contractId: AGREED.contractId, businessDate: '2025-06-30', agreedPence: 100_000 } };
    const approved = new LedgerBuilder().add(...workedExampleQ1, approval, late).ledger();
    const q1 = settlementStatement(approved, '2025-26-Q1', TODAY, nameOf);
    expect(q1.status).toBe('approved');
    expect(q1.approval).toMatchObject({ businessDate: '2025-07-21', approvedBy: { sub: 'u1' } });
    expect(counted(q1)).toBe(41_700_000n);
    const q2 = settlementStatement(approved, '2025-26-Q2', TODAY, nameOf);
    expect(q2.lines.filter((l) => l.kind === 'extra').map((l) => l.amountPence)).toEqual([100_000n]);
    expect(counted(q2)).toBe(q2.settlement.netPayablePence);
  });
});

describe('formats for people (DOMAIN.md: screens and reports)', () => {
  it('writes pounds with thousands separators, exactly, at any size', () => {
    expect(formatPounds(41_700_000n)).toBe('£417,000.00');
    expect(formatPounds(13_333_333)).toBe('£133,333.33');
    expect(formatPounds(-1_600_000n)).toBe('-£16,000.00');
    expect(formatPounds(5n)).toBe('£0.05');
    expect(formatPounds(BigInt(Number.MAX_SAFE_INTEGER) * 2n)).toBe('£180,143,985,094,819.82');
    expect(poundsDecimal(41_700_000n)).toBe('417000.00');
    expect(poundsDecimal(-5n)).toBe('-0.05');
  });
  it('writes dates and percentages as people read them', () => {
    expect(formatDate('2025-05-15')).toBe('15 May 2025');
    expect(formatBp(6667)).toBe('66.67%');
    expect(formatBp(10_000)).toBe('100.00%');
    expect(formatBp(5)).toBe('0.05%');
  });
});
