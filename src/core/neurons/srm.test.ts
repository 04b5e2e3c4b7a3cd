import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { sum, type RealArray } from '../tensor.ts';
import { SrmLayer, type SrmConfig } from './srm.ts';
import type { SurrogateKind } from './surrogates.ts';

function srmConfig(overrides: Partial<SrmConfig> = {}): SrmConfig {
  return {
    model: 'srm',
    tauSynMs: 3,
    tauRefMs: 2,
    threshold: 1.5,
    refractoryScale: 2,
    spiking: true,
    surrogate: { kind: 'slayerExp', alpha: 2 },
    detachReset: true,
    ...overrides,
  };
}

/** Naive O(T^2) SRM by the defining convolutions (one sample, one neuron). */
function naiveSrm(
  current: ArrayLike<number>,
  cfg: SrmConfig,
  dt: number,
): { membrane: Float64Array; spikes: Float64Array } {
  const T = current.length;
  const eps = (n: number): number => ((n * dt) / cfg.tauSynMs) * Math.exp(1 - (n * dt) / cfg.tauSynMs);
  const shape = (n: number): number => (cfg.refractoryKernel === 'alpha' ? (n * dt) / cfg.tauRefMs : 1);
  const nu = (n: number): number =>
    -cfg.refractoryScale * cfg.threshold * shape(n) * Math.exp(1 - (n * dt) / cfg.tauRefMs);
  const membrane = new Float64Array(T);
  const spikes = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let u = 0;
    for (let tp = 0; tp <= t; tp++) u += eps(t - tp) * current[tp]!;
    if (cfg.spiking) for (let tf = 0; tf < t; tf++) if (spikes[tf]) u += nu(t - tf);
    membrane[t] = u;
    spikes[t] = cfg.spiking && u >= cfg.threshold ? 1 : 0;
  }
  return { membrane, spikes };
}

describe('SrmLayer kernels', () => {
  it('eps(n) = n dt / tau_s exp(1 - n dt / tau_s) and nu(n) = -scale theta exp(1 - n dt / tau_r)', () => {
    const cfg = srmConfig({ tauSynMs: 3, tauRefMs: 2, threshold: 1.5, refractoryScale: 2 });
    const dt = 0.5;
    const { eps, nu } = new SrmLayer(1, cfg, dt, 'f64').kernels(40);
    expect(eps[0]).toBe(0);
    expect(nu[0]).toBe(0);
    for (let n = 1; n < 40; n++) {
      const x = (n * dt) / 3;
      expect(eps[n]).toBeCloseTo(x * Math.exp(1 - x), 13);
      expect(nu[n]).toBeCloseTo(-2 * 1.5 * Math.exp(1 - (n * dt) / 2), 13);
    }
    // The alpha kernel peaks at t = tau_s with value 1 (n = 6 for tau 3, dt 0.5).
    expect(eps[6]).toBeCloseTo(1, 14);
    let argmax = 0;
    eps.forEach((v, n) => {
      if (v > eps[argmax]!) argmax = n;
    });
    expect(argmax).toBe(6);
  });
});

describe('SrmLayer alpha refractory kernel', () => {
  it('nu(n) = -scale theta (n dt / tau_r) exp(1 - n dt / tau_r): 0 at once, deepest at tau_r', () => {
    const cfg = srmConfig({ refractoryKernel: 'alpha', tauRefMs: 2 });
    const { nu } = new SrmLayer(1, cfg, 1, 'f64').kernels(8);
    for (let n = 1; n < 8; n++) expect(nu[n]).toBeCloseTo(-2 * 1.5 * (n / 2) * Math.exp(1 - n / 2), 12);
    // The deepest point, -scale theta, comes tau_r = 2 steps after the spike.
    expect(nu[2]).toBeCloseTo(-3, 12);
    expect(Math.min(...Array.from(nu))).toBe(nu[2]);
  });

  it('is refused without detachReset (its response to the own spikes is not backpropagated)', () => {
    expect(
      () => new SrmLayer(1, srmConfig({ refractoryKernel: 'alpha', detachReset: false }), 1, 'f64'),
    ).toThrow(/needs detachReset/);
  });
});

