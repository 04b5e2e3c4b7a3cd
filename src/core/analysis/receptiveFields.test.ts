import { describe, expect, it } from 'vitest';
import { DelayLayer } from '../synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../synapses/kernels.ts';
import { fullDelaySpan, hiddenField, outputField } from './receptiveFields.ts';

// A 2-input, 2-hidden, 2-output network, stored [input][output] like DelayLayer.
// Layer 0 (index i * 2 + h):   i0->h0  i0->h1  i1->h0  i1->h1
const w0 = [1, 2, 0, -1];
const d0 = [0.4, 1.6, 3, 2.5];
// Layer 1 (index h * 2 + k):   h0->k0  h0->k1  h1->k0  h1->k1
const w1 = [0.5, 9, -2, 9];
const d1 = [1.2, 0, 0.5, 0];

/** grid rows per input, for readable expectations. */
function rows(grid: Float32Array, span: number): number[][] {
  return Array.from({ length: grid.length / span }, (_, i) =>
    Array.from(grid.subarray(i * span, (i + 1) * span)),
  );
}

describe('hiddenField', () => {
  it('lists the synapses onto one hidden neuron, skipping zero weights', () => {
    expect(hiddenField(w0, d0, 2, 1)).toEqual([
      { input: 0, delay: 1.6, weight: 2 },
      { input: 1, delay: 2.5, weight: -1 },
    ]);
    expect(hiddenField(w0, d0, 2, 0)).toEqual([{ input: 0, delay: 0.4, weight: 1 }]);
  });

  it('reads the same synapse the DelayLayer forward pass uses', () => {
    // Three inputs, two outputs; one spike on input 2 at step 0 must reach output 1 after the
    // delay hiddenField reports for (input 2 -> neuron 1).
    const kernel: DelayKernelConfig = {
      mode: 'round',
      maxDelay: 5,
      rounding: 'floor',
      hardwareBackward: 'lerp',
    };
    const layer = new DelayLayer(3, 2, kernel, 'f64');
    layer.weights.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    layer.delays.set([0, 1, 2, 3, 1.5, 4]);
    const point = hiddenField(layer.weights, layer.delays, 3, 1).find((p) => p.input === 2)!;
    expect(point).toEqual({ input: 2, delay: 4, weight: 0.6 });
    const timeSteps = 6;
    const input = new Float64Array(timeSteps * 3);
    input[2] = 1; // step 0, input 2
    const current = layer.forward(input, 1, timeSteps);
    const outputOne = Array.from({ length: timeSteps }, (_, t) => current[t * 2 + 1]!);
    expect(outputOne).toEqual([0, 0, 0, 0, 0.6, 0]);
  });

  it('rejects arrays that do not fit the layout', () => {
    expect(() => hiddenField([1, 2, 3], [1, 2, 3], 2, 0)).toThrow(RangeError);
    expect(() => hiddenField([1, 2], [1], 1, 0)).toThrow(RangeError);
    expect(() => hiddenField(w0, d0, 2, 2)).toThrow(RangeError);
  });
});

describe('outputField', () => {
  it('sums w1 * w0 at the floored total delay', () => {
    // k0 via h0: 0.5 * (i0: 1 at 0 + 1) ; via h1: -2 * (i0: 2 at 1 + 0, i1: -1 at 2 + 0).
    const f = outputField(w0, d0, 2, 2, w1, d1, 0, 3, 'floor');
    expect(f.inputs).toBe(2);
    expect(f.delaySpan).toBe(3);
    expect(f.clipped).toBe(0);
    expect(rows(f.grid, 3)).toEqual([
      [0, -3.5, 0],
      [0, 0, 2],
    ]);
  });

  it('rounds to nearest and clips total delays at or beyond delaySpan', () => {
    // nearest: h0 delay 1, h1 delay 1 (0.5 rounds up); i0->h0 0, i0->h1 2, i1->h1 3 (2.5 up).
    const short = outputField(w0, d0, 2, 2, w1, d1, 0, 3, 'nearest');
    expect(rows(short.grid, 3)).toEqual([
      [0, 0.5, 0],
      [0, 0, 0],
    ]);
    expect(short.clipped).toBe(2);
    const full = outputField(w0, d0, 2, 2, w1, d1, 0, 5, 'nearest');
    expect(full.clipped).toBe(0);
    expect(rows(full.grid, 5)).toEqual([
      [0, 0.5, 0, -4, 0],
      [0, 0, 0, 0, 2],
    ]);
  });

  it('skips pruned hidden-to-output synapses', () => {
    const pruned = [0, 9, 0, 9];
    const f = outputField(w0, d0, 2, 2, pruned, d1, 0, 4, 'floor');
    expect(Array.from(f.grid).every((v) => v === 0)).toBe(true);
    expect(f.clipped).toBe(0);
  });

  it('checks the hidden size against both layers', () => {
    expect(() => outputField(w0, d0, 2, 3, w1, d1, 0, 3, 'floor')).toThrow(RangeError);
    expect(() => outputField(w0, d0, 2, 2, w1, d1, 2, 3, 'floor')).toThrow(RangeError);
    expect(() => outputField(w0, d0, 2, 2, w1, d1, 0, 0, 'floor')).toThrow(RangeError);
  });

  it('fullDelaySpan covers the largest constrained delays', () => {
    const span = fullDelaySpan(4, 3);
    const f = outputField([1], [3], 1, 1, [1], [2], 0, span, 'floor');
    expect(f.clipped).toBe(0);
    expect(f.grid[span - 1]).toBe(1);
  });
});
