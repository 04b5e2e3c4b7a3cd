/**
 * The Gaussian layer's windowed loops (narrow kernels, late in a run) against the explicit dense
 * convolution and finite differences, in float64, with Td 25 as in the `shd` presets.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { DelayLayer } from './delayLayer.ts';
import { synapseTaps, type DelayKernelConfig } from './kernels.ts';

const [INPUTS, OUTPUTS, T, TD, BATCH] = [6, 5, 40, 25, 2];
const GAUSS: DelayKernelConfig = {
  mode: 'gauss',
  maxDelay: TD,
  rounding: 'nearest',
  hardwareBackward: 'gauss',
};

function layerWith(sigma: number, seed: number): DelayLayer {
  const rng = new Rng(seed);
  const layer = new DelayLayer(INPUTS, OUTPUTS, GAUSS, 'f64');
  for (let q = 0; q < INPUTS * OUTPUTS; q++) {
    layer.weights[q] = rng.normal(0, 1);
    layer.delays[q] = rng.uniformIn(0, TD - 1);
  }
  layer.delays[0] = 0;
  layer.delays[1] = TD - 1;
  layer.delays[2] = 12.5;
  layer.sigma = sigma;
  return layer;
}

function inputOf(seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: BATCH * T * INPUTS }, () =>
    rng.uniform() < 0.2 ? rng.normal(1, 0.5) : 0,
  );
}

function reference(layer: DelayLayer, input: ArrayLike<number>): Float64Array {
  const out = new Float64Array(BATCH * T * OUTPUTS);
  for (let i = 0; i < INPUTS; i++) {
    for (let j = 0; j < OUTPUTS; j++) {
      const q = i * OUTPUTS + j;
      const taps = synapseTaps(layer.kernel, layer.weights[q]!, layer.delays[q]!, layer.sigma);
      for (let b = 0; b < BATCH; b++)
        for (let t = 0; t < T; t++)
          for (let k = 0; k < TD && k <= t; k++)
            out[(b * T + t) * OUTPUTS + j]! += taps[k]! * input[(b * T + t - k) * INPUTS + i]!;
    }
  }
  return out;
}

describe('windowed Gaussian loops', () => {
  for (const [sigma, windowed] of [
    [0.05, true],
    [0.5, true],
    [0.3, true],
    [6, false],
  ] as const) {
    it(`sigma ${sigma}: forward equals the dense convolution, gradients equal finite differences (${windowed ? 'windowed' : 'dense'} loops)`, () => {
      const layer = layerWith(sigma, 7);
      const input = inputOf(8);
      const current = layer.forward(input, BATCH, T);
      if (windowed) expect(layer.windowedNeurons).toBe(INPUTS);
      else expect(layer.windowedNeurons).toBe(0);
      const want = reference(layer, input);
      want.forEach((v, q) => expect(Math.abs(current[q]! - v), `current[${q}]`).toBeLessThan(1e-12));

      const rng = new Rng(9);
      const r = Float64Array.from({ length: current.length }, () => rng.normal());
      const loss = (): number => {
        const c = layer.forward(input, BATCH, T);
        let s = 0;
        for (let q = 0; q < c.length; q++) s += c[q]! * r[q]!;
        return s;
      };
      layer.forward(input, BATCH, T);
      layer.zeroGrad();
      const gradInput = layer.backward(r, true)!;
      const fd = (arr: Float64Array | Float32Array, q: number, h: number): number => {
        const x = arr[q]!;
        arr[q] = x + h;
        const up = loss();
        arr[q] = x - h;
        const down = loss();
        arr[q] = x;
        return (up - down) / (2 * h);
      };
      const check = (
        name: string,
        analytic: ArrayLike<number>,
        arr: Float64Array | Float32Array,
        h: number,
      ): void => {
        let scale = 0;
        for (let q = 0; q < analytic.length; q++) scale = Math.max(scale, Math.abs(analytic[q]!));
        expect(scale, `${name} is not all zero`).toBeGreaterThan(1e-3);
        for (let q = 0; q < analytic.length; q++) {
          const numeric = fd(arr, q, h);
          expect(Math.abs(numeric - analytic[q]!), `${name}[${q}]`).toBeLessThan(1e-6 * scale + 1e-9);
        }
      };
      check('dL/dweights', Float64Array.from(layer.gradWeights), layer.weights, 1e-4);
      // A narrow kernel's delay gradient is tiny between taps; sigma 0.05 is checked by the others.
      if (sigma >= 0.5) check('dL/ddelays', Float64Array.from(layer.gradDelays), layer.delays, 1e-6);
      check('dL/dinput', gradInput, input, 1e-4);
    });
  }
});
