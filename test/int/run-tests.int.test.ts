// Issue 9, item 6: `pnpm test`'s runner (scripts/run-tests.ts) on a real vitest run of suites that fail in every way
// a suite can (test/fixtures/broken-run): the closing line counts the suites that did not run, and the exit status
// is non-zero.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

it('closes a run whose suites did not run with them counted as failed, and exits non-zero', () => {
  const folder = mkdtempSync(join(tmpdir(), 'csu-ledger-run-tests-'));
  try {
    // A clean environment for the nested vitest: none of this worker's VITEST_* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
    const run = spawnSync(
      process.execPath,
      ['scripts/run-tests.ts', '--config', 'test/fixtures/broken-run/vitest.config.ts'],
      { cwd: root, env: { ...env, LEDGER_TEST_REPORT: join(folder, 'report.json') }, encoding: 'utf8' },
    );
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1), run.stdout + run.stderr).toBe(
      '3 passed, 3 failed (incl. 2 suites that did not run), 1 skipped, 2 not run',
    );
    expect(run.status).not.toBe(0);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 60_000);
