// Flat config, type-checked (STYLE.md pattern 11). The domain package must stay pure: no I/O, no clock, no env.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ioModules = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net',
  'child_process', 'node:child_process', 'better-sqlite3', 'pg', 'express', 'pino', '@kurrent/kurrentdb-client',
  'node:sqlite', 'os', 'node:os', 'process', 'node:process',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', '**/dist/**', 'coverage/**'] },
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
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'domain is pure: no I/O' })) }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'domain is pure: config arrives as arguments' },
        { name: 'fetch', message: 'domain is pure: no I/O' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'domain has no clock: take now as an argument' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'domain has no clock' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'domain is deterministic' },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
