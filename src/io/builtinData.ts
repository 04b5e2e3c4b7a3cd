import { BUILTIN_MNIST, splitBuiltinMnist } from '../core/data/builtinMnist.ts';
import { maybeGunzip } from '../core/data/gzip.ts';
import { idxDeclaredBytes, imageSetFromIdx } from '../core/data/idx.ts';
import type { RawDataset } from '../core/data/types.ts';
import { fetchBytes, type DownloadProgress } from './fetchBytes.ts';

/** The stored id of the built-in digits (loading them again replaces, never duplicates). */
export const BUILTIN_MNIST_ID = 'builtin-mnist-10k';

/**
 * Reads the built-in 10,000 MNIST digits from the app's own assets (shipped by the build, so
 * this works offline) and splits them into 8,000 training and 2,000 test digits.
 */
export async function loadBuiltinMnist(
  options: { baseUrl?: string; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void } = {},
): Promise<RawDataset> {
  const base = options.baseUrl ?? new URL(`${import.meta.env.BASE_URL}data/`, location.href).href;
  const get = async (file: string): Promise<Uint8Array> => {
    const gz = await fetchBytes(new URL(file, base).href, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // Many servers (vite preview among them) send .gz files with Content-Encoding: gzip, so the
    // browser may have unpacked them already.
    return maybeGunzip(gz, file, { declaredBytes: idxDeclaredBytes });
  };
  const images = await get(BUILTIN_MNIST.imagesFile);
  const labels = await get(BUILTIN_MNIST.labelsFile);
  const all = imageSetFromIdx(
    { name: BUILTIN_MNIST.imagesFile, bytes: images },
    { name: BUILTIN_MNIST.labelsFile, bytes: labels },
  );
  const { train, test } = splitBuiltinMnist(all);
  return { name: BUILTIN_MNIST.name, source: { kind: 'builtin', name: BUILTIN_MNIST.name }, train, test };
}
