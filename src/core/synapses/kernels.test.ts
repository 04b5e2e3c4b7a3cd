import { describe, expect, it } from 'vitest';
import {
  GAUSS_RADIUS_SIGMAS,
  gaussianTaps,
  gaussWindow,
  hasDelayGradient,
  quantiseDelay,
  synapseTaps,
  type DelayKernelConfig,
  type KernelMode,
} from './kernels.ts';

/** The normalised Gaussian computed directly, one exp per tap. */
function directGauss(delay: number, sigma: number, td: number): number[] {
  const g = Array.from({ length: td }, (_, k) => Math.exp(-((k - delay) ** 2) / (2 * sigma * sigma)));
  const total = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / total);
}

function kernel(mode: KernelMode, overrides: Partial<DelayKernelConfig> = {}): DelayKernelConfig {
  return { mode, maxDelay: 10, rounding: 'floor', hardwareBackward: 'gauss', ...overrides };
}

describe('gaussianTaps', () => {
  const TD = 25;
  const sigmas = [0.23, 0.5, 1, 3, 12.5];
  const delays = [0, 0.3, 0.5, 7.5, 12.49, 12.5, 12.51, TD - 1.6, TD - 1.5, TD - 1];

  it('matches a direct exp computation to 1e-12 (sigma 0.23 .. 12.5, delays at both edges)', () => {
    for (const sigma of sigmas) {
      for (const d of delays) {
        const out = new Float64Array(TD);
        const mean = gaussianTaps(d, sigma, TD, out, 0, 1);
        const ref = directGauss(d, sigma, TD);
        for (let k = 0; k < TD; k++) {
          expect(Math.abs(out[k]! - ref[k]!), `sigma ${sigma} d ${d} k ${k}`).toBeLessThan(1e-12);
        }
        const refMean = ref.reduce((a, v, k) => a + v * k, 0);
        expect(Math.abs(mean - refMean), `mean sigma ${sigma} d ${d}`).toBeLessThan(1e-12 * TD);
      }
    }
  });

  it('sums to 1 and returns the mean tap', () => {
    for (const sigma of sigmas) {
      for (const d of delays) {
        const out = new Float64Array(TD);
        const mean = gaussianTaps(d, sigma, TD, out, 0, 1);
        expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 13);
        expect(mean).toBeCloseTo(
          out.reduce((a, v, k) => a + v * k, 0),
          12,
        );
        for (const v of out) expect(v).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('has its mean at d for a delay far from the edges (sigma >= 1)', () => {
    const td = 61; // at least 9 sigma of room on either side
    for (const sigma of [1, 1.7, 3]) {
      for (const d of [29, 29.25, 30.5, 30.8]) {
        const out = new Float64Array(td);
        const mean = gaussianTaps(d, sigma, td, out, 0, 1);
        expect(Math.abs(mean - d), `sigma ${sigma} d ${d}`).toBeLessThan(1e-6);
      }
    }
  });

  it('peaks at the nearest tap, and is symmetric about a half-integer delay', () => {
    const out = new Float64Array(TD);
    gaussianTaps(6.3, 0.8, TD, out, 0, 1);
    expect(out.indexOf(Math.max(...out))).toBe(6);
    gaussianTaps(6.5, 0.8, TD, out, 0, 1);
    for (let k = 0; k <= 6; k++) expect(out[6 - k]).toBeCloseTo(out[7 + k]!, 15);
  });

  it('writes to out[offset + k * stride] and nothing else', () => {
    const td = 7;
    const stride = 3;
    const out = new Float64Array(1 + td * stride).fill(-5);
    gaussianTaps(2.2, 1.1, td, out, 1, stride);
    const ref = directGauss(2.2, 1.1, td);
    for (let q = 0; q < out.length; q++) {
      if (q >= 1 && (q - 1) % stride === 0) expect(out[q]).toBeCloseTo(ref[(q - 1) / stride]!, 14);
      else expect(out[q]).toBe(-5);
    }
  });

  it('degenerates to one tap when Td = 1', () => {
    const out = new Float64Array(1);
    expect(gaussianTaps(0, 0.5, 1, out, 0, 1)).toBe(0);
    expect(out[0]).toBe(1);
  });

  // Regression: the centre tap used to be exp(-(centre - d)^2 / (2 sigma^2)) before normalising,
  // which underflows to 0 for sigma below ~0.0137 near a half-integer delay (0 / 0 = NaN). The
  // validator accepts any sigma > 0, so training emitted NaN.
  it('stays finite for a very narrow Gaussian (sigma 0.01, delay 2.49)', () => {
    const out = new Float64Array(6);
    const mean = gaussianTaps(2.49, 0.01, 6, out, 0, 1);
    expect(Number.isFinite(mean)).toBe(true);
    expect(out[2]).toBeCloseTo(1, 12);
  });
});

describe('synapseTaps', () => {
  it('gauss: w times the normalised Gaussian', () => {
    const taps = synapseTaps(kernel('gauss'), -1.5, 4.2, 1.3);
    const ref = directGauss(4.2, 1.3, 10);
    for (let k = 0; k < 10; k++) expect(taps[k]).toBeCloseTo(-1.5 * ref[k]!, 14);
    expect(taps.reduce((a, b) => a + b, 0)).toBeCloseTo(-1.5, 13);
  });

  it('lerp: two taps at floor(d) and floor(d) + 1 weighted by the fractional part', () => {
    const taps = synapseTaps(kernel('lerp'), 2, 3.25, 1);
    const expected = new Array<number>(10).fill(0);
    expected[3] = 1.5;
    expected[4] = 0.5;
    expect(Array.from(taps)).toEqual(expected);
    // Integer delay: one tap; the last tap: no write past the end.
    const last = synapseTaps(kernel('lerp'), 2, 9, 1);
    expect(last[9]).toBe(2);
    expect(last.length).toBe(10);
    expect(last.reduce((a, b) => a + b, 0)).toBe(2);
    const zero = synapseTaps(kernel('lerp'), 2, 0, 1);
    expect(zero[0]).toBe(2);
    expect(zero[1]).toBe(0);
  });

  it('round: one tap at floor(d) or at the nearest integer', () => {
    const floorTaps = synapseTaps(kernel('round', { rounding: 'floor' }), 0.7, 3.6, 1);
    const nearTaps = synapseTaps(kernel('round', { rounding: 'nearest' }), 0.7, 3.6, 1);
    expect(Array.from(floorTaps).indexOf(0.7)).toBe(3);
    expect(Array.from(nearTaps).indexOf(0.7)).toBe(4);
    expect(floorTaps.reduce((a, b) => a + b, 0)).toBeCloseTo(0.7, 15);
    expect(nearTaps.filter((v) => v !== 0).length).toBe(1);
  });

  it('hardware: the forward taps are those of round', () => {
    for (const rounding of ['floor', 'nearest'] as const) {
      for (const d of [0, 2.4, 2.5, 8.9, 9]) {
        expect(synapseTaps(kernel('hardware', { rounding }), 1.3, d, 0.7)).toEqual(
          synapseTaps(kernel('round', { rounding }), 1.3, d, 0.7),
        );
      }
    }
  });
});

describe('quantiseDelay', () => {
  it('floors or rounds to nearest', () => {
    expect(quantiseDelay(3.9, 'floor', 10)).toBe(3);
    expect(quantiseDelay(3, 'floor', 10)).toBe(3);
    expect(quantiseDelay(3.49, 'nearest', 10)).toBe(3);
    expect(quantiseDelay(3.5, 'nearest', 10)).toBe(4);
    expect(quantiseDelay(3.9, 'nearest', 10)).toBe(4);
  });

  it('clamps to [0, maxDelay - 1]', () => {
    expect(quantiseDelay(9.7, 'nearest', 10)).toBe(9);
    expect(quantiseDelay(9.7, 'floor', 10)).toBe(9);
    expect(quantiseDelay(42, 'floor', 10)).toBe(9);
    expect(quantiseDelay(-0.2, 'floor', 10)).toBe(0);
    expect(quantiseDelay(-3.6, 'nearest', 10)).toBe(0);
    expect(quantiseDelay(0.4, 'nearest', 1)).toBe(0);
  });
});

describe('hasDelayGradient', () => {
  it('is false only for round', () => {
    expect(hasDelayGradient('gauss')).toBe(true);
    expect(hasDelayGradient('lerp')).toBe(true);
    expect(hasDelayGradient('hardware')).toBe(true);
    expect(hasDelayGradient('round')).toBe(false);
  });
});

describe('truncated Gaussian taps', () => {
  it('are 0 beyond 5.8 sigma in float32 and within 2^-24 of the untruncated kernel inside', () => {
    const td = 40;
    for (const sigma of [0.05, 0.5, 1.3, 4]) {
      for (const d of [0, 0.5, 3.2, 19.5, 20.49, 39]) {
        const full = directGauss(d, sigma, td);
        const out = new Float64Array(td);
        const { lo, hi } = gaussWindow(d, sigma, td, GAUSS_RADIUS_SIGMAS.f32);
        const mean = gaussianTaps(d, sigma, td, out, 0, 1, { lo, hi });
        expect(lo).toBeLessThanOrEqual(Math.round(d));
        expect(hi).toBeGreaterThanOrEqual(Math.round(d));
        let sum = 0;
        let fullMean = 0;
        for (let k = 0; k < td; k++) {
          sum += out[k]!;
          fullMean += k * full[k]!;
          if (k < lo || k > hi) {
            expect(out[k], `sigma ${sigma}, d ${d}, tap ${k}`).toBe(0);
            expect(full[k]!).toBeLessThan(2 ** -24 * Math.max(...full));
          } else {
            expect(Math.abs(out[k]! - full[k]!)).toBeLessThanOrEqual(2 ** -24 * full[k]! + 1e-300);
          }
        }
        expect(sum).toBeCloseTo(1, 14);
        expect(Math.abs(mean - fullMean)).toBeLessThan(1e-6);
      }
    }
  });

  it('late in a run (sigma 0.5) a synapse touches 5 or 6 taps of Td 25, not 25', () => {
    expect(gaussWindow(12, 0.5, 25, GAUSS_RADIUS_SIGMAS.f32)).toEqual({ lo: 10, hi: 14 });
    expect(gaussWindow(12.5, 0.5, 25, GAUSS_RADIUS_SIGMAS.f32)).toEqual({ lo: 10, hi: 15 });
    expect(gaussWindow(0.2, 0.5, 25, GAUSS_RADIUS_SIGMAS.f32)).toEqual({ lo: 0, hi: 3 });
    // Early (sigma 8) the window is the whole kernel.
    expect(gaussWindow(12, 8, 25, GAUSS_RADIUS_SIGMAS.f32)).toEqual({ lo: 0, hi: 24 });
  });

  it('float64 reaches 8.6 sigma, where a tap is below float64 rounding of the peak', () => {
    expect(Math.exp(-(GAUSS_RADIUS_SIGMAS.f64 ** 2) / 2)).toBeLessThan(2 ** -53);
    expect(Math.exp(-(GAUSS_RADIUS_SIGMAS.f32 ** 2) / 2)).toBeLessThan(2 ** -24);
    expect(Math.exp(-((GAUSS_RADIUS_SIGMAS.f32 - 0.1) ** 2) / 2)).toBeGreaterThan(2 ** -24);
  });
});
