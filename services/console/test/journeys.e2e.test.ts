// Each user's main journey through the web console, end to end, in real Chromium against the real services on the
// embedded store (three processes: command, query, console). The demo data is DOMAIN.md's worked example without
// K2's finance pack for M3, so Q1 first stands at £405,000.00 (K2 2/3 on time: s = 0; S = 0.3; W = £28,000.00;
// N = 400,000 - 28,000 + 24,000 + 9,000) and becomes the worked example's £417,000.00 (S = 0.6, W = £16,000.00)
// once the CSU records that delivery, which it does while CCG finance has the statement open.
// Every page visited is checked with axe (no serious or critical violations); the journeys run twice, with a
// pointer and with the keyboard alone. Screenshots of the main pages go to test-results/console/.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadDemo, startConsole, stopService, workedExample, type RunningService } from '@csu-ledger/cli';
import { startSystem, type System } from '../../../test/support/system.ts';
import { browserMissing, expectAccessible, keyboard, launch, pointer, screenshot, screenshotOf, type Driver } from './browser.ts';

const missing = browserMissing();
if (missing) console.warn(`\nconsole browser tests: ${missing}\n`);

const CONTRACT = 'KIN-0AX-2025';
/** A journey with axe on every page, on a shared 2-core machine (the keyboard run presses Tab a great deal). */
const JOURNEY_MS = 300_000;
const withoutK2M3 = workedExample.filter((r) => !(r.path.endsWith('/deliveries') && r.body.kpiId === 'K2' && r.body.month === '2025-26-M03'));

// Under CI a missing browser is a failure, never a skip that looks like a pass.
if (missing !== undefined && process.env.CI) {
  describe('console browser tests in CI', () => {
    it('have Chromium', () => expect.fail(missing));
  });
}

