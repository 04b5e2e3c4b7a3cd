import { buildTaskData, gatherBatch, type SpikeDataset } from './data/tasks.ts';
import type { ExperimentConfig } from './experiment.ts';
import { activationBytes } from './eventprop/memory.ts';
import { EventPropModel } from './eventprop/model.ts';
import {
  compactLayer,
  drawInitialParameters,
  makeNeurons,
  maskIndices,
  Network,
  type ForwardRecord,
  type InitialLayer,
} from './network.ts';
import { Rng, type RngState } from './rng.ts';
import type { DelayLayer, LayerStorage } from './synapses/delayLayer.ts';
import { ringBufferCurrent } from './synapses/ringBuffer.ts';
import { allFinite, type Precision } from './tensor.ts';
import type { NeuronRecord } from './neurons/types.ts';
import { AdamState, mapMoments, type AdamHyper, type AdamMoments, type AdamSnapshot } from './train/adam.ts';
import {
  adamSlices,
  type LayerMoments,
  type UpdatedTensors,
  type UpdatePlan,
} from './train/shardedUpdate.ts';
import {
  birthDelay,
  LayerRewiring,
  permute,
  type CompactRewiredLayer,
  type RewiredLayer,
  type RewiringEvents,
} from './structure/rewiring.ts';
import {
  computeLoss,
  defaultReadout,
  firstSpikeSteps,
  predict,
  type OutputRecord,
  type Targets,
} from './train/losses.ts';
import { learningRate, sigmaAt } from './train/schedules.ts';

export class TrainingDivergedError extends Error {
  constructor(what: string, step: number) {
    super(
      `training diverged at step ${step}: ${what} is not finite; parameters were left as they were before this step`,
    );
    this.name = 'TrainingDivergedError';
  }
}

export type { AdamSnapshot };

/** A trainer's resumable state (see Trainer.exportState). */
export interface TrainerState {
  step: number;
  epoch: number;
  order: RngState;
  layers: LayerState[];
}

/** A rewired layer's arrays for a rewiring step, with its optimiser moments (see rewireLayers). */
export type HostRewiredLayer = (
  RewiredLayer | (Omit<RewiredLayer, 'mask'> & { mask: Uint8Array | null }) | CompactRewiredLayer
) & { moments: { [k: number]: number; length: number }[] };

/** One layer of a TrainerState. */
export interface LayerState {
  /**
   * Compact (a compact layer's, see DelayLayer): weights, delays and Adam moments hold one value
   * per listed synapse (indices q, ascending). Absent: one per possible synapse, index q.
   */
  synapses?: Int32Array;
  weights: Float64Array;
  delays: Float64Array;
  adamWeights: AdamSnapshot | null;
  adamDelays: AdamSnapshot | null;
  /** A rewired layer's structure: which synapses are active, their signs, the rewiring generator. */
  structure?: StructureSnapshot | null;
}

/** A saved layer over all `possible` synapses (a compact one expanded, absent synapses at 0). */
export function denseLayerState(saved: LayerState, possible: number): LayerState {
  const index = saved.synapses;
  if (!index) return saved;
  const expand = (values: Float64Array): Float64Array => {
    const out = new Float64Array(possible);
    index.forEach((q, e) => (out[q] = values[e]!));
    return out;
  };
  const moments = (a: AdamSnapshot | null): AdamSnapshot | null => (a ? mapMoments(a, expand) : null);
  return {
    weights: expand(saved.weights),
    delays: expand(saved.delays),
    adamWeights: moments(saved.adamWeights),
    adamDelays: moments(saved.adamDelays),
    structure: saved.structure ?? null,
  };
}

/**
 * A saved layer in the storage of `layer`: dense for a dense layer; for a compact one, at its
 * synapses (a dense or differently compact state gathered there; values elsewhere are dropped,
 * so check them first where that matters, as importState does).
 */
export function layerStateFor(saved: LayerState, layer: DelayLayer): LayerState {
  const index = layer.synapseIndex;
  if (!index) return denseLayerState(saved, layer.possibleSynapses);
  if (saved.synapses && sameSynapses(saved.synapses, index)) return saved;
  const dense = denseLayerState(saved, layer.possibleSynapses);
  const gather = (values: Float64Array): Float64Array => Float64Array.from(index, (q) => values[q]!);
  const moments = (a: AdamSnapshot | null): AdamSnapshot | null => (a ? mapMoments(a, gather) : null);
  return {
    synapses: index,
    weights: gather(dense.weights),
    delays: gather(dense.delays),
    adamWeights: moments(dense.adamWeights),
    adamDelays: moments(dense.adamDelays),
    structure: dense.structure ?? null,
  };
}

