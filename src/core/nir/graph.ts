import type { DelayTable } from '../delayTable.ts';
import type { ExperimentConfig, LayerConfig } from '../experiment.ts';
import { defaultReadout } from '../train/losses.ts';

/**
 * NIR, the Neuromorphic Intermediate Representation (neuroir.org): a directed graph of
 * computational primitives that Lava, Norse, snnTorch, Sinabs, Rockpool and hardware toolchains
 * read. This module holds the graph in memory and builds it from a trained network's quantised
 * delay table; io/nirFile.ts writes and reads it as HDF5, nir/simulate.ts runs it.
 *
 * The NIR nodes used, in NIR's own terms (time constants and delays in seconds, as the files of
 * the NIR reference libraries hold them):
 *   Input / Output  shape
 *   Linear          y = W x, W [outputs][inputs]
 *   Delay           y(t) = x(t - tau), element-wise
 *   LIF             tau dv/dt = (v_leak - v) + r I; spike when v > v_threshold, then v <- v_reset
 *   LI              tau dv/dt = (v_leak - v) + r I (no threshold: a readout)
 * Affine (W x + b) and Scale are read and run too, so graphs from other tools can be checked.
 *
 * Per-synapse delays have no NIR primitive: Delay is element-wise. A layer is therefore expanded
 * into one branch per distinct integer delay k (steps): a Linear holding the weights of exactly
 * the synapses whose delay is k (zeros elsewhere), then a Delay of k dt on its outputs (no Delay
 * when k = 0). The branches converge on the layer's neurons, and NIR sums converging edges. That
 * is exactly the ring buffer at each postsynaptic neuron: a spike at step t through a synapse of
 * delay k adds its weight to the current at step t + k. The cost is a Linear of
 * outputs x inputs entries per branch; `graphSize` reports it.
 */

export interface NirArray {
  shape: number[];
  /** Row-major values. */
  data: Float64Array;
  /** Stored precision in the file: float32 where that loses nothing, else float64. */
  dtype: 'f32' | 'f64';
}

export type NirNode =
  | { type: 'Input'; shape: number[] }
  | { type: 'Output'; shape: number[] }
  | { type: 'Linear'; weight: NirArray }
  | { type: 'Affine'; weight: NirArray; bias: NirArray }
  | { type: 'Scale'; scale: NirArray }
  | { type: 'Delay'; delay: NirArray }
  | { type: 'LIF'; tau: NirArray; r: NirArray; v_leak: NirArray; v_threshold: NirArray; v_reset: NirArray }
  | { type: 'LI'; tau: NirArray; r: NirArray; v_leak: NirArray };

export type NirNodeType = NirNode['type'];

/** NIR's graph metadata is free-form; backends must not rely on it. Ours: strings and numbers. */
export type NirMetadata = Record<string, string | number>;

export interface NirGraph {
  nodes: Map<string, NirNode>;
  /** [source, target] node names. */
  edges: [string, string][];
  metadata: NirMetadata;
}

/** The NIR release whose file layout this writes (node group "node", root string "version"). */
export const NIR_VERSION = '1.0.7';

/** A network NIR cannot express exactly; the message says what and what to do instead. */
export class NirExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NirExportError';
  }
}

export function nirArray(shape: number[], data: ArrayLike<number>, dtype?: 'f32' | 'f64'): NirArray {
  const values = Float64Array.from(data);
  const size = shape.reduce((a, b) => a * b, 1);
  if (values.length !== size)
    throw new RangeError(`shape [${shape.join(', ')}] needs ${size} values, got ${values.length}`);
  return { shape, data: values, dtype: dtype ?? (values.every((v) => Math.fround(v) === v) ? 'f32' : 'f64') };
}

function filled(n: number, value: number): NirArray {
  return nirArray([n], new Float64Array(n).fill(value), 'f64');
}

