// Issue 9, item 4: one organisation must not stall the query service for all. Before: 100 parallel history?asAt
// reads by one user each folded the contract's whole group in the event loop, so /health took 5.1 s and another
// organisation's settlement read 1.06 s; /contracts parsed every stored ledger per request. Now time travel and
// history are jobs in a fair, bounded queue (scheduler.ts), in worker threads in production; /contracts reads
// summary rows. Condition-based: jobs are held at a gate the test opens, never timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '@csu-ledger/event-store';
import { createInlineRunner, createWorkerRunner } from '../../services/query-service/src/past-runner.ts';
import type { ReadModels } from '../../services/query-service/src/read-models.ts';
import {
  agreeContract,
  allPages,
  challengeIn,
  extraIn,
  FIXED_NOW,
  must,
  startInProcess,
  type InProcess,
  type Reply,
} from '../support/in-process.ts';

const HEAVY = { ccg: '08J', csu: '0AX' };
const VICTIM = { ccg: '09K', csu: '0BY' };
const PER_ORG_QUEUE = 3;

/** A store whose group reads wait at a gate while it is shut: jobs then stay running, and the rest queue. */
const gated = (store: EventStore) => {
  let shut = false;
  let waiters: (() => void)[] = [];
  let entered = 0;
  const wrapped: EventStore = {
    ...store,
    readStreamGroup: async (root, options) => {
      entered += 1;
      if (shut) await new Promise<void>((resolve) => waiters.push(resolve));
      return store.readStreamGroup(root, options);
    },
  };
  return {
    store: wrapped,
    shut: () => (shut = true),
    open: () => {
      shut = false;
      for (const w of waiters) w();
      waiters = [];
    },
    entered: () => entered,
  };
};

/** `n` extras raised and accepted on the contract, appended to the log directly (a contract too large to build by HTTP). */
const manyExtras = async (h: InProcess, contractId: string, n: number): Promise<void> => {
  const metadata = { actor: { sub: 'u', name: 'U', org: '0AX', role: 'csu' }, correlationId: 'c' };
  const raise = (i: number) => {
    const extraId = `${contractId}.extra-${i.toString(16).padStart(12, '0')}`;
    const data = { extraId, contractId, amountPence: 100, description: 'd', serviceLine: 'bi', requestedBy: 'r' };
    return h.store.appendToStream(
      `contract-${extraId}`,
      [
        { eventId: crypto.randomUUID(), type: 'ExtraRaised', data: { ...data, businessDate: '2025-05-01' }, metadata },
        {
          eventId: crypto.randomUUID(),
          type: 'ExtraAccepted',
          data: { extraId, contractId, amountPence: 100, businessDate: '2025-05-02' },
          metadata,
        },
      ],
      { expectedRevision: 'no-stream' },
    );
  };
  await Promise.all(Array.from({ length: n }, (_, i) => raise(i)));
};

/** Polls the service's diagnostics until the organisation has a job waiting. */
let queuedFor: (org: string) => Promise<void>;

