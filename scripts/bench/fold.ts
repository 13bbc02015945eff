// Fold benchmark (issue 12, pure folds; not a test): how long one contract's group takes to become a ledger, in
// memory, no store: the decode step over every record, then the ledger fold over the decoded events. The contract
// is the one bench:isolation seeds (deliveries and measurements, extras raised and answered, challenges resolved,
// 20 events a round), at 10,000 and 100,000 events.
// Usage: pnpm bench:fold [--events 10000,100000] [--runs 7] [--domain <another checkout's packages/domain/src>]
// Prints the median of the runs in ms, and the ledger's size so that two runs can be seen to fold the same thing.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Domain from '../../packages/domain/src/index.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000,100000' },
    runs: { type: 'string', default: '7' },
    domain: { type: 'string' },
  },
});
const sizes = values.events.split(',').map(Number);
const runs = Number(values.runs);
const domainUrl = values.domain
  ? pathToFileURL(resolve(values.domain, 'index.ts')).href
  : new URL('../../packages/domain/src/index.ts', import.meta.url).href;
const domain = (await import(domainUrl)) as typeof Domain;

const HEAVY = 'HEAVY-1';
const actor = { sub: 'bench', name: 'Bench', org: '0AX', role: 'csu' as const };
const month = (i: number) => `2025-26-M${String(1 + (i % 12)).padStart(2, '0')}`;
const hex = (n: number) => n.toString(16).padStart(12, '0');

/** The records of a group of `count` events as a store hands them over (bench:isolation's shapes). */
const group = (count: number): Domain.StoredRecord[] => {
  const records: Domain.StoredRecord[] = [];
  const revisions = new Map<string, number>();
  const add = (stream: string, type: string, data: Record<string, unknown>) => {
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    const position = BigInt(records.length + 1);
    records.push({
      eventId: `e-${position}`,
      streamName: stream,
      revision,
      position,
      type,
      data: JSON.parse(JSON.stringify(data)) as unknown,
      metadata: { actor: { ...actor }, correlationId: 'bench', integrity: { hash: 'h', previous: null } },
      recordedAt: new Date(Date.UTC(2025, 7, 1) + records.length).toISOString(),
    });
  };
  const root = `contract-${HEAVY}`;
  add(root, 'ContractAgreed', {
    contractId: HEAVY,
    ccg: '08J',
    csu: '0AX',
    firstMonth: '2025-26-M01',
    lastMonth: '2025-26-M12',
    annualFeePence: 160_000_000,
    feeAtRiskBp: 1000,
    gainShareBp: 2000,
    gainShareCapPence: 15_000_000,
    breakNoticeMonths: 6,
    trustResponseWorkingDays: 20,
    businessDate: '2025-04-01',
    kpis: [
      { id: 'K1', name: 'SLAM', serviceLine: 'contracting', weightBp: 5000, targetBp: 9500, kind: 'deliverable', dueWorkingDay: 10 },
      { id: 'K2', name: 'Press', serviceLine: 'comms', weightBp: 5000, targetBp: 9500, kind: 'measured' },
    ],
  });
  for (let n = 0; records.length < count; n += 1) {
    for (let k = 0; k < 8; k += 1) {
      add(root, 'MeasurementReported', { contractId: HEAVY, kpiId: 'K2', month: month(n + k), achievedBp: 9000 + ((n * 7 + k) % 1000), businessDate: '2025-07-20' });
    }
    for (let k = 0; k < 6; k += 1) {
      add(root, 'DeliverableDelivered', { contractId: HEAVY, kpiId: 'K1', month: month(n + k), deliveredOn: '2025-07-10', businessDate: '2025-07-10', reference: `r-${n}-${k}` });
    }
    for (const [i, answer] of [[2 * n, 'accept'], [2 * n + 1, 'dispute']] as const) {
      const extraId = `${HEAVY}.extra-${hex(i)}`;
      const amountPence = 1_000 + (n % 5_000);
      add(`contract-${extraId}`, 'ExtraRaised', { extraId, contractId: HEAVY, amountPence, description: 'Ad hoc extract', serviceLine: 'bi', requestedBy: 'Head of Contracting', businessDate: '2025-05-01' });
      if (answer === 'accept') add(`contract-${extraId}`, 'ExtraAccepted', { extraId, contractId: HEAVY, amountPence, businessDate: `2025-${String(5 + (n % 7)).padStart(2, '0')}-02` });
      else add(`contract-${extraId}`, 'ExtraDisputed', { extraId, contractId: HEAVY, reason: 'covered-by-core-offer', businessDate: '2025-05-02' });
    }
    const challengeId = `${HEAVY}.challenge-${hex(n)}`;
    add(`contract-${challengeId}`, 'ChallengeRaised', { challengeId, contractId: HEAVY, trust: 'RAX', activityMonth: '2025-26-M01', category: 'duplicate-activity', activityLines: 3, valuePence: 50_000, businessDate: '2025-05-06' });
    add(`contract-${challengeId}`, 'ChallengeResolved', { challengeId, contractId: HEAVY, recoveredPence: 10_000 + (n % 40_000), businessDate: `2025-${String(6 + (n % 6)).padStart(2, '0')}-20` });
  }
  return records.slice(0, count);
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

console.log(`fold benchmark: node ${process.version}, domain ${values.domain ?? 'this checkout'}, median of ${runs} runs`);
for (const size of sizes) {
  const records = group(size);
  const decoded = records.map(domain.decodeLedgerEvent);
  const decode: number[] = [];
  const fold: number[] = [];
  let ledger: Domain.ContractLedger | undefined;
  for (let r = 0; r < runs; r += 1) {
    decode.push(time(() => void records.map(domain.decodeLedgerEvent)));
    // The old fold changed the events' ledger in place but never the events: one array serves every run.
    fold.push(time(() => (ledger = domain.foldLedger(decoded))));
  }
  const l = ledger!;
  const settled = domain.settlementView(l, '2025-26-Q2', '2026-11-24').netPayablePence;
  console.log(
    `${size.toLocaleString('en-GB')} events: decode ${median(decode).toFixed(1)} ms, fold ${median(fold).toFixed(1)} ms ` +
      `(runs: ${fold.map((t) => t.toFixed(0)).join(' ')}); Q2 net payable ${settled}p`,
  );
}
