// Example requests for the OpenAPI document: DOMAIN.md's worked example (Kingston CCG 08J buys from South London CSU
// 0AX; Q1 2025-26 settles at N = 41,700,000p). A test checks that each validates against its schema.
import receipt from '../../../docs/examples/receipt-2025-26-Q1.json' with { type: 'json' };

export const CONTRACT_ID_EXAMPLE = 'KIN-0AX-2025';
export const CHILD_ID_EXAMPLES = {
  extra: `${CONTRACT_ID_EXAMPLE}.extra-3f2c8a1be0d4`,
  challenge: `${CONTRACT_ID_EXAMPLE}.challenge-9b41c07d2e5a`,
  invoice: `${CONTRACT_ID_EXAMPLE}.invoice-5d7e19a0c3b2`,
};

const kpis = [
  { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
  { id: 'K2', name: 'Monthly finance pack by WD8', serviceLine: 'finance', weightBp: 3000, targetBp: 9000, kind: 'deliverable', dueWorkingDay: 8 },
  { id: 'K3', name: 'Press queries answered within 2 working days', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
];

export const registerOrganisation = { businessDate: '2013-04-01', code: '08J', name: 'NHS Kingston CCG', kind: 'ccg', population: 180_000, runningCostAllowancePencePerHead: 2500 };
export const renameOrganisation = { businessDate: '2024-04-01', name: 'Kingston and Richmond NHS Foundation Trust' };
export const agreeContract = {
  contractId: CONTRACT_ID_EXAMPLE,
  businessDate: '2025-03-20',
  ccg: '08J',
  csu: '0AX',
  vehicle: 'SLA',
  firstMonth: '2025-26-M01',
  lastMonth: '2025-26-M12',
  annualFeePence: 160_000_000,
  feeAtRiskBp: 1000,
  gainShareBp: 2000,
  gainShareCapPence: 15_000_000,
  breakNoticeMonths: 3,
  trustResponseWorkingDays: 20,
  kpis,
};
export const varyContract = { businessDate: '2025-08-14', effectiveQuarter: '2025-26-Q3', annualFeePence: 170_000_000 };
export const delivery = { kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-20', reference: 'K1-2025-26-M01' };
export const rejection = { businessDate: '2025-06-12', kpiId: 'K2', month: '2025-26-M02', reason: 'Pack omits the month’s SLAM variance' };
export const measurement = { businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 };
export const returns = {
  rows: [
    { kind: 'delivery', kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-14', reference: 'K1-2025-26-M01' },
    { kind: 'delivery', kpiId: 'K2', month: '2025-26-M01', deliveredOn: '2025-05-09' },
    { kind: 'measurement', businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600, note: 'SUS submission log, April' },
  ],
};
export const approval = { businessDate: '2025-07-31', netPayablePence: 41_700_000 };
export const raiseExtra = {
  businessDate: '2025-04-15',
  amountPence: 1_850_000,
  description: 'Ad hoc SUS data extract for the A&E review',
  serviceLine: 'business-intelligence',
  requestedBy: 'Head of Contracting, Kingston CCG',
};
export const disputeExtra = { businessDate: '2025-04-22', reason: 'covered-by-core-offer', detail: 'BI core offer includes ad hoc extracts' };
export const raiseChallenge = {
  businessDate: '2025-05-06',
  trust: 'RAX',
  activityMonth: '2025-26-M01',
  category: 'emergency-readmission-30d',
  activityLines: 120,
  valuePence: 9_000_000,
  phase: 'first',
};
export const submitInvoice = { businessDate: '2025-07-01', invoiceNumber: 'INV-2025/0042', quarter: '2025-26-Q1', kind: 'core', amountPence: 38_400_000, vatPence: 0 };

/** The answer to the worked example's Q1 approval on a demo run, with the README's example receipt. */
export const approvalRecorded = { position: receipt.event.position, revision: receipt.event.revision, receipt };