/** Whether two synapse lists hold the same synapses. */
function sameSynapses(a: Int32Array, b: Int32Array): boolean {
  return a === b || (a.length === b.length && a.every((q, e) => q === b[e]));
}

/** What a rewired layer's resumption needs besides its parameters. */
export interface StructureSnapshot {
  /** A dense-stored layer's connectivity (a compact layer's is its state's `synapses`). */
  mask?: Uint8Array;
  /** The seed of the synapses' signs and birth delays (checkpoints of format 7 on). */
  seed?: number;
  /** +1 / -1 per synapse, stored (checkpoints of format 5 and 6); absent since. */
  signs?: Int8Array;
  rng: RngState;
}

export interface EvalResult {
  loss: number;
  accuracy: number | null;
  samples: number;
}

/**
 * The generators a run draws from its seed: the initialisation's, the batch order's, then the
 * rewiring's (forked last, so the first two are what they were before rewiring existed).
 */
export function runGenerators(seed: number): { init: Rng; order: Rng; structure: Rng } {
  const rng = new Rng(seed);
  const init = rng.fork();
  const order = rng.fork();
  return { init, order, structure: rng.fork() };
}

/**
 * Per layer, the synapses it stores compactly (DelayLayer's synapseIndex) given its drawn
 * starting parameters, or null for dense storage (see compactLayer).
 */
export function compactStructure(config: ExperimentConfig, init: InitialLayer[]): (Int32Array | null)[] {
  return init.map(({ synapses }, l) => (synapses && compactLayer(config, l) ? synapses : null));
}

/** compactStructure of a config's seed-drawn start (what a fresh Trainer of it builds). */
export function initialStructure(config: ExperimentConfig): (Int32Array | null)[] {
  return compactStructure(config, drawInitialParameters(config.network, runGenerators(config.seed).init));
}

/** A config's parameters before training, as a run of its seed starts (float64 copies). */
export function initialParameters(
  config: ExperimentConfig,
): { weights: Float64Array; delays: Float64Array }[] {
  const net = new Network(config.network, 'f64');
  net.initialise(runGenerators(config.seed).init);
  return net.synapses.map((s) => ({
    weights: Float64Array.from(s.weights),
    delays: Float64Array.from(s.delays),
  }));
}

/**
 * Trains an experiment on the CPU reference engine: mini-batches in a seeded order, BPTT, Adam
 * with separate weight and delay groups, delay clamping and the sigma schedule after every step.
 */
export class Trainer {
  readonly net: Network;
  readonly data: SpikeDataset;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  step = 0;
  epoch = 0;
  private order: Rng;
  private readonly weightStates: (AdamState | null)[];
  private readonly delayStates: (AdamState | null)[];
  /** EventProp's forward pass and gradients (training.method 'eventprop'); null for BPTT. */
  readonly eventprop: EventPropModel | null;
  /** Per layer: its rewiring (DEEP R / RigL), or null for a fixed structure. */
  private readonly rewiring: (LayerRewiring | null)[];
  /** What the last step's rewiring did, per layer (null for fixed layers). */
  lastRewiring: (RewiringEvents | null)[];
  /** Synapses regrown per layer since this trainer was built (not checkpointed: a live count). */
  regrownSoFar: number[];

