// Issue 9, item 6: the closing line of `pnpm test` counts suites that did not run as failed. It used to count tests
// only, and vitest reports the tests of a suite whose beforeAll failed as skipped: a run whose PostgreSQL suites all
// timed out closed with `1673 passed, 0 failed, 72 skipped`. The report here was recorded from vitest on
// test/fixtures/broken-run (a passing file, a failing test, a failing beforeAll, a file that cannot be loaded).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarise, type Report } from '../../scripts/test-summary.ts';

const recorded = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/broken-run/report.json'), 'utf8'),
) as Report;
const file = (
  name: string,
  status: string,
  tests: [string, string][],
  message = '',
): Report['testResults'][number] => ({
  name: `/repo/${name}`,
  status,
  message,
  assertionResults: tests.map(([fullName, s]) => ({ fullName, status: s })),
});
const report = (files: Report['testResults']): Report => {
  const all = files.flatMap((f) => f.assertionResults);
  const count = (s: string) => all.filter((a) => a.status === s).length;
  return {
    success: !files.some((f) => f.status === 'failed'),
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: count('todo'),
    testResults: files,
  };
};

describe('the closing line of a test run', () => {
  it('counts suites that did not run as failed, and says so', () => {
    const summary = summarise(recorded, 1, '/repo');
    expect(summary.closing).toBe('3 passed, 3 failed (incl. 2 suites that did not run), 1 skipped, 2 not run');
    expect(summary.status).not.toBe(0);
    const details = summary.details.join('\n');
    expect(details).toContain('failing-hook.fixture.ts: did not run (2 tests not run): the server could not start');
    expect(details).toContain('import-error.fixture.ts: did not run (no test collected): this module cannot be loaded');
    // Only the test skipped on purpose is listed as skipped: the others never had the chance to run.
    expect(details).toContain('passing.fixture.ts: is skipped on purpose');
    expect(details).not.toContain('would pass');
  });

  it('fails the run when a suite did not run even where vitest itself exited 0', () => {
    const summary = summarise(
      report([
        file('a.int.test.ts', 'passed', [['works', 'passed']]),
        file(
          'pg.int.test.ts',
          'failed',
          [
            ['x', 'skipped'],
            ['y', 'skipped'],
          ],
          'Hook timed out in 120000ms',
        ),
      ]),
      0,
      '/repo',
    );
    expect(summary.closing).toBe('1 passed, 1 failed (incl. 1 suite that did not run), 0 skipped, 2 not run');
    expect(summary.status).toBe(1);
  });

  it('counts a suite whose tests passed but whose afterAll failed', () => {
    const summary = summarise(
      report([file('b.int.test.ts', 'failed', [['works', 'passed']], 'afterAll: server would not stop')]),
      1,
      '/repo',
    );
    expect(summary.closing).toBe('1 passed, 1 failed (incl. 1 suite that failed in a hook), 0 skipped');
    expect(summary.details.join('\n')).toContain(
      'b.int.test.ts: failed outside its tests: afterAll: server would not stop',
    );
  });

  it('says the run failed when vitest failed outside any test (an unhandled error)', () => {
    const summary = summarise(report([file('c.unit.test.ts', 'passed', [['works', 'passed']])]), 1, '/repo');
    expect(summary.closing).toMatch(/^1 passed, 0 failed, 0 skipped; the run failed \(vitest exit status 1/);
    expect(summary.status).toBe(1);
  });

  it('fails when no report was written', () => {
    expect(summarise(undefined, 0).status).not.toBe(0);
    expect(summarise(undefined, 0).closing).toMatch(/no test report was written/);
  });

  it('passes a clean run, listing what was skipped on purpose', () => {
    const summary = summarise(
      report([
        file('d.int.test.ts', 'passed', [
          ['works', 'passed'],
          ['needs a container engine', 'skipped'],
        ]),
      ]),
      0,
      '/repo',
    );
    expect(summary).toEqual({
      details: ['Skipped (each suite printed why above):\n  - d.int.test.ts: needs a container engine'],
      closing: '1 passed, 0 failed, 1 skipped',
      status: 0,
    });
  });
});
