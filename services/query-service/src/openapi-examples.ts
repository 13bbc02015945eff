// Example answers for the OpenAPI document (one per route of openapi.ts): DOMAIN.md's worked example, Kingston CCG
// (08J) and South London CSU (0AX), quarter 2025-26 Q1 as it stands before approval; lists shortened. The tests hold
// each to its route's schema with every object closed (test/int/openapi.int.test.ts), so an example cannot drift
// from what the service answers.
export const SETTLEMENT_EXAMPLE = {
  contractId: 'KIN-0AX-2025',
  quarter: '2025-26-Q1',
  status: 'open',
  feePence: 40_000_000,
  atRiskPence: 4_000_000,
  performanceScoreBp: 6000,
  withheldPence: 1_600_000,
  recoveredPence: 12_000_000,
  gainSharePence: 2_400_000,
  extrasPence: 900_000,
  netPayablePence: 41_700_000,
  disputedExtras: { count: 1, valuePence: 420_000 },
  openChallenges: { count: 0, valuePence: 0 },
};

const CONTRACT = 'KIN-0AX-2025';
const EXTRA = `${CONTRACT}.extra-3f2c8a1be0d4`;
const DISPUTED_EXTRA = `${CONTRACT}.extra-8e51d2a7c9f0`;
const CHALLENGE = `${CONTRACT}.challenge-9b41c07d2e5a`;
const INVOICE = `${CONTRACT}.invoice-5d7e19a0c3b2`;
const parties = { ccg: { code: '08J', name: 'NHS Kingston CCG' }, csu: { code: '0AX', name: 'South London Commissioning Support Unit' } };
const admin = { sub: 'admin-1', name: 'Ledger Administrator', org: 'NHS', role: 'admin' };
const csu = { sub: 'am-0ax-1', name: 'Priya Shah (South London CSU account manager)', org: '0AX', role: 'csu' };
const kpis = [
  { id: 'K1', name: 'Monthly SLAM validation report by WD10', serviceLine: 'acute-contracting', weightBp: 4000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
  { id: 'K2', name: 'Monthly finance pack by WD8', serviceLine: 'finance', weightBp: 3000, targetBp: 9000, kind: 'deliverable', dueWorkingDay: 8 },
  { id: 'K3', name: 'Press queries answered within 2 working days', serviceLine: 'communications', weightBp: 3000, targetBp: 9500, kind: 'measured' },
];
const summary = {
  contractId: CONTRACT,
  ...parties,
  vehicle: 'SLA',
  firstMonth: '2025-26-M01',
  lastMonth: '2025-26-M12',
  termEndMonth: '2025-26-M12',
  termEnd: '2026-03-31',
  status: 'active',
  annualFeePence: 160_000_000,
  position: '25',
};
const agreed = { eventId: '2198ce4f-df54-4aff-a793-8cfe2b565924', type: 'ContractAgreed', businessDate: '2025-03-20', position: '5', recordedAt: '2025-03-20T10:02:11.547Z', by: admin };
const deliveredLate = { eventId: 'e8bccec5-4f4d-4988-bc97-5b50f36ad389', type: 'DeliverableDelivered', businessDate: '2025-05-20', position: '6', recordedAt: '2025-05-20T09:14:03.120Z', by: csu };

export const CONTRACTS_EXAMPLE = { items: [summary], next: null };

export const CONTRACT_EXAMPLE = {
  ...summary,
  agreedOn: '2025-03-20',
  terms: { annualFeePence: 160_000_000, feeAtRiskBp: 1000, gainShareBp: 2000, gainShareCapPence: 15_000_000, breakNoticeMonths: 3, trustResponseWorkingDays: 20, kpis },
  termsInForceFrom: '2025-26-M01',
  variations: [],
  breakNotice: null,
  approvedQuarters: [],
};

const deliverable = (month: string, dueOn: string, deliveredOn: string, status: string) => ({
  month,
  status,
  dueOn,
  deliveredOn,
  rejected: false,
  recordedAt: `${deliveredOn}T09:14:03.120Z`,
  recordedLate: false,
});
export const PERFORMANCE_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  status: 'open',
  kpis: [
    {
      kpiId: 'K1',
      kind: 'deliverable',
      weightBp: 4000,
      targetBp: 9500,
      floorBp: 9500,
      months: [
        deliverable('2025-26-M01', '2025-05-15', '2025-05-20', 'missed'),
        deliverable('2025-26-M02', '2025-06-13', '2025-06-10', 'met'),
        deliverable('2025-26-M03', '2025-07-14', '2025-07-10', 'met'),
      ],
      achievementBp: 6667,
      scoreBp: 0,
    },
    {
      kpiId: 'K3',
      kind: 'measured',
      weightBp: 3000,
      targetBp: 9500,
      floorBp: 9500,
      months: [
        { month: '2025-26-M01', status: 'reported', achievedBp: 9600, reportedOn: '2025-05-02', recordedAt: '2025-05-02T11:40:00.000Z', recordedLate: false },
        { month: '2025-26-M02', status: 'reported', achievedBp: 9500, reportedOn: '2025-06-02', recordedAt: '2025-06-02T11:40:00.000Z', recordedLate: false },
        { month: '2025-26-M03', status: 'reported', achievedBp: 9700, reportedOn: '2025-07-02', recordedAt: '2025-07-02T11:40:00.000Z', recordedLate: false },
      ],
      achievementBp: 9600,
      scoreBp: 10_000,
    },
  ],
  performanceScoreBp: 6000,
};

