// Flat config, type-checked (STYLE.md pattern 11). The domain package must stay pure: no I/O, no clock, no env.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net',
  'child_process', 'node:child_process', 'better-sqlite3', 'pg', 'express', 'pino', '@kurrent/kurrentdb-client',
  'node:sqlite', 'os', 'node:os', 'process', 'node:process', 'http2', 'node:http2', 'tls', 'node:tls', 'dgram',
  'node:dgram', 'dns', 'node:dns', 'dns/promises', 'node:dns/promises', 'worker_threads', 'node:worker_threads',
  'cluster', 'node:cluster', 'readline', 'node:readline', 'module', 'node:module', 'vm', 'node:vm', 'v8', 'node:v8',
];
// Modules that read the clock, schedule work or draw randomness: a decision must depend on its inputs alone.
const clockAndChanceModules = [
  'crypto', 'node:crypto', 'perf_hooks', 'node:perf_hooks', 'timers', 'node:timers', 'timers/promises',
  'node:timers/promises', 'async_hooks', 'node:async_hooks',
];
// Globals the domain may not read: the environment, I/O, the clock, randomness, scheduling. `globalThis` and
// `global` go too, or `globalThis.process` would walk round the list.
const impureGlobals = [
  ['process', 'domain is pure: config arrives as arguments'],
  ['fetch', 'domain is pure: no I/O'],
  ['crypto', 'domain is deterministic: ids and randomness arrive as arguments'],
  ['performance', 'domain has no clock: take now as an argument'],
  ['setTimeout', 'domain does not schedule work'],
  ['setInterval', 'domain does not schedule work'],
  ['setImmediate', 'domain does not schedule work'],
  ['queueMicrotask', 'domain does not schedule work'],
  ['requestAnimationFrame', 'domain does not schedule work'],
  ['globalThis', 'domain is pure: no reaching round the bans through the global object'],
  ['global', 'domain is pure: no reaching round the bans through the global object'],
  ['require', 'domain is pure: no I/O'],
].map(([name, message]) => ({ name, message }));

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', '**/dist/**', 'coverage/**', 'packages/http/vendor/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['packages/domain/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...ioModules.map((name) => ({ name, message: 'domain is pure: no I/O' })),
            ...clockAndChanceModules.map((name) => ({ name, message: 'domain is deterministic: no clock, timers or chance' })),
          ],
        },
      ],
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'domain has no clock: take now as an argument' },
        // Date() called without `new` ignores its arguments and answers the current time, as a string.
        { selector: "CallExpression[callee.name='Date']", message: 'domain has no clock: Date() is the current time' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'domain has no clock' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'domain is deterministic' },
        // Without a locale and a time zone a formatter answers in the host's: England's dates come from Europe/London.
        {
          selector: ":matches(CallExpression, NewExpression)[callee.object.name='Intl'][callee.property.name='DateTimeFormat'][arguments.length<2]",
          message: "domain reads no host settings: Intl.DateTimeFormat(locale, { timeZone: 'Europe/London', … })",
        },
        {
          selector: 'MemberExpression[property.name=/^(get|set)(FullYear|Month|Date|Day|Hours|Minutes|Seconds|Milliseconds)$|^getTimezoneOffset$|^toLocale(Date|Time)?String$/]',
          message: "domain reads no host time zone: use the UTC methods (DOMAIN.md: compare YYYY-MM-DD strings, never local-time Dates)",
        },
        { selector: 'ImportExpression', message: 'domain is pure: no dynamic imports (they walk round the import bans)' },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