  constructor(
    readonly config: ExperimentConfig,
    options: {
      precision?: Precision;
      epochs?: number;
      data?: SpikeDataset;
      /** Per-layer parameter and gradient arrays to use (see DelayLayer's storage). */
      storage?: Partial<LayerStorage>[];
      /**
       * false: keep the parameters already in `storage` (a replica of another trainer, which
       * computes gradients and evaluates but never steps: it holds no optimiser state).
       */
      initialise?: boolean;
      /** Steps the schedules (learning rates, sigma) span; default epochs * steps per epoch. */
      scheduleSteps?: number;
      /**
       * Per layer, compact storage's synapses (see compactStructure): needed by a replica, which
       * draws nothing; a fresh trainer works them out from its draw (and checks any given).
       */
      structure?: (Int32Array | null)[];
      /** A replica's rewired layers' seeds (the main trainer's rewiringSeeds()), else null. */
      rewiringSeeds?: (number | null)[];
    } = {},
  ) {
    const generators = runGenerators(config.seed);
    const init = options.initialise !== false ? drawInitialParameters(config.network, generators.init) : null;
    const structure = options.structure ?? (init ? compactStructure(config, init) : []);
    this.net = new Network(
      config.network,
      options.precision ?? 'f32',
      'heaviside',
      options.storage,
      structure,
    );
    if (init) this.net.setInitial(init);
    this.order = generators.order;
    // Replicas (initialise false) compute gradients only: the main trainer rewires.
    this.rewiring = config.network.layers.map((l, i) => {
      const syn = this.net.synapses[i]!;
      if (!l.rewiring || options.initialise === false || (!syn.mask && !syn.synapseIndex)) return null;
      const rewiring = LayerRewiring.create(
        l.rewiring,
        syn.synapseIndex
          ? { inputs: syn.inputs, outputs: syn.outputs, weights: syn.weights, synapses: syn.synapseIndex }
          : {
              inputs: syn.inputs,
              outputs: syn.outputs,
              weights: syn.weights,
              delays: syn.delays,
              mask: syn.mask!,
            },
        l.delayInit,
        generators.structure.fork(),
      );
      this.followRewiring(i, rewiring.seed);
      return rewiring;
    });
    // A replica computes a compact RigL layer's dormant gradients at the main trainer's birth delays.
    options.rewiringSeeds?.forEach((seed, i) => seed !== null && this.followRewiring(i, seed));
    this.lastRewiring = this.rewiring.map(() => null);
    this.regrownSoFar = this.rewiring.map(() => 0);
    this.data = options.data ?? buildTaskData(config);
    this.stepsPerEpoch = Math.max(1, Math.ceil(this.data.train.length / config.training.batchSize));
    this.totalSteps =
      options.scheduleSteps ?? this.stepsPerEpoch * (options.epochs ?? config.training.epochs);
    // Replicas (initialise false) never step the optimiser: no moments for them.
    const optimised = options.initialise !== false;
    const adamFor = (i: number): AdamState => {
      const syn = this.net.synapses[i]!;
      // A compact layer's moments are per stored entry; a fixed-mask dense one keeps them for
      // its existing synapses only (AdamState's indices); a rewired one for every synapse (a
      // dormant synapse's moments still move its delay).
      if (syn.synapseIndex) return new AdamState(syn.possibleSynapses, syn.synapseIndex, 'compact');
      return new AdamState(
        syn.possibleSynapses,
        syn.mask && !this.rewiring[i] ? maskIndices(syn.mask) : null,
      );
    };
    this.weightStates = config.network.layers.map((l, i) =>
      optimised && l.trainWeights ? adamFor(i) : null,
    );
    this.delayStates = config.network.layers.map((l, i) =>
      optimised && l.trainDelays && this.net.synapses[i]!.hasDelayGradient ? adamFor(i) : null,
    );
    this.net.setSigma(this.currentSigma());
    this.eventprop =
      config.training.method === 'eventprop' ? new EventPropModel(config, this.net, this.data) : null;
  }

  /** The batch-order generator's state (a checkpoint taken mid-epoch stores the one before the epoch). */
  batchOrderState(): RngState {
    return this.order.state();
  }

  /** Everything a resumed run needs besides the config and data: parameters, Adam moments, counters, batch order. */
  exportState(): TrainerState {
    const adam = (a: AdamState | null, compact: boolean): AdamSnapshot | null =>
      a
        ? mapMoments(
            { m: a.m, v: a.v, ...(a.vMax ? { vMax: a.vMax } : {}), step: a.step },
            compact ? (x) => Float64Array.from(x) : (x) => a.dense(x),
          )
        : null;
    return {
      step: this.step,
      epoch: this.epoch,
      order: this.order.state(),
      // A compact layer's state stays compact: a checkpoint of a sparse run never holds (or
      // allocates) arrays over every possible synapse.
      layers: this.net.synapses.map((s, l): LayerState => {
        const compact = s.synapseIndex !== null;
        return {
          // A copy: a rewired layer's list changes after every step.
          ...(s.synapseIndex ? { synapses: Int32Array.from(s.synapseIndex) } : {}),
          weights: Float64Array.from(s.weights),
          delays: Float64Array.from(s.delays),
          adamWeights: adam(this.weightStates[l]!, compact),
          adamDelays: adam(this.delayStates[l]!, compact),
          structure: this.structureOf(l),
        };
      }),
    };
  }

