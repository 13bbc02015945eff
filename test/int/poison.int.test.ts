// Poison events, in process with the real projector and a real SQLite store (issue 6; the processes and HTTP are in
// test/e2e/poison.e2e.test.ts): an event the projection cannot apply stops it exactly there, even in the middle of
// a catch-up batch (the good events before it are kept, none after it is projected); a new projector on the same read
// models stops at the same event; the operator's skip list passes over a listed event only if it really fails.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSqliteEventStore, type SqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { openReadModels, startProjector, type Projector, type ReadModels } from '@csu-ledger/query-service';

let dir: string;
let store: SqliteEventStore;
let models: ReadModels;
const lines: string[] = [];
const logger = createLogger(
  'poison-test',
  'warn',
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  }),
);

const metadata = {
  actor: { sub: 'poison-test', org: 'NHS', role: 'admin' },
  correlationId: 'poison-test',
  causationId: 'poison-test',
};
const append = async (stream: string, type: string, data: unknown): Promise<bigint> => {
  const r = await store.appendToStream(stream, [{ eventId: crypto.randomUUID(), type, data, metadata }], {
    expectedRevision: 'any',
  });
  return r.events[0]!.position;
};
const agree = (contractId: string) =>
  append(`contract-${contractId}`, 'ContractAgreed', {
    contractId,
    ccg: '08J',
    csu: '0AX',
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
    businessDate: '2025-03-20',
  });
const deliver = (contractId: string, month: string) =>
  append(`contract-${contractId}`, 'DeliverableDelivered', {
    contractId,
    kpiId: 'K1',
    month,
    deliveredOn: '2025-10-01',
    businessDate: '2025-10-01',
  });

/** Waits until the projector reaches the state `done` describes, however busy the machine. */
const settle = async (p: Projector, done: (p: Projector) => boolean): Promise<void> => {
  await vi.waitUntil(() => done(p), { timeout: 20_000, interval: 5 });
};
const deliveredMonths = (contractId: string): string[] => {
  const c = models.ledger(contractId)?.contract;
  return c?.status === 'agreed' ? Object.keys(c.deliveries).sort() : [];
};
const historyOf = (contractId: string): string[] => models.history(contractId).map((h) => h.position);

let poison: bigint;
let after: bigint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csu-ledger-poison-int-'));
  store = createSqliteEventStore(join(dir, 'events.db'));
  models = openReadModels(join(dir, 'read-models.db'));
  // All in the log before any projector starts: they arrive in one catch-up batch, the poison in its middle.
  await agree('A');
  await deliver('A', '2025-26-M01');
  await agree('B');
  poison = await append('contract-A', 'ContractVaried', {
    contractId: 'A',
    effectiveQuarter: 'Q5',
    businessDate: '2025-06-01',
    feeAtRiskBp: 0,
  });
  after = await deliver('B', '2025-26-M01');
});

afterAll(async () => {
  models?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a poison event met by the projector', () => {
  it('stops the projection at it, keeping the good events of its batch before it and none after', async () => {
    const p = startProjector(store, models, logger);
    await settle(p, (x) => x.status().failure !== undefined);
    expect(p.status()).toEqual({
      position: poison - 1n,
      failure: { position: poison.toString(), reason: 'not a quarter id (2025-26-Q1): Q5' },
      skipped: [],
    });
    expect(models.checkpoint()).toBe(poison - 1n);
    expect(deliveredMonths('A')).toEqual(['K1|2025-26-M01']);
    expect(deliveredMonths('B')).toEqual([]);
    expect(historyOf('B')).not.toContain(after.toString());
    expect(await p.waitFor(after, 100)).toBe(false);
    p.stop();
  });

  it('stops at the same event again when a new projector resumes from the checkpoint', async () => {
    const p = startProjector(store, models, logger);
    await settle(p, (x) => x.status().failure !== undefined);
    expect(p.status()).toMatchObject({ position: poison - 1n, failure: { position: poison.toString() } });
    p.stop();
  });

  it('passes over a listed event only because it fails: a listed good event is projected as usual', async () => {
    lines.length = 0;
    const p = startProjector(store, models, logger, { skip: [poison, after] });
    await settle(p, (x) => x.status().position === after);
    expect(p.status()).toEqual({
      position: after,
      failure: undefined,
      skipped: [
        {
          position: poison.toString(),
          streamName: 'contract-A',
          type: 'ContractVaried',
          reason: 'not a quarter id (2025-26-Q1): Q5',
        },
      ],
    });
    expect(deliveredMonths('B')).toEqual(['K1|2025-26-M01']);
    expect(historyOf('A')).not.toContain(poison.toString());
    const contract = models.ledger('A')?.contract;
    expect(contract?.status === 'agreed' && contract.versions).toHaveLength(1); // the variation was not applied
    const warned = lines
      .map((l) => JSON.parse(l) as { level: number; position?: string; msg: string })
      .filter((l) => l.msg.includes('LEDGER_PROJECTION_SKIP'));
    expect(warned).toMatchObject([{ level: 40, position: poison.toString() }]);

    // A second poison, live this time and not on the list: the override does not reach it.
    const second = await append('contract-B', 'DeliverableDelivered', null);
    const later = await deliver('B', '2025-26-M02');
    await settle(p, (x) => x.status().failure !== undefined);
    expect(p.status()).toMatchObject({
      position: second - 1n,
      failure: { position: second.toString(), reason: expect.stringContaining('null') as unknown },
    });
    expect(historyOf('B')).not.toContain(later.toString());
    p.stop();
  });
});
