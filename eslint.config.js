import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'bench/results', 'gpu-pack'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Leaving a field out of a copy by destructuring it away is not an unused variable.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
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
  {
    // Charts draw the data they are given: the store feeds them, never the other way round.
    files: ['src/charts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/store/**', 'zustand', 'zustand/*'],
              message: 'Charts never import the store: take the data as an argument.',
            },
            {
              group: ['**/app/**', '**/worker/**', '**/gpu/**', '**/node/**', '**/cli/**', '**/storage/**'],
              message: 'Charts import only core, d3 and other charts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The GPU engine runs in the browser's Worker as well as in Node: it never imports Node code
    // (Dawn is handed to it by the caller). Tests and their device fixture run in Node only.
    files: ['src/gpu/**/*.ts'],
    ignores: ['src/gpu/**/*.test.ts', 'src/gpu/testDevice.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/node/**', 'node:*', 'webgpu'],
              message: 'src/gpu never imports Node code: the caller passes the GPU (navigator.gpu or Dawn).',
            },
            {
              group: [
                '**/app/**',
                '**/worker/**',
                '**/cli/**',
                '**/store/**',
                '**/charts/**',
                '**/storage/**',
              ],
              message: 'src/gpu imports only core and gpu.',
            },
          ],
        },
      ],
    },
  },
  {
    // The Worker runs in the browser: no Node code, no UI.
    files: ['src/worker/**/*.ts'],
    ignores: ['src/worker/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/node/**', '**/cli/**', 'node:*'],
              message: 'The Worker runs in a browser: no Node code.',
            },
            {
              group: ['**/app/**', '**/store/**', '**/charts/**', 'react', 'react-*', 'd3', 'd3-*'],
              message: 'The Worker has no UI: it posts data, the page draws it.',
            },
          ],
        },
      ],
    },
  },
);