  /** Restores a state from exportState (of a trainer with the same config); checks every size. */
  importState(state: TrainerState): void {
    const layers = this.net.synapses;
    if (state.layers.length !== layers.length) {
      throw new RangeError(`the saved state has ${state.layers.length} layers, the network ${layers.length}`);
    }
    const put = (
      what: string,
      into: { length: number; set(a: ArrayLike<number>): void },
      from: ArrayLike<number>,
    ) => {
      if (from.length !== into.length)
        throw new RangeError(`${what}: saved ${from.length} values, the network has ${into.length}`);
      into.set(from);
    };
    const adam = (what: string, a: AdamState | null, saved: AdamSnapshot | null, dormantMoments = false) => {
      if ((a === null) !== (saved === null))
        throw new RangeError(`${what}: the saved state and the config disagree on what trains`);
      if (a && saved) {
        // A snapshot without AMSGrad's maximum (plain Adam's, or older) leaves it to start from
        // v; plain Adam keeps none (a saved one would only travel on unused).
        a.vMax = saved.vMax && this.amsgrad ? new Float64Array(a.m.length) : null;
        for (const [name, moment, from] of [
          ['m', a.m, saved.m],
          ['v', a.v, saved.v],
          ...(a.vMax && saved.vMax ? [['vMax', a.vMax, saved.vMax] as const] : []),
        ] as const) {
          try {
            a.setDense(moment, from, dormantMoments);
          } catch (e) {
            throw new RangeError(`${what} ${name}: ${e instanceof Error ? e.message : String(e)}`, {
              cause: e,
            });
          }
        }
        a.step = saved.step;
      }
    };
    state.layers.forEach((given, l) => {
      const layer = layers[l]!;
      const rewiring = this.rewiring[l];
      if (rewiring) this.restoreStructure(l, given, rewiring);
      const own = layer.synapseIndex;
      if (own && given.synapses && sameSynapses(own, given.synapses)) {
        // Compact into the same structure: entry for entry.
        put(`layer ${l} weights`, layer.weights, given.weights);
        put(`layer ${l} delays`, layer.delays, given.delays);
        for (const [what, a, from] of [
          ['weight', this.weightStates[l]!, given.adamWeights],
          ['delay', this.delayStates[l]!, given.adamDelays],
        ] as const) {
          if ((a === null) !== (from === null))
            throw new RangeError(
              `layer ${l} ${what} optimiser: the saved state and the config disagree on what trains`,
            );
          if (a && from) {
            put(`layer ${l} ${what} optimiser m`, a.m, from.m);
            put(`layer ${l} ${what} optimiser v`, a.v, from.v);
            a.vMax = from.vMax && this.amsgrad ? new Float64Array(a.m.length) : null;
            if (a.vMax && from.vMax) put(`layer ${l} ${what} optimiser vMax`, a.vMax, from.vMax);
            a.step = from.step;
          }
        }
        return;
      }
      const saved = denseLayerState(given, layer.possibleSynapses);
      layer.setFromDense(layer.weights, saved.weights, `layer ${l} weights`, true);
      layer.setFromDense(layer.delays, saved.delays, `layer ${l} delays`, false);
      // A rewired layer saved before 2026-12-03 kept dormant synapses' moments (cleared when they
      // regrew); a compact layer has no place for them, and needs none.
      adam(`layer ${l} weight optimiser`, this.weightStates[l]!, saved.adamWeights, rewiring !== null);
      adam(`layer ${l} delay optimiser`, this.delayStates[l]!, saved.adamDelays, rewiring !== null);
    });
    this.step = state.step;
    this.epoch = state.epoch;
    this.order = Rng.fromState(state.order);
    this.net.setSigma(this.currentSigma());
  }

