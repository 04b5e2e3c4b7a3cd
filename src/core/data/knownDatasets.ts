import type { RawSet } from './types.ts';

/** Zalando's Fashion-MNIST classes, label 0 to 9. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * The first ten labels of each well-known 28 x 28, ten-class IDX training file: MNIST's and
 * Fashion-MNIST's files have the same names (train-images-idx3-ubyte...), so their contents tell
 * them apart. The test files are recognised by their own first labels.
 */
const FINGERPRINTS: readonly {
  name: string;
  train: number[];
  test: number[];
  classNames: readonly string[] | null;
}[] = [
  {
    name: 'mnist',
    train: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
    test: [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
    classNames: null,
  },
  {
    name: 'fashion-mnist',
    train: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
    test: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
    classNames: FASHION_MNIST_CLASSES,
  },
];

/** Which well-known data set these images are (by their first labels), or null. */
export function recogniseImageSet(
  set: RawSet,
): { name: string; classNames: readonly string[] | null } | null {
  if (set.kind !== 'images' || set.rows !== 28 || set.cols !== 28 || set.classes !== 10 || set.count < 10)
    return null;
  const first = Array.from(set.labels.subarray(0, 10));
  const same = (a: readonly number[]): boolean => a.every((v, k) => v === first[k]);
  const known = FINGERPRINTS.find((f) => same(f.train) || same(f.test));
  return known ? { name: known.name, classNames: known.classNames } : null;
}

/** Class names of a data set (Fashion-MNIST's by name or by contents), or null for plain indices. */
export function classNamesOf(dataset: { name: string; train: RawSet } | null): readonly string[] | null {
  if (!dataset) return null;
  if (/^fashion[-_ ]?mnist/i.test(dataset.name)) return FASHION_MNIST_CLASSES;
  return recogniseImageSet(dataset.train)?.classNames ?? null;
}
