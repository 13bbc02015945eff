// The worked example of DOMAIN.md as domain values, shared by the unit specs.
import type { ContractAgreed, Kpi } from '../src/events.ts';

export const KPIS: Kpi[] = [
  { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
  { id: 'K2', name: 'Monthly finance pack by WD8', serviceLine: 'finance', weightBp: 3000, targetBp: 9000, kind: 'deliverable', dueWorkingDay: 8 },
  { id: 'K3', name: 'Press queries answered within 2 WD', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
];

export const AGREED: ContractAgreed = {
  contractId: 'KIN-2025',
  ccg: '08J',
  csu: '0AX',
  vehicle: 'SLA',
  businessDate: '2025-03-20',
  firstMonth: '2025-26-M01',
  lastMonth: '2025-26-M12',
  annualFeePence: 160_000_000,
  feeAtRiskBp: 1000,
  gainShareBp: 2000,
  gainShareCapPence: 15_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 20,
  kpis: KPIS,
};

export const TODAY = '2026-11-24';
