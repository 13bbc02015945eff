// Poison events, in process with the real projector and a real SQLite store (issues 6 and 9; the processes and HTTP
// are in test/e2e/poison.e2e.test.ts). An event the projection cannot apply is confined to the contract (or register
// entry) it concerns: that unit is quarantined in the read models with the event's position, stream, type and reason,
// committed with the checkpoint; its later events are held back and counted; every other unit, before and after it in
// the same catch-up batch, is projected and the checkpoint moves on. A new projector keeps the quarantine, a rebuild
// reproduces it, a later start with fixed code releases it, and the operator's skip list passes over a listed event
// only if it really fails. Only a failure to write the read models themselves still stops the whole projection.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore, type SqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import {
  fingerprint,
  openReadModels,
  rebuildReadModels,
  startProjector,
  type Projector,
  type ReadModels,
} from '@csu-ledger/query-service';
import { projectEvent } from '../../services/query-service/src/projection.ts';

let dir: string;
let store: SqliteEventStore;
let models: ReadModels;
const lines: { level: number; msg: string; unit?: string; position?: string; reason?: string }[] = [];
const logger = createLogger(
  'poison-test',
  'warn',
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as (typeof lines)[number]),
      );
      done();
    },
  }),
);

const metadata = {
  actor: { sub: 'poison-test', name: 'Poison Test', org: 'NHS', role: 'admin' },
  correlationId: 'poison-test',
  causationId: 'poison-test',
};
const append = async (stream: string, type: string, data: unknown): Promise<bigint> => {
  const r = await store.appendToStream(stream, [{ eventId: crypto.randomUUID(), type, data, metadata }], {
    expectedRevision: 'any',
  });
  return r.events[0]!.position;
};
const agree = (contractId: string, parties: { ccg: string; csu: string }, businessDate = '2025-03-20') =>
  append(`contract-${contractId}`, 'ContractAgreed', {
    contractId,
    ...parties,
    firstMonth: '2025-26-M01',
    lastMonth: '2025-26-M12',
    annualFeePence: 12_000_000,
    feeAtRiskBp: 1000,
    gainShareBp: 5000,
    gainShareCapPence: 1_000_000,
    breakNoticeMonths: 3,
    trustResponseWorkingDays: 20,
    kpis: [
      {
        id: 'K1',
        name: 'Report',
        serviceLine: 'finance',
        weightBp: 10000,
        targetBp: 9000,
        kind: 'deliverable',
        dueWorkingDay: 10,
      },
    ],
    businessDate,
  });
const deliver = (contractId: string, month: string) =>
  append(`contract-${contractId}`, 'DeliverableDelivered', {
    contractId,
    kpiId: 'K1',
    month,
    deliveredOn: '2025-10-01',
    businessDate: '2025-10-01',
  });
const extra = (contractId: string, n: string) => `${contractId}.extra-${n.padStart(12, '0')}`;
const raiseExtra = (contractId: string, extraId: string, businessDate: string) =>
  append(`contract-${extraId}`, 'ExtraRaised', {
    extraId,
    contractId,
    amountPence: 5_000,
    description: 'Extra work',
    serviceLine: 'finance',
    requestedBy: 'someone',
    businessDate,
  });
const acceptExtra = (contractId: string, extraId: string, businessDate: string) =>
  append(`contract-${extraId}`, 'ExtraAccepted', { extraId, contractId, amountPence: 5_000, businessDate });

const until = async (done: () => boolean): Promise<void> => {
  const deadline = Date.now() + 45_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
};
const deliveredMonths = (contractId: string): string[] => {
  const c = models.ledger(contractId)?.contract;
  return c?.status === 'agreed' ? Object.keys(c.deliveries).sort() : [];
};
const historyOf = (contractId: string): string[] => models.history(contractId).map((h) => h.position);
const rebuiltFingerprint = async (at: bigint): Promise<{ fingerprint: string; quarantined: unknown }> => {
  const fresh = openReadModels(join(dir, `rebuilt-${at}-${crypto.randomUUID()}.db`));
  try {
    const result = await rebuildReadModels(store, fresh, { until: at, batchSize: 3 });
    return { fingerprint: fingerprint(fresh), quarantined: result.quarantined };
  } finally {
    fresh.close();
  }
};

