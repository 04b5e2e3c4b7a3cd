/** The pipeline cache on a real adapter (Dawn; SwiftShader without a GPU). No adapter fails. */
import { expect, it } from 'vitest';
import type { DelayKernelConfig } from '../core/synapses/kernels.ts';
import { DelayBackward } from './kernels/DelayBackward.ts';
import { DelayForward } from './kernels/DelayForward.ts';
import { pipelineCacheSize } from './pipelineCache.ts';
import { useGpuDevice } from './testDevice.ts';

const fixture = useGpuDevice();

const kernel = (mode: DelayKernelConfig['mode'], maxDelay: number): DelayKernelConfig => ({
  mode,
  maxDelay,
  rounding: 'nearest',
  hardwareBackward: 'gauss',
});

it('shares a pipeline between kernels of the same shape and compiles one per differing constant', () => {
  const { device } = fixture.ctx;
  const shape = { inputs: 5, outputs: 4, timeSteps: 12, kernel: kernel('lerp', 4) };
  new DelayForward(device, shape);
  const afterFirst = pipelineCacheSize(device);
  expect(afterFirst).toBeGreaterThan(0);
  new DelayForward(device, { ...shape });
  expect(pipelineCacheSize(device)).toBe(afterFirst);
  new DelayForward(device, { ...shape, kernel: kernel('lerp', 5) });
  expect(pipelineCacheSize(device)).toBe(afterFirst + 1);
  new DelayForward(device, { ...shape, kernel: kernel('gauss', 4) });
  expect(pipelineCacheSize(device)).toBe(afterFirst + 2);
  // The backward shader: a module, its layouts and two entry points, shared the same way.
  new DelayBackward(device, shape);
  const withBackward = pipelineCacheSize(device);
  new DelayBackward(device, { ...shape });
  expect(pipelineCacheSize(device)).toBe(withBackward);
});
