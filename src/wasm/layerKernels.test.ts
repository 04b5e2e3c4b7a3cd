import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.ts';
import { installLayerAccelerator } from '../core/synapses/layerAccelerator.ts';
import { DelayLayer, type SparsePath } from '../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../core/synapses/kernels.ts';
import { createWasmLayerKernels, type WasmLayerKernels } from './layerKernels.ts';

interface Shape {
  inputs: number;
  outputs: number;
  timeSteps: number;
  taps: number;
  batch: number;
  sigma: number;
  density: number;
  /** 'ends': a third of the delays at 0, a third at taps - 1 (where training's clamp leaves many), a third between. */
  delays?: 'uniform' | 'ends';
}

interface PassResult {
  current: Float32Array;
  gradWeights: Float32Array;
  gradDelays: Float32Array;
  gradInput: Float32Array | null;
}

/** One float32 Gaussian layer's forward and backward from the same seed, with or without the WebAssembly kernels. */
function runPass(
  shape: Shape,
  seed: number,
  /** true: a fresh WebAssembly instance; or this instance. */
  wasm: boolean | WasmLayerKernels,
  needInputGrad = true,
  mask = false,
  kernel: Partial<DelayKernelConfig> = {},
  sparsePath: SparsePath = 'auto',
): PassResult {
  installLayerAccelerator(wasm === true ? createWasmLayerKernels() : wasm === false ? null : wasm);
  const { inputs, outputs, timeSteps, taps, batch } = shape;
  const rng = new Rng(seed);
  const layer = new DelayLayer(
    inputs,
    outputs,
    { mode: 'gauss', maxDelay: taps, rounding: 'floor', hardwareBackward: 'gauss', ...kernel },
    'f32',
  );
  for (let q = 0; q < inputs * outputs; q++) {
    layer.weights[q] = rng.normal(0, 1);
    const between = rng.uniform() * (taps - 1);
    layer.delays[q] = shape.delays === 'ends' ? [0, taps - 1, between][q % 3]! : between;
  }
  if (mask) {
    layer.mask = Uint8Array.from({ length: inputs * outputs }, () => (rng.uniform() < 0.7 ? 1 : 0));
    layer.constrain(); // absent synapses hold weight 0, as in training
  }
  layer.sparsePath = sparsePath;
  layer.sigma = shape.sigma;
  const input = Float32Array.from({ length: batch * timeSteps * inputs }, () =>
    rng.uniform() < shape.density ? (rng.uniform() < 0.8 ? 1 : rng.normal(0, 1)) : 0,
  );
  const gradCurrent = Float32Array.from({ length: batch * timeSteps * outputs }, () => rng.normal(0, 1));
  const current = layer.forward(input, batch, timeSteps) as Float32Array;
  layer.zeroGrad();
  const gradInput = layer.backward(gradCurrent, needInputGrad) as Float32Array | null;
  return {
    current: current.slice(),
    gradWeights: (layer.gradWeights as Float32Array).slice(),
    gradDelays: (layer.gradDelays as Float32Array).slice(),
    gradInput: gradInput?.slice() ?? null,
  };
}

/** |a - b| <= abs + rel * max|b|, element by element, with the worst offender in the message. */
function expectClose(actual: Float32Array, expected: Float32Array, what: string, rel = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let q = 0; q < expected.length; q++) {
    const err = Math.abs(actual[q]! - expected[q]!);
    if (err > worst) {
      worst = err;
      at = q;
    }
  }
  expect(scale, `${what}: the reference is all zeros, so the comparison proves nothing`).toBeGreaterThan(0);
  expect(worst, `${what}[${at}]: ${actual[at]} vs ${expected[at]} (scale ${scale})`).toBeLessThanOrEqual(
    1e-6 + rel * scale,
  );
}

