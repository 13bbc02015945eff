import { defineConfig } from 'vitest/config';

// The test tier is in the file name (STYLE.md pattern 6): unit = pure and fast, int = a real store or server,
// e2e = both services over HTTP as separate processes.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['{packages,services,test}/**/*.unit.test.ts'] } },
      { test: { name: 'int', include: ['{packages,services,test}/**/*.int.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'e2e',
          include: ['{packages,services,test}/**/*.e2e.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
