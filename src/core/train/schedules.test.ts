import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import { learningRate, sigmaAt, sigmaMatters, type LrSchedule, type SigmaSchedule } from './schedules.ts';

describe('learningRate', () => {
  it('constant', () => {
    for (const step of [0, 5, 99, 100, 1000])
      expect(learningRate(0.3, { kind: 'constant' }, step, 100)).toBe(0.3);
  });

  it('cosine: from lr to lr * minFactor, half way at the middle, monotone', () => {
    const s: LrSchedule = { kind: 'cosine', minFactor: 0.1 };
    expect(learningRate(2, s, 0, 100)).toBeCloseTo(2, 14);
    expect(learningRate(2, s, 100, 100)).toBeCloseTo(0.2, 14);
    expect(learningRate(2, s, 50, 100)).toBeCloseTo(1.1, 14);
    expect(learningRate(2, s, 25, 100)).toBeCloseTo(0.2 + (1.8 * (1 + Math.cos(Math.PI / 4))) / 2, 14);
    // Past the end and before the start it is clamped.
    expect(learningRate(2, s, 150, 100)).toBeCloseTo(0.2, 14);
    expect(learningRate(2, s, -5, 100)).toBeCloseTo(2, 14);
    let prev = Infinity;
    for (let step = 0; step <= 100; step++) {
      const lr = learningRate(2, s, step, 100);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
    // totalSteps 0 does not divide by zero.
    expect(Number.isFinite(learningRate(2, s, 0, 0))).toBe(true);
  });

  it('oneCycle: lr / div at the start, lr at the end of warm-up, lr / (div * finalDiv) at the end', () => {
    const s: LrSchedule = { kind: 'oneCycle', warmupFraction: 0.3, divFactor: 25, finalDivFactor: 1e4 };
    const lr = 0.01;
    expect(learningRate(lr, s, 0, 1000)).toBeCloseTo(lr / 25, 15);
    expect(learningRate(lr, s, 300, 1000)).toBeCloseTo(lr, 15);
    expect(learningRate(lr, s, 1000, 1000)).toBeCloseTo(lr / 25 / 1e4, 15);
    // Half-way through warm-up: the mean of the two ends; a quarter of the way: cosine, not linear.
    expect(learningRate(lr, s, 150, 1000)).toBeCloseTo((lr + lr / 25) / 2, 15);
    const q = lr + ((lr / 25 - lr) * (1 + Math.cos(Math.PI / 4))) / 2;
    expect(learningRate(lr, s, 75, 1000)).toBeCloseTo(q, 15);
    // Half-way through annealing.
    expect(learningRate(lr, s, 650, 1000)).toBeCloseTo((lr + lr / 25 / 1e4) / 2, 15);
    // The peak is the maximum.
    for (let step = 0; step <= 1000; step += 7)
      expect(learningRate(lr, s, step, 1000)).toBeLessThanOrEqual(lr + 1e-15);
  });

  it('oneCycle with no warm-up starts at the peak; with full warm-up ends at it', () => {
    const none: LrSchedule = { kind: 'oneCycle', warmupFraction: 0, divFactor: 10, finalDivFactor: 100 };
    expect(learningRate(1, none, 0, 10)).toBeCloseTo(1, 15);
    expect(learningRate(1, none, 10, 10)).toBeCloseTo(1 / 1000, 15);
    const all: LrSchedule = { kind: 'oneCycle', warmupFraction: 1, divFactor: 10, finalDivFactor: 100 };
    expect(learningRate(1, all, 0, 10)).toBeCloseTo(0.1, 15);
    expect(learningRate(1, all, 5, 10)).toBeCloseTo(0.55, 15);
    expect(Number.isFinite(learningRate(1, all, 10, 10))).toBe(true);
  });
});

describe('sigmaAt', () => {
  const mult: SigmaSchedule = { kind: 'multiplicative', initial: 8, final: 0.5, fraction: 0.25 };

  it('multiplicative: geometric from initial, reaches final at the fraction and stays there', () => {
    expect(sigmaAt(mult, 25, 0, 400)).toBeCloseTo(8, 14);
    expect(sigmaAt(mult, 25, 100, 400)).toBeCloseTo(0.5, 14);
    expect(sigmaAt(mult, 25, 250, 400)).toBeCloseTo(0.5, 14);
    expect(sigmaAt(mult, 25, 400, 400)).toBeCloseTo(0.5, 14);
    // Geometric mean half way: sqrt(8 * 0.5) = 2; a constant factor per step.
    expect(sigmaAt(mult, 25, 50, 400)).toBeCloseTo(2, 13);
    const r1 = sigmaAt(mult, 25, 11, 400) / sigmaAt(mult, 25, 10, 400);
    const r2 = sigmaAt(mult, 25, 61, 400) / sigmaAt(mult, 25, 60, 400);
    expect(r1).toBeCloseTo(r2, 13);
    expect(r1).toBeCloseTo(Math.pow(0.5 / 8, 1 / 100), 13);
  });

  it('linear: the midpoint is the mean of initial and final', () => {
    const lin: SigmaSchedule = { kind: 'linear', initial: 8, final: 0.5, fraction: 0.5 };
    expect(sigmaAt(lin, 25, 0, 300)).toBe(8);
    expect(sigmaAt(lin, 25, 75, 300)).toBeCloseTo(4.25, 14);
    expect(sigmaAt(lin, 25, 150, 300)).toBeCloseTo(0.5, 14);
    expect(sigmaAt(lin, 25, 299, 300)).toBeCloseTo(0.5, 14);
  });

  it('constant keeps the initial sigma', () => {
    const c: SigmaSchedule = { kind: 'constant', initial: 3, final: 0.5, fraction: 0.5 };
    expect(sigmaAt(c, 25, 0, 10)).toBe(3);
    expect(sigmaAt(c, 25, 10, 10)).toBe(3);
  });

  it('initial null means maxDelay / 2', () => {
    expect(sigmaAt({ kind: 'constant', initial: null, final: 0.5, fraction: 1 }, 25, 3, 10)).toBe(12.5);
    expect(sigmaAt({ kind: 'multiplicative', initial: null, final: 0.23, fraction: 0.25 }, 15, 0, 100)).toBe(
      7.5,
    );
    expect(sigmaAt({ kind: 'linear', initial: null, final: 0.5, fraction: 1 }, 10, 5, 10)).toBeCloseTo(
      2.75,
      14,
    );
  });

  it('a fraction shorter than one step still reaches final at step 1', () => {
    const s: SigmaSchedule = { kind: 'multiplicative', initial: 4, final: 1, fraction: 0.01 };
    expect(sigmaAt(s, 10, 0, 10)).toBe(4);
    expect(sigmaAt(s, 10, 1, 10)).toBeCloseTo(1, 14);
  });
});

describe('sigmaMatters', () => {
  it('only where a Gaussian kernel trains with BPTT', () => {
    expect(sigmaMatters(preset('shd')!)).toBe(true); // gauss
    expect(sigmaMatters(preset('mnist-small')!)).toBe(false); // lerp
    expect(sigmaMatters(preset('delay-only-mnist')!)).toBe(false); // hardware, lerp backward
    const hardwareGauss = preset('delay-only-mnist')!;
    hardwareGauss.network.layers.forEach((l) => (l.kernel.hardwareBackward = 'gauss'));
    expect(sigmaMatters(hardwareGauss)).toBe(true);
    const eventprop = preset('shd')!;
    eventprop.training.method = 'eventprop';
    expect(sigmaMatters(eventprop)).toBe(false);
  });
});
