import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import type { Precision } from '../tensor.ts';
import { DelayLayer, type SparsePath } from './delayLayer.ts';
import type { DelayKernelConfig } from './kernels.ts';
import { synapseList } from './sparseSynapses.ts';

const INPUTS = 9;
const OUTPUTS = 7;
const T = 14;
const TD = 6;
const BATCH = 2;

const MODES: { name: string; kernel: DelayKernelConfig }[] = [
  { name: 'gauss', kernel: { mode: 'gauss', maxDelay: TD, rounding: 'nearest', hardwareBackward: 'gauss' } },
  { name: 'lerp', kernel: { mode: 'lerp', maxDelay: TD, rounding: 'nearest', hardwareBackward: 'gauss' } },
  {
    name: 'round/floor',
    kernel: { mode: 'round', maxDelay: TD, rounding: 'floor', hardwareBackward: 'gauss' },
  },
  {
    name: 'round/nearest',
    kernel: { mode: 'round', maxDelay: TD, rounding: 'nearest', hardwareBackward: 'gauss' },
  },
  {
    name: 'hardware/gauss',
    kernel: { mode: 'hardware', maxDelay: TD, rounding: 'floor', hardwareBackward: 'gauss' },
  },
  {
    name: 'hardware/lerp',
    kernel: { mode: 'hardware', maxDelay: TD, rounding: 'nearest', hardwareBackward: 'lerp' },
  },
];

/** A masked layer (about a third active) with delays off the integers, plus both edge delays. */
function maskedLayer(
  kernel: DelayKernelConfig,
  path: SparsePath,
  seed: number,
  precision: Precision = 'f64',
): DelayLayer {
  const rng = new Rng(seed);
  const layer = new DelayLayer(INPUTS, OUTPUTS, kernel, precision);
  layer.mask = new Uint8Array(INPUTS * OUTPUTS);
  for (let q = 0; q < INPUTS * OUTPUTS; q++) {
    layer.mask[q] = rng.uniform() < 0.35 ? 1 : 0;
    layer.weights[q] = layer.mask[q] ? rng.normal(0, 1) : 0;
    layer.delays[q] = Math.min(TD - 1.1, rng.int(TD - 1) + 0.1 + 0.8 * rng.uniform());
  }
  layer.mask[0] = 1;
  layer.delays[0] = 0;
  layer.mask[INPUTS * OUTPUTS - 1] = 1;
  layer.delays[INPUTS * OUTPUTS - 1] = TD - 1;
  layer.sigma = 0.9;
  layer.sparsePath = path;
  return layer;
}

function spikes(seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: BATCH * T * INPUTS }, () =>
    rng.uniform() < 0.3 ? (rng.uniform() < 0.5 ? 1 : rng.normal(0, 1.5)) : 0,
  );
}

function run(layer: DelayLayer, input: Float64Array, R: Float64Array) {
  const current = Float64Array.from(layer.forward(input, BATCH, T));
  layer.zeroGrad();
  const gradInput = Float64Array.from(layer.backward(R, true)!);
  return {
    current,
    gradInput,
    gw: Float64Array.from(layer.gradWeights),
    gd: Float64Array.from(layer.gradDelays),
  };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number, what: string): void {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (let q = 0; q < a.length; q++) scale = Math.max(scale, Math.abs(b[q]!));
  for (let q = 0; q < a.length; q++)
    expect(Math.abs(a[q]! - b[q]!), `${what}[${q}]: ${a[q]} vs ${b[q]}`).toBeLessThanOrEqual(
      tolerance * (scale + 1),
    );
}

