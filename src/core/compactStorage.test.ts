import { describe, expect, it } from 'vitest';
import { copyParameters } from './checkpoint.ts';
import type { ExperimentConfig } from './experiment.ts';
import { preset } from './presets.ts';
import { setParameters, trainEpochs } from './runLoop.ts';
import { Trainer } from './trainer.ts';

/**
 * Compact storage (DelayLayer's synapseIndex): a fixed-mask layer sparse enough for the sparse
 * path keeps one parameter, gradient and Adam moment per existing synapse. These tests hold it to
 * the dense storage it replaces: the same training, the same saved states, memory that follows
 * the existing synapses.
 */

/** Patterns (20 inputs) with a 256-neuron first layer: 5120 possible synapses. */
function sparse(connectivity: number, rewired = false): ExperimentConfig {
  const c = preset('patterns')!;
  c.training.epochs = 3;
  c.network.layers[0]!.size = 256;
  c.network.layers[0]!.connectivity = connectivity;
  if (rewired)
    c.network.layers[0]!.rewiring = { regrowth: 'random', dale: false, l1: 1e-4, temperature: 1e-8 };
  return c;
}

describe('compact storage of sparse layers', () => {
  it('stores one entry per existing synapse at 93.75 % sparsity and more; denser or rewired layers stay dense', () => {
    const t = new Trainer(sparse(1 / 16));
    const layer = t.net.synapses[0]!;
    expect(layer.possibleSynapses).toBe(5120);
    expect(layer.synapseIndex?.length).toBe(320);
    for (const a of [layer.weights, layer.delays, layer.gradWeights, layer.gradDelays])
      expect(a.length).toBe(320);
    expect(layer.mask).toBeNull();
    expect(layer.activeSynapses).toBe(320);
    // float32 weights and delays, their gradients, and the 4-byte synapse index: 20 bytes per synapse.
    const m = layer.memoryBytes();
    expect(m.parameters + m.gradients).toBe(320 * (4 * 4 + 4));
    expect(t.activeSynapses()[0]).toBe(320);

    const denser = new Trainer(sparse(1 / 8)).net.synapses[0]!;
    expect(denser.synapseIndex).toBeNull();
    expect(denser.weights.length).toBe(5120);
    expect(denser.activeSynapses).toBe(640);
    const rewired = new Trainer(sparse(1 / 16, true)).net.synapses[0]!;
    expect(rewired.synapseIndex).toBeNull();
    expect(rewired.mask).not.toBeNull();
  });

  it('holds the same synapses and starting values as dense storage of the same seed', () => {
    const compact = new Trainer(sparse(1 / 16)).net.synapses[0]!;
    const dense = new Trainer(sparse(1 / 16), { structure: [] }).net.synapses[0]!;
    const kept: number[] = [];
    dense.mask!.forEach((m, q) => m && kept.push(q));
    expect(Array.from(compact.synapseIndex!)).toEqual(kept);
    expect(Array.from(compact.weights)).toEqual(kept.map((q) => dense.weights[q]));
    expect(Array.from(compact.delays)).toEqual(kept.map((q) => dense.delays[q]));
    expect(Array.from(compact.maskBytes()!)).toEqual(Array.from(dense.mask!));
  });

  for (const precision of ['f32', 'f64'] as const) {
    it(`trains bit for bit as dense storage with a mask does (${precision})`, async () => {
      const compact = new Trainer(sparse(1 / 16), { precision });
      const dense = new Trainer(sparse(1 / 16), { precision, structure: [] });
      const a = await trainEpochs(compact, 2);
      const b = await trainEpochs(dense, 2);
      expect(a.map((r) => r.trainLoss)).toEqual(b.map((r) => r.trainLoss));
      const sa = compact.exportState();
      const sb = dense.exportState();
      expect(Array.from(sa.layers[0]!.weights)).toEqual(Array.from(sb.layers[0]!.weights));
      for (const moments of ['adamWeights', 'adamDelays'] as const) {
        expect(Array.from(sa.layers[0]![moments]!.m)).toEqual(Array.from(sb.layers[0]![moments]!.m));
        expect(Array.from(sa.layers[0]![moments]!.v)).toEqual(Array.from(sb.layers[0]![moments]!.v));
      }
      // Delays agree where synapses exist (dense storage keeps absent ones' starting delays).
      const index = compact.net.synapses[0]!.synapseIndex!;
      expect(Array.from(compact.net.synapses[0]!.delays)).toEqual(
        Array.from(index, (q) => sb.layers[0]!.delays[q]),
      );
      expect(sa.layers[1]).toEqual(sb.layers[1]);
      // Training moved them: this is not a comparison of two untouched copies.
      expect(Array.from(compact.net.synapses[0]!.weights)).not.toEqual(
        Array.from(new Trainer(sparse(1 / 16), { precision }).net.synapses[0]!.weights),
      );
    });
  }

  it('a saved state moves between compact and dense storage and both go on alike', async () => {
    const first = new Trainer(sparse(1 / 16), { precision: 'f64' });
    await trainEpochs(first, 1);
    const state = first.exportState();
    const compact = new Trainer(sparse(1 / 16), { precision: 'f64' });
    const dense = new Trainer(sparse(1 / 16), { precision: 'f64', structure: [] });
    compact.importState(state);
    dense.importState(state);
    await trainEpochs(compact, 1);
    await trainEpochs(dense, 1);
    expect(Array.from(compact.exportState().layers[0]!.weights)).toEqual(
      Array.from(dense.exportState().layers[0]!.weights),
    );
  });

  it('refuses a saved state with a weight on a synapse the layer leaves out, and leaves its own alone', () => {
    const t = new Trainer(sparse(1 / 16), { precision: 'f64' });
    const state = t.exportState();
    const absent = t.net.synapses[0]!.maskBytes()!.indexOf(0);
    state.layers[0]!.weights[absent] = 0.5;
    const other = new Trainer(sparse(1 / 16), { precision: 'f64' });
    const before = Float64Array.from(other.net.synapses[0]!.weights);
    expect(() => other.importState(state)).toThrow(/1 saved values belong to synapses this layer leaves out/);
    expect(Array.from(other.net.synapses[0]!.weights)).toEqual(Array.from(before));
  });

  it('keeps the best-validation copy compact, and sets it back', async () => {
    const t = new Trainer(sparse(1 / 16), { precision: 'f64' });
    await trainEpochs(t, 1);
    const best = copyParameters(t);
    expect(best[0]!.weights.length).toBe(320);
    expect(best[0]!.synapses).toBe(t.net.synapses[0]!.synapseIndex);
    const later = Float64Array.from(t.net.synapses[0]!.weights);
    await trainEpochs(t, 1);
    expect(Array.from(t.net.synapses[0]!.weights)).not.toEqual(Array.from(later));
    setParameters(t, best);
    expect(Array.from(t.net.synapses[0]!.weights)).toEqual(Array.from(later));
    // Into another trainer of the config (its own index object): through the dense form.
    const other = new Trainer(sparse(1 / 16), { precision: 'f64' });
    setParameters(other, best);
    expect(Array.from(other.net.synapses[0]!.weights)).toEqual(Array.from(later));
  });

  it('exports every possible synapse to dense consumers, absent ones at weight 0', () => {
    const t = new Trainer(sparse(1 / 16));
    const [first] = t.net.denseParameters();
    expect(first!.weights.length).toBe(5120);
    const index = t.net.synapses[0]!.synapseIndex!;
    let nonzeroOutside = 0;
    const inside = new Set(index);
    first!.weights.forEach((w, q) => {
      if (!inside.has(q) && w !== 0) nonzeroOutside++;
    });
    expect(nonzeroOutside).toBe(0);
    expect(Array.from(index, (q) => first!.weights[q])).toEqual(Array.from(t.net.synapses[0]!.weights));
  });
});
