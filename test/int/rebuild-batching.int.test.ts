// Issue 15: `pnpm ledger rebuild` projects the log in batches of 50,000 events into a scratch file (no waiting for the
// disk), writing each contract's document once per batch. Batching is a cost, never an answer: the stored events
// corpus (every event type in every version), plus an event that quarantines its contract, projected live one event
// per commit by the real projector, must give read models with the same fingerprint as rebuilds in one batch, in
// batches cut anywhere, and into a scratch file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore, type SqliteEventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { fingerprint, openReadModels, rebuildReadModels, startProjector } from '@csu-ledger/query-service';
import { parseNdjsonLine } from '../../packages/integrity/src/ndjson.ts';

const corpus = readFileSync(new URL('../fixtures/events/corpus.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => {
    const e = parseNdjsonLine(l);
    if (typeof e === 'string') throw new Error(`corpus line unreadable: ${e}`);
    return e;
  });

const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-rebuild-batching-'));
let store: SqliteEventStore;
let live: { fingerprint: string; position: bigint; quarantined: string[] };

beforeAll(async () => {
  store = createSqliteEventStore(join(dir, 'events.db'));
  for (const { eventId, streamName, revision, type, data, metadata } of corpus) {
    await store.appendToStream(streamName, [{ eventId, type, data, metadata }], {
      expectedRevision: revision === 0 ? 'no-stream' : revision - 1,
    });
  }
  // An event that cannot be decoded, and one after it: its contract is quarantined and the later event held back,
  // live and in every rebuild alike.
  const { metadata } = corpus[corpus.length - 1]!;
  for (const n of [0, 1]) {
    await store.appendToStream(
      'contract-POISONED',
      [{ eventId: crypto.randomUUID(), type: 'DeliverableDelivered', data: null, metadata }],
      {
        expectedRevision: n === 0 ? 'no-stream' : 0,
      },
    );
  }
  const head = await store.headPosition();
  const models = openReadModels(join(dir, 'live.db'));
  const projector = startProjector(store, models, createLogger('rebuild-batching-test', 'silent'), { batchSize: 1 });
  expect(await projector.waitFor(head, 30_000)).toBe(true); // a bound for a hang, not a speed
  projector.stop();
  live = {
    fingerprint: fingerprint(models),
    position: models.checkpoint(),
    quarantined: models.quarantines().map((q) => `${q.unit} ${q.heldBack}`),
  };
  models.close();
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a rebuild in large batches', () => {
  it('quarantines live what it quarantines in a rebuild (the test log holds a poison event)', () => {
    expect(live.quarantined).toEqual(['contract:POISONED 1']);
  });

  it.each([
    ['one batch (the default size), into a scratch file', { scratch: true }, undefined],
    ['batches of 7 events, into a scratch file', { scratch: true }, 7],
    ['batches of 1 event, into an ordinary file', {}, 1],
  ])('gives the live projection’s read models exactly: %s', async (_name, open, batchSize) => {
    const models = openReadModels(join(dir, `rebuilt-${crypto.randomUUID()}.db`), open);
    try {
      const result = await rebuildReadModels(store, models, batchSize === undefined ? {} : { batchSize });
      expect(result.position).toBe(live.position);
      expect(result.events).toBe(corpus.length + 2);
      expect(fingerprint(models)).toBe(live.fingerprint);
    } finally {
      models.close();
    }
  });
});