/** Why a layer's neurons have no exact NIR node, or null when they have one. */
export function nirNeuronProblem(layer: LayerConfig, index: number, last: boolean): string | null {
  const n = layer.neuron;
  if (n.model === 'srm')
    return `layer ${index} uses spike-response (SRM) neurons: NIR has no spike-response model (its LIF resets to v_reset, while the SRM adds a refractory response to the membrane), so the graph would not spike as the network does. Export the delay table instead (--format delays-json)`;
  if (n.spiking && n.reset === 'soft')
    return `layer ${index} resets by subtraction (reset "soft"): NIR's LIF sets v to v_reset after a spike, so the graph would not spike as the network does. Train with reset "hard" to export to NIR, or export the delay table`;
  if (!n.spiking && !last)
    return `layer ${index} is a non-spiking hidden layer: it passes no spikes on in the network, while an NIR LI node would pass its membrane on`;
  return null;
}

/** Why a network has no exact NIR graph (each reason), or an empty list. */
export function nirProblems(config: ExperimentConfig): string[] {
  const layers = config.network.layers;
  const problems = layers
    .map((l, i) => nirNeuronProblem(l, i, i === layers.length - 1))
    .filter((p): p is string => p !== null);
  if (config.training.method === 'eventprop')
    problems.push(
      'the network trains with EventProp, whose neurons integrate an exponential synaptic current exactly between spikes; the graph (LIF nodes stepped by forward Euler) would not spike as it does. Export the delay table instead (--format delays-json)',
    );
  const output = layers.at(-1)!.neuron;
  const readout = config.readout ?? defaultReadout(config.loss);
  if (output.spiking && readout === 'logits')
    problems.push(
      `the output layer spikes but its class is read from its membrane (loss ${config.loss.kind}); an NIR LIF node gives only spikes, so the graph's output cannot reproduce the network's decisions`,
    );
  return problems;
}

/** The largest float64 below x: `u > below(θ)` is the engine's `u >= θ` for any float64 u. */
function below(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  return ulpsAway(x, x > 0 ? -1n : 1n);
}

/** The float64 `steps` units in the last place from x (toward larger magnitude for positive steps). */
function ulpsAway(x: number, steps: bigint): number {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + steps);
  return bits.getFloat64(0);
}

/**
 * A time constant (s) whose ratio dt / tau, as a reader computes it from the file in seconds,
 * is exactly the engine's dtMs / tauMs (within a few ulps of tauMs / 1000, which may not be).
 */
function tauSeconds(tauMs: number, dtMs: number): number {
  const beta = dtMs / tauMs;
  const dt = dtMs / 1000;
  const guess = tauMs / 1000;
  for (const step of [0n, 1n, -1n, 2n, -2n, 3n, -3n, 4n, -4n]) {
    const tau = ulpsAway(guess, step);
    if (dt / tau === beta) return tau;
  }
  return guess;
}

/** One layer's expansion: which integer delays got a branch. */
export interface NirLayerBranches {
  layer: number;
  /** Distinct integer delays (steps) with at least one synapse of nonzero weight, ascending. */
  delays: number[];
}

/**
 * The NIR graph of a trained network whose delays are quantised as `table` holds them (built by
 * buildDelayTable, possibly fitted to a hardware target). Throws NirExportError for neurons NIR
 * cannot express exactly.
 */