/** Polls a condition on the event loop (never a clock): resolves once it holds. */
const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe('time travel and history take turns per organisation, in bounded queues', () => {
  let h: InProcess;
  let gate: ReturnType<typeof gated>;
  let heavy: string;
  let victim: string;
  let ledgerReads = 0;
  let contractsReads = 0;

  beforeAll(async () => {
    h = await startInProcess({
      past: ({ store, models }) => {
        gate = gated(store);
        return createInlineRunner(gate.store, { perKeyQueue: PER_ORG_QUEUE, totalQueue: 50 }, models);
      },
      wrapModels: (m: ReadModels): ReadModels => ({
        ...m,
        ledger: (id) => {
          ledgerReads += 1;
          return m.ledger(id);
        },
        contracts: () => {
          contractsReads += 1;
          return m.contracts();
        },
      }),
    });
    heavy = await agreeContract(h, HEAVY);
    await extraIn(h, heavy, HEAVY, 'accepted');
    victim = await agreeContract(h, VICTIM);
    const auditor = await h.token('auditor', 'NAO');
    queuedFor = async (org) => {
      for (;;) {
        const d = must(
          await h.get<{ jobs: { keys: Record<string, { queued: number }> } }>(auditor, '/diagnostics/event-loop'),
        );
        if ((d.body.jobs.keys[org]?.queued ?? 0) > 0) return;
      }
    };
  });
  afterAll(() => h.close());

  it('one organisation’s flood: its excess is 429 with Retry-After, another’s reads are served meanwhile and get their turn', async () => {
    const csu = await h.token('csu', '0AX');
    const other = await h.token('ccg', '09K');
    gate.shut();
    const done: string[] = [];
    const flood: Promise<Reply>[] = [];
    for (let i = 0; i < 10; i += 1) {
      const r = h.get(csu, `/contracts/${heavy}/history?asAt=${encodeURIComponent(FIXED_NOW)}`);
      flood.push(r);
      void r.then((reply) => reply.status === 200 && done.push(`heavy-${i}`));
    }
    // One runs (held at the gate), PER_ORG_QUEUE wait; the rest are refused at once.
    const refusedAtOnce = (await Promise.all(flood.slice(1 + PER_ORG_QUEUE))).map((r) => [
      r.status,
      r.body.code,
      r.headers.get('retry-after'),
    ]);
    expect(refusedAtOnce).toEqual(
      Array(10 - 1 - PER_ORG_QUEUE).fill([429, 'rate-limited', expect.stringMatching(/^\d+$/)]),
    );

    // Meanwhile the other organisation's current settlement is answered, not queued behind the flood …
    const settlement = must(await h.get(other, `/contracts/${victim}/settlements/2025-26-Q1`));
    expect(settlement.body).toMatchObject({ contractId: victim, status: 'open' });
    // … and its own history, queued last, goes after the job running and one of the flood's: its organisation's turn.
    const own = h.get(other, `/contracts/${victim}/history`);
    void own.then((reply) => reply.status === 200 && done.push('victim'));
    await queuedFor('09K');
    gate.open();
    expect((await own).status).toBe(200);
    const flooded = await Promise.all(flood.slice(0, 1 + PER_ORG_QUEUE));
    expect(flooded.map((r) => r.status)).toEqual(Array(1 + PER_ORG_QUEUE).fill(200));
    await until(() => done.length === 2 + PER_ORG_QUEUE);
    expect(done.indexOf('victim')).toBe(2);
  });

  it('/diagnostics/event-loop shows the event loop’s delay and the jobs refused, for auditors only', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const d = must(await h.get(auditor, '/diagnostics/event-loop')).body as {
      eventLoopDelay: { p99Ms: number; samples: number };
      jobs: { refused: { limited: number }; where: string };
    };
    expect(d.jobs).toMatchObject({ where: 'inline', refused: { limited: 10 - 1 - PER_ORG_QUEUE } });
    expect(d.eventLoopDelay.p99Ms).toBeGreaterThanOrEqual(0);
    expect((await h.get(await h.token('csu', '0AX'), '/diagnostics/event-loop')).status).toBe(403);
  });

  it('/contracts reads summary rows: no stored ledger is parsed or loaded for it', async () => {
    const before = { ledgerReads, contractsReads };
    const listed = await allPages<{ contractId: string }>(h, await h.token('auditor', 'NAO'), '/contracts', 1);
    expect(listed.map((c) => c.contractId).sort()).toEqual([heavy, victim].sort());
    expect({ ledgerReads, contractsReads }).toEqual(before);
  });
});

describe('current views of a very large contract are jobs too, except settlements and lists: those are rows', () => {
  // A view computed from a very large contract's whole ledger (its statement, its reconciliation) costs tens of
  // milliseconds or more in the event loop's thread: before, a flood of them held every other organisation's reads
  // behind it. Its settlement and a page of 1,000 extras were such walks too, before settlement and item rows
  // (settlement-rows.ts, item-rows.ts): now they are row reads, answered at once like a small contract's.
  let h: InProcess;
  const LARGE = 'LARGE-1';
  type Stats = { jobs: { done: number } };

  beforeAll(async () => {
    h = await startInProcess();
    await agreeContract(h, HEAVY, LARGE);
    await agreeContract(h, VICTIM, 'SMALL-1');
    await manyExtras(h, LARGE, 1_500);
  });
  afterAll(() => h.close());

  it('answers them as jobs in the organisations’ turns, and small contracts’, settlements and lists at once', async () => {
    const auditor = await h.token('auditor', 'NAO');
    const head = (await h.head()).toString();
    const stats = async () => must(await h.get<Stats>(auditor, '/diagnostics/event-loop', { minPosition: head })).body;
    const before = (await stats()).jobs.done;
    const small = must(
      await h.get(await h.token('ccg', '09K'), '/contracts/SMALL-1/settlements/2025-26-Q1', { minPosition: head }),
    );
    expect(small.body).toMatchObject({ extrasPence: 0 });
    expect((await stats()).jobs.done).toBe(before);
    const large = must(
      await h.get(await h.token('csu', '0AX'), `/contracts/${LARGE}/settlements/2025-26-Q1`, { minPosition: head }),
    );
    expect(large.body).toMatchObject({ extrasPence: 150_000 });
    expect((await stats()).jobs.done).toBe(before);
    const page = must(
      await h.get<{ items: unknown[] }>(await h.token('csu', '0AX'), `/contracts/${LARGE}/extras?limit=1000`, {
        minPosition: head,
      }),
    );
    expect(page.body.items).toHaveLength(1_000);
    expect((await stats()).jobs.done).toBe(before);
    const statement = must(
      await h.get(await h.token('csu', '0AX'), `/contracts/${LARGE}/settlements/2025-26-Q1/statement`, { minPosition: head }),
    );
    expect(statement.body).toMatchObject({ contractId: LARGE });
    expect((await stats()).jobs.done).toBe(before + 1);
  });
});