  /**
   * A rewired layer's saved structure and rewiring state, before its values are read: the
   * synapses (a compact state's list, or the mask of a dense one) become the layer's, and the
   * rewiring continues from the saved seed (or, from a format 5-6 checkpoint, its stored signs).
   */
  private restoreStructure(l: number, saved: LayerState, rewiring: LayerRewiring): void {
    const layer = this.net.synapses[l]!;
    const structure = saved.structure;
    if (!structure) throw new RangeError(`layer ${l}: the saved state has no structure for its rewiring`);
    const possible = layer.possibleSynapses;
    let synapses = saved.synapses ?? null;
    if (!synapses) {
      if (!structure.mask || structure.mask.length !== possible)
        throw new RangeError(`layer ${l}: the saved structure has no mask of ${possible} synapses`);
      synapses = maskIndices(structure.mask);
    }
    if (layer.synapseIndex) {
      if (synapses.length !== layer.synapseIndex.length)
        throw new RangeError(
          `layer ${l}: the saved structure has ${synapses.length} active synapses, the layer ${layer.synapseIndex.length}`,
        );
      layer.synapseIndex.set(synapses);
    } else {
      const mask = new Uint8Array(possible);
      for (const q of synapses) mask[q] = 1;
      layer.mask!.set(mask);
    }
    const seed = structure.seed ?? 0;
    const restored = new LayerRewiring(
      rewiring.config,
      rewiring.inputs,
      rewiring.outputs,
      seed,
      rewiring.delayInit,
      structure.rng,
      structure.signs ? Int8Array.from(structure.signs) : null,
    );
    this.rewiring[l] = restored;
    this.followRewiring(l, seed);
  }

  /** A compact RigL layer ranks its dormant synapses at the birth delays of rewiring seed `seed`. */
  private followRewiring(l: number, seed: number): void {
    const syn = this.net.synapses[l]!;
    if (!syn.dormantGradWeights) return;
    const init = this.config.network.layers[l]!.delayInit;
    syn.dormantDelay = (q) => birthDelay(init, seed, q);
  }

  /** Each rewired layer's seed (replicas need it for RigL's dormant gradients), else null. */
  rewiringSeeds(): (number | null)[] {
    return this.rewiring.map((r) => r?.seed ?? null);
  }

  /** Whether the optimiser is AMSGrad (it keeps the maximum of v). */
  private get amsgrad(): boolean {
    return this.config.optimizer.amsgrad === true;
  }

  get readout() {
    return this.config.readout ?? defaultReadout(this.config.loss);
  }

  currentSigma(): number {
    return this.sigmaAtStep(this.step);
  }

  /** The Gaussian kernel std (time steps) the schedule gives after `step` optimiser steps. */
  sigmaAtStep(step: number): number {
    const td = Math.max(...this.config.network.layers.map((l) => l.kernel.maxDelay));
    return sigmaAt(this.config.sigma, td, step, this.totalSteps);
  }

  targetsFor(indices: ArrayLike<number>): Targets {
    const d = this.data;
    if (d.labels) return { kind: 'labels', labels: Int32Array.from(indices, (s) => d.labels![s]!) };
    const n = d.outputs;
    const times = new Float64Array(indices.length * n);
    for (let b = 0; b < indices.length; b++) {
      for (let j = 0; j < n; j++) times[b * n + j] = d.targetTimes![indices[b]! * n + j]!;
    }
    return { kind: 'spikeTimes', times };
  }

  outputRecord(rec: ForwardRecord): OutputRecord {
    const last = rec.layers.at(-1)!.neurons;
    return {
      membrane: last.membrane,
      spikes: last.spikes,
      batch: rec.batch,
      timeSteps: rec.timeSteps,
      outputs: this.net.outputs,
      threshold: this.net.neurons.at(-1)!.threshold,
    };
  }

  /** One optimiser step on the given samples; returns the batch loss. */
  trainStep(indices: ArrayLike<number>): number {
    this.net.zeroGrad();
    const loss = this.accumulateGradients(indices, indices.length);
    this.applyUpdate();
    return loss;
  }