const SHAPES: Record<string, Shape> = {
  // Widths that are not multiples of the kernels' 4 columns, 8 inputs or 4 time steps.
  'ragged small': { inputs: 5, outputs: 3, timeSteps: 13, taps: 6, batch: 3, sigma: 1.3, density: 0.2 },
  'two taps': { inputs: 9, outputs: 10, timeSteps: 7, taps: 2, batch: 2, sigma: 0.5, density: 0.3 },
  'taps longer than the sample': {
    inputs: 7,
    outputs: 6,
    timeSteps: 5,
    taps: 9,
    batch: 2,
    sigma: 3,
    density: 0.3,
  },
  'wide, early sigma': {
    inputs: 40,
    outputs: 36,
    timeSteps: 30,
    taps: 25,
    batch: 4,
    sigma: 12.5,
    density: 0.05,
  },
  'wide, late sigma': {
    inputs: 33,
    outputs: 20,
    timeSteps: 21,
    taps: 25,
    batch: 2,
    sigma: 0.5,
    density: 0.1,
  },
  // Narrow kernels take the windowed input gradient: whole blocks of 16 steps, and a remainder.
  'narrow sigma, two 16-step blocks': {
    inputs: 24,
    outputs: 18,
    timeSteps: 32,
    taps: 25,
    batch: 3,
    sigma: 0.23,
    density: 0.1,
  },
  // Between the two: dense kernels, the input gradient over windows.
  'medium sigma, windowed input gradient only': {
    inputs: 20,
    outputs: 23,
    timeSteps: 27,
    taps: 25,
    batch: 2,
    sigma: 1.5,
    density: 0.1,
  },
  'narrow sigma, ragged': {
    inputs: 9,
    outputs: 30,
    timeSteps: 35,
    taps: 20,
    batch: 2,
    sigma: 0.3,
    density: 0.2,
  },
};

