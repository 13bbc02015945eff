// Issue 9, item 6: the domain stays pure (STYLE.md: no I/O, no clock, no process.env). ESLint, with the repository's
// own config, must refuse in packages/domain/src every way of reaching the clock, chance, the host's settings or the
// environment that the first rules missed, and still allow what calendar.ts rightly does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const domainFile = join(root, 'packages/domain/src/lint-fixture.ts');
const domainRules = new Set(['no-restricted-imports', 'no-restricted-globals', 'no-restricted-syntax']);

let eslint: ESLint;
beforeAll(() => {
  // The fixtures exist only as text, so no TypeScript program can hold them: the type-aware rules are switched off
  // for them; the purity rules need no types.
  eslint = new ESLint({ cwd: root, overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });
});
const purityErrors = async (code: string, filePath = domainFile) => {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2 && m.ruleId !== null && domainRules.has(m.ruleId));
};

describe('the domain lint', () => {
  const refused: [string, string][] = [
    ['node:crypto', "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;"],
    ['crypto', "import { createHash } from 'crypto';\nexport const hash = createHash;"],
    ['node:perf_hooks', "import { performance } from 'node:perf_hooks';\nexport const p = performance;"],
    ['node:timers/promises', "import { setTimeout } from 'node:timers/promises';\nexport const wait = setTimeout;"],
    ['global crypto', 'export const id = (): string => crypto.randomUUID();'],
    ['performance', 'export const t = (): number => performance.now();'],
    ['globalThis.process', 'export const env = (): unknown => globalThis.process.env;'],
    ["globalThis['process']", "export const env = (): unknown => globalThis['process'];"],
    ['global.process', 'export const env = (): unknown => global.process;'],
    ['a bare Date()', 'export const today = (): string => Date();'],
    ['Date() with an argument, which it ignores', 'export const today = (): string => Date(0 as never);'],
    ['Intl.DateTimeFormat() without arguments', 'export const f = (): string => Intl.DateTimeFormat().format(0);'],
    ['new Intl.DateTimeFormat() without arguments', 'export const f = new Intl.DateTimeFormat();'],
    ['Intl.DateTimeFormat with a locale but no time zone', "export const f = new Intl.DateTimeFormat('en-GB');"],
    ['setTimeout', 'export const later = (f: () => void): unknown => setTimeout(f, 1);'],
    ['setInterval', 'export const every = (f: () => void): unknown => setInterval(f, 1);'],
    ['setImmediate', 'export const soon = (f: () => void): unknown => setImmediate(f);'],
    ['queueMicrotask', 'export const soon = (f: () => void): void => queueMicrotask(f);'],
    ['new Date()', 'export const now = (): Date => new Date();'],
    ['Date.now()', 'export const now = (): number => Date.now();'],
    ['Math.random()', 'export const r = (): number => Math.random();'],
    ['process.env', 'export const env = (): unknown => process.env;'],
    ["a dynamic import('node:fs')", "export const load = (): Promise<unknown> => import('node:fs');"],
    ['a local-time getter', 'export const hour = (d: Date): number => d.getHours();'],
    ['toLocaleDateString', 'export const shown = (d: Date): string => d.toLocaleDateString();'],
  ];
  it.each(refused)('refuses %s', async (_, code) => {
    expect(await purityErrors(code)).not.toEqual([]);
  });

  const allowed: [string, string][] = [
    [
      "Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', … })",
      "export const f = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric' });",
    ],
    [
      'new Date(0) and UTC arithmetic',
      'export const day = (y: number): number => new Date(0).setUTCFullYear(y, 0, 1);',
    ],
    ['toISOString of a given instant', 'export const iso = (ms: number): string => new Date(ms).toISOString();'],
    ['Date.UTC', 'export const ms = Date.UTC(2025, 3, 1);'],
  ];
  it.each(allowed)('allows %s', async (_, code) => {
    expect(await purityErrors(code)).toEqual([]);
  });

  it("allows calendar.ts as it stands (England's date from Intl.DateTimeFormat with a time zone, new Date(0))", async () => {
    const path = join(root, 'packages/domain/src/calendar.ts');
    expect(await purityErrors(readFileSync(path, 'utf8'), path)).toEqual([]);
  });

  it('applies to the domain only: a service may read the clock', async () => {
    const code = 'export const t = (): number => performance.now() + Date.now();';
    expect(await purityErrors(code, join(root, 'services/cli/src/lint-fixture.ts'))).toEqual([]);
  });
});
