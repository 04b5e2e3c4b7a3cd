import { describe, expect, it } from 'vitest';
import { checkTrainingMemory, estimateTrainingMemory, MemoryLimitError } from './memoryEstimate.ts';
import { preset } from './presets.ts';
import { Trainer } from './trainer.ts';

describe('estimateTrainingMemory', () => {
  it('counts mnist-small parameters, gradients and Adam state exactly', () => {
    const config = preset('mnist-small')!;
    const e = estimateTrainingMemory(config, { precision: 'f32', threads: 1 });
    const synapses = 784 * 128 + 128 * 10;
    expect(e.parameterBytes).toBe(2 * 4 * synapses);
    expect(e.gradientBytes).toBe(2 * 4 * synapses);
    expect(e.optimizerBytes).toBe(2 * 2 * 8 * synapses);
    expect(e.totalBytes).toBeLessThan(50e6);
  });

  it('is of the order of what a trainer really holds (within 3x of its layers and one batch)', () => {
    const config = preset('patterns')!;
    const e = estimateTrainingMemory(config, { precision: 'f64', threads: 1 });
    const trainer = new Trainer(config, { precision: 'f64' });
    const held = trainer.net.synapses.reduce((s, l) => {
      const m = l.memoryBytes();
      return s + m.parameters + m.gradients + m.scratch;
    }, 0);
    expect(e.parameterBytes + e.gradientBytes + e.scratchBytes).toBeGreaterThan(held / 3);
    expect(e.parameterBytes + e.gradientBytes + e.scratchBytes).toBeLessThan(held * 3);
  });

  it('refuses hidden size 1e6 on mnist-small (over 6 GB) with the estimate and the limit, allocating nothing', () => {
    const config = preset('mnist-small')!;
    config.network.layers[0]!.size = 1_000_000;
    const before = process.memoryUsage().rss;
    let error: unknown = null;
    try {
      checkTrainingMemory(config, { precision: 'f32', threads: 1 }, 8e9, "(80 % of this machine's memory)");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemoryLimitError);
    expect((error as MemoryLimitError).estimate.totalBytes).toBeGreaterThan(8e9);
    expect((error as Error).message).toMatch(
      /^this config needs about \d+\.\d GB to train \(parameters and gradients .* GB, Adam state .* GB, one batch's activations .*\), more than the 8\.0 GB \(80 % of this machine's memory\)/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(50e6);
  });
});
