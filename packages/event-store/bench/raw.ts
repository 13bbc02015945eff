// The raw better-sqlite3 side of the benchmark and the events both sides write.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

/** About 320 bytes of JSON together, like our events. */
export const newEvent = (i: number) => ({
  eventId: randomUUID(),
  type: 'ExtraRaised',
  data: {
    contractId: 'contract-00042',
    extraId: `extra-${i}`,
    amountPence: 125_000 + i,
    description: 'Additional outpatient activity above plan, month 7, orthopaedics',
    raisedOn: '2026-11-24',
  },
  metadata: { actor: 'user-7f3a', organisation: 'RXX', correlationId: `c-${i}-a1b2c3d4e5`, causationId: `k-${i}` },
});

/** A plain connection with the store's durability settings, on a file whose schema the store created. */
export const openRaw = (file: string): Database.Database => {
  // A long busy timeout: on a loaded machine 8 raw writer threads can starve one another past 5 s.
  const db = new Database(file, { timeout: 60_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
};

/** One INSERT of a fresh event, JSON serialised, as the store does; no checks. */
export const rawInsert = (db: Database.Database) => {
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return (stream: string, revision: number, i: number): void => {
    const e = newEvent(i);
    const [data, metadata] = [JSON.stringify(e.data), JSON.stringify(e.metadata)];
    insert.run(e.eventId, stream, revision, e.type, data, metadata, new Date().toISOString());
  };
};
