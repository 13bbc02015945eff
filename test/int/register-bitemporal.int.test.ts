// Issue 9, item 5: views of the organisation register are bitemporal (DOMAIN.md: Who and what, Contract terms, Time
// travel). The name shown is the one in force at the view's date as the system knew it at the view's asAt: a
// renaming recorded after asAt was not known then; and a view dated before an organisation's registration shows its
// code alone. Before: every view took the register as it stands now, and a date before the registration showed the
// registered name all the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages, FIXED_NOW, must, startInProcess, type InProcess, type Json } from '../support/in-process.ts';

/** Recorded times a minute apart, from a month before FIXED_NOW: each command's instant is distinct. */
const minuteClock = (): (() => Date) => {
  let t = Date.parse(FIXED_NOW) - 30 * 86_400_000;
  return () => new Date((t += 60_000));
};

let h: InProcess;
let auditor: string;
const C = 'BITEMPORAL-1';
/** Recorded times of the steps, for asAt. */
const at: Record<string, string> = {};
const justBefore = (iso: string): string => new Date(Date.parse(iso) - 1).toISOString();

const recordedAt = async (position: string): Promise<string> =>
  (await h.store.readAll({ after: BigInt(position) - 1n, maxCount: 1 }))[0]!.recordedAt;

beforeAll(async () => {
  h = await startInProcess({ storeClock: minuteClock() });
  const admin = await h.token('admin', 'NHS');
  const csu = await h.token('csu', '0AX');
  const step = async (name: string, token: string, path: string, body: Json): Promise<Json> => {
    const r = must(await h.post(admin === token ? admin : token, path, body)).body;
    at[name] = await recordedAt(r.position as string);
    return r;
  };
  await step('csu', admin, '/organisations', {
    businessDate: '2013-04-01',
    code: '0AX',
    name: 'South London CSU',
    kind: 'csu',
  });
  await step('trust', admin, '/organisations', {
    businessDate: '2013-04-01',
    code: 'RAX',
    name: 'Kingston Hospital NHS FT',
    kind: 'trust',
  });
  // The commissioner is registered with effect from 1 June 2025: a view dated before that shows its code alone.
  await step('ccg', admin, '/organisations', {
    businessDate: '2025-06-01',
    code: '08J',
    name: 'Kingston CCG',
    kind: 'ccg',
    population: 180_000,
    runningCostAllowancePencePerHead: 2500,
  });
  await step('agreed', admin, '/contracts', {
    contractId: C,
    businessDate: '2025-03-20',
    ccg: '08J',
    csu: '0AX',
    firstMonth: '2025-26-M01',
    lastMonth: '2025-26-M12',
    annualFeePence: 12_000_000,
    feeAtRiskBp: 1000,
    gainShareBp: 2000,
    gainShareCapPence: 1_000_000,
    breakNoticeMonths: 3,
    trustResponseWorkingDays: 20,
    kpis: [{ id: 'K1', name: 'Report', serviceLine: 'finance', weightBp: 10000, targetBp: 9000, kind: 'measured' }],
  });
  await step('challenge', csu, `/contracts/${C}/challenges`, {
    businessDate: '2025-05-06',
    trust: 'RAX',
    activityMonth: '2025-26-M01',
    category: 'duplicate-activity',
    activityLines: 3,
    valuePence: 100_000,
  });
  // Recorded later, but in force from 1 April 2024: before this was recorded nobody knew the trust's new name.
  await step('renamed', admin, '/organisations/RAX/renaming', {
    businessDate: '2024-04-01',
    name: 'Kingston and Richmond NHS FT',
  });
  auditor = await h.token('auditor', 'NAO');
});
afterAll(() => h.close());

type Party = { code: string; name?: string };

