import { describe, expect, it } from 'vitest';
import { histogram, niceRange, niceStep } from './histogram.ts';

describe('histogram', () => {
  it('counts values in equal bins, the upper edge in the last bin', () => {
    const h = histogram([0, 0.5, 1, 1.99, 2, 3.5, 4], 4, 0, 4);
    expect(h).toEqual({ lo: 0, hi: 4, counts: [2, 2, 1, 2], nonFinite: 0 });
  });

  it('clamps values outside [lo, hi] into the edge bins', () => {
    const h = histogram(Float32Array.from([-3, -0.1, 10, 2.4]), 2, 0, 5);
    expect(h.counts).toEqual([3, 1]);
  });

  it('counts NaN and infinities separately', () => {
    const h = histogram([NaN, Infinity, -Infinity, 1], 2, 0, 2);
    expect(h.counts).toEqual([0, 1]);
    expect(h.nonFinite).toBe(3);
  });

  it('handles an empty input', () => {
    expect(histogram([], 3, -1, 1).counts).toEqual([0, 0, 0]);
  });

  it('rejects bad arguments', () => {
    expect(() => histogram([1], 0, 0, 1)).toThrow(RangeError);
    expect(() => histogram([1], 2.5, 0, 1)).toThrow(RangeError);
    expect(() => histogram([1], 2, 1, 1)).toThrow(RangeError);
    expect(() => histogram([1], 2, 0, NaN)).toThrow(RangeError);
  });
});

describe('niceStep', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(0.3)).toBeCloseTo(0.5);
    expect(niceStep(0.1)).toBeCloseTo(0.1);
    expect(niceStep(1.5)).toBe(2);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(20)).toBe(20);
  });
});

describe('niceRange', () => {
  it('widens the data range to whole steps', () => {
    expect(niceRange([0.3, 9.2])).toEqual({ lo: 0, hi: 10 });
    const r = niceRange([-0.37, 0.42]);
    expect(r.lo).toBeCloseTo(-0.4);
    expect(r.hi).toBeCloseTo(0.5);
  });

  it('ignores non-finite values and covers every finite one', () => {
    const values = [NaN, 3.3, Infinity, 7.9];
    const r = niceRange(values);
    expect(r.lo).toBeLessThanOrEqual(3.3);
    expect(r.hi).toBeGreaterThanOrEqual(7.9);
  });

  it('gives a non-empty range for equal values and [0, 1] for none', () => {
    const r = niceRange([5, 5, 5]);
    expect(r.hi).toBeGreaterThan(r.lo);
    expect(r.lo).toBeLessThanOrEqual(5);
    expect(r.hi).toBeGreaterThanOrEqual(5);
    expect(niceRange([0, 0]).hi).toBeGreaterThan(0);
    expect(niceRange([])).toEqual({ lo: 0, hi: 1 });
    expect(niceRange([NaN])).toEqual({ lo: 0, hi: 1 });
  });
});