describe('SrmLayer forward', () => {
  it('answers a single input impulse with eps shifted to the impulse (eps(0) = 0)', () => {
    const cfg = srmConfig({ spiking: false });
    const srm = new SrmLayer(1, cfg, 1, 'f64');
    const T = 25;
    const t0 = 4;
    const amp = 0.7;
    const current = new Float64Array(T);
    current[t0] = amp;
    const rec = srm.forward(current, 1, T);
    const { eps } = srm.kernels(T);
    for (let t = 0; t < T; t++) {
      const expected = t >= t0 ? amp * eps[t - t0]! : 0;
      expect(rec.membrane[t]).toBeCloseTo(expected, 14);
      expect(rec.spikes[t]).toBe(0);
    }
    expect(rec.membrane[t0]).toBe(0);
    expect(rec.membrane[t0 + 1]).toBeGreaterThan(0);
  });

  it('equals the naive convolution with refractory kernel, spikes included (exponential and alpha)', () => {
    const rng = new Rng(5);
    for (const [dt, refractoryKernel] of [
      [1, 'exponential'],
      [0.5, 'exponential'],
      [1, 'alpha'],
      [0.5, 'alpha'],
    ] as const) {
      const cfg = srmConfig({ refractoryKernel });
      const T = 60;
      const current = Float64Array.from({ length: T }, () =>
        rng.uniform() < 0.3 ? rng.uniformIn(0, 1.5) : 0,
      );
      const rec = new SrmLayer(1, cfg, dt, 'f64').forward(current, 1, T);
      const ref = naiveSrm(current, cfg, dt);
      let spikes = 0;
      for (let t = 0; t < T; t++) {
        expect(rec.membrane[t]).toBeCloseTo(ref.membrane[t]!, 12);
        expect(rec.spikes[t]).toBe(ref.spikes[t]);
        spikes += ref.spikes[t]!;
      }
      expect(spikes).toBeGreaterThanOrEqual(2); // the refractory path is exercised
    }
  });

  it('applies the refractory kernel from the step after a spike', () => {
    // A strong refractory kernel (scale 4) so that the neuron fires exactly once.
    const spiking = new SrmLayer(1, srmConfig({ refractoryScale: 4 }), 1, 'f64');
    const silent = new SrmLayer(1, srmConfig({ refractoryScale: 4, spiking: false }), 1, 'f64');
    const T = 12;
    const current = new Float64Array(T);
    current[0] = 3; // 3 eps(1) = e^(2/3), about 1.95 >= 1.5: a spike at t = 1
    const a = spiking.forward(current, 1, T);
    const b = silent.forward(current, 1, T);
    expect(Array.from(a.spikes).indexOf(1)).toBe(1);
    const { nu } = spiking.kernels(T);
    expect(a.membrane[1]).toBeCloseTo(b.membrane[1]!, 14); // the spike step itself is unaffected
    for (let t = 2; t < T; t++) expect(a.membrane[t]! - b.membrane[t]!).toBeCloseTo(nu[t - 1]!, 12);
    expect(sum(a.spikes)).toBe(1);
  });

  it('runs every sample and neuron independently ([batch][time][neuron])', () => {
    const cfg = srmConfig();
    const rng = new Rng(8);
    const T = 30;
    const cur = Float64Array.from({ length: 2 * T * 3 }, () => (rng.uniform() < 0.3 ? rng.uniform() * 2 : 0));
    const rec = new SrmLayer(3, cfg, 1, 'f64').forward(cur, 2, T);
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 3; j++) {
        const col = Float64Array.from({ length: T }, (_, t) => cur[(b * T + t) * 3 + j]!);
        const ref = naiveSrm(col, cfg, 1);
        for (let t = 0; t < T; t++) {
          expect(rec.membrane[(b * T + t) * 3 + j]).toBeCloseTo(ref.membrane[t]!, 12);
          expect(rec.spikes[(b * T + t) * 3 + j]).toBe(ref.spikes[t]);
        }
      }
    }
  });

  it('refuses backward before forward', () => {
    expect(() => new SrmLayer(1, srmConfig(), 1, 'f64').backward(null, null)).toThrow(/before forward/);
  });
});

function functional(
  rec: { membrane: RealArray; spikes: RealArray },
  rm: Float64Array,
  rs: Float64Array,
): number {
  let l = 0;
  for (let q = 0; q < rm.length; q++) l += rm[q]! * rec.membrane[q]! + rs[q]! * rec.spikes[q]!;
  return l;
}

describe('SrmLayer backward equals finite differences', () => {
  const kinds: SurrogateKind[] = ['slayerExp', 'arctan', 'fastSigmoid'];
  it.each(kinds)('smooth spikes, refractory not detached, %s surrogate', (kind) => {
    const rng = new Rng(kind.length);
    const batch = 2;
    const T = 16;
    const n = 2;
    const size = batch * T * n;
    const cfg = srmConfig({ surrogate: { kind, alpha: 1.5 }, detachReset: false, tauSynMs: 2, tauRefMs: 2 });
    const srm = new SrmLayer(n, cfg, 1, 'f64', 'smooth');
    const current = Float64Array.from({ length: size }, () => rng.normal(0.8, 1));
    const rm = Float64Array.from({ length: size }, () => rng.normal(0, 1));
    const rs = Float64Array.from({ length: size }, () => rng.normal(0, 1));
    const rec = srm.forward(current, batch, T);
    expect(Math.max(...rec.spikes)).toBeGreaterThan(0.7);
    const grad = srm.backward(rs, rm);
    let scale = 0;
    for (const g of grad) scale = Math.max(scale, Math.abs(g));
    expect(scale).toBeGreaterThan(0.1);
    const h = 1e-6;
    for (let q = 0; q < size; q++) {
      const x = current[q]!;
      current[q] = x + h;
      const lp = functional(srm.forward(current, batch, T), rm, rs);
      current[q] = x - h;
      const lm = functional(srm.forward(current, batch, T), rm, rs);
      current[q] = x;
      expect(Math.abs((lp - lm) / (2 * h) - grad[q]!), `q ${q}`).toBeLessThan(1e-6 * scale + 1e-9);
    }
  });

  it('non-spiking readout: membrane gradient is the time-reversed eps kernel', () => {
    const T = 12;
    const srm = new SrmLayer(1, srmConfig({ spiking: false }), 1, 'f64');
    srm.forward(new Float64Array(T), 1, T);
    const gm = new Float64Array(T);
    gm[9] = 1;
    const grad = srm.backward(null, gm);
    const { eps } = srm.kernels(T);
    for (let t = 0; t < T; t++) expect(grad[t]).toBeCloseTo(t <= 9 ? eps[9 - t]! : 0, 14);
  });
});
