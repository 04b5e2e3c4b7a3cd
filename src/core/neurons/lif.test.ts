import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import type { RealArray } from '../tensor.ts';
import { LifLayer, type LifConfig } from './lif.ts';
import type { SurrogateKind } from './surrogates.ts';

function lifConfig(overrides: Partial<LifConfig> = {}): LifConfig {
  return {
    model: 'lif',
    tauMs: 4,
    threshold: 1,
    reset: 'hard',
    spiking: true,
    surrogate: { kind: 'arctan', alpha: 2 },
    detachReset: true,
    ...overrides,
  };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(
      tol,
    );
  }
}

describe('LifLayer forward', () => {
  // dt / tau = 0.25; u = v + 0.25 (I - v).
  const current = Float64Array.from([2, 2, 2, 0, 4]);

  it('matches a hand-computed membrane with hard reset (and spikes at u == threshold)', () => {
    const lif = new LifLayer(1, lifConfig({ reset: 'hard' }), 1, 'f64');
    const rec = lif.forward(current, 1, 5);
    // t0 0.5; t1 0.875; t2 1.15625 -> spike, v = 0; t3 0; t4 0 + 0.25 * 4 = 1 -> spike (>=).
    close(rec.membrane, [0.5, 0.875, 1.15625, 0, 1]);
    expect(Array.from(rec.spikes)).toEqual([0, 0, 1, 0, 1]);
  });

  it('matches a hand-computed membrane with soft reset', () => {
    const lif = new LifLayer(1, lifConfig({ reset: 'soft' }), 1, 'f64');
    const rec = lif.forward(current, 1, 5);
    // After the spike at t2, v = 1.15625 - 1 = 0.15625; t3 0.15625 * 0.75 = 0.1171875;
    // t4 0.1171875 + 0.25 * (4 - 0.1171875) = 1.087890625.
    close(rec.membrane, [0.5, 0.875, 1.15625, 0.1171875, 1.087890625]);
    expect(Array.from(rec.spikes)).toEqual([0, 0, 1, 0, 1]);
  });

  it('is a leaky integrator without threshold when non-spiking (readout)', () => {
    const lif = new LifLayer(1, lifConfig({ spiking: false }), 1, 'f64');
    const rec = lif.forward(current, 1, 5);
    close(rec.membrane, [0.5, 0.875, 1.15625, 0.8671875, 1.650390625]);
    expect(Array.from(rec.spikes)).toEqual([0, 0, 0, 0, 0]);
  });

  it('uses beta = dt / tau (dt 0.5, tau 2 gives the same as dt 1, tau 4)', () => {
    const a = new LifLayer(1, lifConfig({ tauMs: 2 }), 0.5, 'f64').forward(current, 1, 5);
    close(a.membrane, [0.5, 0.875, 1.15625, 0, 1]);
  });

  it('does not spike just below threshold and spikes just above', () => {
    const lif = new LifLayer(2, lifConfig({ tauMs: 1 }), 1, 'f64'); // beta 1: u = I
    const rec = lif.forward(Float64Array.from([1 - 1e-12, 1 + 1e-12]), 1, 1);
    expect(Array.from(rec.spikes)).toEqual([0, 1]);
  });

  it('lays out [batch][time][neuron] and restarts from rest for every sample', () => {
    const lif = new LifLayer(2, lifConfig({ reset: 'soft' }), 1, 'f64');
    const T = 5;
    const cur = new Float64Array(2 * T * 2);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < T; t++) {
        cur[(b * T + t) * 2 + 0] = current[t]!;
        cur[(b * T + t) * 2 + 1] = 0.5 * current[t]!;
      }
    }
    const rec = lif.forward(cur, 2, T);
    const single = new LifLayer(1, lifConfig({ reset: 'soft' }), 1, 'f64').forward(current, 1, T);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < T; t++) {
        expect(rec.membrane[(b * T + t) * 2]).toBeCloseTo(single.membrane[t]!, 14);
        expect(rec.spikes[(b * T + t) * 2]).toBe(single.spikes[t]);
      }
    }
    // Neuron 1 sees half the current: 0.25, 0.4375, 0.578125, ... never reaches 1 before t4.
    expect(rec.membrane[1]).toBeCloseTo(0.25, 14);
    expect(rec.membrane[3]).toBeCloseTo(0.4375, 14);
  });

  it('stores Float32 records in f32', () => {
    const rec = new LifLayer(1, lifConfig(), 1, 'f32').forward(Float32Array.from(current), 1, 5);
    expect(rec.membrane).toBeInstanceOf(Float32Array);
    expect(rec.membrane[1]).toBe(Math.fround(0.875));
  });

  it('emits f(u - threshold) in smooth mode', () => {
    const cfg = lifConfig({ surrogate: { kind: 'fastSigmoid', alpha: 3 } });
    const lif = new LifLayer(1, cfg, 1, 'f64', 'smooth');
    const rec = lif.forward(Float64Array.from([2, 2]), 1, 2);
    const u0 = 0.5;
    const s0 = 0.5 + (0.5 * 3 * (u0 - 1)) / (1 + 3 * Math.abs(u0 - 1));
    expect(rec.membrane[0]).toBeCloseTo(u0, 14);
    expect(rec.spikes[0]).toBeCloseTo(s0, 14);
    // Hard reset with a smooth spike: v = u (1 - s).
    const v0 = u0 * (1 - s0);
    expect(rec.membrane[1]).toBeCloseTo(v0 + 0.25 * (2 - v0), 14);
  });

  it('refuses backward before forward', () => {
    const lif = new LifLayer(1, lifConfig(), 1, 'f64');
    expect(() => lif.backward(null, new Float64Array(1))).toThrow(/before forward/);
  });
});

