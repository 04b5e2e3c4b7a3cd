import { denseParameters } from '../checkpoint.ts';
import type { ExperimentConfig } from '../experiment.ts';
import { mannWhitneyU, type MannWhitneyResult } from './mannWhitney.ts';
import { maxMoransIOverRowPermutations, type Contiguity } from './moransI.ts';
import { fullDelaySpan, outputField } from './receptiveFields.ts';

/**
 * The spatio-temporal structure training gives a two-layer delay network, measured as
 * "delays and structure pruning" measures it: each output neuron's receptive field (input x
 * total delay, the signed hidden-layer paths summed with their hidden -> output weights and
 * shifted by those delays; receptiveFields.ts), its Moran's I maximised over random orders of
 * the inputs (whose order means nothing), and the trained networks' values against the
 * untrained ones' with the Mann-Whitney U test.
 */

/**
 * A two-layer network's parameters ([inputs][outputs] per layer, or a compact layer's values at
 * its `synapses`, as checkpoints hold them; delays in time steps).
 */
export interface TwoLayerParameters {
  layers: readonly { weights: ArrayLike<number>; delays: ArrayLike<number>; synapses?: Int32Array }[];
}

export interface FieldOptions {
  /** Random row orders per field (the paper: 2,000). */
  permutations?: number;
  /** Seed of the row orders. */
  seed?: number;
  contiguity?: Contiguity;
  /** Called after each output neuron's field (done of total), for progress displays. */
  onField?: (done: number, total: number) => void;
}

/** Why a config's receptive fields cannot be built, or null. */
export function fieldProblem(config: ExperimentConfig): string | null {
  const layers = config.network.layers.length;
  if (layers !== 2)
    return `receptive fields are built for networks with one hidden layer (input -> hidden -> output); this one has ${layers} layers`;
  return null;
}

/**
 * The maximum Moran's I of every output neuron's receptive field (null where the field is
 * constant, e.g. every path pruned). Rows: the network's inputs; columns: total delays
 * 0 .. Td0 + Td1 - 2 steps.
 */
export function outputFieldMoransI(
  config: ExperimentConfig,
  parameters: TwoLayerParameters,
  options: FieldOptions = {},
): (number | null)[] {
  const problem = fieldProblem(config);
  if (problem) throw new RangeError(problem);
  const [first, second] = config.network.layers as [
    ExperimentConfig['network']['layers'][number],
    ExperimentConfig['network']['layers'][number],
  ];
  const inputs = config.network.inputs;
  const p0 = denseParameters(parameters.layers[0]!, inputs * first.size);
  const p1 = denseParameters(parameters.layers[1]!, first.size * second.size);
  const span = fullDelaySpan(first.kernel.maxDelay, second.kernel.maxDelay);
  return Array.from({ length: second.size }, (_, neuron) => {
    const field = outputField(
      p0.weights,
      p0.delays,
      inputs,
      first.size,
      p1.weights,
      p1.delays,
      neuron,
      span,
      second.kernel.rounding,
    );
    const result = maxMoransIOverRowPermutations(
      { values: field.grid, rows: inputs, cols: span },
      {
        permutations: options.permutations ?? 2000,
        seed: (options.seed ?? 0) + neuron,
        contiguity: options.contiguity ?? 'queen',
      },
    );
    options.onField?.(neuron + 1, second.size);
    return result.max.value;
  });
}

export interface TrainedVsUntrained {
  trained: { mean: number; values: number[] };
  untrained: { mean: number; values: number[] };
  /** U of the trained sample against the untrained one, and the two-sided p. */
  test: MannWhitneyResult;
  /** Fields left out because their I is undefined (constant fields). */
  undefinedFields: number;
}

/** Pools the trained and untrained fields' values (several seeds) and compares them. */
export function compareTrainedUntrained(
  trained: readonly (number | null)[],
  untrained: readonly (number | null)[],
): TrainedVsUntrained {
  const defined = (xs: readonly (number | null)[]) => xs.filter((x): x is number => x !== null);
  const a = defined(trained);
  const b = defined(untrained);
  if (a.length === 0 || b.length === 0)
    throw new RangeError('no receptive field with a defined Moran’s I on one side: nothing to compare');
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    trained: { mean: mean(a), values: a },
    untrained: { mean: mean(b), values: b },
    test: mannWhitneyU(a, b),
    undefinedFields: trained.length - a.length + (untrained.length - b.length),
  };
}