describe('in a worker thread (as in production), the answers are the same as inline', () => {
  let inline: InProcess;
  let workers: InProcess;
  const ids: string[] = [];

  beforeAll(async () => {
    inline = await startInProcess();
    workers = await startInProcess({
      past: ({ storePath, modelsPath }) =>
        createWorkerRunner({ storeSpec: `sqlite:${storePath!}`, readModels: modelsPath, logger: inline.logger }),
    });
    for (const h of [inline, workers]) {
      const id = await agreeContract(h, HEAVY, 'SAME-1');
      await extraIn(h, id, HEAVY, 'accepted');
      await extraIn(h, id, HEAVY, 'disputed');
      ids.push(id);
      await agreeContract(h, HEAVY, 'LARGE-2');
      await challengeIn(h, 'LARGE-2', HEAVY, 'responded');
      await manyExtras(h, 'LARGE-2', 1_100);
    }
  });
  afterAll(async () => {
    await inline.close();
    await workers.close();
  });

  it.each([
    '/contracts/SAME-1/settlements/2025-26-Q1?asOf=2025-04-30',
    '/contracts/SAME-1/settlements/2025-26-Q1?asOf=2025-06-30',
    '/contracts/SAME-1?asOf=2025-06-30',
    '/contracts/SAME-1/performance/2025-26-Q1?asOf=2025-06-30',
    '/contracts/SAME-1/settlements?asOf=2025-06-30&limit=2',
    '/contracts/SAME-1/history?type=ExtraRaised',
    '/contracts/SAME-1/history?limit=3',
    '/contracts/SAME-1/history?asOf=2025-04-30',
    // a contract this large is a job now too (view-now)
    '/contracts/LARGE-2/settlements/2025-26-Q1',
    '/contracts/LARGE-2',
    '/contracts/LARGE-2/extras?limit=3',
    '/contracts/LARGE-2/challenges',
  ])('%s', async (path) => {
    const auditor = (h: InProcess) => h.token('auditor', 'NAO');
    const head = async (h: InProcess) => ({ minPosition: (await h.head()).toString() });
    const a = must(await inline.get(await auditor(inline), path, await head(inline)));
    const b = must(await workers.get(await auditor(workers), path, await head(workers)));
    const scrub = (text: string) =>
      text
        .replace(/"(eventId|recordedAt|correlationId|causationId|extraId|position|next)":"[^"]*"/g, '"$1":"…"')
        .replace(/\.(extra|challenge)-[0-9a-f]{12}/g, '.$1-…');
    expect(scrub(b.text)).toBe(scrub(a.text));
  });

  it('asAt an instant, from the worker', async () => {
    const auditor = await workers.token('auditor', 'NAO');
    const history = await allPages<{ recordedAt: string; type: string }>(workers, auditor, '/contracts/SAME-1/history');
    const accepted = history.find((e) => e.type === 'ExtraAccepted')!;
    const before = new Date(Date.parse(accepted.recordedAt) - 1).toISOString();
    expect(
      must(await workers.get(auditor, `/contracts/SAME-1/settlements/2025-26-Q1?asAt=${before}`)).body,
    ).toMatchObject({ extrasPence: 0 });
    expect(
      must(await workers.get(auditor, `/contracts/SAME-1/settlements/2025-26-Q1?asAt=${accepted.recordedAt}`)).body,
    ).toMatchObject({ extrasPence: 1_850_000 });
  });
});
