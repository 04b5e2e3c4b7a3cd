import { describe, expect, it } from 'vitest';
import type { ImageSet } from './types.ts';
import { classNamesOf, FASHION_MNIST_CLASSES, recogniseImageSet } from './knownDatasets.ts';

function images(labels: number[], rows = 28): ImageSet {
  return {
    kind: 'images',
    count: labels.length,
    rows,
    cols: 28,
    pixels: new Uint8Array(labels.length * rows * 28),
    labels: Uint8Array.from(labels),
    classes: 10,
  };
}

describe('known data sets', () => {
  it('tells MNIST from Fashion-MNIST by their first labels (their files share names)', () => {
    expect(recogniseImageSet(images([5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3]))?.name).toBe('mnist');
    expect(recogniseImageSet(images([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]))).toEqual({
      name: 'fashion-mnist',
      classNames: FASHION_MNIST_CLASSES,
    });
    expect(recogniseImageSet(images([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]))?.name).toBe('fashion-mnist');
    expect(recogniseImageSet(images([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]))).toBeNull();
    // Another shape is never taken for them.
    expect(recogniseImageSet(images([5, 0, 4, 1, 9, 2, 1, 3, 1, 4], 27))).toBeNull();
  });

  it('names Fashion-MNIST classes by the data set name or its contents', () => {
    expect(classNamesOf({ name: 'fashion-mnist', train: images([0, 1]) })).toBe(FASHION_MNIST_CLASSES);
    expect(classNamesOf({ name: 'mnist-10k', train: images([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]) })).toBeNull();
    expect(classNamesOf(null)).toBeNull();
  });
});