// The log: contract A (08J/0AX) agreed on business date 0000-01-01, an extra accepted on 0000-01-03, which
// throws "financial year -1 out of range" in the fold; contract B belongs to two other organisations.
const A = { ccg: '08J', csu: '0AX' };
const B = { ccg: '36L', csu: '0AY' };
let poison: bigint;
let heldA: bigint;
let lastB: bigint;
let badRename: bigint;
let heldRename: bigint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csu-ledger-poison-int-'));
  store = createSqliteEventStore(join(dir, 'events.db'));
  models = openReadModels(join(dir, 'read-models.db'));
  // All in the log before any projector starts: they arrive in one catch-up batch, the poisons in its middle.
  await append('organisation-RZZ', 'OrganisationRegistered', {
    code: 'RZZ',
    name: 'Trust Z',
    kind: 'trust',
    businessDate: '2025-01-01',
  });
  await agree('A', A, '0000-01-01');
  await agree('B', B);
  await raiseExtra('A', extra('A', '1'), '0000-01-02');
  await deliver('B', '2025-26-M01');
  poison = await acceptExtra('A', extra('A', '1'), '0000-01-03');
  badRename = await append('organisation-RZZ', 'OrganisationRenamed', null); // a register entry's poison
  await deliver('B', '2025-26-M02');
  heldA = await deliver('A', '2025-26-M01');
  heldRename = await append('organisation-RZZ', 'OrganisationRenamed', {
    code: 'RZZ',
    name: 'Trust Z renamed',
    businessDate: '2025-02-01',
  });
  await append('organisation-RYY', 'OrganisationRegistered', {
    code: 'RYY',
    name: 'Trust Y',
    kind: 'trust',
    businessDate: '2025-01-01',
  });
  lastB = await deliver('B', '2025-26-M03');
});