describe('WebAssembly kernels against the TypeScript loops (float32)', () => {
  afterEach(() => installLayerAccelerator(null));

  for (const [name, shape] of Object.entries(SHAPES)) {
    it(`agree on the current and all three gradients: ${name}`, () => {
      const reference = runPass(shape, 11, false);
      const wasm = runPass(shape, 11, true);
      expectClose(wasm.current, reference.current, 'current');
      expectClose(wasm.gradWeights, reference.gradWeights, 'dL/dweights');
      expectClose(wasm.gradDelays, reference.gradDelays, 'dL/ddelays');
      expectClose(wasm.gradInput!, reference.gradInput!, 'dL/dinput');
    });
  }

  it('agree with a connectivity mask and without an input gradient', () => {
    const shape = SHAPES['wide, late sigma']!;
    const reference = runPass(shape, 5, false, false, true);
    const wasm = runPass(shape, 5, true, false, true);
    expect(wasm.gradInput).toBeNull();
    expectClose(wasm.gradWeights, reference.gradWeights, 'dL/dweights');
    expectClose(wasm.gradDelays, reference.gradDelays, 'dL/ddelays');
    expect(wasm.gradWeights.some((g, q) => g === 0 && reference.gradWeights[q] === 0)).toBe(true);
  });

  const ONE_AND_TWO_TAPS: Record<string, Partial<DelayKernelConfig>> = {
    lerp: { mode: 'lerp' },
    'round (nearest)': { mode: 'round', rounding: 'nearest' },
    'hardware, lerp backward': { mode: 'hardware', rounding: 'floor', hardwareBackward: 'lerp' },
    'hardware, Gaussian backward': { mode: 'hardware', rounding: 'floor', hardwareBackward: 'gauss' },
  };
  for (const [name, kernel] of Object.entries(ONE_AND_TWO_TAPS)) {
    for (const shapeName of ['ragged small', 'wide, late sigma', 'taps longer than the sample']) {
      it(`agree in kernel mode ${name}: ${shapeName}`, () => {
        const shape = SHAPES[shapeName]!;
        const reference = runPass(shape, 21, false, true, false, kernel);
        const wasm = runPass(shape, 21, true, true, false, kernel);
        expectClose(wasm.current, reference.current, 'current');
        expectClose(wasm.gradWeights, reference.gradWeights, 'dL/dweights');
        if (kernel.mode !== 'round') expectClose(wasm.gradDelays, reference.gradDelays, 'dL/ddelays');
        else expect(wasm.gradDelays.every((g) => g === 0)).toBe(true);
        expectClose(wasm.gradInput!, reference.gradInput!, 'dL/dinput');
      });
    }
  }

  it('agree in lerp mode with a mask and without an input gradient', () => {
    const shape = SHAPES['wide, early sigma']!;
    const reference = runPass(shape, 9, false, false, true, { mode: 'lerp' });
    const wasm = runPass(shape, 9, true, false, true, { mode: 'lerp' });
    expect(wasm.gradInput).toBeNull();
    expectClose(wasm.current, reference.current, 'current');
    expectClose(wasm.gradWeights, reference.gradWeights, 'dL/dweights');
    expectClose(wasm.gradDelays, reference.gradDelays, 'dL/ddelays');
  });

  const MASKED_MODES: Record<string, Partial<DelayKernelConfig>> = {
    gauss: { mode: 'gauss' },
    ...ONE_AND_TWO_TAPS,
    'round (floor)': { mode: 'round', rounding: 'floor' },
  };
  for (const [name, kernel] of Object.entries(MASKED_MODES)) {
    it(`agree on a masked layer's active-synapse path in kernel mode ${name}`, () => {
      for (const shapeName of ['ragged small', 'taps longer than the sample', 'wide, early sigma']) {
        const shape = SHAPES[shapeName]!;
        const reference = runPass(shape, 31, false, true, true, kernel, 'always');
        // The WebAssembly instance, counting its active-synapse passes: the test proves nothing
        // if the layer quietly took another path.
        const kernels = createWasmLayerKernels();
        const calls = { forward: 0, backward: 0 };
        const { maskedForward, maskedBackward } = kernels;
        kernels.maskedForward = (pass, current) => {
          calls.forward++;
          maskedForward.call(kernels, pass, current);
        };
        kernels.maskedBackward = (pass, grads) => {
          calls.backward++;
          maskedBackward.call(kernels, pass, grads);
        };
        const wasm = runPass(shape, 31, kernels, true, true, kernel, 'always');
        expect(calls, shapeName).toEqual({ forward: 1, backward: 1 });
        // The forward adds the same f64 products into the same f32 cells in the same order.
        expect(wasm.current, `${shapeName}: current`).toEqual(reference.current);
        expectClose(wasm.gradWeights, reference.gradWeights, `${shapeName}: dL/dweights`);
        if (kernel.mode !== 'round')
          expectClose(wasm.gradDelays, reference.gradDelays, `${shapeName}: dL/ddelays`);
        expectClose(wasm.gradInput!, reference.gradInput!, `${shapeName}: dL/dinput`);
      }
    });
  }

  /**
   * A deep stack of layers run forward, all of them, then backward in reverse (as training does),
   * twice, the second time on changed delays (and sigma): every layer's gradients, and dL/dinput
   * of the Gaussian ones. A third of the inputs never spike, so a Gaussian backward that wants
   * dL/dinput needs the tables of neurons its forward skipped.
   */
  function deepStack(
    kernel: DelayKernelConfig,
    depth: number,
    accelerator: WasmLayerKernels | null,
  ): Float32Array {
    const shape = SHAPES['ragged small']!;
    const gauss = kernel.mode === 'gauss';
    installLayerAccelerator(accelerator);
    const rng = new Rng(4);
    const layers = Array.from({ length: depth }, () => {
      const layer = new DelayLayer(shape.inputs, shape.inputs, kernel, 'f32');
      for (let q = 0; q < layer.weights.length; q++) {
        layer.weights[q] = rng.normal(0, 1);
        layer.delays[q] = rng.uniform() * (shape.taps - 1);
      }
      layer.sigma = shape.sigma;
      return layer;
    });
    const input = Float32Array.from({ length: shape.batch * shape.timeSteps * shape.inputs }, (_, q) =>
      (q % shape.inputs) % 3 === 0 ? 0 : rng.uniform() < 0.3 ? 1 : 0,
    );
    const out: number[] = [];
    for (let round = 0; round < 2; round++) {
      // Round 2 runs on changed parameters: a stale table would show.
      if (round === 1)
        for (const layer of layers) {
          for (let q = 0; q < layer.delays.length; q++)
            layer.delays[q] = (layer.delays[q]! * 0.7 + 0.9) % (shape.taps - 1);
          layer.sigma = shape.sigma * 0.6;
        }
      for (const layer of layers) layer.forward(input, shape.batch, shape.timeSteps);
      for (const layer of [...layers].reverse()) {
        layer.zeroGrad();
        const gradCurrent = Float32Array.from(
          { length: shape.batch * shape.timeSteps * shape.inputs },
          (_, q) => Math.sin(q),
        );
        const gradInput = layer.backward(gradCurrent, gauss);
        out.push(...layer.gradWeights, ...layer.gradDelays, ...(gradInput ?? []));
      }
    }
    return Float32Array.from(out);
  }

  for (const mode of ['lerp', 'gauss'] as const) {
    it(`${mode}: a deep stack run twice, on changed parameters the second time, agrees with the TypeScript loops, also with more layers than the one- and two-tap table cache holds`, () => {
      // More layers than the accelerator caches one- and two-tap tables for (11 > 8): some
      // backward passes find their forward's tables dropped and must recompute them.
      const kernel: DelayKernelConfig = {
        mode,
        maxDelay: SHAPES['ragged small']!.taps,
        rounding: 'floor',
        hardwareBackward: mode,
      };
      for (const depth of [3, 11]) {
        const reference = deepStack(kernel, depth, null);
        const cached = deepStack(kernel, depth, createWasmLayerKernels());
        expectClose(cached, reference, `${depth} layers: every layer's gradients, both rounds`);
      }
    });
  }

  it('keep no state between passes of layers of different shapes in one thread', () => {
    const kernels = createWasmLayerKernels();
    installLayerAccelerator(kernels);
    const big = SHAPES['wide, early sigma']!;
    const small = SHAPES['ragged small']!;
    const first = runPass(small, 3, true);
    runPass(big, 4, true);
    const again = runPass(small, 3, true);
    expect(again.current).toEqual(first.current);
    expect(again.gradInput).toEqual(first.gradInput);
  });

  for (const shapeName of [
    'wide, late sigma',
    'narrow sigma, two 16-step blocks',
    'narrow sigma, ragged',
    'medium sigma, windowed input gradient only',
  ]) {
    it(`${shapeName}: the windowed kernels give the dense ones' weight and delay gradients bit for bit, the current and the input gradient to float32 rounding`, () => {
      const shape = SHAPES[shapeName]!;
      const dense = runPass(shape, 6, createWasmLayerKernels(0, 0));
      for (const [what, kernels] of [
        ['the windowed input gradient alone', createWasmLayerKernels(0, 100)],
        ['the windowed kernels where they apply', createWasmLayerKernels()],
      ] as const) {
        const windowed = runPass(shape, 6, kernels);
        expect(windowed.gradWeights, what).toEqual(dense.gradWeights);
        expect(windowed.gradDelays, what).toEqual(dense.gradDelays);
        // Where two spikes of one neuron reach a cell through different taps, the dense scatter
        // adds them in tap order and the windowed one in spike order.
        expectClose(windowed.current, dense.current, `${shapeName}, ${what}: current`);
        expectClose(windowed.gradInput!, dense.gradInput!, `${shapeName}, ${what}: dL/dinput`);
        // Not a comparison of zeros.
        expect(windowed.gradDelays.some((g) => g !== 0)).toBe(true);
        expect(windowed.gradInput!.some((g) => g !== 0)).toBe(true);
      }
    });
  }

  // Forced at any sigma (thresholds at infinity), the windows grow to the whole tap range: the
  // widest windows the default thresholds admit (sigma up to about 1.4 on 25 taps), delays where
  // the clamp leaves them, and a backward pass without the input gradient.
  const FORCED: Record<string, Shape> = {
    'sigma 1, delays at the ends': { ...SHAPES['wide, late sigma']!, sigma: 1, delays: 'ends' },
    'sigma 1.3, 25 taps': { ...SHAPES['medium sigma, windowed input gradient only']!, sigma: 1.3 },
    'ragged small, delays at the ends': { ...SHAPES['ragged small']!, delays: 'ends' },
    'taps longer than the sample': SHAPES['taps longer than the sample']!,
  };
  for (const [shapeName, shape] of Object.entries(FORCED)) {
    for (const needInputGrad of [true, false]) {
      it(`${shapeName}${needInputGrad ? '' : ', no input gradient'}: the windowed kernels forced at any sigma give the dense ones' results`, () => {
        const dense = runPass(shape, 9, createWasmLayerKernels(0, 0), needInputGrad);
        const windowed = runPass(shape, 9, createWasmLayerKernels(Infinity, Infinity), needInputGrad);
        expect(windowed.gradWeights).toEqual(dense.gradWeights);
        expect(windowed.gradDelays).toEqual(dense.gradDelays);
        expectClose(windowed.current, dense.current, `${shapeName}: current`);
        if (needInputGrad) expectClose(windowed.gradInput!, dense.gradInput!, `${shapeName}: dL/dinput`);
        else expect(windowed.gradInput).toBeNull();
        expect(windowed.gradDelays.some((g) => g !== 0)).toBe(true);
        expect(windowed.current.some((c) => c !== 0)).toBe(true);
      });
    }
  }

  it('change the results only by float32 rounding', () => {
    // The SIMD loops add in float32 where the TypeScript ones add in float64: never bit-identical
    // on a wide layer, always within a few float32 ulps of the scale.
    const shape = SHAPES['wide, early sigma']!;
    const reference = runPass(shape, 8, false);
    const wasm = runPass(shape, 8, true);
    expect(wasm.gradInput).not.toEqual(reference.gradInput);
  });
});