  /**
   * Forward, loss and backward on `indices`, adding to the gradient buffers the gradient of
   * (loss on these samples) * indices.length / batchTotal, so that the gradients of the parts
   * of a batch split across workers sum to the gradient of the whole batch's mean loss.
   * Returns the mean loss on these samples.
   */
  accumulateGradients(indices: ArrayLike<number>, batchTotal: number): number {
    if (this.eventprop) {
      const loss = this.eventprop.accumulate(indices, batchTotal);
      if (!Number.isFinite(loss)) throw new TrainingDivergedError('the loss', this.step);
      return loss;
    }
    const batch = indices.length;
    const input = gatherBatch(this.data, indices);
    const rec = this.net.forward(input, batch);
    const { loss, gradMembrane, gradSpikes } = computeLoss(
      this.config.loss,
      this.outputRecord(rec),
      this.targetsFor(indices),
      this.net.precision,
    );
    if (!Number.isFinite(loss)) throw new TrainingDivergedError('the loss', this.step);
    const share = batch / batchTotal;
    if (share !== 1) {
      if (gradMembrane) for (let q = 0; q < gradMembrane.length; q++) gradMembrane[q]! *= share;
      if (gradSpikes) for (let q = 0; q < gradSpikes.length; q++) gradSpikes[q]! *= share;
    }
    this.net.backward(gradSpikes, gradMembrane);
    return loss;
  }

  /** Adam on the accumulated gradients, delay clamp, and the schedules' next step. */
  applyUpdate(): void {
    // Only the gradients a step applies are checked: a frozen tensor's are never computed.
    const updated = this.updatedTensors();
    this.net.synapses.forEach((s, l) => {
      if (
        (updated[l]!.weights && !allFinite(s.gradWeights)) ||
        (updated[l]!.delays && !allFinite(s.gradDelays))
      ) {
        throw new TrainingDivergedError(`a gradient of layer ${l}`, this.step);
      }
    });
    const plan = this.beginUpdate();
    adamSlices(this.net.synapses, this.layerMoments(plan.hyper), plan, 0, 1);
    this.rewire(plan.lrWeights);
    this.net.constrain();
    this.finishUpdate();
  }

  /** Which tensors of each layer a step updates (those with an optimiser). */
  updatedTensors(): UpdatedTensors[] {
    return this.net.synapses.map((_, l) => ({
      weights: this.weightStates[l] !== null,
      delays: this.delayStates[l] !== null,
    }));
  }

  /**
   * Starts an optimiser step (after the gradients are checked): its learning rates, and each
   * optimiser's step counted. Then every slice of it (updateSlice, in any threads), then
   * finishUpdate.
   */
  beginUpdate(): UpdatePlan {
    const opt = this.config.optimizer;
    const hyper = { beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon, amsgrad: this.amsgrad };
    return {
      lrWeights: learningRate(opt.weights.lr, opt.weights.schedule, this.step, this.totalSteps),
      lrDelays: learningRate(opt.delays.lr, opt.delays.schedule, this.step, this.totalSteps),
      hyper,
      steps: this.net.synapses.map((_, l) => ({
        weights: this.weightStates[l]?.beginStep(hyper) ?? null,
        delays: this.delayStates[l]?.beginStep(hyper) ?? null,
      })),
    };
  }

  /** Each layer's optimiser moments, as a step with `hyper` updates them. */
  layerMoments(hyper: AdamHyper): LayerMoments[] {
    return this.net.synapses.map((_, l) => ({
      weights: this.weightStates[l]?.moments(hyper) ?? null,
      delays: this.delayStates[l]?.moments(hyper) ?? null,
    }));
  }

  /** Ends an optimiser step: the step count and the sigma schedule move on. */
  finishUpdate(): void {
    this.step++;
    this.net.setSigma(this.currentSigma());
  }

  /**
   * Whether a step can be split over threads (updateSlice): not with rewiring, which ranks and
   * regrows synapses over whole layers after the optimiser's step.
   */
  get updateSliceable(): boolean {
    return this.rewiring.every((r) => r === null);
  }

  /**
   * Moves every optimiser's moments into arrays `allocate` makes (shared memory, for threads that
   * step slices of them); returns them per layer, with each one's index list (see AdamMoments).
   */
  shareMoments(allocate: (length: number) => Float64Array): LayerMoments[] {
    const share = (a: AdamState | null): AdamMoments | null => {
      if (!a) return null;
      const into = {
        m: allocate(a.m.length),
        v: allocate(a.v.length),
        vMax: this.amsgrad ? allocate(a.m.length) : null,
      };
      a.moveMoments(into);
      return { ...into, indices: a.layout === 'dense' ? a.indices : null };
    };
    return this.net.synapses.map((_, l) => ({
      weights: share(this.weightStates[l] ?? null),
      delays: share(this.delayStates[l] ?? null),
    }));
  }

