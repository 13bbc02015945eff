// The console's finance and audit pages in real Chromium against the real services on the embedded store, loaded
// with DOMAIN.md's worked example (Q1 settles at N = £417,000.00): the break-clause calculator, CCG finance's
// reconciliation, invoices and payment performance, the CSU's returns upload, and the auditor's extras on the
// history page. Each page is checked with axe (no serious or critical violation); its forms are worked with the
// keyboard alone; a screenshot of each goes to test-results/console/.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { loadDemo, startConsole, stopService, workedExample, type RunningService } from '@csu-ledger/cli';
import { startSystem, type System } from '../../../test/support/system.ts';
import { browserMissing, expectAccessible, keyboard, launch, screenshot, screenshotOf, type Driver } from './browser.ts';

const missing = browserMissing();
const CONTRACT = 'KIN-0AX-2025';
const PAGE_MS = 180_000;

describe.skipIf(missing !== undefined)('console pages', () => {
  let system: System;
  let web: RunningService;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let current: Page | undefined;

  beforeAll(async () => {
    system = await startSystem('console-pages');
    await loadDemo(system.commandUrl(), system.secret, workedExample);
    web = await startConsole({ dataDir: system.dataDir, consolePort: 0, env: { LEDGER_LOG_LEVEL: 'warn' } }, system.running);
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (web) await stopService(web);
    await system?.stop();
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    if (current) await screenshot(current, `pages-failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
    // The console's own account of an error page (its log goes with the data folder when the system stops).
    const log = await readFile(join(system.dataDir, 'logs', 'console.log'), 'utf8').catch(() => '');
    if (log) console.error(`console log (end):\n${log.slice(-4000)}`);
  });

  /** A signed-in user working with the keyboard alone. */
  const signIn = async (who: RegExp): Promise<{ page: Page; d: Driver }> => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    current = page;
    const d = keyboard(page);
    await page.goto(`${web.url}/sign-in`);
    await d.press(page.getByRole('button', { name: who }));
    expect(new URL(page.url()).pathname).toBe('/');
    return { page, d };
  };
  const dateIn = async (d: Driver, scope: Page | Locator, legend: string, [day, month, year]: [string, string, string]) => {
    const group = scope.getByRole('group', { name: legend });
    await d.fill(group.getByLabel('Day'), day);
    await d.fill(group.getByLabel('Month'), month);
    await d.fill(group.getByLabel('Year'), year);
  };
  const section = (page: Page, name: string) => page.getByRole('navigation', { name: 'Contract sections' }).getByRole('link', { name });

  it(
    'break clause: notice served on 31 August 2025 ends the term on 30 November 2025 with four months of fee to pay',
    async () => {
      const { page, d } = await signIn(/^Sign in as Tom Baker/);
      await page.goto(`${web.url}/contracts/${CONTRACT}`);
      await d.press(section(page, 'Break clause'));
      await expectAccessible(page, 'break clause');
      expect(await page.locator('main').textContent()).toContain('The notice period is 3 months');

      // After the term's end (31 March 2026) there is nothing to work out: the service's refusal, on the field.
      await dateIn(d, page, 'If notice were served on', ['1', '4', '2026']);
      await d.press(page.getByRole('button', { name: 'Work it out' }));
      const summary = page.locator('.nhsuk-error-summary');
      expect(await summary.textContent()).toContain('31 March 2026');
      expect(await summary.getByRole('link').first().getAttribute('href')).toBe('#servedOn-day');
      expect(await page.title()).toMatch(/^Error: /);
      await expectAccessible(page, 'break clause with an error');

      // 3 months' notice from August (M05) ends the term after November (M08). The annual £1,600,000.00 is paid in
      // quarters of £400,000.00 as £133,333.33, £133,333.33, £133,333.34: August to November is
      // 133,333.33 (M05) + 133,333.34 (M06) + 133,333.33 (M07) + 133,333.33 (M08) = £533,333.33, and December to
      // March, 133,333.34 + 133,333.33 + 133,333.33 + 133,333.34 = £533,333.34, is taken off.
      await dateIn(d, page, 'If notice were served on', ['31', '8', '2025']);
      await d.press(page.getByRole('button', { name: 'Work it out' }));
      const answer = (await page.locator('#break-clause-answer').textContent()) ?? '';
      expect(answer).toMatch(/If notice were served on 31 August 2025/);
      expect(answer).toMatch(/The term would end on\s*30 November 2025/);
      expect(answer).toMatch(/Core fee still to be paid\s*£533,333\.33/);
      expect(answer).toMatch(/Core fee the notice takes off\s*£533,333\.34/);
      expect(new URL(page.url()).search).toContain('servedOn%5Bday%5D=31');
      await expectAccessible(page, 'break clause answered');
      await screenshot(page, 'pages-break-clause');
    },
    PAGE_MS,
  );

  it(
    'finance: the CSU bills Q1, CCG finance finds the over-billed extra in the reconciliation, disputes it, pays, and sees its payment performance',
    async () => {
      const csuUser = system.as('csu', '0AX', 'am-0ax-1', 'Priya Shah');
      const ccgUser = system.as('ccg', '08J', 'fin-08j-1', 'Tom Baker');
      const extras = (await system.get<{ items: { extraId: string; description: string }[] }>(ccgUser, `/contracts/${CONTRACT}/extras`)).body.items;
      const extraId = (text: string) => extras.find((x) => x.description.startsWith(text))!.extraId;
      // The worked example's Q1 as the CSU bills it (issue 13): three monthly core invoices, a credit note for
      // W = £16,000.00, the gain share G = £24,000.00 and the agreed extra's £9,000.00, received 15 July 2025.
      const bill = (invoiceNumber: string, kind: string, amountPence: number, extra?: string) =>
        system.post(csuUser, `/contracts/${CONTRACT}/invoices`, {
          businessDate: '2025-07-15', invoiceNumber, quarter: '2025-26-Q1', kind, amountPence, vatPence: 0, ...(extra ? { extraId: extra } : {}),
        });
      for (const [n, kind, pence, extra] of [
        ['0AX-101', 'core', 13_333_333],
        ['0AX-102', 'core', 13_333_333],
        ['0AX-103', 'core', 13_333_334],
        ['0AX-104', 'credit-note', 1_600_000],
        ['0AX-105', 'gain-share', 2_400_000],
        ['0AX-106', 'extra', 900_000, extraId('Ad hoc SUS data extract')],
      ] as const) expect((await bill(n, kind, pence, extra)).status).toBe(201);

      // The CSU also bills the board paper support (disputed, nothing payable) in the console, with the keyboard.
      const { page: csu, d: csuKeys } = await signIn(/^Sign in as Priya Shah/);
      await csu.goto(`${web.url}/contracts/${CONTRACT}`);
      await csuKeys.press(section(csu, 'Invoices'));
      await expectAccessible(csu, 'invoices as the CSU');
      await csuKeys.open(csu.locator('summary', { hasText: 'Submit an invoice' }));
      const submit = csu.locator('#submit-invoice-form');
      const fillInvoice = async (n: string) => {
        await csuKeys.fill(submit.getByLabel('Invoice number'), n);
        await csuKeys.choose(submit.getByLabel('Quarter it bills'), '2025/26 Q1');
        await csuKeys.radio(submit.getByLabel('An agreed extra', { exact: true }));
        await csuKeys.choose(submit.getByLabel('The extra it bills'), 'Board paper drafting support');
        await csuKeys.fill(submit.getByLabel('Amount before VAT'), '4,200.00');
        await csuKeys.fill(submit.getByLabel('VAT', { exact: true }), '0');
        await dateIn(csuKeys, submit, 'Date received by the CCG', ['15', '7', '2025']);
        await csuKeys.press(submit.getByRole('button', { name: 'Submit invoice' }));
      };
      // A number already used is refused on its field, and nothing is recorded.
      await fillInvoice('0AX-106');
      const summary = csu.locator('.nhsuk-error-summary');
      expect(await summary.textContent()).toMatch(/0AX-106 is already/);
      expect(await summary.getByRole('link').first().getAttribute('href')).toBe('#submit-invoice-invoiceNumber');
      await expectAccessible(csu, 'invoices with a refused number');
      await fillInvoice('0AX-107');
      expect(await csu.locator('.nhsuk-notification-banner').textContent()).toContain('Invoice 0AX-107 for 2025/26 Q1: £4,200.00 before VAT');
      expect(await csu.locator('#invoices').textContent()).toMatch(/0AX-104[\s\S]*Credit note[\s\S]*−£16,000\.00/);

      // CCG finance: the reconciliation of Q1. Billed 400,000.00 − 16,000.00 + 24,000.00 + 9,000.00 + 4,200.00 =
      // £421,200.00 against N = £417,000.00: over-billed by £4,200.00, all of it the board paper support.
      const { page, d } = await signIn(/^Sign in as Tom Baker/);
      await page.goto(`${web.url}/contracts/${CONTRACT}/invoices`);
      await d.press(page.getByRole('link', { name: 'Reconciliation of 2025/26 Q1' }));
      await expectAccessible(page, 'reconciliation');
      expect(await page.locator('#expected').textContent()).toBe('£417,000.00');
      expect(await page.locator('#billed').textContent()).toBe('£421,200.00');
      expect(await page.locator('#difference').textContent()).toBe('+£4,200.00');
      expect(await page.locator('#mismatches').textContent()).toContain('1 component does not match');
      const wrong = page.locator('#components tr.ledger-mismatch');
      expect(await wrong.count()).toBe(1);
      expect(await wrong.textContent()).toMatch(/Board paper drafting support[\s\S]*0AX-107[\s\S]*£0\.00[\s\S]*£4,200\.00[\s\S]*\+£4,200\.00[\s\S]*Over-billed[\s\S]*nothing is payable/);
      expect(await page.locator('#components tr', { hasText: 'Core fee (F − W)' }).textContent()).toMatch(/£384,000\.00[\s\S]*£384,000\.00[\s\S]*£0\.00[\s\S]*Matched/);
      await screenshot(page, 'pages-reconciliation');

      // Dispute the over-billed invoice; pay 0AX-101 within 30 days, in full.
      await page.goto(`${web.url}/contracts/${CONTRACT}/invoices`);
      const card = (n: string) => page.locator('section.nhsuk-card', { has: page.getByRole('heading', { name: new RegExp(`^Invoice ${n}:`) }) });
      await d.open(card('0AX-107').locator('summary', { hasText: 'Dispute' }));
      await d.fill(card('0AX-107').getByLabel('Why it does not match what was agreed'), 'The board paper support was disputed and nothing is payable');
      await dateIn(d, card('0AX-107'), 'Date disputed', ['20', '7', '2025']);
      await d.press(card('0AX-107').getByRole('button', { name: 'Dispute invoice' }));
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Invoice disputed');
      await d.open(card('0AX-101').locator('summary', { hasText: 'Record payment' }));
      expect(await card('0AX-101').getByLabel('Amount paid, including VAT').inputValue()).toBe('133333.33');
      await dateIn(d, card('0AX-101'), 'Paid on', ['1', '8', '2025']);
      await d.press(card('0AX-101').getByRole('button', { name: 'Record payment' }));
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Payment recorded');
      expect(await page.locator('#invoices tr', { hasText: '0AX-101' }).textContent()).toMatch(/Paid[\s\S]*on 1 August 2025/);
      expect(await page.locator('#invoices tr', { hasText: '0AX-107' }).textContent()).toContain('Disputed');
      expect(await card('0AX-104').locator('summary', { hasText: 'Record payment' }).count()).toBe(0); // a credit note is not paid
      await expectAccessible(page, 'invoices as CCG finance');
      await screenshot(page, 'pages-invoices');

      // 0AX-102 paid 77 days after receipt. Of 2025/26's five undisputed invoices (0AX-107 is disputed; the credit
      // note is left out), all assessed: one paid within 30 days, one late, three unpaid. By value
      // 133,333.33 of 133,333.33 × 2 + 133,333.34 + 24,000.00 + 9,000.00 = £433,000.00: 30.79%.
      expect((await system.post(ccgUser, `/invoices/${await invoiceId('0AX-102')}/pay`, { paidOn: '2025-09-30', amountPence: 13_333_333 })).status).toBe(200);
      await page.goto(`${web.url}/`);
      // Home: the invoices still awaiting CCG finance, the ones past 30 days marked.
      expect(await page.locator('#invoices-awaiting').textContent()).toMatch(/0AX-103, 2025\/26 Q1[\s\S]*£133,333\.34/);
      expect(await page.locator('#invoices-awaiting tr', { hasText: '0AX-105' }).textContent()).toContain('Overdue');
      expect(await page.locator('#invoices-awaiting').textContent()).not.toContain('0AX-101');
      await d.press(page.getByRole('link', { name: 'Payments' }));
      await expectAccessible(page, 'payment performance');
      await d.choose(page.getByLabel('Financial year'), '2025/26');
      await d.press(page.getByRole('button', { name: 'Show the year' }));
      expect(await page.locator('#headline').textContent()).toMatch(/20% of undisputed invoices paid within 30 days \(1 of 5\), 30\.79% by value \(£133,333\.33 of £433,000\.00\): below the target of 95%/);
      expect(await page.locator('#paid-late').textContent()).toMatch(/0AX-102[\s\S]*30 September 2025 \(77 days\)/);
      expect(await page.locator('#unpaid-overdue tbody tr').count()).toBe(3);
      expect(await page.locator('figure svg desc').textContent()).toContain('2025/26: 20% by count, 30.79% by value');
      expect(await page.locator('#shares').textContent()).toContain('1 of 5');
      await expectAccessible(page, 'payment performance of 2025/26');
      await screenshot(page, 'pages-payment-performance');

      // A recovery CCG finance queries leaves G until confirmed: Q1's V falls from £120,000.00 to £40,000.00, so
      // G = £8,000.00 and N = 400,000 − 16,000 + 8,000 + 9,000 = £401,000.00; confirmed, it is £417,000.00 again.
      await page.goto(`${web.url}/contracts/${CONTRACT}/challenges`);
      const challenge = page.locator('section.nhsuk-card', { hasText: 'Emergency readmission within 30 days' });
      await d.open(challenge.locator('summary', { hasText: 'Query the recovery' }));
      await d.fill(challenge.getByLabel('What CCG finance questions about it'), 'No credit note from the trust yet');
      await dateIn(d, challenge, 'Date queried', ['20', '7', '2025']);
      await d.press(challenge.getByRole('button', { name: 'Query recovery' }));
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Recovery queried');
      expect(await challenge.textContent()).toMatch(/Queried[\s\S]*No credit note from the trust yet/);
      await expectAccessible(page, 'challenges with a queried recovery');
      await screenshot(page, 'pages-challenge-queried');
      await page.goto(`${web.url}/contracts/${CONTRACT}/settlements/2025-26-Q1`);
      expect(await page.locator('#net-payable').textContent()).toBe('£401,000.00');
      await page.goto(`${web.url}/contracts/${CONTRACT}/challenges`);
      await d.open(challenge.locator('summary', { hasText: 'Confirm the recovery' }));
      await dateIn(d, challenge, 'Date confirmed', ['25', '7', '2025']);
      await d.press(challenge.getByRole('button', { name: 'Confirm recovery' }));
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Recovery confirmed');
      await page.goto(`${web.url}/contracts/${CONTRACT}/settlements/2025-26-Q1`);
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');

      async function invoiceId(n: string): Promise<string> {
        const list = (await system.get<{ items: { invoiceId: string; invoiceNumber: string }[] }>(ccgUser, `/contracts/${CONTRACT}/invoices`)).body.items;
        return list.find((i) => i.invoiceNumber === n)!.invoiceId;
      }
    },
    PAGE_MS,
  );

  it(
    'returns: the CSU downloads the template, sees every wrong row before anything is recorded, then records the month once',
    async () => {
      const { page, d } = await signIn(/^Sign in as Priya Shah/);
      await page.goto(`${web.url}/contracts/${CONTRACT}`);
      await d.press(section(page, 'Upload returns'));
      await expectAccessible(page, 'returns');
      await d.choose(page.getByLabel('Month the returns are for'), '2025/26 M5');
      await d.press(page.getByRole('button', { name: 'Choose month' }));
      const csvTemplate = await page.request.get(`${web.url}${(await page.getByRole('link', { name: 'Template for 2025/26 M5 (CSV)' }).getAttribute('href'))!}`);
      expect(csvTemplate.headers()['content-disposition']).toContain(`${CONTRACT}-2025-26-M05-returns.csv`);
      expect(await csvTemplate.text()).toBe('KPI,Month,Delivered on,Reference,Achieved %,Note,Reported on\r\nK1,2025-26-M05,,,,,\r\nK2,2025-26-M05,,,,,\r\nK3,2025-26-M05,,,,,\r\n');
      const xlsxTemplate = await page.request.get(`${web.url}${(await page.getByRole('link', { name: 'Template for 2025/26 M5 (Excel, XLSX)' }).getAttribute('href'))!}`);
      expect(xlsxTemplate.headers()['content-type']).toContain('spreadsheetml');

      const upload = async (name: string, buffer: Buffer) => {
        await page.getByLabel('The filled-in file').setInputFiles({ name, mimeType: name.endsWith('.csv') ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer });
        await d.press(page.getByRole('button', { name: 'Check and record' }));
      };
      const head = await system.headPosition();
      // The console's own checks: an unknown KPI and a date that does not exist, each on its row; nothing sent.
      await upload('august.csv', Buffer.from('KPI,Month,Delivered on,Reference,Achieved %,Note,Reported on\nK9,2025-26-M05,2025-09-12,,,,\nK2,2025-26-M05,31/09/2025,,,,\nK3,2025-26-M05,,,96,,2025-09-03\n'));
      const errors = page.locator('.nhsuk-error-summary');
      expect(await errors.textContent()).toContain('Nothing was recorded');
      expect(await errors.textContent()).toContain('Row 2: KPI K9 is not a KPI of this contract');
      expect(await errors.textContent()).toContain('Row 3: Delivered on 31/09/2025 must be a real date');
      expect(await page.locator('#line-4').textContent()).toContain('Correct, not recorded');
      await expectAccessible(page, 'returns with errors');
      // The service's own rules, row by row: a delivery for August dated in July; still nothing recorded.
      await upload('august.csv', Buffer.from('KPI,Month,Delivered on,Reference,Achieved %,Note,Reported on\nK1,2025-26-M05,2025-09-12,SLAM-2025-08,,,\nK2,2025-26-M05,2025-07-30,,,,\nK3,2025-26-M05,,,96,,2025-09-03\n'));
      expect(await errors.textContent()).toMatch(/Row 3: .*cannot be dated before 1 August 2025/);
      expect(await page.locator('#line-2').textContent()).toContain('Correct, not recorded');
      expect(await system.headPosition()).toBe(head);
      await screenshot(page, 'pages-returns-errors');

      // The XLSX template filled in: all three recorded together, once.
      const ExcelJS = (await import('exceljs')).default;
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.read(Readable.from([await xlsxTemplate.body()]));
      const sheet = wb.worksheets[0]!;
      sheet.getCell('C2').value = '2025-09-12';
      sheet.getCell('D2').value = 'SLAM-2025-08';
      sheet.getCell('C3').value = '10/09/2025';
      sheet.getCell('E4').value = '96';
      sheet.getCell('G4').value = '2025-09-03';
      const filled = Buffer.from(await wb.xlsx.writeBuffer());
      await upload('august.xlsx', filled);
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('3 rows from august.xlsx');
      expect(await page.locator('#outcome').textContent()).toMatch(/K1[\s\S]*Delivered on 12 September 2025 \(SLAM-2025-08\)[\s\S]*Recorded/);
      const after = await system.headPosition();
      expect(BigInt(after)).toBeGreaterThan(BigInt(head));
      await expectAccessible(page, 'returns recorded');
      await screenshot(page, 'pages-returns-recorded');
      await upload('august.xlsx', filled);
      expect(await page.locator('.nhsuk-notification-banner').textContent()).toContain('Uploading the same file again records nothing more');
      expect(await system.headPosition()).toBe(after);
      expect(await page.getByLabel('Month the returns are for').inputValue()).toBe('2025-26-M05');
      await page.goto(`${web.url}/contracts/${CONTRACT}`);
      expect(await page.locator('section', { hasText: 'K1 Monthly SLAM validation report by WD10' }).locator('tr', { hasText: '2025/26 M5' }).textContent()).toMatch(/12 September 2025[\s\S]*Met/);
    },
    PAGE_MS,
  );

  it(
    'settlement: CCG finance downloads Q1 as CSV and XLSX and asks what N would be if the board paper support were agreed at £2,000.00',
    async () => {
      const { page, d } = await signIn(/^Sign in as Tom Baker/);
      await page.goto(`${web.url}/contracts/${CONTRACT}`);
      await d.press(section(page, 'Settlements'));
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');
      const csv = await page.request.get(`${web.url}${(await page.getByRole('link', { name: 'Download the statement as CSV' }).getAttribute('href'))!}`);
      expect(csv.headers()['content-disposition']).toContain(`${CONTRACT}-2025-26-Q1-statement.csv`);
      expect(await csv.text()).toMatch(/Net payable[^\n]*417000\.00/);
      const xlsx = await page.request.get(`${web.url}${(await page.getByRole('link', { name: /Download the statement as an Excel workbook/ }).getAttribute('href'))!}`);
      expect(xlsx.headers()['content-type']).toContain('spreadsheetml');
      // X = £9,000.00 + £2,000.00: N = 400,000 − 16,000 + 24,000 + 11,000 = £419,000.00. Nothing is recorded.
      const head = await system.headPosition();
      await d.fill(page.getByLabel('Extra: Board paper drafting support'), '2,000.00');
      await d.press(page.getByRole('button', { name: 'Show the net payable' }));
      expect(await page.locator('#what-if-answer').textContent()).toMatch(/N would be £419,000\.00 \(£2,000\.00 more than now\)/);
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');
      expect(await system.headPosition()).toBe(head);
      await expectAccessible(page, 'settlement with a what-if');
      await screenshotOf(page.locator('#what-if'), 'pages-settlement-what-if');
    },
    PAGE_MS,
  );

  it(
    "history: the auditor downloads the timeline and compares Q1's settlement before and after a recovery was queried",
    async () => {
      const ccgUser = system.as('ccg', '08J', 'fin-08j-1', 'Tom Baker');
      const challenges = (await system.get<{ items: { challengeId: string; category: string; status: string }[] }>(ccgUser, `/contracts/${CONTRACT}/challenges`)).body.items;
      const readmissions = challenges.find((x) => x.category === 'emergency-readmission-30d')!;
      // The first moment, to the second, read on a clock in England as the auditor types it.
      const before = new Date(Math.floor(Date.now() / 1000) * 1000);
      const london = Object.fromEntries(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
          .formatToParts(before)
          .map((p) => [p.type, p.value]),
      );
      const q1Before = (await system.get<{ netPayablePence: number }>(ccgUser, `/contracts/${CONTRACT}/settlements/2025-26-Q1`)).body.netPayablePence;
      expect(q1Before).toBe(41_700_000);
      if (readmissions.status === 'resolved') {
        expect((await system.post(ccgUser, `/challenges/${readmissions.challengeId}/query`, { businessDate: '2025-07-28', reason: 'Credit note not seen' })).status).toBe(200);
      }

      const { page, d } = await signIn(/^Sign in as Ada Okafor/);
      await page.goto(`${web.url}/contracts/${CONTRACT}/history`);
      const csv = await page.request.get(`${web.url}${(await page.getByRole('link', { name: /Download this timeline \(CSV\)/ }).getAttribute('href'))!}`);
      expect(csv.headers()['content-disposition']).toContain(`${CONTRACT}-history.csv`);
      const text = await csv.text();
      expect(text.split('\r\n')[0]).toBe('Position,Recorded at,Business date,Event,What happened,Who,Role,Organisation,Event id,Correlation id');
      expect(text).toContain('Recovery queried by CCG finance: Credit note not seen');
      expect(text).toMatch(/SettlementApproved|ContractAgreed/);

      await d.open(page.locator('summary', { hasText: "Compare a quarter's settlement at two moments" }));
      await d.choose(page.getByLabel('Quarter'), '2025/26 Q1');
      await dateIn(d, page, 'First moment (recorded date)', [london.day!, london.month!, london.year!]);
      await d.fill(page.getByLabel("First moment's time (UK time)"), `${london.hour}:${london.minute}:${london.second}`);
      await d.press(page.getByRole('button', { name: 'Compare' }));
      expect(new URL(page.url()).pathname).toBe(`/contracts/${CONTRACT}/settlements/2025-26-Q1/changes`);
      await expectAccessible(page, 'settlement changes');
      // V falls by the £80,000.00 queried: G from £24,000.00 to £8,000.00, N from £417,000.00 to £401,000.00.
      expect(await page.locator('tr', { hasText: 'Net payable (N)' }).first().textContent()).toMatch(/£417,000\.00[\s\S]*£401,000\.00/);
      expect(await page.locator('main').textContent()).toMatch(/Credit note not seen|RecoveryQueried|queried/i);
      await screenshot(page, 'pages-settlement-changes');

      // A moment that does not exist comes back to the history page on its field.
      await page.goto(`${web.url}/contracts/${CONTRACT}/history`);
      await d.open(page.locator('summary', { hasText: "Compare a quarter's settlement at two moments" }));
      await d.choose(page.getByLabel('Quarter'), '2025/26 Q1');
      await dateIn(d, page, 'First moment (recorded date)', ['31', '2', '2025']);
      await d.press(page.getByRole('button', { name: 'Compare' }));
      expect(await page.locator('.nhsuk-error-summary').getByRole('link').first().getAttribute('href')).toBe('#from-day');
      await expectAccessible(page, 'history with a compare error');
      await screenshot(page, 'pages-history');
    },
    PAGE_MS,
  );
});