for (const mode of ['pointer', 'keyboard'] as const) {
  describe.skipIf(missing !== undefined)(`console journeys (${mode})`, () => {
    let system: System;
    let web: RunningService;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    let csu: Page;

    beforeAll(async () => {
      system = await startSystem(`console-${mode}`);
      await loadDemo(system.commandUrl(), system.secret, withoutK2M3);
      web = await startConsole({ dataDir: system.dataDir, consolePort: 0, env: { LEDGER_LOG_LEVEL: 'warn' } }, system.running);
      browser = await launch();
    }, 120_000);
    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser?.close();
      if (web) await stopService(web);
      await system?.stop();
    });

    // A failed step leaves a picture of where it stood.
    let current: Page | undefined;
    afterEach(async (ctx) => {
      if (ctx.task.result?.state === 'fail' && current) await screenshot(current, `${mode}-failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
    });

    const visit = async (page: Page, path: string, name: string) => {
      await page.goto(`${web.url}${path}`);
      await expectAccessible(page, `${name} (${mode})`);
    };
    const newUser = async (who: RegExp): Promise<{ page: Page; d: Driver }> => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      current = page;
      const d = mode === 'pointer' ? pointer(page) : keyboard(page);
      await page.goto(`${web.url}/`);
      expect(new URL(page.url()).pathname).toBe('/sign-in'); // not signed in: sent to sign in
      await expectAccessible(page, `sign-in (${mode})`);
      await d.press(page.getByRole('button', { name: who }));
      expect(new URL(page.url()).pathname).toBe('/');
      await expectAccessible(page, `home (${mode})`);
      return { page, d };
    };
    const dateIn = async (d: Driver, page: Page, formId: string, legend: string, [day, month, year]: [string, string, string]) => {
      const group = page.locator(`#${formId}`).getByRole('group', { name: legend });
      await d.fill(group.getByLabel('Day'), day);
      await d.fill(group.getByLabel('Month'), month);
      await d.fill(group.getByLabel('Year'), year);
    };
    const recordDelivery = async (d: Driver, page: Page, kpi: string, month: string, on: [string, string, string], reference?: string) => {
      const form = page.locator('#record-delivery-form');
      if (!(await form.isVisible())) await d.open(page.locator('summary', { hasText: 'Record a delivery' }));
      await d.choose(form.getByLabel('KPI'), kpi);
      await d.choose(form.getByLabel('Month delivered for'), month);
      await dateIn(d, page, 'record-delivery-form', 'Delivered on', on);
      if (reference) await d.fill(form.getByLabel('Reference (optional)'), reference);
      await d.press(form.getByRole('button', { name: 'Record delivery' }));
    };

    it('the CSU account manager records a month of deliveries and raises an extra', async () => {
      const { page, d } = await newUser(/^Sign in as Priya Shah/);
      csu = page;
      await expect.poll(() => page.getByRole('link', { name: CONTRACT }).count()).toBeGreaterThan(0);
      await d.press(page.getByRole('link', { name: CONTRACT }).first());
      await expectAccessible(page, `contract (${mode})`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Contract ${CONTRACT}`);

      // A date that does not exist comes back as the design system's error summary, the field highlighted.
      await recordDelivery(d, page, 'K1 Monthly SLAM validation report by WD10', '2025/26 M4', ['31', '2', '2025']);
      const summary = page.locator('.nhsuk-error-summary');
      await expect.poll(() => summary.textContent()).toContain('Delivered on must be a real date');
      expect(await summary.getByRole('link').first().getAttribute('href')).toBe('#record-delivery-deliveredOn-day');
      expect(await page.locator('#record-delivery-deliveredOn-day').getAttribute('class')).toContain('nhsuk-input--error');
      expect(await page.title()).toMatch(/^Error: /);
      await expectAccessible(page, `contract with an error (${mode})`);

      // M4 (July 2025): K1 due WD10 of August = 14 August, K2 due WD8 = 12 August; both delivered on time.
      await recordDelivery(d, page, 'K1 Monthly SLAM validation report by WD10', '2025/26 M4', ['13', '8', '2025'], 'SLAM-2025-07');
      await expect.poll(() => page.locator('.nhsuk-notification-banner').textContent()).toContain('Delivery recorded');
      await recordDelivery(d, page, 'K2 Monthly finance pack by WD8', '2025/26 M4', ['12', '8', '2025'], 'FIN-2025-07');
      await expect.poll(() => page.locator('.nhsuk-notification-banner').textContent()).toContain('Delivery recorded');
      const k1 = page.locator('section', { hasText: 'K1 Monthly SLAM validation report by WD10' }).locator('tr', { hasText: '2025/26 M4' });
      expect(await k1.textContent()).toMatch(/14 August 2025[\s\S]*13 August 2025[\s\S]*Met/);
      const k2 = page.locator('section', { hasText: 'K2 Monthly finance pack by WD8' }).locator('tr', { hasText: '2025/26 M4' });
      expect(await k2.textContent()).toMatch(/12 August 2025[\s\S]*12 August 2025[\s\S]*Met/);
      await expectAccessible(page, `contract after deliveries (${mode})`);
      await screenshot(page, `${mode}-csu-contract`);
      await screenshotOf(page.locator('section', { hasText: 'K1 Monthly SLAM validation report by WD10' }), `${mode}-csu-k1-grid`);

      await d.press(page.getByRole('navigation', { name: 'Contract sections' }).getByRole('link', { name: 'Extras' }));
      await expectAccessible(page, `extras (${mode})`);
      await d.open(page.locator('summary', { hasText: 'Raise an extra' }));
      const raise = page.locator('#raise-extra-form');
      await d.fill(raise.getByLabel('Amount'), '2,750.00');
      await d.fill(raise.getByLabel('What the work was'), 'Activity analysis for the urgent care review');
      await d.fill(raise.getByLabel('Service line'), 'business-intelligence');
      await d.fill(raise.getByLabel('Who at the CCG asked for it'), 'Head of Urgent Care, Kingston CCG');
      await dateIn(d, page, 'raise-extra-form', 'Date raised', ['1', '9', '2025']);
      await d.press(raise.getByRole('button', { name: 'Raise extra' }));
      await expect.poll(() => page.locator('.nhsuk-notification-banner').textContent()).toContain('Amount £2,750.00');
      const card = page.locator('section.nhsuk-card', { hasText: 'Activity analysis for the urgent care review' });
      expect(await card.textContent()).toMatch(/Awaiting the CCG[\s\S]*£2,750\.00/);
      await expectAccessible(page, `extras after raising (${mode})`);
      await screenshot(page, `${mode}-csu-extras`);

      await visit(page, `/contracts/${CONTRACT}/challenges`, 'challenges');
      expect(await page.locator('summary', { hasText: 'Raise a challenge' }).count()).toBe(1);
    }, JOURNEY_MS);

    it('CCG finance disputes the extra, then approves Q1 at £417,000.00 after a stale figure is refused', async () => {
      const { page, d } = await newUser(/^Sign in as Tom Baker/);
      // Home: what needs the CCG now.
      expect(await page.locator('table', { hasText: 'Extras awaiting the CCG' }).textContent()).toContain('£2,750.00');
      expect(await page.locator('table', { hasText: 'Quarters awaiting approval' }).textContent()).toContain('£405,000.00');

      await d.press(page.locator('table', { hasText: 'Extras awaiting the CCG' }).getByRole('link', { name: CONTRACT }));
      await expectAccessible(page, `extras as the CCG (${mode})`);
      const card = page.locator('section.nhsuk-card', { hasText: 'Activity analysis for the urgent care review' });
      await d.open(card.locator('summary', { hasText: 'Dispute' }));
      const dispute = card.locator('form', { has: page.getByRole('button', { name: 'Dispute extra' }) });
      await d.radio(dispute.getByLabel('Covered by the core offer'));
      await d.fill(dispute.getByLabel('Details (optional)'), 'Ad hoc analysis is in the BI core offer');
      const formId = (await dispute.getAttribute('id'))!;
      await dateIn(d, page, formId, 'Date disputed', ['3', '9', '2025']);
      await d.press(dispute.getByRole('button', { name: 'Dispute extra' }));
      await expect.poll(() => page.locator('.nhsuk-notification-banner').textContent()).toContain('Extra disputed');
      expect(await page.locator('section.nhsuk-card', { hasText: 'Activity analysis for the urgent care review' }).textContent()).toMatch(/Disputed[\s\S]*Covered by the core offer/);

      // The statement of Q1 as it stands: £405,000.00, with the approval form showing that figure.
      await d.press(page.getByRole('navigation', { name: 'Contract sections' }).getByRole('link', { name: 'Settlements' }));
      await expectAccessible(page, `settlement (${mode})`);
      expect(await page.locator('#net-payable').textContent()).toBe('£405,000.00');
      const approve = page.getByRole('button', { name: 'Approve £405,000.00 for 2025/26 Q1' });
      expect(await approve.count()).toBe(1);

      // Meanwhile the CSU records K2's finance pack for M3, delivered on time on 9 July 2025: Q1 becomes £417,000.00.
      await csu.goto(`${web.url}/contracts/${CONTRACT}`);
      await recordDelivery(mode === 'pointer' ? pointer(csu) : keyboard(csu), csu, 'K2 Monthly finance pack by WD8', '2025/26 M3', ['9', '7', '2025'], 'FIN-2025-06');
      await expect.poll(() => csu.locator('.nhsuk-notification-banner').textContent()).toContain('Delivery recorded');

      // The approval of the figure the CCG saw is refused; the page shows the new figure and asks again.
      await d.press(approve);
      await expect.poll(() => page.locator('#stale-figure').textContent()).toMatch(/You tried to approve £405,000\.00[\s\S]*now £417,000\.00/);
      expect(await page.locator('.nhsuk-error-summary').textContent()).toContain('The net payable has changed');
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');
      await expectAccessible(page, `settlement after a stale approval (${mode})`);
      await screenshot(page, `${mode}-ccg-stale-approval`);

      await d.press(page.getByRole('button', { name: 'Approve £417,000.00 for 2025/26 Q1' }));
      await expect.poll(() => page.locator('.nhsuk-notification-banner').textContent()).toContain('You approved £417,000.00 for 2025/26 Q1');
      expect(await page.locator('main').textContent()).toMatch(/Approved on/);
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');
      expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
      await expectAccessible(page, `settlement approved (${mode})`);
      await screenshot(page, `${mode}-ccg-settlement`);

      await d.press(page.getByRole('link', { name: 'Support spend' }));
      await expectAccessible(page, `support spend (${mode})`);
      expect(await page.locator('table', { hasText: 'Each financial year' }).textContent()).toContain('£25.00');
    }, JOURNEY_MS);

    it('the auditor opens Q1 as at just before the approval and runs the integrity check', async () => {
      const { page, d } = await newUser(/^Sign in as Ada Okafor/);
      await d.press(page.getByRole('link', { name: CONTRACT }).first());
      await d.press(page.getByRole('navigation', { name: 'Contract sections' }).getByRole('link', { name: 'History' }));
      await expectAccessible(page, `history (${mode})`);
      expect(await page.locator('#integrity').textContent()).toContain('Intact');
      await screenshot(page, `${mode}-auditor-history`);

      // As at just before the approval: Q1 was open at £417,000.00.
      await d.press(page.getByRole('link', { name: '2025/26 Q1 as recorded just before this' }));
      await expectAccessible(page, `settlement as at (${mode})`);
      expect(await page.locator('#time-travel-notice').textContent()).toContain('as the ledger had recorded it at');
      expect(await page.locator('main').textContent()).toMatch(/Open[\s\S]*Not yet approved at the moment shown/);
      expect(await page.locator('#net-payable').textContent()).toBe('£417,000.00');
      expect(await page.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
      await screenshot(page, `${mode}-auditor-q1-before-approval`);

      // The pickers: only what had happened by 30 June 2025 (K1's M3 report of 10 July is not there yet).
      await page.goto(`${web.url}/contracts/${CONTRACT}/history`);
      await d.open(page.locator('summary', { hasText: 'Look at the contract in the past' }));
      const asOf = page.getByRole('group', { name: 'What had happened by (business date)' });
      await d.fill(asOf.getByLabel('Day'), '30');
      await d.fill(asOf.getByLabel('Month'), '6');
      await d.fill(asOf.getByLabel('Year'), '2025');
      await d.press(page.getByRole('button', { name: 'Show the contract then' }));
      expect(new URL(page.url()).searchParams.get('asOf')).toBe('2025-06-30');
      const events = (await page.locator('table', { hasText: 'What happened' }).textContent()) ?? '';
      expect(events).toContain('K1 for 2025/26 M2 delivered on 10 June 2025');
      expect(events).not.toContain('10 July 2025');
      await expectAccessible(page, `history as of (${mode})`);

      // Check the whole log again.
      await page.goto(`${web.url}/contracts/${CONTRACT}/history`);
      const before = await page.locator('#integrity').textContent();
      await d.press(page.getByRole('button', { name: 'Check integrity again' }));
      const after = (await page.locator('#integrity').textContent()) ?? '';
      expect(after).toContain('Intact');
      expect(after).not.toBe(before);
      await visit(page, '/organisations/08J', 'support spend as auditor');
    }, JOURNEY_MS);
  });
}
