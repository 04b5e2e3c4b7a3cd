/**
 * Parity of the WGSL delay-layer forward with the CPU reference engine, on a real WebGPU adapter
 * (Dawn in Node; SwiftShader on machines without a GPU). No adapter is a failure, never a skip:
 * a GPU test that quietly runs on the CPU proves nothing.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { DelayLayer } from '../../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { DelayForward } from './DelayForward.ts';
import { SparseDelayForward } from './SparseDelayForward.ts';
import { spikeEventLists } from './spikeEvents.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const INPUTS = 13;
const OUTPUTS = 7;
const STEPS = 30;
const BATCH = 3;
const MAX_DELAY = 9;

function kernel(mode: DelayKernelConfig['mode'], rounding: DelayKernelConfig['rounding']): DelayKernelConfig {
  return { mode, maxDelay: MAX_DELAY, rounding, hardwareBackward: 'gauss' };
}

describe('delay_forward.wgsl', () => {
  it('runs on a real adapter', () => {
    expect(fixture.ctx.device).toBeDefined();
    expect(typeof fixture.ctx.adapterInfo.vendor).toBe('string');
  });

  const cases: [string, DelayKernelConfig, number][] = [
    ['gauss, sigma 2.5', kernel('gauss', 'nearest'), 2.5],
    ['gauss, sigma 0.3', kernel('gauss', 'nearest'), 0.3],
    ['lerp', kernel('lerp', 'nearest'), 1],
    ['round (floor)', kernel('round', 'floor'), 1],
    ['round (nearest)', kernel('round', 'nearest'), 1],
    ['hardware (forward = round)', kernel('hardware', 'nearest'), 1],
  ];
  for (const [name, k, sigma] of cases) {
    it(`matches the CPU engine: ${name} (|gpu - cpu| <= 1e-5 + 1e-4 |cpu|)`, async () => {
      const rng = new Rng(11);
      const cpu = new DelayLayer(INPUTS, OUTPUTS, k, 'f64');
      for (let q = 0; q < cpu.weights.length; q++) {
        cpu.weights[q] = rng.uniformIn(-1, 1);
        cpu.delays[q] = rng.uniformIn(0, MAX_DELAY - 1);
      }
      cpu.sigma = sigma;
      const spikes = new Float32Array(BATCH * STEPS * INPUTS);
      for (let q = 0; q < spikes.length; q++) spikes[q] = rng.uniform() < 0.2 ? 1 : 0;
      const expected = cpu.forward(spikes, BATCH, STEPS);

      fixture.ctx.device.pushErrorScope('validation');
      const kernelOnGpu = new DelayForward(fixture.ctx.device, {
        inputs: INPUTS,
        outputs: OUTPUTS,
        timeSteps: STEPS,
        kernel: k,
      });
      const got = await kernelOnGpu.run(
        spikes,
        Float32Array.from(cpu.weights),
        Float32Array.from(cpu.delays),
        BATCH,
        sigma,
      );
      const error = await fixture.ctx.device.popErrorScope();
      expect(error?.message ?? null).toBeNull();

      expect(got.length).toBe(expected.length);
      let nonZero = 0;
      for (let q = 0; q < got.length; q++) {
        const want = expected[q]!;
        if (want !== 0) nonZero++;
        expect(Math.abs(got[q]! - want)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want));
      }
      expect(nonZero).toBeGreaterThan(got.length / 4);
    });
  }

  for (const [name, k, sigma] of cases) {
    it(`sparse gather matches the CPU engine and the dense kernel: ${name} (counts up to 2, 8 % active)`, async () => {
      const rng = new Rng(23);
      const cpu = new DelayLayer(INPUTS, OUTPUTS, k, 'f64');
      for (let q = 0; q < cpu.weights.length; q++) {
        cpu.weights[q] = rng.uniformIn(-1, 1);
        cpu.delays[q] = rng.uniformIn(0, MAX_DELAY - 1);
      }
      cpu.sigma = sigma;
      // Binned recordings can put two events in one bin: values 1 and 2.
      const spikes = new Float32Array(BATCH * STEPS * INPUTS);
      for (let q = 0; q < spikes.length; q++) {
        const u = rng.uniform();
        spikes[q] = u < 0.06 ? 1 : u < 0.08 ? 2 : 0;
      }
      const expected = cpu.forward(spikes, BATCH, STEPS);
      const shape = { inputs: INPUTS, outputs: OUTPUTS, timeSteps: STEPS, kernel: k };
      fixture.ctx.device.pushErrorScope('validation');
      const sparse = new SparseDelayForward(fixture.ctx.device, shape);
      const dense = new DelayForward(fixture.ctx.device, shape);
      try {
        const w = Float32Array.from(cpu.weights);
        const d = Float32Array.from(cpu.delays);
        const got = await sparse.run(spikes, w, d, BATCH, sigma);
        const denseGot = await dense.run(spikes, w, d, BATCH, sigma);
        expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
        let nonZero = 0;
        for (let q = 0; q < got.length; q++) {
          const want = expected[q]!;
          if (want !== 0) nonZero++;
          expect(Math.abs(got[q]! - want), `element ${q}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want));
          expect(Math.abs(got[q]! - denseGot[q]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(want));
        }
        expect(nonZero).toBeGreaterThan(got.length / 8);
      } finally {
        sparse.destroy();
        dense.destroy();
      }
    });
  }

  it('event lists: one per (sample, step), values kept, empty batches allowed', () => {
    const spikes = Float32Array.from([0, 1, 0, 2, 0, 0, 1, 1]); // batch 2, T 2, inputs 2
    const e = spikeEventLists(spikes, 2, 2, 2)!;
    expect(Array.from(e.start)).toEqual([0, 1, 2, 2, 4]);
    expect(Array.from(e.input)).toEqual([1, 1, 0, 1]);
    expect(Array.from(e.value)).toEqual([1, 2, 1, 1]);
    expect(spikeEventLists(new Float32Array(4), 1, 2, 2)!.count).toBe(0);
    // More events than allowed: no lists (the caller gathers densely).
    expect(spikeEventLists(spikes, 2, 2, 2, 3)).toBeNull();
    expect(() => spikeEventLists(spikes, 3, 2, 2)).toThrow(/expected 3x2x2/);
  });

  it('reports no uncaptured errors or device loss during the tests', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
