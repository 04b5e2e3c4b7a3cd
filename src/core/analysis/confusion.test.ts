import { describe, expect, it } from 'vitest';
import {
  accuracyFromConfusion,
  confusionMatrix,
  confusionStride,
  neverPredictedClasses,
  silentCounts,
} from './confusion.ts';

describe('confusionMatrix', () => {
  it('counts true class by predicted class, silent samples in the last column', () => {
    const labels = [0, 0, 1, 1, 1, 2, 2];
    const predictions = [0, 1, 1, -1, 1, 2, -1];
    const m = confusionMatrix(labels, predictions, 3);
    expect(m).toBeInstanceOf(Uint32Array);
    expect(confusionStride(3)).toBe(4);
    // prettier-ignore
    expect(Array.from(m)).toEqual([
      1, 1, 0, 0,
      0, 2, 0, 1,
      0, 0, 1, 1,
    ]);
    expect(silentCounts(m, 3)).toEqual([0, 1, 1]);
  });

  it('accepts typed arrays and an empty set', () => {
    const m = confusionMatrix(new Uint8Array([1]), new Int8Array([0]), 2);
    expect(Array.from(m)).toEqual([0, 0, 0, 1, 0, 0]); // row 1 (true 1), column 0
    expect(Array.from(confusionMatrix([], [], 2))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects labels or predictions out of range', () => {
    expect(() => confusionMatrix([3], [0], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0], [3], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0], [-2], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0, 1], [0], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(RangeError);
  });
});

describe('accuracyFromConfusion', () => {
  it('is the diagonal over all samples, silent ones counted as wrong', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 2, 2], [0, 1, 1, -1, 1, 2, -1], 3);
    expect(accuracyFromConfusion(m, 3)).toBeCloseTo(4 / 7);
  });

  it('is 0 without samples and checks the matrix size', () => {
    expect(accuracyFromConfusion(new Uint32Array(6), 2)).toBe(0);
    expect(() => accuracyFromConfusion(new Uint32Array(4), 2)).toThrow(RangeError);
  });
});

describe('neverPredictedClasses', () => {
  it('finds the classes with samples that nothing was predicted as, silent samples counted as missed', () => {
    // 4 classes. Class 1: 3 samples, 2 predicted as 0, 1 silent; nothing predicted as 1.
    // Class 3: no samples and never predicted: not reported (nothing to miss).
    const labels = [0, 0, 1, 1, 1, 2, 2];
    const predictions = [0, 2, 0, 0, -1, 2, 0];
    const m = confusionMatrix(labels, predictions, 4);
    expect(neverPredictedClasses(m, 4)).toEqual([{ class: 1, samples: 3 }]);
  });

  it('is empty when every class with samples is predicted at least once, even wrongly', () => {
    const m = confusionMatrix([0, 1, 2], [1, 2, 0], 3);
    expect(neverPredictedClasses(m, 3)).toEqual([]);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => neverPredictedClasses(new Uint32Array(9), 3)).toThrow(/9 cells, expected 12/);
  });
});
