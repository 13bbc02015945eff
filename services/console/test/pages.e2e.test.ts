// The console's finance and audit pages in real Chromium against the real services on the embedded store, loaded
// with DOMAIN.md's worked example (Q1 settles at N = £417,000.00): the break-clause calculator, CCG finance's
// reconciliation, invoices and payment performance, the CSU's returns upload, and the auditor's extras on the
// history page. Each page is checked with axe (no serious or critical violation); its forms are worked with the
// keyboard alone; a screenshot of each goes to test-results/console/.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadDemo, startConsole, stopService, workedExample, type RunningService } from '@csu-ledger/cli';
import { startSystem, type System } from '../../../test/support/system.ts';
import { browserMissing, expectAccessible, keyboard, launch, screenshot, type Driver } from './browser.ts';

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
    if (ctx.task.result?.state === 'fail' && current) await screenshot(current, `pages-failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
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
  const dateIn = async (d: Driver, page: Page, legend: string, [day, month, year]: [string, string, string]) => {
    const group = page.getByRole('group', { name: legend });
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
});
