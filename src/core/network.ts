import type { DelayInit, ExperimentConfig, LayerConfig, NeuronConfig } from './experiment.ts';
import { LifLayer } from './neurons/lif.ts';
import { SrmLayer } from './neurons/srm.ts';
import type { NeuronLayer, NeuronRecord, SpikeMode } from './neurons/types.ts';
import type { Rng } from './rng.ts';
import { DelayLayer, storesCompactly, type LayerStorage } from './synapses/delayLayer.ts';
import { allocReal, type Precision, type RealArray } from './tensor.ts';

export function makeNeurons(
  size: number,
  config: NeuronConfig,
  dtMs: number,
  precision: Precision,
  spikeMode: SpikeMode,
): NeuronLayer {
  return config.model === 'lif'
    ? new LifLayer(size, config, dtMs, precision, spikeMode)
    : new SrmLayer(size, config, dtMs, precision, spikeMode);
}

/**
 * Active synapses of a layer of `possible` synapses at `connectivity`: round(connectivity x
 * possible), at least one. Exact, so a layer's sparsity is what its config says (a coin per
 * synapse would leave it off by a few percent of its count, more in small layers).
 */
export function activeSynapseCount(possible: number, connectivity: number): number {
  return Math.max(1, Math.min(possible, Math.round(connectivity * possible)));
}

/**
 * Whether layer l of a config stores its synapses compactly (DelayLayer's synapseIndex): a
 * sparse layer (fixed or rewired) in a BPTT run (EventProp's exact layers read dense arrays),
 * sparse enough for the sparse path (storesCompactly) or asking for it (`storage: 'compact'`).
 */
export function compactLayer(config: ExperimentConfig, l: number): boolean {
  const layer = config.network.layers[l]!;
  if (layer.connectivity >= 1 || config.training.method === 'eventprop') return false;
  if (layer.storage === 'compact') return true;
  const fanIn = l === 0 ? config.network.inputs : config.network.layers[l - 1]!.size;
  const possible = fanIn * layer.size;
  return storesCompactly(activeSynapseCount(possible, layer.connectivity), possible);
}

/**
 * The `count` synapses a rewired compact layer takes for dense weights (a model file, an older
 * checkpoint's best copy: they list no synapses): those of nonzero weight, filled up with the
 * lowest-index others (weight 0: they add nothing). Null when more than `count` are nonzero.
 */
export function synapsesOfWeights(weights: ArrayLike<number>, count: number): Int32Array | null {
  const kept: number[] = [];
  for (let q = 0; q < weights.length; q++) if (weights[q] !== 0) kept.push(q);
  if (kept.length > count) return null;
  const taken = new Set(kept);
  for (let q = 0; kept.length < count; q++) if (!taken.has(q)) kept.push(q);
  return Int32Array.from(kept).sort();
}

/** The indices of the synapses a mask keeps, ascending. */
export function maskIndices(mask: Uint8Array): Int32Array {
  let count = 0;
  for (let q = 0; q < mask.length; q++) if (mask[q] !== 0) count++;
  const out = new Int32Array(count);
  for (let q = 0, k = 0; q < mask.length; q++) if (mask[q] !== 0) out[k++] = q;
  return out;
}

/**
 * Synapse q's initial delay (time steps): drawn (uniform), the same for all (constant), or its
 * own (values). Regrown synapses (rewiring) take theirs from here too.
 */
export function initialDelay(init: DelayInit, q: number, rng: Rng): number {
  switch (init.kind) {
    case 'uniform':
      return rng.uniformIn(init.low, init.high);
    case 'constant':
      return init.value;
    case 'values':
      return init.values[q]!;
  }
}

/**
 * One layer's starting parameters: over every possible synapse (index q = i * outputs + j), or,
 * for a sparse layer, over its existing synapses only (`synapses`).
 */
export interface InitialLayer {
  /**
   * A sparse layer's existing synapses (indices q, ascending): `weights` and `delays` hold
   * theirs alone. Null: they hold every possible synapse's (a dense layer).
   */
  synapses: Int32Array | null;
  weights: Float64Array;
  delays: Float64Array;
}

