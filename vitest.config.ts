import { defineConfig } from 'vitest/config';

// The test tier is in the file name (STYLE.md pattern 6): unit = pure and fast, int = a real store or server,
// e2e = both services over HTTP as separate processes.
// The time-outs are bounds for a hang, not speeds a test must keep: tests wait on conditions, and a machine whose
// cores are busy with something else (CI neighbours, two busy loops) stretches a run several times over.
export default defineConfig({
  test: {
    // Two test files at a time (vitest's default on 2 cores is one): most int and e2e files spend their time waiting
    // on child processes (services, PostgreSQL, Chromium) and disk commits, so a second file uses what would idle.
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['{packages,services,test}/**/*.unit.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'int',
          include: ['{packages,services,test}/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{packages,services,test}/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
