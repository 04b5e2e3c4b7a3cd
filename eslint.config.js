import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The reference engine runs in Node, in a Worker and in tests: it may not reach for the
    // browser, the GPU, React, d3 or storage.
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: { ...globals.es2022 } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-*', 'react/*'], message: 'src/core must not import React.' },
            { group: ['d3', 'd3-*'], message: 'src/core must not import d3.' },
            {
              group: ['zustand', 'zustand/*', 'idb-keyval', 'h5wasm', 'h5wasm/*'],
              message: 'src/core must not import UI state or storage.',
            },
            {
              group: ['webgpu', '**/gpu/**', '../gpu', '../../gpu'],
              message: 'src/core must not import GPU code.',
            },
            {
              group: [
                '**/app/**',
                '**/worker/**',
                '**/cli/**',
                '**/components/**',
                '**/store/**',
                '**/charts/**',
                '**/io/**',
                '**/storage/**',
                '**/node/**',
              ],
              message: 'src/core imports only src/core.',
            },
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads'],
              message: 'src/core must run in a browser Worker: no Node built-ins.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'window', message: 'src/core has no DOM.' },
        { name: 'document', message: 'src/core has no DOM.' },
        { name: 'navigator', message: 'src/core has no navigator (GPU / browser).' },
        { name: 'indexedDB', message: 'src/core does no storage.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Pass a seeded Rng (src/core/rng.ts) instead.' },
      ],
    },
  },
);
