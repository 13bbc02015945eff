// Issues 10, 11 and 13 over real HTTP: the statement in JSON, CSV and XLSX; invoices (numbers unique per CSU, a
// retry not a duplicate), the quarter's reconciliation and the commissioner's payment performance; a queried recovery
// moving N and coming back; the what-if preview and the break-clause calculator. Figures worked by hand.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreeContract, must, startInProcess, type InProcess, type Json } from '../support/in-process.ts';

const PARTIES = { ccg: '08J', csu: '0AX' };
let h: InProcess;
let contract: string;
let other: string;
let csu: string;
let ccg: string;
const ids: Record<string, string> = {};

const post = async (token: string, path: string, body: Json, headers: Record<string, string> = {}) => h.post(token, path, body, { headers });
const invoice = (invoiceNumber: string, kind: string, amountPence: number, more: Json = {}): Json => ({
  businessDate: '2025-07-22',
  invoiceNumber,
  quarter: '2025-26-Q1',
  kind,
  amountPence,
  vatPence: kind === 'credit-note' ? 0 : Math.round(amountPence / 5),
  ...more,
});

beforeAll(async () => {
  h = await startInProcess();
  const admin = await h.token('admin', 'NHS');
  must(await post(admin, '/organisations', { businessDate: '2013-04-01', code: '08J', name: 'NHS Kingston CCG', kind: 'ccg', population: 180_000, runningCostAllowancePencePerHead: 2500 }));
  contract = await agreeContract(h, PARTIES);
  other = await agreeContract(h, PARTIES);
  csu = await h.token('csu', '0AX');
  ccg = await h.token('ccg', '08J');
  // Q1 as the worked example has it: nothing delivered, so S = 0 and W = R = 4,000,000 (F 40,000,000); one challenge
  // recovering 12,000,000 (G 2,400,000); an extra resolved at 900,000 and another still disputed.
  const x1 = must(await post(csu, `/contracts/${contract}/extras`, { businessDate: '2025-04-15', amountPence: 1_850_000, description: 'SUS extract', serviceLine: 'bi', requestedBy: 'Head of Contracting' })).body.extraId as string;
  must(await post(ccg, `/extras/${x1}/dispute`, { businessDate: '2025-04-22', reason: 'covered-by-core-offer' }));
  must(await post(ccg, `/extras/${x1}/resolve`, { businessDate: '2025-06-16', agreedPence: 900_000 }));
  const x2 = must(await post(csu, `/contracts/${contract}/extras`, { businessDate: '2025-05-19', amountPence: 420_000, description: 'Board paper', serviceLine: 'comms', requestedBy: 'Director of Finance' })).body.extraId as string;
  must(await post(ccg, `/extras/${x2}/dispute`, { businessDate: '2025-05-27', reason: 'not-requested' }));
  const c1 = must(await post(csu, `/contracts/${contract}/challenges`, { businessDate: '2025-05-06', trust: 'RAX', activityMonth: '2025-26-M01', category: 'duplicate-activity', activityLines: 37, valuePence: 15_000_000 })).body.challengeId as string;
  must(await post(csu, `/challenges/${c1}/resolve`, { businessDate: '2025-06-20', recoveredPence: 12_000_000, creditNoteReference: 'CN-RAX-0042' }));
  Object.assign(ids, { x1, x2, c1 });
});
afterAll(() => h.close());

