// Example answers for the OpenAPI document: DOMAIN.md's worked example, Kingston CCG (08J) and South London CSU (0AX),
// quarter 2025-26 Q1 as it stands before approval. A test checks that each validates against its schema.
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
