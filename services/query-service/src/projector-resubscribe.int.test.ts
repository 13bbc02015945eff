// A store error on the log subscription (a dropped connection) is not a bad event: the projector reports it on
// /health's status and resubscribes from its checkpoint, seeing every event once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { throwError } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore, type EventStore } from '@csu-ledger/event-store';
import { createLogger } from '@csu-ledger/http';
import { startProjector } from './projector.ts';
import { openReadModels } from './read-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'csu-ledger-resubscribe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const organisation = (code: string) => ({
  eventId: crypto.randomUUID(),
  type: 'OrganisationRegistered',
  data: { code, name: `Org ${code}`, kind: 'trust', businessDate: '2025-01-01' },
  // as the command service records it: the decode step reads nothing less
  metadata: { actor: { sub: 'test', name: 'Test', org: '0AX', role: 'admin' }, correlationId: 'resubscribe-test' },
});

describe('projector and a failing log subscription', () => {
  it('reports the interruption, resubscribes from its checkpoint and projects every event once', async () => {
    const inner = createSqliteEventStore(join(dir, 'events.db'));
    let subscriptions = 0;
    const flaky: EventStore = {
      ...inner,
      subscribeToAll: (o) =>
        ++subscriptions <= 2 ? throwError(() => new Error('connection reset')) : inner.subscribeToAll(o),
    };
    await inner.appendToStream('organisation-RAX', [organisation('RAX')], { expectedRevision: 'no-stream' });
    const models = openReadModels(join(dir, 'read-models.db'));
    const projector = startProjector(flaky, models, createLogger('test', 'silent'));
    expect(projector.status().failure?.reason).toMatch(/connection reset; retrying/);
    const last = await inner.appendToStream('organisation-RVR', [organisation('RVR')], {
      expectedRevision: 'no-stream',
    });
    expect(await projector.waitFor(last.events[0]!.position, 30_000)).toBe(true); // a bound for a hang, not a speed
    expect(subscriptions).toBe(3);
    expect(projector.status().failure).toBeUndefined();
    expect(models.organisations().map((o) => (o.status === 'registered' ? o.code : ''))).toEqual(['RAX', 'RVR']);
    projector.stop();
    models.close();
    await inner.close();
  });
});
