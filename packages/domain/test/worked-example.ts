// DOMAIN.md's worked example as events: Kingston CCG (08J) and South London CSU (0AX), 2025-26 Q1.
import type { LedgerEvent } from '../src/events.ts';
import { AGREED } from './fixtures.ts';

const contractId = AGREED.contractId;
const X1 = `${contractId}.extra-00000000000a`;
const X2 = `${contractId}.extra-00000000000b`;
const C1 = `${contractId}.challenge-00000000000c`;

export const delivery = (kpiId: string, month: string, on: string): LedgerEvent => ({
  type: 'DeliverableDelivered',
  data: { contractId, kpiId, month, deliveredOn: on, businessDate: on },
});
export const measurement = (kpiId: string, month: string, achievedBp: number, on: string): LedgerEvent => ({
  type: 'MeasurementReported',
  data: { contractId, kpiId, month, achievedBp, businessDate: on },
});

export const workedExampleQ1: LedgerEvent[] = [
  { type: 'ContractAgreed', data: AGREED },
  // K1 by WD10: M01 due 2025-05-15 (5 May is a bank holiday), delivered late; M02 and M03 on time.
  delivery('K1', '2025-26-M01', '2025-05-20'),
  delivery('K1', '2025-26-M02', '2025-06-10'),
  delivery('K1', '2025-26-M03', '2025-07-10'),
  // K2 by WD8: all on time.
  delivery('K2', '2025-26-M01', '2025-05-12'),
  delivery('K2', '2025-26-M02', '2025-06-10'),
  delivery('K2', '2025-26-M03', '2025-07-09'),
  measurement('K3', '2025-26-M01', 9600, '2025-05-02'),
  measurement('K3', '2025-26-M02', 9500, '2025-06-02'),
  measurement('K3', '2025-26-M03', 9700, '2025-07-02'),
  // Challenges resolved in Q1 recover 12,000,000p.
  {
    type: 'ChallengeRaised',
    data: { challengeId: C1, contractId, businessDate: '2025-05-06', trust: 'RAX', activityMonth: '2025-26-M01', category: 'emergency-readmission-30d', activityLines: 120, valuePence: 15_000_000 },
  },
  { type: 'TrustResponded', data: { challengeId: C1, contractId, businessDate: '2025-05-30', acceptedPence: 12_000_000, rejectedPence: 3_000_000 } },
  { type: 'ChallengeResolved', data: { challengeId: C1, contractId, businessDate: '2025-06-20', recoveredPence: 12_000_000 } },
  // An extra of 1,850,000p disputed and resolved at 900,000p; another of 420,000p still disputed.
  {
    type: 'ExtraRaised',
    data: { extraId: X1, contractId, businessDate: '2025-04-15', amountPence: 1_850_000, description: 'Ad hoc SUS extract', serviceLine: 'business-intelligence', requestedBy: 'Head of Contracting' },
  },
  { type: 'ExtraDisputed', data: { extraId: X1, contractId, businessDate: '2025-04-22', reason: 'covered-by-core-offer' } },
  { type: 'ExtraResolved', data: { extraId: X1, contractId, businessDate: '2025-06-16', agreedPence: 900_000 } },
  {
    type: 'ExtraRaised',
    data: { extraId: X2, contractId, businessDate: '2025-05-19', amountPence: 420_000, description: 'Board paper support', serviceLine: 'communications', requestedBy: 'Director of Finance' },
  },
  { type: 'ExtraDisputed', data: { extraId: X2, contractId, businessDate: '2025-05-27', reason: 'not-requested' } },
];
export const ids = { contractId, X1, X2, C1 };