/**
 * Draws the initial weights, delays and connectivity of one layer of `possible` synapses. A
 * sparse layer (fixed or rewired) draws which synapses exist first (O(existing) memory and
 * draws, so a huge sparse layer never needs an array over every possible synapse), then their
 * weights and delays. A rewired layer's dormant synapses need nothing: their signs and birth
 * delays are hashed from its rewiring seed (structure/rewiring.ts).
 */
export function drawInitialLayer(config: LayerConfig, possible: number, rng: Rng): InitialLayer {
  const synapses =
    config.connectivity < 1
      ? randomSynapses(possible, activeSynapseCount(possible, config.connectivity), rng)
      : null;
  const count = synapses ? synapses.length : possible;
  const synapseAt = (e: number): number => (synapses ? synapses[e]! : e);
  const wi = config.weightInit;
  const w = new Float64Array(count);
  for (let e = 0; e < count; e++) {
    switch (wi.kind) {
      case 'normal':
        w[e] = rng.normal(wi.mean, wi.std) * wi.scale;
        break;
      case 'ternary': {
        const t = Math.round(rng.normal(wi.mean, wi.std));
        w[e] = Math.max(-1, Math.min(1, t)) * wi.scale;
        break;
      }
      case 'uniform':
        w[e] = rng.uniformIn(wi.low, wi.high);
        break;
      case 'constant':
        w[e] = wi.value;
        break;
    }
  }
  const di = config.delayInit;
  const d = new Float64Array(count);
  for (let e = 0; e < count; e++) d[e] = initialDelay(di, synapseAt(e), rng);
  return { synapses, weights: w, delays: d };
}

/**
 * `count` of `possible` synapse indices chosen uniformly, ascending: Floyd's algorithm, with
 * O(count) memory and draws whatever `possible` is.
 */