const settlement = async () => must(await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1`)).body;

describe('invoices and reconciliation (issue 13)', () => {
  it('takes a quarter’s bills and reconciles them: the disputed extra billed is caught, £4,200.00 over', async () => {
    for (const [n, kind, amount, more] of [
      ['SL-001', 'core', 13_333_333, {}],
      ['SL-002', 'core', 13_333_333, {}],
      ['SL-003', 'core', 13_333_334, {}],
      ['SL-004', 'credit-note', 4_000_000, {}],
      ['SL-005', 'gain-share', 2_400_000, {}],
      ['SL-006', 'extra', 900_000, { extraId: ids.x1 }],
      ['SL-007', 'extra', 420_000, { extraId: ids.x2 }],
    ] as const) {
      const r = await post(csu, `/contracts/${contract}/invoices`, invoice(n, kind, amount, more));
      expect(r.status, r.text).toBe(201);
      ids[n] = r.body.invoiceId as string;
    }
    const rec = must(await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1/reconciliation`)).body;
    expect(rec).toMatchObject({ netPayablePence: 39_300_000, billedPence: 39_720_000, differencePence: 420_000, status: 'over-billed' });
    const x2 = (rec.components as Json[]).find((c) => c.extraId === ids.x2);
    expect(x2).toMatchObject({ status: 'over-billed', flag: 'not-payable', expectedPence: 0, billedPence: 420_000 });
  });

  it('refuses an invoice number the CSU has used, on this contract or another; a retry with its key is not a duplicate', async () => {
    const again = await post(csu, `/contracts/${other}/invoices`, invoice('sl-001 ', 'core', 1));
    expect(again.status, again.text).toBe(409);
    expect(again.body).toMatchObject({ code: 'already-exists', field: 'invoiceNumber' });
    const key = { 'idempotency-key': 'inv-sl-100' };
    const first = await post(csu, `/contracts/${other}/invoices`, invoice('SL-100', 'core', 5), key);
    const retry = await post(csu, `/contracts/${other}/invoices`, invoice('SL-100', 'core', 5), key);
    expect([first.status, retry.status]).toEqual([201, 201]);
    expect(retry.body).toEqual(first.body);
  });

  it('lists the invoices with their gross and due date, and pays one in full', async () => {
    const list = must(await h.get(ccg, `/contracts/${contract}/invoices`)).body;
    const first = (list.items as Json[])[0]!;
    expect(first).toMatchObject({ invoiceNumber: 'SL-001', grossPence: 16_000_000, receivedOn: '2025-07-22', dueBy: '2025-08-21', status: 'submitted' });
    const part = await post(ccg, `/invoices/${ids['SL-001']}/pay`, { paidOn: '2025-08-01', amountPence: 13_333_333 });
    expect(part.body).toMatchObject({ code: 'amount-mismatch', field: 'amountPence' });
    must(await post(ccg, `/invoices/${ids['SL-001']}/pay`, { paidOn: '2025-08-01', amountPence: 16_000_000 }));
    must(await post(ccg, `/invoices/${ids['SL-002']}/pay`, { paidOn: '2025-09-05', amountPence: 16_000_000 }));
    must(await post(ccg, `/invoices/${ids['SL-007']}/dispute`, { businessDate: '2025-07-25', reason: 'the extra is not agreed' }));
    const csuWithdraws = await post(csu, `/invoices/${ids['SL-007']}/withdraw`, { businessDate: '2025-07-28' });
    expect(csuWithdraws.status).toBe(200);
    const rec = must(await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1/reconciliation`)).body;
    expect(rec).toMatchObject({ status: 'matched', differencePence: 0 });
  });

  it('reports the commissioner’s payment performance: within 30 days by count and value, and the late', async () => {
    const p = must(await h.get(ccg, '/organisations/08J/payment-performance?year=2025-26')).body;
    // Assessed (undisputed, not credit notes, received 22 July, today 24 Nov 2026), over both of 08J's contracts:
    // SL-001 paid in 10 days, SL-002 in 45; SL-003, -005, -006 and the other contract's SL-100 unpaid and overdue;
    // SL-007 was disputed and is left out. 1 of 6 on time.
    expect(p).toMatchObject({ assessed: { count: 6 }, paidWithinTerms: { count: 1, valuePence: 16_000_000 }, shareByCountBp: 1667 });
    expect((p.paidLate as Json[]).map((r) => r.invoiceNumber)).toEqual(['SL-002']);
    expect((p.unpaidOverdue as Json[]).map((r) => r.invoiceNumber).sort()).toEqual(['SL-003', 'SL-005', 'SL-006', 'SL-100']);
  });
});

describe('a queried recovery (issue 13)', () => {
  it('leaves V and G while queried, and returns when confirmed', async () => {
    expect(await settlement()).toMatchObject({ recoveredPence: 12_000_000, gainSharePence: 2_400_000, netPayablePence: 39_300_000 });
    must(await post(ccg, `/challenges/${ids.c1}/query`, { businessDate: '2025-07-01', reason: 'no credit note seen' }));
    expect(await settlement()).toMatchObject({ recoveredPence: 0, gainSharePence: 0, netPayablePence: 36_900_000 });
    const challenge = (must(await h.get(ccg, `/contracts/${contract}/challenges`)).body.items as Json[])[0]!;
    expect(challenge).toMatchObject({ status: 'queried', creditNoteReference: 'CN-RAX-0042', recoveryQuery: { reason: 'no credit note seen' } });
    must(await post(ccg, `/challenges/${ids.c1}/confirm`, { businessDate: '2025-07-03' }));
    expect(await settlement()).toMatchObject({ recoveredPence: 12_000_000, netPayablePence: 39_300_000 });
  });
});

describe('the statement (issue 10)', () => {
  const path = () => `/contracts/${contract}/settlements/2025-26-Q1/statement`;

  it('answers JSON by default, its counted lines adding up to N', async () => {
    const s = must(await h.get(ccg, path())).body;
    expect(s).toMatchObject({ period: '2025/26 Q1', status: 'open', settlement: { netPayablePence: 39_300_000 } });
    expect((s.lines as { amountPence: number | null }[]).reduce((sum, l) => sum + (l.amountPence ?? 0), 0)).toBe(39_300_000);
  });

  it('answers CSV by Accept, and XLSX by ?format=, as attachments', async () => {
    const csv = await h.get(ccg, path(), { headers: { accept: 'text/csv' } });
    expect(csv.contentType).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`${contract}-2025-26-Q1-statement.csv`);
    expect(csv.text).toMatch(/,N,Net payable: F − W \+ G \+ X,2025\/26 Q1,,393000\.00,0\r\n/);
    const res = await fetch(`${h.queryUrl}${path()}?format=xlsx`, { headers: { authorization: `Bearer ${ccg}` } });
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await res.arrayBuffer());
    let net: unknown;
    book.getWorksheet('Statement')!.eachRow((row) => {
      if (row.getCell(2).value === 'N') net = row.getCell(6).value;
    });
    expect(net).toBe(393_000);
  });

  it('refuses a format it does not write', async () => {
    const r = await h.get(ccg, `${path()}?format=pdf`);
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'format' })]);
  });
});

describe('what-if and break clause (issue 11)', () => {
  it('shows N if the disputed extra were resolved in full, storing nothing', async () => {
    const head = await h.head();
    const w = must(await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1/what-if?extras=${ids.x2}:420000`)).body;
    expect(w).toMatchObject({ current: { netPayablePence: 39_300_000 }, whatIf: { netPayablePence: 39_720_000 }, changePence: 420_000 });
    expect(await h.head()).toBe(head);
  });
  it('refuses an assumption it cannot apply, and a malformed one', async () => {
    expect((await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1/what-if?extras=${ids.x2}:420001`)).body).toMatchObject({ code: 'amount-exceeds-claim' });
    expect((await h.get(ccg, `/contracts/${contract}/settlements/2025-26-Q1/what-if?extras=nonsense`)).status).toBe(400);
  });
  it('says when the term would end if notice were served, and the core fee that would remain', async () => {
    // The fixture's term runs to 2027-28 with 3 months' notice: served 31 August 2025, it ends 30 November 2025.
    const b = must(await h.get(csu, `/contracts/${contract}/break-clause?servedOn=2025-08-31`)).body;
    expect(b).toMatchObject({ termEnd: '2025-11-30', noticeMonths: 3, remainingFeePence: 53_333_333 });
  });
});
