// Runs every test tier and ends with the plain closing line CI reads ("N passed, N failed, N skipped"), after
// listing every skipped test with the reason its suite printed. Exit status is vitest's.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const out = '.test-results.json';
rmSync(out, { force: true });
const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const run = spawnSync('pnpm', args, { stdio: 'inherit' });

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; assertionResults: { status: string; fullName: string }[] }[];
}
let report: Report | undefined;
try {
  report = JSON.parse(readFileSync(out, 'utf8')) as Report;
} catch {
  console.error('no test report was written: vitest did not run to the end');
}
if (report) {
  const skipped = report.testResults.flatMap((f) =>
    f.assertionResults.filter((a) => a.status === 'pending' || a.status === 'skipped').map((a) => `${f.name}: ${a.fullName}`),
  );
  if (skipped.length > 0) {
    console.log(`\nSkipped (each suite printed why above):\n${skipped.map((s) => `  - ${s}`).join('\n')}`);
  }
  console.log(
    `\n${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
  );
}
process.exit(run.status ?? 1);
