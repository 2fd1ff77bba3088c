import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Test infrastructure (the AWS simulator, the local Slack Web API stand-in, the signed-request
// helper) lives under src/testing/ and is no part of the product's import graph. Product code may
// only reach it lazily through `await import(...)` (the CLI's `--world` and `sim` command), which
// this rule does not see; a static import would ship it in every code path. The demo is the
// product's showcase on simulated AWS and may use it statically.
const TESTING_IMPORT = {
  regex: '^\\.{1,2}/(?:.*/)?testing(?:/|$)',
  message:
    'src/testing/ (simulator, local Slack stand-in, signed requests) is test infrastructure: product code must not import it statically; load it lazily with await import() as the CLI does for --world (docs/architecture.md).',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.ci/node/**',
      '.scratch/**',
      'node_modules/**',
      'bench/results/**',
      'data/**',
      '.shareguard/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware rules (they need the type checker, so they read tsconfig.json through the project
  // service): a promise nobody awaits loses its error, a promise where a callback's void is expected
  // (an event handler, Bolt's listeners) is never awaited, and a switch over a union must name every case.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/testing/**', 'src/demo/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [TESTING_IMPORT] }],
    },
  },
);
