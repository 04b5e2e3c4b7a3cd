// Why this file is over 400 lines: one finite-difference and parity suite per kernel mode of the
// delay layer, kept side by side so the modes are checked the same way.
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import type { Precision, RealArray } from '../tensor.ts';
import { DelayLayer } from './delayLayer.ts';
import { synapseTaps, type DelayKernelConfig, type DelayRounding, type KernelMode } from './kernels.ts';

const INPUTS = 4;
const OUTPUTS = 3;
const T = 12;
const TD = 5;
const BATCH = 2;

function kernelConfig(
  mode: KernelMode,
  rounding: DelayRounding = 'floor',
  hardwareBackward: 'gauss' | 'lerp' = 'gauss',
): DelayKernelConfig {
  return { mode, maxDelay: TD, rounding, hardwareBackward };
}

/**
 * A layer with normal weights and delays in [0, Td - 1] whose fractional parts stay in [0.1, 0.9]
 * (so lerp and rounding are smooth under small perturbations), plus a synapse at delay 0 and
 * one at Td - 1 exactly (the edges).
 */
function makeLayer(
  kernel: DelayKernelConfig,
  seed: number,
  precision: Precision = 'f64',
  sigma = 1.3,
): DelayLayer {
  const rng = new Rng(seed);
  const layer = new DelayLayer(INPUTS, OUTPUTS, kernel, precision);
  for (let q = 0; q < INPUTS * OUTPUTS; q++) {
    layer.weights[q] = rng.normal(0, 1);
    layer.delays[q] = Math.min(TD - 1.1, rng.int(TD - 1) + 0.1 + 0.8 * rng.uniform());
  }
  layer.delays[0] = 0;
  layer.delays[INPUTS * OUTPUTS - 1] = TD - 1;
  layer.sigma = sigma;
  return layer;
}

/** Sparse input with binary and real-valued (negative too) events. */
function makeInput(seed: number, density = 0.25): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: BATCH * T * INPUTS }, () => {
    if (rng.uniform() >= density) return 0;
    return rng.uniform() < 0.5 ? 1 : rng.normal(0, 1.5);
  });
}

/** The explicit dense convolution: materialise every synapse's taps, loop over b, t, i, j, k. */
function referenceForward(layer: DelayLayer, input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(BATCH * T * OUTPUTS);
  for (let i = 0; i < INPUTS; i++) {
    for (let j = 0; j < OUTPUTS; j++) {
      const q = i * OUTPUTS + j;
      const taps = synapseTaps(layer.kernel, layer.weights[q]!, layer.delays[q]!, layer.sigma);
      for (let b = 0; b < BATCH; b++) {
        for (let t = 0; t < T; t++) {
          for (let k = 0; k < TD && k <= t; k++) {
            out[(b * T + t) * OUTPUTS + j]! += taps[k]! * input[(b * T + t - k) * INPUTS + i]!;
          }
        }
      }
    }
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let q = 0; q < a.length; q++) s += a[q]! * b[q]!;
  return s;
}

function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let q = 0; q < a.length; q++) m = Math.max(m, Math.abs(a[q]!));
  return m;
}

const ALL_MODES: { name: string; kernel: DelayKernelConfig }[] = [
  { name: 'gauss', kernel: kernelConfig('gauss') },
  { name: 'lerp', kernel: kernelConfig('lerp') },
  { name: 'round/floor', kernel: kernelConfig('round', 'floor') },
  { name: 'round/nearest', kernel: kernelConfig('round', 'nearest') },
  { name: 'hardware/floor/gauss', kernel: kernelConfig('hardware', 'floor', 'gauss') },
  { name: 'hardware/nearest/lerp', kernel: kernelConfig('hardware', 'nearest', 'lerp') },
];

