// The closing line of a test run, from vitest's JSON report. A suite that never ran its tests (its beforeAll failed,
// it could not be imported) counts as failed: vitest reports its tests as skipped, so counting tests alone once
// printed `1673 passed, 0 failed, 72 skipped` for a run that had failed.
import { relative } from 'node:path';

export interface Report {
  success?: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { status: string; fullName: string }[];
  }[];
}

export interface Summary {
  /** What to print before the closing line: skipped tests with where their reasons are, suites that failed. */
  details: string[];
  /** `N passed, N failed, N skipped`, with the failed suites counted in. */
  closing: string;
  /** The run's exit status: non-zero whenever anything failed, whatever vitest's own status. */
  status: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const summarise = (report: Report | undefined, vitestStatus: number | null, root = process.cwd()): Summary => {
  if (!report) {
    return {
      details: [],
      closing: `no test report was written: vitest did not run to the end (exit status ${vitestStatus ?? 'none'})`,
      status: vitestStatus || 1,
    };
  }
  const file = (name: string) => relative(root, name) || name;
  const failedFiles = report.testResults.filter((f) => f.status === 'failed');
  // A failed file none of whose tests failed: it failed outside its tests, in a hook or on import.
  const brokenSuites = failedFiles.filter((f) => !f.assertionResults.some((a) => a.status === 'failed'));
  const notRun = brokenSuites.filter((f) => !f.assertionResults.some((a) => a.status === 'passed'));
  const failedAfterRunning = brokenSuites.length - notRun.length;
  const notRunNames = new Set(notRun.map((f) => f.name));

  const skipped = report.testResults
    .filter((f) => !notRunNames.has(f.name))
    .flatMap((f) =>
      f.assertionResults
        .filter((a) => a.status === 'pending' || a.status === 'skipped' || a.status === 'todo')
        .map((a) => `${file(f.name)}: ${a.fullName}`),
    );
  const details: string[] = [];
  if (skipped.length > 0) {
    details.push(`Skipped (each suite printed why above):\n${skipped.map((s) => `  - ${s}`).join('\n')}`);
  }
  if (brokenSuites.length > 0) {
    const lines = brokenSuites.map((f) => {
      const what = !notRunNames.has(f.name)
        ? 'failed outside its tests'
        : f.assertionResults.length === 0
          ? 'did not run (no test collected)'
          : `did not run (${plural(f.assertionResults.length, 'test', 'tests')} not run)`;
      const why = (f.message ?? '').split('\n')[0]?.trim();
      return `  - ${file(f.name)}: ${what}${why ? `: ${why}` : ''}`;
    });
    details.push(`Suites that failed outside their tests:\n${lines.join('\n')}`);
  }

  const failed = report.numFailedTests + brokenSuites.length;
  const including = [
    notRun.length > 0 ? plural(notRun.length, 'suite that did not run', 'suites that did not run') : '',
    failedAfterRunning > 0
      ? plural(failedAfterRunning, 'suite that failed in a hook', 'suites that failed in a hook')
      : '',
  ].filter(Boolean);
  const notRunTests = notRun.reduce((n, f) => n + f.assertionResults.length, 0);
  let closing =
    `${report.numPassedTests} passed, ${failed} failed` +
    (including.length > 0 ? ` (incl. ${including.join(', ')})` : '') +
    `, ${skipped.length} skipped`;
  if (notRunTests > 0) closing += `, ${notRunTests} not run`;
  const anyFailure = failed > 0 || report.success === false || (vitestStatus ?? 1) !== 0;
  if (anyFailure && failed === 0) {
    closing += `; the run failed (vitest exit status ${vitestStatus ?? 'none'}: errors outside any test, see above)`;
  }
  return { details, closing, status: anyFailure ? vitestStatus || 1 : 0 };
};
