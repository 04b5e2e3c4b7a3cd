import { describe, expect, it } from 'vitest';
import { CpuEngine } from '../../core/engine.ts';
import type { ExperimentConfig } from '../../core/experiment.ts';
import { preset } from '../../core/presets.ts';
import { RunLoop, type RunEvent } from '../../core/runLoop.ts';
import { dawnGpu } from '../../node/dawn.ts';
import { GpuCommandError } from '../device.ts';
import { GpuEngine } from './GpuEngine.ts';

function patterns(epochs: number): ExperimentConfig {
  const c = preset('patterns')!;
  c.training.epochs = epochs;
  return c;
}

describe('GpuEngine in the run loop (Dawn; SwiftShader here)', () => {
  it('trains a run to its end, each epoch evaluated on the parameters read back from the GPU', async () => {
    const engine = await GpuEngine.open(dawnGpu(), patterns(2));
    expect(engine.info.kind).toBe('gpu');
    expect(engine.info.description).toMatch(/^WebGPU: /);
    const loop = new RunLoop(engine);
    try {
      await loop.runToEnd();
      expect(loop.history.map((r) => r.epoch)).toEqual([1, 2]);
      expect(loop.model.step).toBe(loop.model.totalSteps);
      // The host model holds the GPU's parameters: evaluating it gives the last record's numbers.
      const test = loop.model.evaluate(loop.model.data.test);
      expect(test.accuracy).toBe(loop.history[1]!.testAccuracy);
    } finally {
      await engine.dispose();
    }
  });

  it('a device lost mid-run: the loop goes on on the CPU engine from the last checkpoint and says so', async () => {
    const engine = await GpuEngine.open(dawnGpu(), patterns(3));
    const events: RunEvent[] = [];
    const loseAt = engine.model.stepsPerEpoch + 2;
    const loop = new RunLoop(engine, {
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === loseAt) engine.device.destroy();
      },
      fallback: (checkpoint) =>
        Promise.resolve(CpuEngine.create(checkpoint.config, { state: checkpoint.state })),
    });
    await loop.runToEnd();
    const fallback = events.find((e) => e.type === 'fallback');
    if (fallback?.type !== 'fallback') throw new Error('no fallback event');
    expect(fallback.message).toMatch(/GPU device was lost/);
    expect(fallback.from.kind).toBe('gpu');
    expect(fallback.to.kind).toBe('cpu');
    // The last checkpoint was the end of epoch 1.
    expect(fallback.resumedAtStep).toBe(engine.model.stepsPerEpoch);
    expect(loop.engine.info.kind).toBe('cpu');
    expect(loop.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(loop.model.step).toBe(loop.model.totalSteps);
  });

  it('a refused dispatch fails the step with the GPU message instead of training with loss 0', async () => {
    const engine = await GpuEngine.open(dawnGpu(), patterns(1), { fault: 'invalid-dispatch' });
    const loop = new RunLoop(engine);
    try {
      const error = await loop.advance().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GpuCommandError);
      expect((error as Error).message).toMatch(/GPU validation error at step 0: .*DispatchWorkgroups/s);
      expect(loop.history).toHaveLength(0);
    } finally {
      await engine.dispose();
    }
  });
});