describe('the sparse path of a masked DelayLayer (active synapses only)', () => {
  it('lists exactly the active (or the dormant) synapses by presynaptic neuron', () => {
    const mask = Uint8Array.from([1, 0, 1, 0, 0, 0, 1, 1, 0]);
    const active = synapseList(mask, 3, 3, 1);
    expect(Array.from(active.start)).toEqual([0, 2, 2, 4]);
    expect(Array.from(active.post)).toEqual([0, 2, 0, 1]);
    expect(Array.from(active.index)).toEqual([0, 2, 6, 7]);
    const dormant = synapseList(mask, 3, 3, 0);
    expect(dormant.count).toBe(5);
    expect(Array.from(dormant.index)).toEqual([1, 3, 4, 5, 8]);
  });

  it('counts a synapse of nonzero weight as active whatever its mask (a model evaluated under a later mask)', () => {
    const { kernel } = MODES[0]!;
    const input = spikes(41);
    const rng = new Rng(42);
    const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
    const sparse = maskedLayer(kernel, 'always', 9);
    const dense = maskedLayer(kernel, 'never', 9);
    // A synapse pruned since: mask 0, but the evaluated parameters still give it a weight.
    const q = sparse.mask!.indexOf(0);
    sparse.weights[q] = dense.weights[q] = 0.7;
    expectClose(run(sparse, input, R).current, run(dense, input, R).current, 1e-13, 'current');
  });

  for (const { name, kernel } of MODES) {
    it(`${name}: the same current and gradients as the dense loops, RigL's dormant gradients included`, () => {
      for (const keepDormant of [false, true]) {
        const input = spikes(11);
        const rng = new Rng(12);
        const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
        const sparse = maskedLayer(kernel, 'always', 5);
        const dense = maskedLayer(kernel, 'never', 5);
        sparse.keepDormantGradients = dense.keepDormantGradients = keepDormant;
        const a = run(sparse, input, R);
        const b = run(dense, input, R);
        expect(b.current.some((x) => x !== 0)).toBe(true);
        expectClose(a.current, b.current, 1e-13, 'current');
        expectClose(a.gradInput, b.gradInput, 1e-13, 'dL/dinput');
        expectClose(a.gw, b.gw, 1e-13, 'dL/dw');
        expectClose(a.gd, b.gd, 1e-13, 'dL/dd');
        // With RigL's dormant gradients, some dormant synapse has one; without, none does.
        const mask = sparse.mask!;
        const dormantGrad = Array.from(a.gw).some((g, q) => mask[q] === 0 && g !== 0);
        expect(dormantGrad).toBe(keepDormant);
      }
    });
  }

  it('float32 layers: the sparse path agrees with the dense (WebAssembly-or-TypeScript) loops to float precision', () => {
    for (const { kernel } of MODES) {
      const input = spikes(21);
      const rng = new Rng(22);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
      const a = run(maskedLayer(kernel, 'always', 8, 'f32'), input, R);
      const b = run(maskedLayer(kernel, 'never', 8, 'f32'), input, R);
      expectClose(a.current, b.current, 1e-5, 'current');
      expectClose(a.gw, b.gw, 1e-5, 'dL/dw');
      expectClose(a.gd, b.gd, 1e-5, 'dL/dd');
      expectClose(a.gradInput, b.gradInput, 1e-5, 'dL/dinput');
    }
  });

  for (const name of ['gauss', 'lerp', 'hardware/gauss']) {
    it(`${name}: gradients equal finite differences of sum(current * R)`, () => {
      const { kernel } = MODES.find((m) => m.name === name)!;
      const layer = maskedLayer(kernel, 'always', 31);
      const input = spikes(32);
      const rng = new Rng(33);
      const R = Float64Array.from({ length: BATCH * T * OUTPUTS }, () => rng.normal(0, 1));
      const { gw, gd, gradInput } = run(layer, input, R);
      const L = (): number => {
        const c = layer.forward(input, BATCH, T);
        let s = 0;
        for (let q = 0; q < c.length; q++) s += c[q]! * R[q]!;
        return s;
      };
      const fd = (arr: { [q: number]: number }, q: number, h: number): number => {
        const x = arr[q]!;
        arr[q] = x + h;
        const up = L();
        arr[q] = x - h;
        const down = L();
        arr[q] = x;
        return (up - down) / (2 * h);
      };
      const mask = layer.mask!;
      let checked = 0;
      for (let q = 0; q < gw.length; q++) {
        if (!mask[q]) continue;
        expect(Math.abs(fd(layer.weights, q, 1e-4) - gw[q]!)).toBeLessThan(1e-7);
        // Lerp has kinks at integer delays (the edge synapses sit on them): skip those.
        const d = layer.delays[q]!;
        if (name === 'lerp' && Math.abs(d - Math.round(d)) < 0.05) continue;
        if (name === 'hardware/gauss') continue; // its forward is integer: only its weights have finite differences
        expect(Math.abs(fd(layer.delays, q, 1e-6) - gd[q]!), `dL/dd[${q}]`).toBeLessThan(1e-6);
        checked++;
      }
      if (name !== 'hardware/gauss') expect(checked).toBeGreaterThan(10);
      for (let q = 0; q < input.length; q += 3)
        expect(Math.abs(fd(input, q, 1e-3) - gradInput[q]!)).toBeLessThan(1e-7);
      expect(gd.some((g) => g !== 0)).toBe(true);
    });
  }
});
