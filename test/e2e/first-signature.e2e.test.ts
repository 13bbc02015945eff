// Issue 14 says a log with events and no signed head is not intact. A new log is therefore signed soon after its first
// events (a sixtieth of the signing interval: a second at the default minute), so that a fresh system, demo data and
// all, checks out at once instead of reading as tampered until the first interval.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEventStore, type RecordedEvent } from '@csu-ledger/event-store';
import { startSystem, type System } from '../support/system.ts';

let sys: System;
beforeAll(async () => {
  sys = await startSystem('first-signature', { LEDGER_SIGN_INTERVAL_MS: '60000' });
});
afterAll(() => sys?.stop());

describe('a new log', () => {
  it('is signed soon after its first events, so verify finds it intact well before the first interval', async () => {
    // Follows the log itself: the test waits for the signing to be recorded, not for a time to pass.
    const store = createSqliteEventStore(join(sys.dataDir, 'events.db'));
    try {
      let subscription: { unsubscribe(): void } | undefined;
      const signed = new Promise<RecordedEvent>((resolve, reject) => {
        subscription = store.subscribeToAll().subscribe({
          next: (e) => {
            if (e.type === 'ChainHeadsSigned') resolve(e);
          },
          error: reject,
        });
      }).finally(() => subscription?.unsubscribe());
      const admin = sys.as('admin', 'NHS');
      const registered = await sys.post(admin, '/organisations', {
        businessDate: '2013-04-01',
        code: '08J',
        name: 'NHS Kingston CCG',
        kind: 'ccg',
        population: 180_000,
        runningCostAllowancePencePerHead: 2500,
      });
      expect(registered.status).toBe(201);
      const head = await signed;
      // Signed within 30 s of the first event (the first-events signing comes a second after it); the periodic signing
      // would come a minute after the start, some 55 s after it.
      const [first] = await store.readStream('organisation-08J');
      expect(Date.parse(head.recordedAt) - Date.parse(first!.recordedAt)).toBeLessThan(30_000);
      const auditor = sys.as('auditor', 'NAO');
      const verdict = await sys.get<{ verdict: string }>(auditor, '/audit/verify', { minPosition: head.position.toString() });
      expect(verdict.body).toMatchObject({ verdict: 'intact' });
    } finally {
      await store.close();
    }
  });
});
