// Issue 12: one decode step. Every event the ledger writes decodes to itself; anything else is a DecodeError that
// says where the record is (stream, revision, position) and what is wrong with it.
import { describe, expect, it } from 'vitest';
import { workedExampleQ1 } from '../../test/worked-example.ts';
import { LedgerBuilder } from '../../test/ledger-builder.ts';
import { DecodeError, decodeLedgerEvent, type StoredRecord } from './decode.ts';

const stored = new LedgerBuilder().add(...workedExampleQ1).events;
/** As a store hands it back: JSON in, JSON out (undefined properties gone). */
const asRecord = (e: (typeof stored)[number]): StoredRecord => ({
  eventId: e.eventId,
  streamName: e.streamName,
  revision: e.revision,
  position: e.position,
  type: e.type,
  data: JSON.parse(JSON.stringify(e.data)) as unknown,
  metadata: JSON.parse(JSON.stringify(e.metadata)) as Record<string, unknown>,
  recordedAt: e.recordedAt,
});

const located = (record: StoredRecord, message: RegExp): void => {
  let error: unknown;
  try {
    decodeLedgerEvent(record);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DecodeError);
  const d = error as DecodeError;
  expect(d.message).toMatch(message);
  expect({ stream: d.streamName, revision: d.revision, position: d.position }).toEqual({
    stream: record.streamName,
    revision: record.revision,
    position: record.position,
  });
};

describe('decodeLedgerEvent', () => {
  it('reads back every event of the worked example as it was written', () => {
    for (const e of stored) {
      const d = decodeLedgerEvent(asRecord(e));
      expect(d.type).toBe(e.type);
      expect(JSON.parse(JSON.stringify(d.data))).toEqual(JSON.parse(JSON.stringify(e.data)));
      expect(d.metadata.actor).toEqual(e.metadata.actor);
      expect(d.position).toBe(e.position);
    }
  });

  it('keeps metadata it does not know (the integrity chain)', () => {
    const r = asRecord(stored[0]!);
    const d = decodeLedgerEvent({ ...r, metadata: { ...r.metadata, integrity: { hash: 'h', previous: null } } });
    expect(d.metadata).toMatchObject({ integrity: { hash: 'h', previous: null } });
  });

  it('names the record and the field when the data is malformed', () => {
    const r = asRecord(stored.find((e) => e.type === 'ExtraResolved')!);
    located({ ...r, data: { ...(r.data as object), agreedPence: 1.5 } }, /ExtraResolved at contract-KIN-2025\.extra-\w+ revision 2 \(position \d+\): version 1: agreedPence/);
    located({ ...r, data: { ...(r.data as object), surprise: true } }, /unknown field "surprise"/);
    located({ ...r, data: null }, /data is null, not an object/);
  });

  it('refuses a type that is not ours, metadata without an actor, and a version from the future', () => {
    const r = asRecord(stored[1]!);
    located({ ...r, type: 'IntegrityHeadsSigned' }, /not an event type of this ledger/);
    located({ ...r, metadata: { correlationId: 'c' } }, /metadata actor/);
    located({ ...r, metadata: { ...r.metadata, schemaVersion: 99 } }, /version 99 is newer than this code reads/);
  });

  it('lifts a version 1 measurement: its note becomes the evidence note; a version 2 one is read as it is', () => {
    const r = asRecord(stored.find((e) => e.type === 'MeasurementReported')!);
    const v1 = decodeLedgerEvent({ ...r, data: { ...(r.data as object), note: 'from the press log' } });
    expect(v1.data).toEqual({ ...(r.data as object), evidence: { note: 'from the press log' } });
    expect(decodeLedgerEvent(r).data).toEqual(r.data); // version 1 without a note: no evidence
    const evidence = { note: 'n', achieved: 48, outOf: 50, unit: 'queries' };
    const v2 = decodeLedgerEvent({ ...r, data: { ...(r.data as object), evidence }, metadata: { ...r.metadata, schemaVersion: 2 } });
    expect(v2.data).toEqual({ ...(r.data as object), evidence });
    // each version's own fields only: a note in version 2, evidence in version 1 (before it existed)
    located({ ...r, data: { ...(r.data as object), note: 'n' }, metadata: { ...r.metadata, schemaVersion: 2 } }, /version 2: unknown field "note"/);
    located({ ...r, data: { ...(r.data as object), evidence: { surprise: 1 } }, metadata: { ...r.metadata, schemaVersion: 2 } }, /version 2: evidence/);
  });

  it('reads metadata from before the acting role was recorded: the first of the token’s roles', () => {
    const r = asRecord(stored[1]!);
    const legacy = { actor: { sub: 'u1', name: 'Test User', org: '0AX', roles: ['csu', 'auditor'] }, correlationId: 'c' };
    expect(decodeLedgerEvent({ ...r, metadata: legacy }).metadata.actor).toEqual({ sub: 'u1', name: 'Test User', org: '0AX', role: 'csu' });
  });
});

