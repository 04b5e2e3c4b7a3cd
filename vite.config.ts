import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Relative asset paths so the built playground also works from a sub-folder or file server.
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    // Two pages: the playground and the in-browser GPU-vs-CPU check (gpu-check.html).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
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
