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
    // AMSGrad keeps a third moment (the maximum of v) per trained parameter.
    config.optimizer.amsgrad = true;
    expect(estimateTrainingMemory(config, { precision: 'f32', threads: 1 }).optimizerBytes).toBe(
      2 * 3 * 8 * synapses,
    );
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

  it('counts a compact layer by its existing synapses, as the trainer holds them', () => {
    const config = preset('patterns')!;
    config.network.layers[0]!.size = 256;
    config.network.layers[0]!.connectivity = 1 / 16;
    const compact = estimateTrainingMemory(config, { precision: 'f32', threads: 1 });
    const layer = new Trainer(config, { precision: 'f32' }).net.synapses[0]!;
    expect(layer.synapseIndex?.length).toBe(320);
    const m = layer.memoryBytes();
    const second = 256 * config.network.layers[1]!.size;
    expect(compact.parameterBytes).toBe(m.parameters + 2 * 4 * second);
    expect(compact.gradientBytes).toBe(m.gradients + 2 * 4 * second);
    // One-sixteenth of the dense layer's weights, delays, gradients and moments (plus an index).
    config.network.layers[0]!.connectivity = 1;
    const dense = estimateTrainingMemory(config, { precision: 'f32', threads: 1 });
    expect(compact.parameterBytes - 2 * 4 * second).toBe((2 * 4 + 4) * 320);
    expect(dense.parameterBytes - 2 * 4 * second).toBe(2 * 4 * 5120);
  });

  it('lets a layer of 78 million possible synapses train at 1/64 of them in a few hundred MB', () => {
    const config = preset('mnist-small')!;
    config.network.layers[0]!.size = 100_000;
    config.network.layers[0]!.connectivity = 1 / 64;
    const e = estimateTrainingMemory(config, { precision: 'f32', threads: 1 });
    config.network.layers[0]!.connectivity = 1;
    const dense = estimateTrainingMemory(config, { precision: 'f32', threads: 1 });
    config.network.layers[0]!.connectivity = 1 / 64;
    expect(dense.parameterBytes + dense.gradientBytes + dense.optimizerBytes).toBeGreaterThan(3e9);
    expect(e.parameterBytes + e.gradientBytes + e.optimizerBytes).toBeLessThan(200e6);
    // And the trainer really builds it without arrays over every possible synapse (random
    // spikes for data: the network, not the data set, is measured).
    config.task = { kind: 'randomSpikes', samples: 4, classes: 10, rate: 0.05, firstStepOnly: true };
    const before = process.memoryUsage().rss;
    const t = new Trainer(config, { precision: 'f32' });
    const grown = process.memoryUsage().rss - before;
    expect(t.net.synapses[0]!.synapseIndex?.length).toBe(Math.round((784 * 100_000) / 64));
    expect(grown).toBeLessThan(500e6);
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