export const HISTORY_EXAMPLE = {
  contractId: CONTRACT,
  items: [
    {
      position: '6',
      eventId: deliveredLate.eventId,
      streamName: `contract-${CONTRACT}`,
      revision: 1,
      type: 'DeliverableDelivered',
      businessDate: '2025-05-20',
      recordedAt: deliveredLate.recordedAt,
      actor: csu,
      correlationId: '13770b54-19ad-459a-a724-8f6322b0a746',
      causationId: 'a16dad78-5d89-4104-bb33-6b00807d0e40',
      data: { contractId: CONTRACT, kpiId: 'K1', month: '2025-26-M01', deliveredOn: '2025-05-20', businessDate: '2025-05-20', reference: 'K1-2025-26-M01' },
    },
  ],
  next: 'WyJoaXN0b3J5IiwiNiJd',
};

export const SETTLEMENTS_EXAMPLE = { contractId: CONTRACT, items: [SETTLEMENT_EXAMPLE], next: 'WyJzZXR0bGVtZW50cyIsIjIwMjUtMjYtUTEiXQ' };

export const LATE_ITEMS_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  status: 'approved',
  approvedOn: '2025-07-21',
  items: [
    {
      kind: 'challenge',
      id: CHALLENGE,
      eventType: 'ChallengeResolved',
      position: '58',
      businessDate: '2025-06-27',
      recordedAt: '2025-07-29T15:02:44.310Z',
      amountPence: 500_000,
      landedIn: '2025-26-Q2',
      recordedBy: csu,
    },
  ],
  next: null,
};

export const STATEMENT_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  period: '2025/26 Q1',
  status: 'open',
  assessedOn: '2025-07-21',
  ...parties,
  approval: null,
  lines: [
    { kind: 'fee', figure: 'F', label: 'Core fee, 2025/26 M1', period: '2025/26 M1', amountPence: 13_333_333, valuePence: null, events: [agreed] },
    { kind: 'at-risk', figure: 'R', label: 'Fee at risk: 10.00% of £400,000.00', period: '2025/26 Q1', amountPence: null, valuePence: 4_000_000, events: [agreed] },
    {
      kind: 'kpi',
      figure: 'W',
      label: 'K1 Monthly SLAM validation report by WD10: achievement 66.67%, score 0.00% (weight 40.00%, target 95.00%)',
      period: '2025/26 Q1',
      amountPence: null,
      valuePence: null,
      kpi: { kpiId: 'K1', name: 'Monthly SLAM validation report by WD10', weightBp: 4000, targetBp: 9500, floorBp: 9500, achievementBp: 6667, scoreBp: 0 },
      events: [deliveredLate],
    },
    { kind: 'withheld', figure: 'W', label: 'Withheld: £40,000.00 at risk × (1 − performance score 60.00%)', period: '2025/26 Q1', amountPence: -1_600_000, valuePence: null, events: [] },
    { kind: 'net', figure: 'N', label: 'Net payable: F − W + G + X', period: '2025/26 Q1', amountPence: null, valuePence: 41_700_000, events: [] },
  ],
  settlement: SETTLEMENT_EXAMPLE,
};

