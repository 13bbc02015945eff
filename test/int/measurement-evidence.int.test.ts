// MeasurementReported version 2 (issue 12): a measurement's evidence — a note, the counts behind the percentage and
// their unit — over real HTTP into the real SQLite store, written in the current version of its type and read back
// by the query service. The older request's `note` is still accepted, as the evidence's note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreeContract, must, startInProcess, type InProcess, type Json } from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let csu: string;

beforeAll(async () => {
  h = await startInProcess();
  csu = await h.token('csu', PARTIES.csu);
});
afterAll(() => h.close());

const base = { businessDate: '2025-05-02', kpiId: 'K3', month: '2025-26-M01', achievedBp: 9600 };

/** The last event of the contract's stream as the store keeps it. */
const lastStored = async (contractId: string) => (await h.store.readStream(`contract-${contractId}`)).at(-1)!;

describe('a measurement with its evidence', () => {
  it('is stored as version 2 with the evidence given, and the query side shows it', async () => {
    const id = await agreeContract(h, PARTIES);
    const evidence = { note: 'from the press log', achieved: 48, outOf: 50, unit: 'press queries answered within 2 WD' };
    must(await h.post(csu, `/contracts/${id}/measurements`, { ...base, evidence }));
    const stored = await lastStored(id);
    expect(stored.type).toBe('MeasurementReported');
    expect(stored.metadata.schemaVersion).toBe(2);
    expect(stored.data).toEqual({ contractId: id, ...base, evidence });
    // the query side decodes it and carries the evidence in its history
    const history = must(await h.get<{ items: Json[] }>(csu, `/contracts/${id}/history?type=MeasurementReported`));
    expect(history.body.items.map((i) => i.data)).toEqual([{ contractId: id, ...base, evidence }]);
  });

  it('takes the older request’s note as the evidence’s note', async () => {
    const id = await agreeContract(h, PARTIES);
    must(await h.post(csu, `/contracts/${id}/measurements`, { ...base, note: 'from the press log' }));
    expect((await lastStored(id)).data).toEqual({ contractId: id, ...base, evidence: { note: 'from the press log' } });
  });

  it('refuses counts that are not the percentage reported, and a note given twice, storing nothing', async () => {
    const id = await agreeContract(h, PARTIES);
    const head = await h.head();
    const wrong = await h.post(csu, `/contracts/${id}/measurements`, { ...base, achievedBp: 9592, evidence: { achieved: 48, outOf: 50 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'invalid-input', field: 'achievedBp' });
    const twice = await h.post(csu, `/contracts/${id}/measurements`, { ...base, note: 'a', evidence: { note: 'b' } });
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ code: 'validation-failed' });
    expect(await h.head()).toBe(head);
  });
});

describe('a stored event this code cannot read', () => {
  it('is a located error confined to its contract: quarantined on the query side, a 500 naming its position on the command side', async () => {
    const broken = await agreeContract(h, PARTIES);
    const other = await agreeContract(h, PARTIES);
    const ours = await lastStored(broken);
    // written by a later version of the service (version 3), then the code was rolled back
    const appended = await h.store.appendToStream(
      `contract-${broken}`,
      [{ eventId: crypto.randomUUID(), type: 'MeasurementReported', data: { contractId: broken, ...base }, metadata: { ...ours.metadata, schemaVersion: 3 } }],
      { expectedRevision: ours.revision },
    );
    const at = appended.events[0]!.position.toString();
    must(await h.post(csu, `/contracts/${other}/measurements`, base)); // the projection passes the bad event
    const view = await h.get(csu, `/contracts/${broken}`);
    expect(view.status).toBe(503);
    expect(view.body).toMatchObject({ code: 'projection-failed', position: at });
    expect(view.body.reason).toMatch(new RegExp(`^cannot read MeasurementReported at contract-${broken} revision 1 \\(position ${at}\\): version 3 is newer than this code reads \\(2\\)`));
    expect((await h.get(csu, `/contracts/${other}`)).status).toBe(200); // every other contract goes on
    const command = await h.post(csu, `/contracts/${broken}/measurements`, base);
    expect(command.status).toBe(500);
    expect(command.body).toMatchObject({ code: 'internal', position: at });
  });
});