afterAll(async () => {
  models?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quarantineOfA = () => ({
  unit: 'contract:A',
  position: poison.toString(),
  streamName: `contract-${extra('A', '1')}`,
  type: 'ExtraAccepted',
  eventId: expect.any(String) as unknown,
  reason: 'financial year -1 out of range',
  parties: A,
  heldBack: 1,
  lastHeldPosition: heldA.toString(),
});
const quarantineOfRZZ = () => ({
  unit: 'organisation:RZZ',
  position: badRename.toString(),
  streamName: 'organisation-RZZ',
  type: 'OrganisationRenamed',
  eventId: expect.any(String) as unknown,
  // the decode step's located error (issue 12): which record, where, and why
  reason: expect.stringMatching(/^cannot read OrganisationRenamed at organisation-RZZ revision 1 \(position \d+\): data is null/) as unknown,
  heldBack: 1,
  lastHeldPosition: heldRename.toString(),
});

describe('an event the projection cannot apply', () => {
  it('quarantines only its contract (or register entry): every other event of the batch, before and after it, is projected', async () => {
    lines.length = 0;
    const p = startProjector(store, models, logger);
    await until(() => p.status().position === lastB);
    expect(p.status()).toEqual({
      position: lastB,
      failure: undefined,
      quarantined: [quarantineOfA(), quarantineOfRZZ()],
      skipped: [],
    });
    expect(models.checkpoint()).toBe(lastB);
    expect(await p.waitFor(lastB, 1_000)).toBe(true); // read-your-writes for everyone else
    // the other organisations' contract and register entry are live and current
    expect(deliveredMonths('B')).toEqual(['K1|2025-26-M01', 'K1|2025-26-M02', 'K1|2025-26-M03']);
    expect(historyOf('B')).toContain(lastB.toString());
    expect(models.organisation('RYY')).toMatchObject({ status: 'registered', code: 'RYY' });
    // A stands just before its poison: the extra raised, nothing accepted, its later delivery held back (not applied)
    const a = models.ledger('A')!;
    expect(a.extras[extra('A', '1')]?.status).toBe('awaiting-ccg');
    expect(a.moneyItems).toEqual([]);
    expect(deliveredMonths('A')).toEqual([]);
    expect(historyOf('A')).not.toContain(poison.toString());
    expect(historyOf('A')).not.toContain(heldA.toString());
    expect(models.organisation('RZZ')).toMatchObject({ names: [{ name: 'Trust Z' }] });
    // logged at error, each once, with what an operator needs to find it
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toMatchObject([
      { unit: 'contract:A', position: poison.toString(), reason: 'financial year -1 out of range' },
      { unit: 'organisation:RZZ', position: badRename.toString() },
    ]);
    p.stop();
  });

  it('records the quarantine durably, in the same commit as the checkpoint that passed it', () => {
    const again = openReadModels(join(dir, 'read-models.db'));
    try {
      expect(again.checkpoint()).toBe(lastB);
      expect(again.quarantines()).toEqual([quarantineOfA(), quarantineOfRZZ()]);
    } finally {
      again.close();
    }
  });

  it('keeps the quarantine after a restart and holds back, counted, the contract’s events that arrive later', async () => {
    lines.length = 0;
    const p = startProjector(store, models, logger);
    const later = await deliver('A', '2025-26-M02');
    const other = await deliver('B', '2025-26-M04');
    await until(() => p.status().position === other);
    expect(p.status().quarantined).toEqual([
      { ...quarantineOfA(), heldBack: 2, lastHeldPosition: later.toString() },
      quarantineOfRZZ(),
    ]);
    expect(deliveredMonths('A')).toEqual([]);
    expect(deliveredMonths('B')).toContain('K1|2025-26-M04');
    expect(lines.filter((l) => l.level === 50)).toEqual([]); // not reported as new: the same quarantine
    expect(lines.filter((l) => l.unit === 'contract:A' && l.level === 40)).toHaveLength(1); // the held-back event
    p.stop();
  });

  it('is reproduced by a rebuild from the log: the same quarantine, the same fingerprint', async () => {
    const rebuilt = await rebuiltFingerprint(models.checkpoint());
    expect(rebuilt.quarantined).toEqual(models.quarantines());
    expect(rebuilt.fingerprint).toBe(fingerprint(models));
  });

  it('passes over a listed event only because it fails: the quarantined contract is released at the next start', async () => {
    lines.length = 0;
    const good = BigInt(historyOf('B')[0]!); // listed, but applies: projected as usual (already is)
    const p = startProjector(store, models, logger, { skip: [poison, good] });
    await until(() => p.status().quarantined.length === 1);
    expect(p.status()).toMatchObject({
      failure: undefined,
      quarantined: [{ unit: 'organisation:RZZ' }],
      skipped: [
        {
          position: poison.toString(),
          streamName: `contract-${extra('A', '1')}`,
          type: 'ExtraAccepted',
          reason: 'financial year -1 out of range',
        },
      ],
    });
    // A's held-back deliveries are applied now; the extra's acceptance is not (skipped, never half-applied)
    expect(deliveredMonths('A')).toEqual(['K1|2025-26-M01', 'K1|2025-26-M02']);
    expect(historyOf('A')).toContain(heldA.toString());
    expect(historyOf('A')).not.toContain(poison.toString());
    expect(models.ledger('A')!.moneyItems).toEqual([]);
    const warned = lines.filter((l) => l.msg.includes('LEDGER_PROJECTION_SKIP'));
    expect(warned).toMatchObject([{ level: 40, position: poison.toString() }]);

    // A second poison, live this time and not on the list: the override does not reach it; it quarantines B alone.
    const second = await append('contract-B', 'DeliverableDelivered', null);
    const later = await deliver('B', '2025-26-M05');
    const other = await deliver('A', '2025-26-M03');
    await until(() => p.status().position === other);
    expect(p.status().quarantined).toMatchObject([
      { unit: 'organisation:RZZ' },
      {
        unit: 'contract:B',
        position: second.toString(),
        reason: expect.stringContaining('null') as unknown,
        heldBack: 1,
      },
    ]);
    expect(historyOf('B')).not.toContain(later.toString());
    expect(deliveredMonths('A')).toContain('K1|2025-26-M03');
    p.stop();
  });

  it('releases a quarantined contract at a later start when its events now apply (the code was fixed)', async () => {
    // "The code before the fix": a projection that cannot apply C's deliveries for M02.
    const buggy: typeof projectEvent = (set, lookup, e) => {
      if (e.type === 'DeliverableDelivered' && (e.data as { month?: string } | null)?.month === '2025-26-M02') {
        throw new Error('a bug in the projection');
      }
      projectEvent(set, lookup, e);
    };
    await agree('C', A);
    const bad = await deliver('C', '2025-26-M02');
    const held = await deliver('C', '2025-26-M03');
    const before = startProjector(store, models, logger, { project: buggy });
    await until(() => before.status().position === held);
    expect(before.status().quarantined).toContainEqual(
      expect.objectContaining({ unit: 'contract:C', position: bad.toString(), heldBack: 1 }),
    );
    before.stop();

    lines.length = 0;
    const after = startProjector(store, models, logger);
    await until(() => !after.status().quarantined.some((q) => q.unit === 'contract:C'));
    expect(deliveredMonths('C')).toEqual(['K1|2025-26-M02', 'K1|2025-26-M03']);
    expect(historyOf('C')).toEqual(expect.arrayContaining([bad.toString(), held.toString()]));
    expect(lines.filter((l) => l.unit === 'contract:C').map((l) => l.msg)).toEqual([
      'contract:C released from quarantine: its events now apply',
    ]);
    // the released contract reads exactly as a rebuild of the log gives it (the rest of the read models differs from
    // a rebuild only by the operator's skip of A's poison above, which a rebuild without the override does not make)
    const fresh = openReadModels(join(dir, `rebuilt-${crypto.randomUUID()}.db`));
    try {
      const rebuilt = await rebuildReadModels(store, fresh, { until: models.checkpoint() });
      expect(rebuilt.quarantined.map((q) => q.unit)).not.toContain('contract:C');
      expect(fresh.ledger('C')).toEqual(models.ledger('C'));
      expect(fresh.history('C')).toEqual(models.history('C'));
    } finally {
      fresh.close();
    }
    after.stop();
  });

  it('still stops the whole projection when the read models themselves cannot be written', async () => {
    const refusing: ReadModels = {
      ...models,
      commit: () => {
        throw new Error('database or disk is full');
      },
    };
    const from = models.checkpoint();
    const p: Projector = startProjector(store, refusing, logger);
    const next = await deliver('B', '2025-26-M06');
    await until(() => p.status().failure !== undefined);
    expect(p.status()).toMatchObject({
      position: from,
      failure: { position: next.toString(), reason: 'database or disk is full' },
    });
    expect(await p.waitFor(next, 50)).toBe(false);
    p.stop();
  });
});