  /**
   * DEEP R / RigL on the rewired layers after the optimiser's step (structure/rewiring.ts): the
   * same number of active synapses, regrown ones at weight 0 with a delay from the layer's delay
   * initialisation and cleared optimiser moments.
   */
  private rewire(lr: number): void {
    this.rewireLayers(lr, (l) => {
      const layer = this.net.synapses[l]!;
      const moments = [this.weightStates[l], this.delayStates[l]].flatMap((s) =>
        s ? [s.m, s.v, ...(s.vMax ? [s.vMax] : [])] : [],
      );
      return layer.synapseIndex
        ? {
            inputs: layer.inputs,
            outputs: layer.outputs,
            synapses: layer.synapseIndex,
            weights: layer.weights,
            delays: layer.delays,
            dormantGradients: layer.dormantGradWeights,
            moments,
          }
        : { ...layer, mask: layer.mask!, moments };
    });
  }

  /**
   * DEEP R / RigL on every rewired layer, on arrays `layerOf(l)` gives: this trainer's own, or
   * the GPU engine's read-back ones (its structure, mask or synapse list, is this trainer's,
   * which stays the authoritative one). A synapse going dormant or regrowing gets its optimiser
   * moments (`moments`: one array per moment, indexed as the weights are) cleared; a compact
   * layer's re-sorted entries take theirs along. Updates lastRewiring and regrownSoFar.
   */
  rewireLayers(lr: number, layerOf: (l: number) => HostRewiredLayer): void {
    this.lastRewiring = this.rewiring.map((rewiring, l) => {
      if (!rewiring) return null;
      const layer = layerOf(l);
      const clear = (k: number): void => {
        for (const m of layer.moments) m[k] = 0;
      };
      if ('synapses' in layer)
        return rewiring.stepCompact(layer, lr, clear, (order) =>
          layer.moments.forEach((m) => permute(m, order)),
        );
      if (!layer.mask) throw new RangeError(`layer ${l} rewires but has no connectivity mask`);
      return rewiring.step({ ...layer, mask: layer.mask }, lr, clear, clear);
    });
    this.lastRewiring.forEach((e, l) => (this.regrownSoFar[l]! += e?.regrown ?? 0));
  }

  /** Whether some layer rewires (DEEP R / RigL) after each step. */
  get rewires(): boolean {
    return this.rewiring.some((r) => r !== null);
  }

  /** The weight learning rate of optimiser step `step` (rewiring's L1 and noise scale with it). */
  weightLearningRate(step: number): number {
    const opt = this.config.optimizer;
    return learningRate(opt.weights.lr, opt.weights.schedule, step, this.totalSteps);
  }

  /** A rewired layer's structure for a checkpoint (null for fixed layers). */
  private structureOf(l: number): StructureSnapshot | null {
    const rewiring = this.rewiring[l];
    if (!rewiring) return null;
    const mask = this.net.synapses[l]!.mask;
    return {
      ...(mask ? { mask: Uint8Array.from(mask) } : {}),
      seed: rewiring.seed,
      ...(rewiring.storedSigns ? { signs: Int8Array.from(rewiring.storedSigns) } : {}),
      rng: rewiring.rngState(),
    };
  }

  /** Active synapses per layer (all of a dense layer's). */
  activeSynapses(): number[] {
    return this.net.synapses.map((s) => s.activeSynapses);
  }

  /**
   * The next epoch's mini-batches in a seeded random order (advances the batch-order generator;
   * the run loop calls this once per epoch).
   */
  drawEpochBatches(): number[][] {
    const order = this.order.shuffle(Array.from(this.data.train));
    const bs = this.config.training.batchSize;
    const batches: number[][] = [];
    for (let k = 0; k < order.length; k += bs) batches.push(order.slice(k, k + bs));
    return batches;
  }

