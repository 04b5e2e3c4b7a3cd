/**
 * Parity of the WGSL delay-layer backward (weight, delay and input gradients) with
 * DelayLayer.backward, for every kernel mode, on a real WebGPU adapter (Dawn; SwiftShader
 * without a GPU). No adapter fails the test. The GPU sums in float32 over batch x time, so
 * the tolerance is relative to each tensor's largest gradient: 1e-4 of it, plus 1e-4 relative.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { DelayLayer } from '../../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { maxAbs } from '../../core/tensor.ts';
import { DelayBackward } from './DelayBackward.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const INPUTS = 11;
const OUTPUTS = 6;
const STEPS = 24;
const BATCH = 3;
const MAX_DELAY = 7;

function kernel(
  mode: DelayKernelConfig['mode'],
  rounding: DelayKernelConfig['rounding'],
  hardwareBackward: 'gauss' | 'lerp' = 'gauss',
): DelayKernelConfig {
  return { mode, maxDelay: MAX_DELAY, rounding, hardwareBackward };
}

function expectClose(name: string, gpu: Float32Array, cpu: ArrayLike<number>): void {
  expect(gpu.length, name).toBe(cpu.length);
  const scale = maxAbs(cpu);
  expect(scale, `${name} is not all zero`).toBeGreaterThan(1e-3);
  for (let q = 0; q < gpu.length; q++) {
    const want = cpu[q]!;
    expect(Math.abs(gpu[q]! - want), `${name}[${q}]`).toBeLessThanOrEqual(
      1e-4 * scale + 1e-4 * Math.abs(want),
    );
  }
}

describe('delay_backward.wgsl', () => {
  const cases: [string, DelayKernelConfig, number][] = [
    ['gauss, sigma 2.5', kernel('gauss', 'nearest'), 2.5],
    ['gauss, sigma 0.4', kernel('gauss', 'nearest'), 0.4],
    ['lerp', kernel('lerp', 'nearest'), 1],
    ['round (floor)', kernel('round', 'floor'), 1],
    ['round (nearest)', kernel('round', 'nearest'), 1],
    ['hardware, Gaussian backward', kernel('hardware', 'floor', 'gauss'), 1.5],
    ['hardware, lerp backward', kernel('hardware', 'nearest', 'lerp'), 1],
  ];
  for (const [[name, k, sigma], fromEvents] of cases.flatMap((c) => [
    [c, false] as const,
    [c, true] as const,
  ])) {
    it(`matches the CPU engine: ${name}${fromEvents ? ', weight and delay gradients from input events' : ''}`, async () => {
      const rng = new Rng(5);
      const cpu = new DelayLayer(INPUTS, OUTPUTS, k, 'f64');
      for (let q = 0; q < cpu.weights.length; q++) {
        cpu.weights[q] = rng.uniformIn(-1, 1);
        cpu.delays[q] = rng.uniformIn(0, MAX_DELAY - 1);
      }
      // Delays at the clamp edges, where training leaves many of them.
      cpu.delays[0] = 0;
      cpu.delays[1] = MAX_DELAY - 1;
      cpu.delays[OUTPUTS + 2] = MAX_DELAY - 1;
      cpu.sigma = sigma;
      const spikes = new Float32Array(BATCH * STEPS * INPUTS);
      for (let q = 0; q < spikes.length; q++) spikes[q] = rng.uniform() < 0.25 ? 1 : 0;
      const gradCurrent = Float32Array.from({ length: BATCH * STEPS * OUTPUTS }, () => rng.normal());
      cpu.forward(spikes, BATCH, STEPS);
      cpu.zeroGrad();
      const gradInput = cpu.backward(Float64Array.from(gradCurrent), true)!;

      fixture.ctx.device.pushErrorScope('validation');
      const onGpu = new DelayBackward(fixture.ctx.device, {
        inputs: INPUTS,
        outputs: OUTPUTS,
        timeSteps: STEPS,
        kernel: k,
      });
      const got = await onGpu.run(
        spikes,
        Float32Array.from(cpu.weights),
        Float32Array.from(cpu.delays),
        gradCurrent,
        BATCH,
        sigma,
        { fromEvents },
      );
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();

      expectClose('gradWeights', got.gradWeights, cpu.gradWeights);
      expectClose('gradInput', got.gradInput, gradInput);
      if (k.mode === 'round') expect(maxAbs(got.gradDelays)).toBe(0);
      else expectClose('gradDelays', got.gradDelays, cpu.gradDelays);
    });
  }

  it('matches the CPU engine with a window wider than one 32-tap pass (Td 60, sigma 8)', async () => {
    const [inputs, outputs, steps, batch, td] = [5, 4, 80, 2, 60];
    const k: DelayKernelConfig = {
      mode: 'gauss',
      maxDelay: td,
      rounding: 'nearest',
      hardwareBackward: 'gauss',
    };
    const rng = new Rng(6);
    const cpu = new DelayLayer(inputs, outputs, k, 'f64');
    for (let q = 0; q < cpu.weights.length; q++) {
      cpu.weights[q] = rng.uniformIn(-1, 1);
      cpu.delays[q] = rng.uniformIn(0, td - 1);
    }
    cpu.sigma = 8;
    const spikes = Float32Array.from({ length: batch * steps * inputs }, () => (rng.uniform() < 0.2 ? 1 : 0));
    const gradCurrent = Float32Array.from({ length: batch * steps * outputs }, () => rng.normal());
    cpu.forward(spikes, batch, steps);
    cpu.zeroGrad();
    const gradInput = cpu.backward(Float64Array.from(gradCurrent), true)!;
    for (const fromEvents of [false, true]) {
      fixture.ctx.device.pushErrorScope('validation');
      const onGpu = new DelayBackward(fixture.ctx.device, { inputs, outputs, timeSteps: steps, kernel: k });
      const got = await onGpu.run(
        spikes,
        Float32Array.from(cpu.weights),
        Float32Array.from(cpu.delays),
        gradCurrent,
        batch,
        cpu.sigma,
        { fromEvents },
      );
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
      expectClose('gradWeights', got.gradWeights, cpu.gradWeights);
      expectClose('gradDelays', got.gradDelays, cpu.gradDelays);
      expectClose('gradInput', got.gradInput, gradInput);
      onGpu.destroy();
    }
  });

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
