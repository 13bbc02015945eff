import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteEventStore } from '../src/sqlite/sqlite-event-store.ts';
const payload = (i: number) => ({
  data: { contractId: 'contract-00042', extraId: `extra-${i}`, amountPence: 125_000 + i, description: 'Additional outpatient activity above plan, month 7, orthopaedics', raisedOn: '2026-11-24' },
  metadata: { actor: 'user-7f3a', organisation: 'RXX', correlationId: `c-${i}-a1b2c3d4e5`, causationId: `k-${i}` },
});
const newEvent = (i: number) => ({ eventId: randomUUID(), type: 'ExtraRaised', ...payload(i) });
const root = mkdtempSync(join(os.tmpdir(), 'tb-'));
const N = Number(process.argv[2] ?? 200);
const per = Number(process.argv[3] ?? 100);
const file = join(root, `raw.db`);
await createSqliteEventStore(file).close();
const db = new Database(file); db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
const ins = db.prepare('INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
const tx = db.transaction((first: number) => { for (let i = first; i < first + per; i++) { const e = newEvent(i); ins.run(e.eventId, 'r', i, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString()); } });
const store = createSqliteEventStore(join(root, 'store.db'));
let tr = 0, ts = 0;
for (let b = 0; b < N; b++) {
  let t = performance.now(); tx(b * per); tr += performance.now() - t;
  t = performance.now();
  const events = Array.from({ length: per }, (_, i) => newEvent(b * per + i));
  await store.appendToStream('s', events, { expectedRevision: b === 0 ? 'no-stream' : b * per - 1 });
  ts += performance.now() - t;
}
console.log(`raw ${(N * per / tr * 1000).toFixed(0)} store ${(N * per / ts * 1000).toFixed(0)} ratio ${(tr / ts).toFixed(2)}`);
db.close(); await store.close();
rmSync(root, { recursive: true });
