import { describe, expect, it } from 'vitest';
import { outputFieldMoransI } from './analysis/fieldStatistics.ts';
import {
  copyParameters,
  existingDelays,
  decodeCheckpoint,
  encodeCheckpoint,
  type Checkpoint,
} from './checkpoint.ts';
import { validateExperiment, type ExperimentConfig } from './experiment.ts';
import { applyModel, decodeModel, encodeModel, modelFromTrainer } from './modelFile.ts';
import { preset } from './presets.ts';
import { setParameters, trainEpochs } from './runLoop.ts';
import { denseLayerState, Trainer } from './trainer.ts';

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
  it('stores one entry per existing synapse at 93.75 % sparsity and more, fixed or rewired; denser layers stay dense', () => {
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
    // A rewired layer is compact too; its list changes as it rewires.
    const rewired = new Trainer(sparse(1 / 16, true)).net.synapses[0]!;
    expect(rewired.synapseIndex?.length).toBe(320);
    expect(rewired.structureChanges).toBe(true);
    expect(new Trainer(sparse(1 / 8, true)).net.synapses[0]!.synapseIndex).toBeNull();
  });

  it("storage 'compact' keeps only the existing synapses at any sparsity, and trains as dense storage does", async () => {
    const quarter = sparse(1 / 4);
    quarter.network.layers[0]!.storage = 'compact';
    const compact = new Trainer(validateExperiment(JSON.parse(JSON.stringify(quarter))), {
      precision: 'f64',
    });
    expect(compact.net.synapses[0]!.synapseIndex?.length).toBe(1280);
    const dense = new Trainer(sparse(1 / 4), { precision: 'f64' });
    expect(dense.net.synapses[0]!.synapseIndex).toBeNull();
    const a = await trainEpochs(compact, 1);
    const b = await trainEpochs(dense, 1);
    // The sparse loops and the dense ones add the same terms in other orders.
    expect(a[0]!.trainLoss).toBeCloseTo(b[0]!.trainLoss, 10);
    const weights = compact.net.synapses[0]!.toDense(compact.net.synapses[0]!.weights);
    weights.forEach((w, q) => expect(w).toBeCloseTo(dense.net.synapses[0]!.weights[q]!, 10));
    expect(() =>
      validateExperiment({
        ...quarter,
        network: {
          ...quarter.network,
          layers: [{ ...quarter.network.layers[0], storage: 'sparse' }, quarter.network.layers[1]],
        },
      }),
    ).toThrow(/storage: expected one of auto, compact/);
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
      const saved = compact.exportState();
      // A compact layer's saved state is compact too; expanded, it is dense storage's.
      expect(saved.layers[0]!.synapses).toEqual(compact.net.synapses[0]!.synapseIndex);
      expect(saved.layers[0]!.weights.length).toBe(320);
      const sa = {
        ...saved,
        layers: saved.layers.map((l, i) => denseLayerState(l, dense.net.synapses[i]!.possibleSynapses)),
      };
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

  it('a rewired layer (DEEP R, random regrowth) trains bit for bit as in dense storage, and keeps its count; with AMSGrad too', async () => {
    for (const amsgrad of [false, true]) await rewiredAsDense(amsgrad);
  });

  /** Compact and dense storage of a DEEP R layer, 2 epochs: the same synapses, parameters and losses. */
  async function rewiredAsDense(amsgrad: boolean): Promise<void> {
    const rewired = () => {
      const c = sparse(1 / 16, true);
      c.network.layers[0]!.rewiring = { regrowth: 'random', dale: false, l1: 0.05, temperature: 1e-4 };
      // AMSGrad's maximum of v moves with its synapse (compact: re-sorted; dense: in place) and
      // is cleared with the other moments when a synapse is pruned.
      c.optimizer.amsgrad = amsgrad;
      return c;
    };
    const compact = new Trainer(rewired(), { precision: 'f64' });
    const dense = new Trainer(rewired(), { precision: 'f64', structure: [] });
    expect(compact.net.synapses[0]!.synapseIndex).not.toBeNull();
    expect(dense.net.synapses[0]!.mask).not.toBeNull();
    const a = await trainEpochs(compact, 2);
    const b = await trainEpochs(dense, 2);
    expect(compact.regrownSoFar[0]).toBeGreaterThan(20);
    expect(compact.regrownSoFar).toEqual(dense.regrownSoFar);
    expect(a.map((r) => r.trainLoss)).toEqual(b.map((r) => r.trainLoss));
    const layer = compact.net.synapses[0]!;
    expect(layer.synapseIndex!.length).toBe(320);
    expect(Array.from(layer.synapseIndex!)).toEqual(
      Array.from(dense.net.synapses[0]!.mask!.keys()).filter((q) => dense.net.synapses[0]!.mask![q]),
    );
    expect(Array.from(layer.toDense(layer.weights))).toEqual(Array.from(dense.net.synapses[0]!.weights));
    layer.synapseIndex!.forEach((q, e) => expect(layer.delays[e]).toBe(dense.net.synapses[0]!.delays[q]));
    if (amsgrad) {
      const [c, d] = [compact.exportState().layers[0]!, dense.exportState().layers[0]!];
      const vMax = c.adamWeights!.vMax!;
      layer.synapseIndex!.forEach((q, e) => expect(vMax[e]).toBe(d.adamWeights!.vMax![q]));
    }
  }

  it('a compact rewired run (RigL) resumes bit for bit from its checkpoint', async () => {
    const rigl = () => {
      const c = sparse(1 / 16, true);
      c.network.layers[0]!.rewiring = { regrowth: 'gradient', dale: true, l1: 0.05, temperature: 1e-4 };
      return c;
    };
    const straight = new Trainer(rigl());
    await trainEpochs(straight, 3);
    const first = new Trainer(rigl());
    const history = await trainEpochs(first, 1);
    const saved = decodeCheckpoint(
      encodeCheckpoint({
        config: first.config,
        dataset: null,
        state: first.exportState(),
        history,
        best: null,
        epochLossSum: 0,
        stepLosses: null,
        viewPredictions: null,
      }),
      'ck',
    );
    const resumed = new Trainer(saved.config);
    resumed.importState(saved.state);
    await trainEpochs(resumed, 2);
    expect(straight.regrownSoFar[0]).toBeGreaterThan(0);
    expect(Array.from(resumed.net.synapses[0]!.synapseIndex!)).toEqual(
      Array.from(straight.net.synapses[0]!.synapseIndex!),
    );
    expect(Array.from(resumed.net.synapses[0]!.weights)).toEqual(
      Array.from(straight.net.synapses[0]!.weights),
    );
    expect(Array.from(resumed.net.synapses[0]!.delays)).toEqual(Array.from(straight.net.synapses[0]!.delays));
    // RigL's ranking array is the one kept per possible synapse.
    expect(resumed.net.synapses[0]!.dormantGradWeights!.length).toBe(5120);
  });

  it('resumes a rewired run saved before compact storage (stored signs, dormant moments) on a compact layer', async () => {
    const t = new Trainer(sparse(1 / 16, true), { precision: 'f64' });
    await trainEpochs(t, 1);
    const now = t.exportState();
    const layer = t.net.synapses[0]!;
    const dense = denseLayerState(now.layers[0]!, 5120);
    // As format 5-6 files held it: a mask, a sign per synapse, and moments left on dormant synapses.
    const mask = layer.maskBytes()!;
    const signs = Int8Array.from({ length: 5120 }, (_, q) => (q % 3 === 0 ? -1 : 1));
    layer.synapseIndex!.forEach((q, e) => (signs[q] = layer.weights[e]! < 0 ? -1 : 1));
    const dormant = mask.indexOf(0);
    dense.adamWeights!.m[dormant] = 0.25;
    const legacy = {
      ...now,
      layers: [{ ...dense, structure: { mask, signs, rng: now.layers[0]!.structure!.rng } }, now.layers[1]!],
    };
    const resumed = new Trainer(sparse(1 / 16, true), { precision: 'f64' });
    resumed.importState(legacy);
    expect(Array.from(resumed.net.synapses[0]!.synapseIndex!)).toEqual(Array.from(layer.synapseIndex!));
    await trainEpochs(resumed, 1);
    // Its synapses keep the stored signs as it rewires.
    const after = resumed.net.synapses[0]!;
    after.synapseIndex!.forEach((q, e) => {
      if (after.weights[e] !== 0) expect(Math.sign(after.weights[e]!)).toBe(signs[q]);
    });
    expect(resumed.exportState().layers[0]!.structure!.signs).toEqual(signs);
  });

  it('a model file of a compact rewired run loads into a fresh trainer, which takes its synapses', async () => {
    const t = new Trainer(sparse(1 / 16, true), { precision: 'f64' });
    await trainEpochs(t, 2);
    expect(t.regrownSoFar[0]).toBeGreaterThan(0);
    const text = encodeModel(modelFromTrainer(t, { dataset: null }));
    const fresh = new Trainer(sparse(1 / 16, true), { precision: 'f64' });
    expect(Array.from(fresh.net.synapses[0]!.synapseIndex!)).not.toEqual(
      Array.from(t.net.synapses[0]!.synapseIndex!),
    );
    applyModel(fresh, decodeModel(text, 'model.json'));
    // The trained structure: every nonzero weight in place (regrown synapses at weight 0 may sit elsewhere).
    const want = t.net.synapses[0]!.toDense(t.net.synapses[0]!.weights);
    expect(Array.from(fresh.net.synapses[0]!.toDense(fresh.net.synapses[0]!.weights))).toEqual(
      Array.from(want),
    );
    expect(fresh.evaluate(fresh.data.test).accuracy).toBe(t.evaluate(t.data.test).accuracy);
  });

  it('a saved state moves between compact and dense storage either way, and each goes on alike', async () => {
    const fromCompact = new Trainer(sparse(1 / 16), { precision: 'f64' });
    const fromDense = new Trainer(sparse(1 / 16), { precision: 'f64', structure: [] });
    await trainEpochs(fromCompact, 1);
    await trainEpochs(fromDense, 1);
    const weightsAfter = async (t: Trainer): Promise<number[]> => {
      await trainEpochs(t, 1);
      const l = t.exportState().layers[0]!;
      return Array.from(denseLayerState(l, 5120).weights);
    };
    const runs: number[][] = [];
    for (const state of [fromCompact.exportState(), fromDense.exportState()]) {
      const compact = new Trainer(sparse(1 / 16), { precision: 'f64' });
      const dense = new Trainer(sparse(1 / 16), { precision: 'f64', structure: [] });
      compact.importState(state);
      dense.importState(state);
      runs.push(await weightsAfter(compact), await weightsAfter(dense));
    }
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  });

  it('a compact run resumes bit for bit from its checkpoint, which it reads back compact', async () => {
    const straight = new Trainer(sparse(1 / 16));
    await trainEpochs(straight, 3);
    const first = new Trainer(sparse(1 / 16));
    const history = await trainEpochs(first, 1);
    const checkpoint: Checkpoint = {
      config: first.config,
      dataset: null,
      state: first.exportState(),
      history,
      best: { epoch: 1, validationAccuracy: 0.5, sigma: 1, layers: copyParameters(first) },
      epochLossSum: 0,
      stepLosses: null,
      viewPredictions: null,
    };
    const saved = decodeCheckpoint(encodeCheckpoint(checkpoint), 'ck');
    expect(saved.state.layers[0]!.synapses).toEqual(first.net.synapses[0]!.synapseIndex);
    expect(saved.state.layers[0]!.adamDelays!.m.length).toBe(320);
    expect(saved.best!.layers[0]!.delays.length).toBe(320);
    const resumed = new Trainer(saved.config);
    resumed.importState(saved.state);
    await trainEpochs(resumed, 2);
    resumed.net.synapses.forEach((s, l) => {
      expect(Array.from(s.weights)).toEqual(Array.from(straight.net.synapses[l]!.weights));
      expect(Array.from(s.delays)).toEqual(Array.from(straight.net.synapses[l]!.delays));
    });
  });

  it('refuses a saved state with a weight on a synapse the layer leaves out, and leaves its own alone', () => {
    const t = new Trainer(sparse(1 / 16), { precision: 'f64' });
    const saved = t.exportState();
    const state = {
      ...saved,
      layers: saved.layers.map((l) => denseLayerState(l, l === saved.layers[0] ? 5120 : 0)),
    };
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
    expect(best[0]!.synapses).toEqual(t.net.synapses[0]!.synapseIndex);
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

  it("receptive-field statistics read a compact layer's saved state as its dense form", async () => {
    const t = new Trainer(sparse(1 / 16), { precision: 'f64' });
    await trainEpochs(t, 1);
    const options = { permutations: 20, seed: 1 };
    const fromState = outputFieldMoransI(t.config, t.exportState(), options);
    expect(fromState).toEqual(outputFieldMoransI(t.config, { layers: t.net.denseParameters() }, options));
    expect(fromState.some((v) => v !== null)).toBe(true);
  });

  it("a saved layer's existing delays: a compact layer's, a rewired one's under its mask, a fixed dense one's by weight", () => {
    const compact = new Trainer(sparse(1 / 16)).exportState().layers[0]!;
    expect(existingDelays(compact, 1 / 16)).toHaveLength(320);
    const fixedDense = new Trainer(sparse(1 / 8)).exportState().layers[0]!;
    expect(existingDelays(fixedDense, 1 / 8)).toHaveLength(640);
    const rewiredDense = new Trainer(sparse(1 / 8, true)).exportState().layers[0]!;
    expect(rewiredDense.structure!.mask).toBeDefined();
    expect(existingDelays(rewiredDense, 1 / 8)).toHaveLength(640);
    expect(existingDelays(new Trainer(sparse(1)).exportState().layers[0]!, 1)).toHaveLength(5120);
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
