// A small contract for tests that need one but not DOMAIN.md's figures: a 2025-26 term, £120,000 a year, one
// monthly report due on working day 10. Tests override what their figures depend on.
export const MONTHLY_REPORT = {
  id: 'K1',
  name: 'Monthly report',
  serviceLine: 'finance',
  weightBp: 10000,
  targetBp: 9000,
  kind: 'deliverable',
  dueWorkingDay: 10,
} as const;

export const smallContract = (
  contractId: string,
  parties: { ccg: string; csu: string },
  overrides: Record<string, unknown> = {},
) => ({
  contractId,
  businessDate: '2025-03-20',
  ccg: parties.ccg,
  csu: parties.csu,
  firstMonth: '2025-26-M01',
  lastMonth: '2025-26-M12',
  annualFeePence: 12_000_000,
  feeAtRiskBp: 1000,
  gainShareBp: 5000,
  gainShareCapPence: 1_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 20,
  kpis: [MONTHLY_REPORT],
  ...overrides,
});
