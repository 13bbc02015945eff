// Real Chromium for the console's browser tests: Debian's `chromium` package driven by playwright-core (never a
// browser download; .ci/run installs the package when it is missing). Where there is no browser the suite says so
// and what it needs; under CI that is a failure, never a quiet pass.
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.LEDGER_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when they can. */
export const browserMissing = (): string | undefined =>
  existsSync(CHROMIUM)
    ? undefined
    : `no Chromium at ${CHROMIUM}: the console's browser tests need Debian's chromium package (apt-get install -y chromium; .ci/run does this) or LEDGER_CHROMIUM=<path to a Chromium binary>`;

export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
/** Screenshots of each journey's main pages (git-ignored). */
export const RESULTS = resolve(root, 'test-results/console');

export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: resolve(RESULTS, `${name}.png`), fullPage: true });
};

/** One part of a page, e.g. one KPI's chart and month grid. */
export const screenshotOf = async (part: Locator, name: string): Promise<void> => {
  mkdirSync(RESULTS, { recursive: true });
  await part.screenshot({ path: resolve(RESULTS, `${name}.png`) });
};

/** axe on the page as it is: no serious or critical violation (issue 11). */
export const expectAccessible = async (page: Page, where: string): Promise<void> => {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  ')}`).join('\n');
  expect(report, `accessibility of ${where}`).toBe('');
};

/**
 * How a user works the page: with a pointer (click, fill), or with the keyboard alone (Tab to each control, type,
 * arrows for choices, Enter or Space to press). A journey written against this runs both ways.
 */
export interface Driver {
  mode: 'pointer' | 'keyboard';
  fill(field: Locator, value: string): Promise<void>;
  choose(select: Locator, optionText: string): Promise<void>;
  radio(radio: Locator): Promise<void>;
  /** Open a details element by its summary. */
  open(summary: Locator): Promise<void>;
  /** Press a button or follow a link, and wait for the page that follows. */
  press(control: Locator): Promise<void>;
}

export const pointer = (page: Page): Driver => ({
  mode: 'pointer',
  fill: (f, v) => f.fill(v),
  choose: async (s, text) => void (await s.selectOption({ label: text })),
  radio: (r) => r.check(),
  open: (s) => s.click(),
  press: async (c) => {
    await Promise.all([page.waitForEvent('load'), c.click()]);
  },
});

export const keyboard = (page: Page): Driver => {
  /** Tab until this control has the focus (as a keyboard user would), failing if it never does. */
  const tabTo = async (target: Locator): Promise<void> => {
    const handle = await target.elementHandle();
    if (!handle) throw new Error('no such control on the page');
    for (let i = 0; i < 600; i++) {
      if (await handle.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${String(target)} with the Tab key`);
  };
  return {
    mode: 'keyboard',
    fill: async (f, v) => {
      await tabTo(f);
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Backspace');
      await page.keyboard.type(v);
    },
    choose: async (s, text) => {
      await tabTo(s);
      const wanted = await s.locator('option', { hasText: text }).first().getAttribute('value');
      await page.keyboard.press('Home');
      for (let i = 0; i < 100 && (await s.inputValue()) !== wanted; i++) await page.keyboard.press('ArrowDown');
      expect(await s.inputValue()).toBe(wanted);
    },
    radio: async (r) => {
      // Tab enters a group at its checked radio, or its first: then the arrows move (and check).
      const name = await r.getAttribute('name');
      const group = r.locator('xpath=ancestor::form').locator(`input[type=radio][name="${name}"]`);
      const checked = group.locator(':scope:checked');
      await tabTo((await checked.count()) > 0 ? checked.first() : group.first());
      for (let i = 0; i < 20 && !(await r.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)); i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
      expect(await r.isChecked()).toBe(true);
    },
    open: async (s) => {
      await tabTo(s);
      await page.keyboard.press('Enter');
    },
    press: async (c) => {
      await tabTo(c);
      await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    },
  };
};