  /**
   * Loss and accuracy (null without labels) on a split, in batches. With `predictions` (one slot
   * per index) the predicted classes are written there too (-1: no output spike).
   */
  evaluate(indices: ArrayLike<number>, predictions?: Int32Array): EvalResult {
    const bs = Math.max(this.config.training.batchSize, 64);
    let loss = 0;
    let correct = 0;
    const all = Array.from(indices);
    for (let k = 0; k < all.length; k += bs) {
      const idx = all.slice(k, k + bs);
      if (this.eventprop) {
        const r = this.eventprop.evaluate(idx, predictions, k);
        loss += r.lossSum;
        correct += r.correct;
        continue;
      }
      const rec = this.net.forward(gatherBatch(this.data, idx), idx.length);
      const out = this.outputRecord(rec);
      const targets = this.targetsFor(idx);
      loss += computeLoss(this.config.loss, out, targets, this.net.precision).loss * idx.length;
      if (targets.kind === 'labels') {
        const pred = predict(out, this.readout, this.config.loss);
        for (let b = 0; b < idx.length; b++) if (pred[b] === targets.labels[b]) correct++;
        predictions?.set(pred, k);
      }
    }
    const n = indices.length;
    return { loss: n ? loss / n : 0, accuracy: this.data.labels && n ? correct / n : null, samples: n };
  }

  /**
   * One sample through the network as the views draw it: per layer its input current, membrane
   * and spikes per time step (EventProp's model sampled on the step grid).
   */
  record(sample: number): ForwardRecord {
    return this.eventprop
      ? this.eventprop.record(sample)
      : this.net.forward(gatherBatch(this.data, [sample]), 1);
  }

  /** The class predicted for one sample from its record (-1: no output spike where spikes decide). */
  predictSample(sample: number, rec: ForwardRecord): number {
    if (this.eventprop) return this.eventprop.predict(sample);
    return predict(this.outputRecord(rec), this.readout, this.config.loss)[0]!;
  }

  /**
   * Bytes the training method holds for one sample between its forward and backward passes:
   * BPTT's activations (every step of every layer), or EventProp's spikes (eventprop/memory.ts).
   */
  heldBytesPerSample(sample: number): number {
    if (this.eventprop) return this.eventprop.heldBytes(sample);
    const input = gatherBatch(this.data, [sample]);
    return activationBytes(this.net.forward(input, 1), input);
  }

  /** Output record of one sample, for traces and first-spike reports. */
  probe(sample: number): OutputRecord {
    return this.outputRecord(this.record(sample));
  }

  /** First output spike steps of one sample with the training kernels: [outputs], -1 = silent. */
  firstSpikes(sample = 0): number[] {
    return Array.from(firstSpikeSteps(this.probe(sample)));
  }

  /**
   * First output spike steps when the trained network runs as inference would: integer delays
   * (each layer's `kernel.rounding`: floor or nearest) delivered by ring buffers.
   */
  quantisedFirstSpikes(sample = 0): number[] {
    const layers = this.ringBufferRecords(sample);
    const last = layers.at(-1)!;
    const { timeSteps } = this.config.network;
    return Array.from(
      firstSpikeSteps({
        ...last,
        batch: 1,
        timeSteps,
        outputs: this.config.network.layers.at(-1)!.size,
        threshold: this.config.network.layers.at(-1)!.neuron.threshold,
      }),
    );
  }

  /**
   * Every layer's record (`[time][neuron]`, one sample) when the trained network runs as
   * inference would: integer delays delivered by ring buffers, neurons in float64. The reference
   * an exported graph (a delay table, NIR) is checked against.
   */
  ringBufferRecords(sample = 0): NeuronRecord[] {
    const { timeSteps: T, layers, dtMs, inputs } = this.config.network;
    let spikes: ArrayLike<number> = gatherBatch(this.data, [sample]);
    let fanIn = inputs;
    return layers.map((cfg, l) => {
      const syn = this.net.synapses[l]!;
      const current = ringBufferCurrent(
        spikes,
        T,
        fanIn,
        cfg.size,
        syn.weights,
        syn.delays,
        cfg.kernel.maxDelay,
        cfg.kernel.rounding,
      );
      const rec = makeNeurons(cfg.size, cfg.neuron, dtMs, 'f64', 'heaviside').forward(current, 1, T);
      spikes = rec.spikes;
      fanIn = cfg.size;
      return rec;
    });
  }
}