describe('DelayLayer forward equals the explicit dense convolution', () => {
  it.each(ALL_MODES)('$name', ({ kernel }) => {
    for (const seed of [1, 2, 3]) {
      for (const sigma of [0.4, 1.3, 3]) {
        const layer = makeLayer(kernel, seed, 'f64', sigma);
        const input = makeInput(100 + seed);
        const current = layer.forward(input, BATCH, T);
        const ref = referenceForward(layer, input);
        expect(maxAbsOf(ref)).toBeGreaterThan(0.5);
        for (let q = 0; q < ref.length; q++) {
          expect(Math.abs(current[q]! - ref[q]!), `seed ${seed} sigma ${sigma} q ${q}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('f32 layers agree with the f64 reference to float precision', () => {
    for (const { kernel } of ALL_MODES) {
      const layer = makeLayer(kernel, 4, 'f32');
      const input = makeInput(104);
      const current = layer.forward(input, BATCH, T);
      expect(current).toBeInstanceOf(Float32Array);
      const ref = referenceForward(layer, input);
      for (let q = 0; q < ref.length; q++) expect(Math.abs(current[q]! - ref[q]!)).toBeLessThan(1e-5);
    }
  });

  it('delivers a single spike through a round delay exactly d steps later, and drops it past the end', () => {
    const layer = new DelayLayer(1, 1, kernelConfig('round'), 'f64');
    layer.weights[0] = 2;
    layer.delays[0] = 3.7; // floor -> 3
    const input = new Float64Array(T);
    input[2] = 1;
    input[T - 2] = 1; // would land at T + 1: outside the window
    const current = layer.forward(input, 1, T);
    const expected = new Float64Array(T);
    expected[5] = 2;
    expect(Array.from(current)).toEqual(Array.from(expected));
  });
});

describe('DelayLayer backward equals finite differences of sum(current * R)', () => {
  /** Runs backward for the functional and checks every requested gradient. */
  function check(kernel: DelayKernelConfig, params: ('weights' | 'delays' | 'inputs')[], seed: number): void {
    const layer = makeLayer(kernel, seed);
    const input = makeInput(200 + seed);
    const rng = new Rng(300 + seed);
    const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
    const L = (): number => dot(layer.forward(input, BATCH, T), R);
    layer.forward(input, BATCH, T);
    layer.zeroGrad();
    const gradInput = layer.backward(R, true)!;
    const gw = Float64Array.from(layer.gradWeights);
    const gd = Float64Array.from(layer.gradDelays);
    const fd = (arr: RealArray | Float64Array, q: number, h: number): number => {
      const x = arr[q]!;
      arr[q] = x + h;
      const lp = L();
      arr[q] = x - h;
      const lm = L();
      arr[q] = x;
      return (lp - lm) / (2 * h);
    };
    const compare = (
      name: string,
      analytic: ArrayLike<number>,
      arr: RealArray | Float64Array,
      h: number,
    ): void => {
      const scale = maxAbsOf(analytic);
      expect(scale, `${name} gradient is not all zero`).toBeGreaterThan(1e-3);
      for (let q = 0; q < analytic.length; q++) {
        const numeric = fd(arr, q, h);
        expect(Math.abs(numeric - analytic[q]!), `${name}[${q}]: ${numeric} vs ${analytic[q]}`).toBeLessThan(
          1e-7 * scale + 1e-10,
        );
      }
    };
    if (params.includes('weights')) compare('weights', gw, layer.weights, 1e-4);
    // Delay 0 and Td - 1 sit on a kink of the lerp kernel: skip those two synapses there.
    if (params.includes('delays')) {
      const smoothOnly = kernel.mode === 'lerp' || kernel.hardwareBackward === 'lerp';
      const scale = maxAbsOf(gd);
      expect(scale).toBeGreaterThan(1e-3);
      for (let q = 0; q < gd.length; q++) {
        const d = layer.delays[q]!;
        if (smoothOnly && Math.abs(d - Math.round(d)) < 0.05) continue;
        const numeric = fd(layer.delays, q, 1e-6);
        expect(Math.abs(numeric - gd[q]!), `delays[${q}]: ${numeric} vs ${gd[q]}`).toBeLessThan(
          1e-7 * scale + 1e-9,
        );
      }
    } else {
      expect(maxAbsOf(gd)).toBe(0);
    }
    if (params.includes('inputs')) compare('inputs', gradInput, input, 1e-3);
  }

  it('gauss: weights, delays and inputs', () => {
    for (const seed of [1, 2, 3]) check(kernelConfig('gauss'), ['weights', 'delays', 'inputs'], seed);
  });

  it('lerp: weights, delays (away from integers) and inputs', () => {
    for (const seed of [1, 2, 3]) check(kernelConfig('lerp'), ['weights', 'delays', 'inputs'], seed);
  });

  it('round: weights and inputs; no delay gradient', () => {
    for (const rounding of ['floor', 'nearest'] as const) {
      for (const seed of [1, 2]) check(kernelConfig('round', rounding), ['weights', 'inputs'], seed);
    }
    expect(new DelayLayer(1, 1, kernelConfig('round'), 'f64').hasDelayGradient).toBe(false);
  });

  it('lerp between the last two taps: dL/dd = w (G[Td - 1] - G[Td - 2]) by hand', () => {
    // d in (Td - 2, Td - 1): K[Td-2] = w (1 - f), K[Td-1] = w f; dL/dd = w (G[Td-1] - G[Td-2]).
    const layer = new DelayLayer(1, 1, kernelConfig('lerp'), 'f64');
    layer.weights[0] = 1.5;
    layer.delays[0] = TD - 1.5;
    const input = new Float64Array(T);
    input[0] = 1;
    const R = Float64Array.from({ length: T }, (_, t) => t * t);
    layer.forward(input, 1, T);
    layer.backward(R, false);
    expect(layer.gradDelays[0]).toBeCloseTo(1.5 * (R[TD - 1]! - R[TD - 2]!), 12);
    expect(layer.gradWeights[0]).toBeCloseTo(0.5 * R[TD - 2]! + 0.5 * R[TD - 1]!, 12);
  });
});

describe('DelayLayer hardware mode (forward round, backward smooth)', () => {
  const cases = [
    { rounding: 'floor', smooth: 'gauss' },
    { rounding: 'nearest', smooth: 'gauss' },
    { rounding: 'floor', smooth: 'lerp' },
    { rounding: 'nearest', smooth: 'lerp' },
  ] as const;
  it.each(cases)('rounding $rounding, backward $smooth', ({ rounding, smooth }) => {
    for (const seed of [1, 2, 3]) {
      const hw = makeLayer(kernelConfig('hardware', rounding, smooth), seed);
      const round = makeLayer(kernelConfig('round', rounding), seed);
      const soft = makeLayer(kernelConfig(smooth), seed);
      const input = makeInput(400 + seed);
      const rng = new Rng(500 + seed);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
      const cur = hw.forward(input, BATCH, T);
      expect(Array.from(cur)).toEqual(Array.from(round.forward(input, BATCH, T)));
      soft.forward(input, BATCH, T);
      const giHw = hw.backward(R, true)!;
      const giRound = round.backward(R, true)!;
      soft.backward(R, true);
      for (let q = 0; q < giHw.length; q++) expect(giHw[q]).toBeCloseTo(giRound[q]!, 12);
      for (let q = 0; q < hw.gradWeights.length; q++) {
        expect(hw.gradWeights[q]).toBeCloseTo(round.gradWeights[q]!, 12);
        expect(hw.gradDelays[q]).toBeCloseTo(soft.gradDelays[q]!, 12);
      }
      expect(maxAbsOf(hw.gradDelays)).toBeGreaterThan(1e-3);
      expect(maxAbsOf(round.gradDelays)).toBe(0);
    }
  });
});

describe('DelayLayer mask, constraints and switches', () => {
  it('mask zeroes gradients and constrain() holds masked weights at 0 and clamps delays', () => {
    for (const mode of ['gauss', 'lerp', 'hardware'] as const) {
      const masked = makeLayer(kernelConfig(mode), 7);
      const plain = makeLayer(kernelConfig(mode), 7);
      const mask = Uint8Array.from({ length: INPUTS * OUTPUTS }, (_, q) => (q % 3 === 1 ? 0 : 1));
      masked.mask = mask;
      masked.delays[2] = -1.5;
      masked.delays[3] = TD + 2;
      plain.delays[2] = -1.5;
      plain.delays[3] = TD + 2;
      masked.weights[1] = 3; // a masked synapse given a weight from elsewhere
      masked.constrain();
      plain.constrain();
      expect(masked.delays[2]).toBe(0);
      expect(masked.delays[3]).toBe(TD - 1);
      for (let q = 0; q < mask.length; q++) {
        expect(masked.delays[q]).toBeGreaterThanOrEqual(0);
        expect(masked.delays[q]).toBeLessThanOrEqual(TD - 1);
        if (mask[q] === 0) {
          expect(masked.weights[q]).toBe(0);
          plain.weights[q] = 0;
        } else {
          expect(masked.weights[q]).toBe(plain.weights[q]);
        }
      }
      const input = makeInput(600);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, (_, q) => Math.sin(q));
      expect(Array.from(masked.forward(input, BATCH, T))).toEqual(Array.from(plain.forward(input, BATCH, T)));
      masked.backward(R, false);
      plain.backward(R, false);
      let nonzero = 0;
      for (let q = 0; q < mask.length; q++) {
        if (mask[q] === 0) {
          expect(masked.gradWeights[q]).toBe(0);
          expect(masked.gradDelays[q]).toBe(0);
          if (plain.gradWeights[q] !== 0) nonzero++;
        } else {
          expect(masked.gradWeights[q]).toBe(plain.gradWeights[q]);
          expect(masked.gradDelays[q]).toBe(plain.gradDelays[q]);
        }
      }
      expect(nonzero).toBeGreaterThan(0); // the mask really removed something
    }
  });

  it('computeWeightGrad = false leaves gradWeights at 0 and the delay gradient unchanged', () => {
    for (const kernel of [
      kernelConfig('gauss'),
      kernelConfig('lerp'),
      kernelConfig('hardware', 'floor', 'gauss'),
    ]) {
      const full = makeLayer(kernel, 9);
      const frozen = makeLayer(kernel, 9);
      frozen.computeWeightGrad = false;
      const input = makeInput(700);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, (_, q) => Math.cos(q));
      full.forward(input, BATCH, T);
      frozen.forward(input, BATCH, T);
      const gFull = full.backward(R, true)!;
      const gFrozen = frozen.backward(R, true)!;
      expect(maxAbsOf(frozen.gradWeights)).toBe(0);
      expect(maxAbsOf(full.gradWeights)).toBeGreaterThan(0);
      expect(Array.from(frozen.gradDelays)).toEqual(Array.from(full.gradDelays));
      expect(Array.from(gFrozen)).toEqual(Array.from(gFull));
    }
  });

  it('computeDelayGrad = false leaves gradDelays at 0 and the weight gradient unchanged', () => {
    for (const kernel of [
      kernelConfig('gauss'),
      kernelConfig('lerp'),
      kernelConfig('hardware', 'floor', 'lerp'),
    ]) {
      const full = makeLayer(kernel, 10);
      const frozen = makeLayer(kernel, 10);
      frozen.computeDelayGrad = false;
      const input = makeInput(800);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, (_, q) => Math.cos(3 * q));
      full.forward(input, BATCH, T);
      frozen.forward(input, BATCH, T);
      full.backward(R, false);
      frozen.backward(R, false);
      expect(maxAbsOf(frozen.gradDelays)).toBe(0);
      expect(maxAbsOf(full.gradDelays)).toBeGreaterThan(0);
      expect(Array.from(frozen.gradWeights)).toEqual(Array.from(full.gradWeights));
    }
  });

  it('accumulates gradients over backward calls until zeroGrad', () => {
    const layer = makeLayer(kernelConfig('gauss'), 11);
    const input = makeInput(900);
    const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, (_, q) => (q % 5) - 2);
    layer.forward(input, BATCH, T);
    layer.backward(R, false);
    const once = Float64Array.from(layer.gradWeights);
    const onceD = Float64Array.from(layer.gradDelays);
    layer.backward(R, false);
    for (let q = 0; q < once.length; q++) {
      expect(layer.gradWeights[q]).toBeCloseTo(2 * once[q]!, 12);
      expect(layer.gradDelays[q]).toBeCloseTo(2 * onceD[q]!, 12);
    }
    layer.zeroGrad();
    expect(maxAbsOf(layer.gradWeights)).toBe(0);
    expect(maxAbsOf(layer.gradDelays)).toBe(0);
  });

  it('returns no input gradient unless asked, and refuses backward before forward', () => {
    const layer = makeLayer(kernelConfig('lerp'), 12);
    expect(() => layer.backward(new Float64Array(BATCH * T * OUTPUTS), true)).toThrow(/before forward/);
    layer.forward(makeInput(1000), BATCH, T);
    expect(layer.backward(new Float64Array(BATCH * T * OUTPUTS), false)).toBeNull();
  });

  it('gives an input gradient for inputs that never fired (all-zero input)', () => {
    for (const { kernel } of ALL_MODES) {
      const layer = makeLayer(kernel, 13);
      const input = new Float64Array(BATCH * T * INPUTS);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, (_, q) => Math.sin(q + 1));
      expect(maxAbsOf(layer.forward(input, BATCH, T))).toBe(0);
      const gi = layer.backward(R, true)!;
      // dL/dinput[b, t, i] = sum_j sum_k K_ij[k] R[b, t + k, j].
      for (let b = 0; b < BATCH; b++) {
        for (let t = 0; t < T; t++) {
          for (let i = 0; i < INPUTS; i++) {
            let expected = 0;
            for (let j = 0; j < OUTPUTS; j++) {
              const q = i * OUTPUTS + j;
              const taps = synapseTaps(kernel, layer.weights[q]!, layer.delays[q]!, layer.sigma);
              for (let k = 0; k < TD && t + k < T; k++)
                expected += taps[k]! * R[(b * T + t + k) * OUTPUTS + j]!;
            }
            expect(gi[(b * T + t) * INPUTS + i]).toBeCloseTo(expected, 12);
          }
        }
      }
      expect(maxAbsOf(layer.gradWeights)).toBe(0);
    }
  });
});

describe('DelayLayer storage and memory', () => {
  it('uses the arrays it is given and rejects a wrong length', () => {
    const weights = new Float64Array(INPUTS * OUTPUTS).fill(0.5);
    const gradDelays = new Float64Array(INPUTS * OUTPUTS);
    const layer = new DelayLayer(INPUTS, OUTPUTS, kernelConfig('lerp'), 'f64', { weights, gradDelays });
    expect(layer.weights).toBe(weights);
    expect(layer.gradDelays).toBe(gradDelays);
    expect(layer.delays).not.toBe(weights);
    expect(layer.delays.length).toBe(INPUTS * OUTPUTS);
    expect(
      () => new DelayLayer(INPUTS, OUTPUTS, kernelConfig('lerp'), 'f64', { delays: new Float64Array(3) }),
    ).toThrow(/length 3/);
  });

  it('reports memory that grows with inputs * outputs, never with inputs * outputs * Td', () => {
    const small = new DelayLayer(10, 10, { ...kernelConfig('gauss'), maxDelay: 5 }, 'f32');
    const deep = new DelayLayer(10, 10, { ...kernelConfig('gauss'), maxDelay: 50 }, 'f32');
    expect(small.memoryBytes().parameters).toBe(2 * 100 * 4);
    expect(small.memoryBytes().gradients).toBe(2 * 100 * 4);
    expect(deep.memoryBytes().parameters).toBe(small.memoryBytes().parameters);
    // Gaussian scratch is O(outputs * Td): four float64 arrays of 10 outputs x 50 taps (dense taps,
    // norms, tap gradients, windowed taps) and a few per output, below one materialised float64
    // kernel of 100 synapses x 50 taps (40,000 bytes).
    expect(deep.memoryBytes().scratch).toBeLessThan(8 * 5 * 10 * 50);
    expect(deep.memoryBytes().scratch).toBeLessThan(8 * 100 * 50);
    const masked = new DelayLayer(10, 10, kernelConfig('round'), 'f64');
    masked.mask = new Uint8Array(100).fill(1);
    expect(masked.memoryBytes().parameters).toBe(2 * 100 * 8 + 100);
  });

  it('sees parameter changes between calls (no stale tap tables)', () => {
    for (const { kernel } of ALL_MODES) {
      const layer = makeLayer(kernel, 14);
      const input = makeInput(1100);
      layer.forward(input, BATCH, T);
      for (let q = 0; q < layer.weights.length; q++) {
        layer.weights[q] = -2 * layer.weights[q]!;
        layer.delays[q] = TD - 1 - layer.delays[q]!;
      }
      const current = layer.forward(input, BATCH, T);
      const ref = referenceForward(layer, input);
      for (let q = 0; q < ref.length; q++) expect(current[q]).toBeCloseTo(ref[q]!, 12);
      // And with another batch size.
      const one = layer.forward(input.subarray(0, T * INPUTS), 1, T);
      for (let q = 0; q < one.length; q++) expect(one[q]).toBeCloseTo(ref[q]!, 12);
    }
  });
});