export const RECONCILIATION_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  settlementStatus: 'open',
  netPayablePence: 41_700_000,
  billedPence: 40_000_000,
  differencePence: -1_700_000,
  status: 'under-billed',
  components: [
    {
      component: 'core',
      expectedPence: 38_400_000,
      billedPence: 40_000_000,
      differencePence: 1_600_000,
      status: 'over-billed',
      invoices: [{ invoiceId: INVOICE, invoiceNumber: 'INV-2025/0042', kind: 'core', status: 'submitted', amountPence: 40_000_000 }],
    },
    { component: 'gain-share', expectedPence: 2_400_000, billedPence: 0, differencePence: -2_400_000, status: 'under-billed', invoices: [] },
    { component: 'extra', extraId: EXTRA, description: 'Ad hoc SUS data extract for the A&E review', expectedPence: 900_000, billedPence: 0, differencePence: -900_000, status: 'under-billed', invoices: [] },
  ],
};

export const WHAT_IF_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  assumptions: { extras: [{ extraId: DISPUTED_EXTRA, agreedPence: 200_000 }], challenges: [] },
  current: SETTLEMENT_EXAMPLE,
  whatIf: { ...SETTLEMENT_EXAMPLE, extrasPence: 1_100_000, netPayablePence: 41_900_000, disputedExtras: { count: 0, valuePence: 0 } },
  changePence: 200_000,
};

export const BREAK_CLAUSE_EXAMPLE = {
  contractId: CONTRACT,
  servedOn: '2025-08-31',
  noticeMonths: 3,
  termEndMonth: '2025-26-M08',
  termEnd: '2025-11-30',
  remainingFeePence: 53_333_333,
  forgoneFeePence: 53_333_334,
};

export const EXTRAS_EXAMPLE = {
  contractId: CONTRACT,
  items: [
    {
      extraId: EXTRA,
      status: 'resolved',
      raisedOn: '2025-04-15',
      description: 'Ad hoc SUS data extract for the A&E review',
      serviceLine: 'business-intelligence',
      requestedBy: 'Head of Contracting, Kingston CCG',
      originalPence: 1_850_000,
      amountPence: 1_850_000,
      payablePence: 900_000,
      disputeReason: 'covered-by-core-offer',
      settledInQuarter: '2025-26-Q1',
      lastChangedOn: '2025-06-16',
    },
    {
      extraId: DISPUTED_EXTRA,
      status: 'disputed',
      raisedOn: '2025-05-19',
      description: 'Board paper drafting support',
      serviceLine: 'communications',
      requestedBy: 'Director of Finance, Kingston CCG',
      originalPence: 420_000,
      amountPence: 420_000,
      payablePence: null,
      disputeReason: 'not-requested',
      settledInQuarter: null,
      lastChangedOn: '2025-05-27',
    },
  ],
  next: null,
};

export const CHALLENGES_EXAMPLE = {
  contractId: CONTRACT,
  items: [
    {
      challengeId: CHALLENGE,
      status: 'resolved',
      trust: 'RAX',
      trustName: 'Kingston and Richmond NHS Foundation Trust',
      activityMonth: '2025-26-M01',
      category: 'emergency-readmission-30d',
      activityLines: 120,
      phase: 'first',
      raisedOn: '2025-05-06',
      valuePence: 9_000_000,
      acceptedPence: 8_000_000,
      rejectedPence: 1_000_000,
      responses: [{ respondedOn: '2025-05-30', acceptedPence: 8_000_000, rejectedPence: 1_000_000 }],
      recoveredPence: 8_000_000,
      creditNoteReference: 'CN-RAX-0042',
      recoveryQuery: null,
      settledInQuarter: '2025-26-Q1',
      responseDeadline: '2025-06-04',
      overdue: false,
    },
  ],
  next: null,
};

export const INVOICES_EXAMPLE = {
  contractId: CONTRACT,
  items: [
    {
      invoiceId: INVOICE,
      invoiceNumber: 'INV-2025/0042',
      status: 'submitted',
      quarter: '2025-26-Q1',
      kind: 'core',
      extraId: null,
      amountPence: 40_000_000,
      vatPence: 0,
      grossPence: 40_000_000,
      receivedOn: '2025-07-01',
      dueBy: '2025-07-31',
      disputed: false,
      disputeReason: null,
      paidOn: null,
      paidPence: null,
      lastChangedOn: '2025-07-01',
    },
  ],
  next: null,
};

