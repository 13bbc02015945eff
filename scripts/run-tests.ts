// Runs every test tier and ends with the plain closing line CI reads ("N passed, N failed, N skipped"), after
// listing every skipped test with the reason its suite printed, and every suite that failed outside its tests.
// Exit status: non-zero whenever anything failed (scripts/test-summary.ts), even where vitest's own was 0.
// LEDGER_TEST_REPORT: where vitest's JSON report goes (default .test-results.json).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { summarise, type Report } from './test-summary.ts';

const out = process.env.LEDGER_TEST_REPORT ?? '.test-results.json';
rmSync(out, { force: true });
const args = [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
];
const run = spawnSync('pnpm', args, { stdio: 'inherit' });

let report: Report | undefined;
try {
  report = JSON.parse(readFileSync(out, 'utf8')) as Report;
} catch {
  report = undefined;
}
const summary = summarise(report, run.status);
for (const block of summary.details) console.log(`\n${block}`);
console.log(`\n${summary.closing}`);
process.exit(summary.status);
