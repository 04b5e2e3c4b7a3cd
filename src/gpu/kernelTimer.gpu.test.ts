/**
 * Per-kernel GPU times from timestamp queries, on a real adapter (Dawn; SwiftShader has the
 * timestamp-query feature). No adapter fails the test.
 */
import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { GpuTrainer } from './engine/GpuTrainer.ts';
import { enableKernelTimer, kernelTimer } from './kernelTimer.ts';
import { useGpuDevice } from './testDevice.ts';

const fixture = useGpuDevice();

describe('KernelTimer', () => {
  it('is off until enabled, then times every pass of pipelined training steps', async () => {
    const { device } = fixture.ctx;
    expect(kernelTimer(device)).toBeUndefined();
    expect(device.features.has('timestamp-query')).toBe(true);
    const timer = enableKernelTimer(device);
    const config = preset('patterns')!;
    config.training.batchSize = 4;
    const gpu = new GpuTrainer(fixture.ctx, config);
    try {
      device.pushErrorScope('validation');
      // Three steps in flight at once, as the run loop issues them.
      const losses = await Promise.all([0, 1, 2].map(() => gpu.trainStep([0, 1, 2, 3])));
      expect((await device.popErrorScope())?.message ?? null).toBeNull();
      losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
      const times = await timer.times();
      expect(timer.stepsTimed).toBe(3);
      const byLabel = new Map(times.map((t) => [t.label, t]));
      // patterns: 2 Gaussian layers, each with its norms, forward, neuron and backward passes.
      for (const label of [
        'gauss_norms pass',
        'lif_forward pass',
        'lif_backward pass',
        'delay_backward params pass',
        'loss pass',
      ]) {
        expect(byLabel.get(label)?.count, label).toBeGreaterThanOrEqual(3);
      }
      expect(times.every((t) => t.totalMs >= 0)).toBe(true);
      expect(times.reduce((s, t) => s + t.totalMs, 0)).toBeGreaterThan(0);
      await timer.reset();
      expect(await timer.times()).toEqual([]);
    } finally {
      gpu.destroy();
      timer.destroy();
    }
  });
});
