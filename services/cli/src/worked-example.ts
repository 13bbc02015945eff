// DOMAIN.md's worked example as the API requests a user would send: the demo data of `pnpm ledger start --demo`
// and the end-to-end test's scenario (one list, so the demo always shows what the test proves: N = 41,700,000p).
import type { Role } from '@csu-ledger/domain';

export interface DemoRequest {
  as: { role: Role; org: string; sub: string; name: string };
  path: string;
  body: Record<string, unknown>;
  /** Later requests may refer to ids created earlier: `{extra1}` in a path is replaced by the answer's id. */
  saveAs?: string;
}

const admin = { role: 'admin' as const, org: 'NHS', sub: 'admin-1', name: 'Ledger Administrator' };
const csu = { role: 'csu' as const, org: '0AX', sub: 'am-0ax-1', name: 'Priya Shah (South London CSU account manager)' };
const ccg = { role: 'ccg' as const, org: '08J', sub: 'fin-08j-1', name: 'Tom Baker (Kingston CCG finance)' };
export const DEMO_ACTORS = { admin, csu, ccg, auditor: { role: 'auditor' as const, org: 'NAO', sub: 'audit-1', name: 'Audit' } };

export const CONTRACT_ID = 'KIN-0AX-2025';

const kpis = [
  { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
  { id: 'K2', name: 'Monthly finance pack by WD8', serviceLine: 'finance', weightBp: 3000, targetBp: 9000, kind: 'deliverable', dueWorkingDay: 8 },
  { id: 'K3', name: 'Press queries answered within 2 working days', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
];

const deliver = (kpiId: string, month: string, deliveredOn: string): DemoRequest => ({
  as: csu,
  path: `/contracts/${CONTRACT_ID}/deliveries`,
  body: { kpiId, month, deliveredOn, reference: `${kpiId}-${month}` },
});
const measure = (month: string, achievedBp: number, businessDate: string): DemoRequest => ({
  as: csu,
  path: `/contracts/${CONTRACT_ID}/measurements`,
  body: { kpiId: 'K3', month, achievedBp, businessDate },
});

export const workedExample: DemoRequest[] = [
  { as: admin, path: '/organisations', body: { businessDate: '2013-04-01', code: '08J', name: 'NHS Kingston CCG', kind: 'ccg', population: 180_000, runningCostAllowancePencePerHead: 2500 } },
  { as: admin, path: '/organisations', body: { businessDate: '2013-04-01', code: '0AX', name: 'South London Commissioning Support Unit', kind: 'csu' } },
  { as: admin, path: '/organisations', body: { businessDate: '2013-04-01', code: 'RAX', name: 'Kingston Hospital NHS Foundation Trust', kind: 'trust' } },
  { as: admin, path: '/organisations/RAX/renaming', body: { businessDate: '2024-04-01', name: 'Kingston and Richmond NHS Foundation Trust' } },
  {
    as: admin,
    path: '/contracts',
    body: {
      contractId: CONTRACT_ID, businessDate: '2025-03-20', ccg: '08J', csu: '0AX', vehicle: 'SLA', firstMonth: '2025-26-M01', lastMonth: '2025-26-M12',
      annualFeePence: 160_000_000, feeAtRiskBp: 1000, gainShareBp: 2000, gainShareCapPence: 15_000_000, breakNoticeMonths: 3, trustResponseWorkingDays: 20, kpis,
    },
  },
  // K1 (WD10): M01 due 2025-05-15 (5 May is a bank holiday) but delivered 2025-05-20: missed. M02, M03 on time.
  deliver('K1', '2025-26-M01', '2025-05-20'),
  deliver('K1', '2025-26-M02', '2025-06-10'),
  deliver('K1', '2025-26-M03', '2025-07-10'),
  // K2 (WD8): all on time.
  deliver('K2', '2025-26-M01', '2025-05-12'),
  deliver('K2', '2025-26-M02', '2025-06-10'),
  deliver('K2', '2025-26-M03', '2025-07-09'),
  measure('2025-26-M01', 9600, '2025-05-02'),
  measure('2025-26-M02', 9500, '2025-06-02'),
  measure('2025-26-M03', 9700, '2025-07-02'),
  // Challenges resolved in Q1 recover 12,000,000p.
  { as: csu, path: `/contracts/${CONTRACT_ID}/challenges`, saveAs: 'challenge1', body: { businessDate: '2025-05-06', trust: 'RAX', activityMonth: '2025-26-M01', category: 'emergency-readmission-30d', activityLines: 120, valuePence: 9_000_000, phase: 'first' } },
  { as: csu, path: '/challenges/{challenge1}/responses', body: { businessDate: '2025-05-30', acceptedPence: 8_000_000, rejectedPence: 1_000_000 } },
  { as: csu, path: '/challenges/{challenge1}/resolve', body: { businessDate: '2025-06-20', recoveredPence: 8_000_000 } },
  { as: csu, path: `/contracts/${CONTRACT_ID}/challenges`, saveAs: 'challenge2', body: { businessDate: '2025-05-12', trust: 'RAX', activityMonth: '2025-26-M01', category: 'duplicate-activity', activityLines: 37, valuePence: 4_000_000 } },
  { as: csu, path: '/challenges/{challenge2}/resolve', body: { businessDate: '2025-06-25', recoveredPence: 4_000_000 } },
  // An extra of 1,850,000p disputed and resolved at 900,000p in Q1; another of 420,000p still disputed.
  { as: csu, path: `/contracts/${CONTRACT_ID}/extras`, saveAs: 'extra1', body: { businessDate: '2025-04-15', amountPence: 1_850_000, description: 'Ad hoc SUS data extract for the A&E review', serviceLine: 'business-intelligence', requestedBy: 'Head of Contracting, Kingston CCG' } },
  { as: ccg, path: '/extras/{extra1}/dispute', body: { businessDate: '2025-04-22', reason: 'covered-by-core-offer', detail: 'BI core offer includes ad hoc extracts' } },
  { as: ccg, path: '/extras/{extra1}/resolve', body: { businessDate: '2025-06-16', agreedPence: 900_000 } },
  { as: csu, path: `/contracts/${CONTRACT_ID}/extras`, saveAs: 'extra2', body: { businessDate: '2025-05-19', amountPence: 420_000, description: 'Board paper drafting support', serviceLine: 'communications', requestedBy: 'Director of Finance, Kingston CCG' } },
  { as: ccg, path: '/extras/{extra2}/dispute', body: { businessDate: '2025-05-27', reason: 'not-requested' } },
];

export const WORKED_EXAMPLE_NET_PAYABLE_PENCE = 41_700_000;