export const ORGANISATIONS_EXAMPLE = {
  items: [
    { code: '08J', kind: 'ccg', name: 'NHS Kingston CCG', names: [{ from: '2013-04-01', name: 'NHS Kingston CCG' }] },
    {
      code: 'RAX',
      kind: 'trust',
      name: 'Kingston and Richmond NHS Foundation Trust',
      names: [
        { from: '2013-04-01', name: 'Kingston Hospital NHS Foundation Trust' },
        { from: '2024-04-01', name: 'Kingston and Richmond NHS Foundation Trust' },
      ],
    },
  ],
  next: 'WyJvcmdhbmlzYXRpb25zIiwiUkFYIl0',
};

export const SUPPORT_SPEND_EXAMPLE = {
  code: '08J',
  name: 'NHS Kingston CCG',
  year: '2025-26',
  population: 180_000,
  runningCostAllowancePencePerHead: 2500,
  contracts: [{ contractId: CONTRACT, csu: '0AX', csuName: 'South London Commissioning Support Unit', feePence: 160_000_000 }],
  corePence: 160_000_000,
  perHeadPence: 889,
  shareOfRunningCostAllowanceBp: 3556,
};

export const PAYMENT_PERFORMANCE_EXAMPLE = {
  code: '08J',
  year: '2025-26',
  assessed: { count: 2, valuePence: 78_400_000 },
  paidWithinTerms: { count: 1, valuePence: 38_400_000 },
  shareByCountBp: 5000,
  shareByValueBp: 4898,
  paidLate: [
    {
      invoiceId: INVOICE,
      contractId: CONTRACT,
      csu: '0AX',
      invoiceNumber: 'INV-2025/0042',
      receivedOn: '2025-07-01',
      dueBy: '2025-07-31',
      paidOn: '2025-08-12',
      grossPence: 40_000_000,
      days: 42,
    },
  ],
  unpaidOverdue: [],
  notYetDue: 0,
};

const KEY_ID = '3b0f6c2a9d41e87f05c6a1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c';
export const AUDIT_VERDICT_EXAMPLE = {
  verdict: 'intact',
  summary: {
    events: 27,
    headEvents: 2,
    streams: 9,
    signatures: 2,
    throughPosition: '27',
    signedThroughPosition: '26',
    awaitingSignature: 1,
    keyId: KEY_ID,
    keys: [KEY_ID],
    intervalMs: 60_000,
    latestSignedAt: '2025-07-21T14:05:00.000Z',
  },
};

export const DIAGNOSTICS_EXAMPLE = {
  eventLoopDelay: { samples: 80, meanMs: 1.16, p50Ms: 1.02, p99Ms: 4.66, maxMs: 9.06 },
  jobs: { running: 0, queued: 0, keys: {}, refused: { limited: 0, busy: 0, expired: 0, abandoned: 0 }, meanMs: 40, done: 1, where: 'inline', workers: 0 },
};

export const SETTLEMENT_DIFF_EXAMPLE = {
  contractId: CONTRACT,
  quarter: '2025-26-Q1',
  from: { asAt: '2025-06-01T00:00:00.000Z', settlement: { ...SETTLEMENT_EXAMPLE, recoveredPence: 0, gainSharePence: 0, netPayablePence: 39_300_000 } },
  to: { asAt: '2025-06-30T23:00:00.000Z', settlement: SETTLEMENT_EXAMPLE },
  figures: [
    { figure: 'status', from: 'open', to: 'open', difference: null },
    { figure: 'recoveredPence', from: 0, to: 12_000_000, difference: 12_000_000 },
    { figure: 'gainSharePence', from: 0, to: 2_400_000, difference: 2_400_000 },
    { figure: 'netPayablePence', from: 39_300_000, to: 41_700_000, difference: 2_400_000 },
  ],
  changes: [
    {
      cause: 'event',
      position: '14',
      eventId: '7d0c5b1e-64f2-4a8e-9f37-2c1b0a9d8e76',
      streamName: `contract-${CHALLENGE}`,
      revision: 2,
      type: 'ChallengeResolved',
      businessDate: '2025-06-20',
      recordedAt: '2025-06-20T10:31:07.402Z',
      actor: csu,
      figures: [
        { figure: 'recoveredPence', before: 4_000_000, after: 12_000_000 },
        { figure: 'gainSharePence', before: 800_000, after: 2_400_000 },
        { figure: 'netPayablePence', before: 40_100_000, after: 41_700_000 },
      ],
    },
  ],
  eventsExamined: 6,
};
