import { afterEach, describe, expect, it } from 'vitest';
import { eventPropBackward } from '../core/eventprop/adjoint.ts';
import {
  ArrivalLists,
  forwardPass,
  installArrivalBuilder,
  spikeColumns,
  withByOutput,
  type ExactLayer,
  type Spike,
} from '../core/eventprop/exactLif.ts';
import { forwardPassStepped } from '../core/eventprop/steppedLif.ts';
import { Rng } from '../core/rng.ts';
import { createWasmArrivalBuilder } from './arrivalKernels.ts';

const P = { tauMem: 20, tauSyn: 5, threshold: 1 };

function randomLayer(
  rng: Rng,
  inputs: number,
  outputs: number,
  integerDelays: boolean,
  gain = 1,
): ExactLayer {
  return {
    inputs,
    outputs,
    weights: Float64Array.from({ length: inputs * outputs }, () => gain * rng.normal(0.3, 1)),
    delays: Float64Array.from({ length: inputs * outputs }, () =>
      integerDelays ? Math.floor(25 * rng.uniform()) : 25 * rng.uniform(),
    ),
  };
}

function randomSpikes(rng: Rng, count: number, inputs: number, onSteps: boolean): Spike[] {
  return Array.from({ length: count }, () => ({
    time: onSteps ? Math.floor(100 * rng.uniform()) : 100 * rng.uniform(),
    neuron: Math.floor(inputs * rng.uniform()),
  })).sort((a, b) => a.time - b.time || a.neuron - b.neuron);
}

afterEach(() => installArrivalBuilder(null));

describe('EventProp arrival lists in WebAssembly', () => {
  it('are the TypeScript lists to the bit: real and integer times, on and off a grid, from 0 to 2,000 spikes', () => {
    const rng = new Rng(11);
    const wasm = createWasmArrivalBuilder();
    const lists = new ArrivalLists();
    let compared = 0;
    for (const [count, inputs, integer, gridDt] of [
      [2000, 300, false, null],
      [2000, 300, true, null],
      [600, 120, false, 1],
      [600, 120, true, 0.5],
      [31, 10, false, null],
      [1, 4, false, 1],
      [0, 4, false, null],
    ] as const) {
      const layer = withByOutput(randomLayer(rng, inputs, 12, integer));
      const input = spikeColumns(randomSpikes(rng, count, inputs, integer));
      for (let j = 0; j < layer.outputs; j++) {
        const reference = lists.build(layer, input, j, gridDt);
        // Copies: both builders reuse their arrays.
        const want = [reference.time, reference.jump, reference.from, reference.spike].map((a) =>
          Array.from(a),
        );
        const got = wasm.build(layer, input, j, gridDt);
        expect(got, 'built').not.toBeNull();
        const label = `${count} spikes, neuron ${j}, grid ${gridDt}`;
        expect(got!.count, label).toBe(count);
        expect(
          [got!.time, got!.jump, got!.from, got!.spike].map((a) => Array.from(a)),
          label,
        ).toEqual(want);
        compared += count;
      }
    }
    expect(compared).toBeGreaterThan(60_000);
  });

  it('declines layers without parameters by output neuron (the TypeScript loops build those)', () => {
    const rng = new Rng(2);
    const layer = randomLayer(rng, 5, 3, false);
    const input = spikeColumns(randomSpikes(rng, 10, 5, false));
    expect(createWasmArrivalBuilder().build(layer, input, 0, null)).toBeNull();
    installArrivalBuilder(createWasmArrivalBuilder());
    const viaFallback = new ArrivalLists().build(layer, input, 0, null);
    expect(viaFallback.count).toBe(10);
  });

  it('installed, the forward and backward passes give the same spikes and gradients to the bit', () => {
    const rng = new Rng(5);
    const layers = [
      randomLayer(rng, 40, 30, false, 2),
      randomLayer(rng, 30, 20, false, 2),
      randomLayer(rng, 20, 4, false, 2),
    ];
    const input = randomSpikes(rng, 300, 40, false);
    const run = (stepped: boolean) => {
      const pass = stepped
        ? forwardPassStepped(P, layers, input, 120, 0.5, 'integral')
        : forwardPass(P, layers, input, 120, 'integral');
      const grads = eventPropBackward(P, layers, pass, new Float64Array(0), {
        integralGrads: [0.5, -1, 0.25, 2],
        duration: 120,
      });
      return {
        spikes: pass.layers.map((l) => l.spikes.map((s) => [s.time, s.neuron])),
        grads: [...grads.weights, ...grads.delays, grads.inputTimes].map((g) => Array.from(g)),
      };
    };
    for (const stepped of [false, true]) {
      installArrivalBuilder(null);
      const reference = run(stepped);
      installArrivalBuilder(createWasmArrivalBuilder());
      const withWasm = run(stepped);
      expect(reference.spikes.flat().length, 'hidden and output spikes').toBeGreaterThan(100);
      expect(withWasm).toEqual(reference);
    }
  });
});