export function randomSynapses(possible: number, count: number, rng: Rng): Int32Array {
  const chosen = new Set<number>();
  for (let j = possible - count; j < possible; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

/** Every layer's starting parameters, each layer from its own fork of `rng`. */
export function drawInitialParameters(config: ExperimentConfig['network'], rng: Rng): InitialLayer[] {
  let fanIn = config.inputs;
  return config.layers.map((layer) => {
    const possible = fanIn * layer.size;
    fanIn = layer.size;
    return drawInitialLayer(layer, possible, rng.fork());
  });
}

/** Sets a layer's parameters and mask to drawn ones (a compact layer: its entries must be the drawn synapses). */
export function initialiseLayer(layer: DelayLayer, init: InitialLayer): void {
  const index = layer.synapseIndex;
  const drawn = init.synapses;
  if (index) {
    if (!drawn || drawn.length !== index.length || drawn.some((q, e) => q !== index[e]))
      throw new RangeError('a compact layer initialised with a different structure than it was built for');
    layer.weights.set(init.weights);
    layer.delays.set(init.delays);
  } else if (drawn) {
    // Dense storage of a fixed-mask layer: absent synapses at weight 0 and delay 0.
    const mask = new Uint8Array(layer.possibleSynapses);
    layer.weights.fill(0);
    layer.delays.fill(0);
    drawn.forEach((q, e) => {
      mask[q] = 1;
      layer.weights[q] = init.weights[e]!;
      layer.delays[q] = init.delays[e]!;
    });
    layer.mask = mask;
  } else {
    layer.mask = null;
    layer.weights.set(init.weights);
    layer.delays.set(init.delays);
  }
  layer.constrain();
}

export interface ForwardRecord {
  /** Per layer: the input current it received and its neurons' record. */
  layers: { current: RealArray; neurons: NeuronRecord }[];
  batch: number;
  timeSteps: number;
}

/**
 * A feed-forward stack of delay-synapse layers, each followed by a layer of neurons. The last
 * layer's neurons are the outputs (spiking, or a leaky readout).
 */
export class Network {
  readonly synapses: DelayLayer[];
  readonly neurons: NeuronLayer[];
  readonly timeSteps: number;
  readonly inputs: number;

  constructor(
    readonly config: ExperimentConfig['network'],
    readonly precision: Precision,
    spikeMode: SpikeMode = 'heaviside',
    /** Per layer, arrays to use instead of fresh ones (shared memory for data-parallel training). */
    storage: Partial<LayerStorage>[] = [],
    /** Per layer, the synapses a compact layer stores (see DelayLayer), or null: dense storage. */
    structure: (Int32Array | null)[] = [],
  ) {
    this.timeSteps = config.timeSteps;
    this.inputs = config.inputs;
    let fanIn = config.inputs;
    this.synapses = [];
    this.neurons = [];
    for (const layer of config.layers) {
      const synapses = new DelayLayer(
        fanIn,
        layer.size,
        layer.kernel,
        precision,
        storage[this.synapses.length],
        structure[this.synapses.length] ?? null,
      );
      // Set here, not at initialisation: a replica (data-parallel threads) is never initialised
      // and must not compute the gradients of frozen parameters either.
      synapses.computeWeightGrad = layer.trainWeights;
      synapses.computeDelayGrad = layer.trainDelays;
      synapses.keepDormantGradients = layer.rewiring?.regrowth === 'gradient';
      if (synapses.synapseIndex && layer.rewiring) {
        synapses.structureChanges = true;
        if (synapses.keepDormantGradients)
          synapses.dormantGradWeights =
            storage[this.synapses.length]?.dormantGradWeights ?? allocReal(precision, fanIn * layer.size);
      }
      this.synapses.push(synapses);
      this.neurons.push(makeNeurons(layer.size, layer.neuron, config.dtMs, precision, spikeMode));
      fanIn = layer.size;
    }
  }

  get outputs(): number {
    return this.config.layers.at(-1)!.size;
  }

  initialise(rng: Rng): void {
    this.setInitial(drawInitialParameters(this.config, rng));
  }

  /** Sets every layer to drawn starting parameters (drawInitialParameters). */
  setInitial(layers: InitialLayer[]): void {
    layers.forEach((init, l) => initialiseLayer(this.synapses[l]!, init));
  }

  /**
   * Every layer's weights and delays over all its possible synapses (index q = i * outputs + j;
   * a compact layer's absent synapses at weight 0, delay 0): copies for exports and analyses.
   */
  denseParameters(): { weights: Float64Array; delays: Float64Array }[] {
    return this.synapses.map((s) => ({ weights: s.toDense(s.weights), delays: s.toDense(s.delays) }));
  }

  setSigma(sigma: number): void {
    for (const s of this.synapses) s.sigma = sigma;
  }

  /** input: [batch][timeSteps][inputs] spikes (values may be real for gradient checks). */
  forward(input: ArrayLike<number>, batch: number): ForwardRecord {
    const T = this.timeSteps;
    let x: ArrayLike<number> = input;
    const layers: ForwardRecord['layers'] = [];
    for (let l = 0; l < this.synapses.length; l++) {
      const current = this.synapses[l]!.forward(x, batch, T);
      const neurons = this.neurons[l]!.forward(current, batch, T);
      layers.push({ current, neurons });
      x = neurons.spikes;
    }
    return { layers, batch, timeSteps: T };
  }

  /**
   * Backpropagates through time from the output layer's loss gradients; accumulates parameter
   * gradients in the delay layers (call `zeroGrad` first). Returns dL/dinput when asked for.
   */
  backward(
    gradSpikes: RealArray | null,
    gradMembrane: RealArray | null,
    needInputGrad = false,
  ): RealArray | null {
    let gs = gradSpikes;
    let gm = gradMembrane;
    for (let l = this.synapses.length - 1; l >= 0; l--) {
      const gradCurrent = this.neurons[l]!.backward(gs, gm);
      const wantInput = l > 0 || needInputGrad;
      gs = this.synapses[l]!.backward(gradCurrent, wantInput);
      gm = null;
    }
    return gs;
  }

  zeroGrad(): void {
    for (const s of this.synapses) s.zeroGrad();
  }

  constrain(): void {
    for (const s of this.synapses) s.constrain();
  }
}