/** Scalar L = sum(Rm * membrane) + sum(Rs * spikes) of the layer's outputs. */
function functional(
  rec: { membrane: RealArray; spikes: RealArray },
  rm: Float64Array,
  rs: Float64Array,
): number {
  let l = 0;
  for (let q = 0; q < rm.length; q++) l += rm[q]! * rec.membrane[q]! + rs[q]! * rec.spikes[q]!;
  return l;
}

function randomArray(rng: Rng, n: number, mean: number, std: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal(mean, std));
}

describe('LifLayer backward (smooth spikes, reset not detached) equals finite differences', () => {
  const cases: { reset: 'hard' | 'soft'; kind: SurrogateKind }[] = [
    { reset: 'hard', kind: 'arctan' },
    { reset: 'hard', kind: 'fastSigmoid' },
    { reset: 'hard', kind: 'slayerExp' },
    { reset: 'soft', kind: 'arctan' },
    { reset: 'soft', kind: 'fastSigmoid' },
    { reset: 'soft', kind: 'slayerExp' },
  ];
  it.each(cases)('$reset reset, $kind surrogate', ({ reset, kind }) => {
    const rng = new Rng(reset === 'hard' ? 1 : 2);
    const batch = 2;
    const T = 15;
    const n = 3;
    const size = batch * T * n;
    const cfg = lifConfig({ reset, surrogate: { kind, alpha: 2 }, detachReset: false, tauMs: 3 });
    const lif = new LifLayer(n, cfg, 1, 'f64', 'smooth');
    const current = randomArray(rng, size, 1.2, 1.5);
    const rm = randomArray(rng, size, 0, 1);
    const rs = randomArray(rng, size, 0, 1);
    const rec = lif.forward(current, batch, T);
    // The smooth spikes must actually move (otherwise the test checks nothing).
    expect(Math.max(...rec.spikes)).toBeGreaterThan(0.7);
    const grad = lif.backward(rs, rm);
    const h = 1e-6;
    let scale = 0;
    for (const g of grad) scale = Math.max(scale, Math.abs(g));
    expect(scale).toBeGreaterThan(0.1);
    for (let q = 0; q < size; q++) {
      const x = current[q]!;
      current[q] = x + h;
      const lp = functional(lif.forward(current, batch, T), rm, rs);
      current[q] = x - h;
      const lm = functional(lif.forward(current, batch, T), rm, rs);
      current[q] = x;
      const numeric = (lp - lm) / (2 * h);
      expect(Math.abs(numeric - grad[q]!), `q ${q}`).toBeLessThan(1e-6 * scale + 1e-9);
    }
  });

  it('non-spiking readout: gradient of a membrane functional (heaviside mode) is exact', () => {
    const rng = new Rng(3);
    const T = 10;
    const n = 2;
    const lif = new LifLayer(n, lifConfig({ spiking: false }), 1, 'f64');
    const current = randomArray(rng, T * n, 0, 2);
    const rm = randomArray(rng, T * n, 0, 1);
    lif.forward(current, 1, T);
    const grad = lif.backward(randomArray(rng, T * n, 0, 1), rm); // gradSpikes ignored: no spikes
    for (let q = 0; q < T * n; q++) {
      const x = current[q]!;
      current[q] = x + 1e-3;
      const lp = functional(lif.forward(current, 1, T), rm, new Float64Array(T * n));
      current[q] = x - 1e-3;
      const lm = functional(lif.forward(current, 1, T), rm, new Float64Array(T * n));
      current[q] = x;
      expect(grad[q]).toBeCloseTo((lp - lm) / 2e-3, 10);
    }
  });

  it('with a detached reset, the heaviside backward is the leaky chain gated by (1 - s)', () => {
    // One neuron, T = 2, hard reset. Spike at t0 (u0 = 1.25 >= 1), so v0 = 0 and dv0/du0 = 0
    // when the reset is detached: dL/dI0 = beta * (dL/du0) only.
    const lif = new LifLayer(1, lifConfig({ tauMs: 4 }), 1, 'f64');
    lif.forward(Float64Array.from([5, 0]), 1, 2);
    const grad = lif.backward(null, Float64Array.from([0, 1]));
    expect(grad[1]).toBeCloseTo(0.25, 14);
    expect(grad[0]).toBeCloseTo(0, 14);
    // Without a spike at t0 (current 1): dL/dI0 = beta * (1 - beta) = 0.1875.
    lif.forward(Float64Array.from([1, 0]), 1, 2);
    const g2 = lif.backward(null, Float64Array.from([0, 1]));
    expect(g2[0]).toBeCloseTo(0.1875, 14);
  });
});