export function nirGraphFromTable(
  config: ExperimentConfig,
  table: DelayTable,
  /** Where the parameters came from and the hardware target the table was fitted to (metadata). */
  about: { source: string; target: string } = { source: 'unspecified', target: 'unbounded' },
): { graph: NirGraph; branches: NirLayerBranches[] } {
  const problems = nirProblems(config);
  if (problems.length > 0) throw new NirExportError(problems.join('; '));
  const dtSeconds = config.network.dtMs / 1000;
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  nodes.set('input', { type: 'Input', shape: [config.network.inputs] });
  let previous = 'input';
  const branches: NirLayerBranches[] = [];
  table.layers.forEach((layer, l) => {
    const cfg = config.network.layers[l]!;
    if (cfg.neuron.model !== 'lif') throw new NirExportError(`layer ${l}: not a LIF layer`);
    const { fanIn, size } = layer;
    const neurons = `layer${l}.neurons`;
    const tau = filled(size, tauSeconds(cfg.neuron.tauMs, config.network.dtMs));
    // r = 1, v_leak = 0: the engine's u[t] = v[t-1] + (dt / tau)(I[t] - v[t-1]) is forward Euler of
    // tau dv/dt = (v_leak - v) + r I with these values. The engine spikes at u >= threshold, NIR
    // at v > v_threshold: the threshold written is the float64 just below the engine's (a float32
    // reader rounds it back to the threshold and then differs only for a membrane exactly on it).
    nodes.set(
      neurons,
      cfg.neuron.spiking
        ? {
            type: 'LIF',
            tau,
            r: filled(size, 1),
            v_leak: filled(size, 0),
            v_threshold: filled(size, below(cfg.neuron.threshold)),
            v_reset: filled(size, 0),
          }
        : { type: 'LI', tau, r: filled(size, 1), v_leak: filled(size, 0) },
    );
    const byDelay = new Map<number, Float64Array>();
    for (let post = 0; post < size; post++) {
      const delayRow = layer.delays[post]!;
      const weightRow = layer.weights[post]!;
      for (let pre = 0; pre < fanIn; pre++) {
        const w = weightRow[pre]!;
        if (w === 0) continue; // an absent synapse carries nothing
        const k = delayRow[pre]!;
        let weights = byDelay.get(k);
        if (!weights) byDelay.set(k, (weights = new Float64Array(size * fanIn)));
        weights[post * fanIn + pre] = w;
      }
    }
    const delays = [...byDelay.keys()].sort((a, b) => a - b);
    for (const k of delays) {
      const linear = `layer${l}.delay${k}.linear`;
      nodes.set(linear, { type: 'Linear', weight: nirArray([size, fanIn], byDelay.get(k)!) });
      edges.push([previous, linear]);
      if (k === 0) {
        edges.push([linear, neurons]);
      } else {
        const delay = `layer${l}.delay${k}`;
        nodes.set(delay, { type: 'Delay', delay: filled(size, k * dtSeconds) });
        edges.push([linear, delay], [delay, neurons]);
      }
    }
    branches.push({ layer: l, delays });
    previous = neurons;
  });
  const outputs = config.network.layers.at(-1)!.size;
  nodes.set('output', { type: 'Output', shape: [outputs] });
  edges.push([previous, 'output']);
  return {
    graph: {
      nodes,
      edges,
      metadata: {
        generator: 'Delay Lab',
        source: about.source,
        delaylab_config: JSON.stringify(config),
        hardware_target: about.target,
        dt: dtSeconds,
        time_unit: 's',
      },
    },
    branches,
  };
}

/** What the per-delay expansion costs. */
export interface NirGraphSize {
  nodes: number;
  edges: number;
  /** Linear/Affine entries stored (every branch holds a full outputs x inputs matrix). */
  storedWeights: number;
  /** Nonzero weights among them: the synapses. */
  synapses: number;
  /** Delay elements (one per output neuron per delayed branch). */
  delayElements: number;
  /** storedWeights / synapses. */
  expansion: number;
}

export function graphSize(graph: NirGraph): NirGraphSize {
  let storedWeights = 0;
  let synapses = 0;
  let delayElements = 0;
  for (const node of graph.nodes.values()) {
    if (node.type === 'Linear' || node.type === 'Affine') {
      storedWeights += node.weight.data.length;
      for (const w of node.weight.data) if (w !== 0) synapses++;
    } else if (node.type === 'Delay') delayElements += node.delay.data.length;
  }
  return {
    nodes: graph.nodes.size,
    edges: graph.edges.length,
    storedWeights,
    synapses,
    delayElements,
    expansion: synapses === 0 ? 0 : storedWeights / synapses,
  };
}