describe('a contract’s parties', () => {
  it('now: names in force today', async () => {
    const body = must(await h.get<{ ccg: Party; csu: Party }>(auditor, `/contracts/${C}`)).body;
    expect(body.ccg).toEqual({ code: '08J', name: 'Kingston CCG' });
    expect(body.csu).toEqual({ code: '0AX', name: 'South London CSU' });
  });

  it('as of a date before the commissioner’s registration: its code alone', async () => {
    const body = must(await h.get<{ ccg: Party; csu: Party }>(auditor, `/contracts/${C}?asOf=2025-05-31`)).body;
    expect(body.ccg).toEqual({ code: '08J' });
    expect(body.csu).toEqual({ code: '0AX', name: 'South London CSU' });
    expect(must(await h.get<{ ccg: Party }>(auditor, `/contracts/${C}?asOf=2025-06-01`)).body.ccg).toEqual({
      code: '08J',
      name: 'Kingston CCG',
    });
  });

  it('in /contracts too, which shows today’s names', async () => {
    const [row] = await allPages<{ ccg: Party }>(h, auditor, '/contracts');
    expect(row!.ccg).toEqual({ code: '08J', name: 'Kingston CCG' });
  });
});

describe('a challenge’s trust name (in force when it was raised)', () => {
  it('now: the renaming, in force since 2024, is known', async () => {
    const [ch] = await allPages<{ trustName: string | null }>(h, auditor, `/contracts/${C}/challenges`);
    expect(ch!.trustName).toBe('Kingston and Richmond NHS FT');
  });

  it('asAt before the renaming was recorded: the name then known', async () => {
    const page = must(
      await h.get<{ items: { trustName: string | null }[] }>(
        auditor,
        `/contracts/${C}/challenges?asAt=${justBefore(at.renamed!)}`,
      ),
    ).body;
    expect(page.items[0]!.trustName).toBe('Kingston Hospital NHS FT');
    const after = must(
      await h.get<{ items: { trustName: string | null }[] }>(auditor, `/contracts/${C}/challenges?asAt=${at.renamed!}`),
    ).body;
    expect(after.items[0]!.trustName).toBe('Kingston and Richmond NHS FT');
  });
});

describe('/organisations', () => {
  type Entry = { code: string; kind: string; name?: string; names: { from: string; name: string }[] };
  const register = async (query = ''): Promise<Map<string, Entry>> =>
    new Map((await allPages<Entry>(h, auditor, `/organisations${query}`)).map((o) => [o.code, o]));

  it('now: every organisation with its name today and its names over time', async () => {
    const now = await register();
    expect(now.get('RAX')).toMatchObject({
      name: 'Kingston and Richmond NHS FT',
      names: [
        { from: '2013-04-01', name: 'Kingston Hospital NHS FT' },
        { from: '2024-04-01', name: 'Kingston and Richmond NHS FT' },
      ],
    });
  });

  it('asAt before the renaming was recorded: the old name, and no trace of the new one', async () => {
    const then = await register(`?asAt=${justBefore(at.renamed!)}`);
    expect(then.get('RAX')).toEqual({
      code: 'RAX',
      kind: 'trust',
      name: 'Kingston Hospital NHS FT',
      names: [{ from: '2013-04-01', name: 'Kingston Hospital NHS FT' }],
    });
  });

  it('asAt before an organisation’s registration was recorded: not in the register', async () => {
    const then = await register(`?asAt=${justBefore(at.ccg!)}`);
    expect([...then.keys()]).toEqual(['0AX', 'RAX']);
  });

  it('asOf a date before its registration: the code alone', async () => {
    const then = await register('?asOf=2025-05-31');
    expect(then.get('08J')).toEqual({
      code: '08J',
      kind: 'ccg',
      names: [{ from: '2025-06-01', name: 'Kingston CCG' }],
    });
    expect(then.get('RAX')!.name).toBe('Kingston and Richmond NHS FT');
  });
});

describe('support spend', () => {
  it('names the commissioner and each CSU as in force in the year (or today, while it runs)', async () => {
    const body = must(await h.get<Json>(auditor, '/organisations/08J/support-spend?year=2025-26')).body;
    expect(body).toMatchObject({
      code: '08J',
      name: 'Kingston CCG',
      contracts: [{ contractId: C, csu: '0AX', csuName: 'South London CSU' }],
    });
  });

  it('a year that ended before its registration: the code alone', async () => {
    const body = must(await h.get<Json>(auditor, '/organisations/08J/support-spend?year=2024-25')).body;
    expect(body.code).toBe('08J');
    expect(body).not.toHaveProperty('name');
  });
});
