import { describe, expect, it } from 'vitest';
import { mannWhitneyU, normalUpperTail } from './mannWhitney.ts';

// Expected values from SciPy 1.17 (scipy.stats.mannwhitneyu), checked by hand where noted.
describe('Mann-Whitney U', () => {
  it("SciPy's worked example (no ties, 5 vs 4): U = 17, exact p = 1/9, normal p = 0.111347", () => {
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    const exact = mannWhitneyU(males, females);
    expect(exact).toMatchObject({ u: 17, uOther: 3, method: 'exact', z: null });
    expect(exact.p).toBeCloseTo(1 / 9, 14);
    const normal = mannWhitneyU(males, females, 'normal');
    expect(normal.p).toBeCloseTo(0.11134688653314041, 7);
  });

  it('ties: midranks, the tie-corrected variance (U = 14 by hand, p = 0.113929)', () => {
    // By hand, pairs a > b with ties counting 1/2: 1 -> 0; 2, 2 -> 0.5 each; 3 -> 1 + 2 x 0.5;
    // 4, 4 -> 3 + 0.5 each; 5 -> 4: U = 0 + 1 + 2 + 7 + 4 = 14.
    const r = mannWhitneyU([1, 2, 2, 3, 4, 4, 5], [2, 3, 3, 4, 6, 7, 8, 8]);
    expect(r.u).toBe(14);
    expect(r.uOther).toBe(42);
    expect(r.method).toBe('normal');
    expect(r.p).toBeCloseTo(0.11392892811978714, 7);
    expect(() => mannWhitneyU([1, 2, 2], [2, 3], 'exact')).toThrow(/no ties/);
  });

  it('60 vs 60 with ties, far apart (as the paper compares 3 x 20 receptive fields): p = 1.65e-20', () => {
    const trained = [
      0.061, 0.059, 0.066, 0.061, 0.055, 0.064, 0.073, 0.069, 0.053, 0.047, 0.054, 0.06, 0.037, 0.058, 0.048,
      0.053, 0.055, 0.057, 0.064, 0.07, 0.059, 0.074, 0.053, 0.064, 0.069, 0.061, 0.053, 0.051, 0.055, 0.062,
      0.05, 0.058, 0.058, 0.065, 0.062, 0.064, 0.053, 0.059, 0.068, 0.075, 0.047, 0.075, 0.073, 0.068, 0.063,
      0.057, 0.075, 0.08, 0.078, 0.073, 0.064, 0.048, 0.06, 0.067, 0.047, 0.064, 0.064, 0.067, 0.048, 0.053,
    ];
    const untrained = [
      0.026, 0.018, 0.047, 0.025, 0.033, 0.027, 0.046, 0.043, 0.036, 0.008, 0.031, 0.037, 0.04, 0.024, 0.048,
      0.017, 0.023, 0.039, 0.03, 0.05, 0.032, 0.024, 0.026, 0.019, 0.017, 0.036, 0.036, 0.043, 0.022, 0.047,
      0.027, 0.046, 0.026, 0.023, 0.032, 0.04, 0.032, 0.024, 0.017, 0.016, 0.035, 0.04, 0.028, 0.019, 0.039,
      0.017, 0.023, 0.036, 0.007, 0.034, 0.024, 0.031, 0.029, 0.032, 0.037, 0.022, 0.044, 0.037, 0.038, 0.042,
    ];
    const r = mannWhitneyU(trained, untrained);
    expect(r.u).toBe(3568.5);
    expect(r.p / 1.645311908157911e-20).toBeCloseTo(1, 5);
    // Swapping the samples swaps the U's and keeps p.
    const swapped = mannWhitneyU(untrained, trained);
    expect(swapped.u).toBe(r.uOther);
    expect(swapped.p).toBe(r.p);
  });

  it('exact p-values: a complete separation of 3 vs 3 is 2 / C(6, 3) = 0.1; identical samples give 1', () => {
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3]).p).toBeCloseTo(0.1, 14);
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3]).p).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(/at least one value/);
    expect(() => mannWhitneyU([1, NaN], [1])).toThrow(/NaN/);
  });

  it("the normal tail keeps its relative precision far out (erfc's fit against SciPy)", () => {
    // 0.5 erfc(x / sqrt 2) at x = sqrt 2, 3 sqrt 2, 6 sqrt 2, 9 sqrt 2.
    for (const [x, erfc] of [
      [1, 0.15729920705028516],
      [3, 2.2090496998585445e-5],
      [6, 2.1519736712498913e-17],
      [9, 4.137031746513811e-37],
    ] as const)
      expect(normalUpperTail(x * Math.SQRT2) / (0.5 * erfc)).toBeCloseTo(1, 6);
  });
});
