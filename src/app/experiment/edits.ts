import type { EncoderConfig } from '../../core/data/encoders.ts';
import type {
  EventPropLoss,
  ExperimentConfig,
  LayerConfig,
  NeuronConfig,
  TrainingMethod,
} from '../../core/experiment.ts';
import { EVENTPROP_FIRST_SPIKE_LOSS } from '../../core/eventpropPresets.ts';
import { REGROWTHS, type Option, type OptionValue } from '../../core/options.ts';

/**
 * Edits of the experiment config that touch more than one field (pure; the editor passes them
 * to `editExperiment`, which validates the result). Every function mutates the draft it gets.
 */

/** What trains, as the editor offers it (one choice for all layers' trainWeights / trainDelays). */
export const TRAINED_PARAMETERS = [
  { value: 'both', label: 'weights and delays', help: 'Weights and delays both learn.' },
  {
    value: 'delays',
    label: 'delays only',
    help: 'Weights stay as initialised; only the delays learn (the delay-only papers).',
  },
  {
    value: 'weights',
    label: 'weights only',
    help: 'Delays stay as initialised: the baseline without delay learning.',
  },
] as const satisfies readonly Option<string>[];

export type TrainedParameters = OptionValue<typeof TRAINED_PARAMETERS>;

/** What the layers train, as one choice (mixed layers read as 'both'). */
export function trainedParameters(config: ExperimentConfig): TrainedParameters {
  const layers = config.network.layers;
  if (layers.every((l) => l.trainDelays && !l.trainWeights)) return 'delays';
  if (layers.every((l) => l.trainWeights && !l.trainDelays)) return 'weights';
  return 'both';
}

export function setTrainedParameters(draft: ExperimentConfig, what: TrainedParameters): void {
  for (const l of draft.network.layers) {
    l.trainWeights = what !== 'delays';
    l.trainDelays = what !== 'weights';
  }
}

/** Hidden layer sizes as text: "800", "128, 64"; "" for none. */
export function hiddenSizesText(config: ExperimentConfig): string {
  return config.network.layers
    .slice(0, -1)
    .map((l) => l.size)
    .join(', ');
}

/** Parses "128, 64" into sizes; null when a part is not a whole number from 1 to 100,000. */
export function parseSizes(text: string): number[] | null {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const sizes = parts.map(Number);
  return sizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 100_000) ? sizes : null;
}

/**
 * Sets the hidden layers: existing hidden layers keep their settings, new ones copy the last
 * hidden layer (or the output layer's neuron and kernel when there was none).
 */
export function setHiddenSizes(draft: ExperimentConfig, sizes: number[]): void {
  const layers = draft.network.layers;
  const output = layers.at(-1)!;
  const hidden = layers.slice(0, -1);
  const template: LayerConfig = hidden.at(-1) ?? { ...output, neuron: { ...output.neuron, spiking: true } };
  draft.network.layers = [
    ...sizes.map((size, i) => ({ ...structuredClone(hidden[i] ?? template), size })),
    output,
  ];
  freePerSynapseDelays(draft);
}

/**
 * Per-synapse starting delays (a Learn page's exact setup) fit only the shape they were made
 * for: where a layer's synapse count or Td no longer matches them, that layer draws its delays
 * uniformly over the whole range instead, so an edit of the shape is applied rather than refused.
 */
export function freePerSynapseDelays(draft: ExperimentConfig): void {
  let fanIn = draft.network.inputs;
  for (const l of draft.network.layers) {
    const init = l.delayInit;
    const top = l.kernel.maxDelay - 1;
    if (init.kind === 'values' && (init.values.length !== fanIn * l.size || init.values.some((d) => d > top)))
      l.delayInit = { kind: 'uniform', low: 0, high: top };
    fanIn = l.size;
  }
}

/** Neuron defaults when switching model (keeps threshold, spiking and surrogate). */
export function switchNeuronModel(neuron: NeuronConfig, model: NeuronConfig['model']): NeuronConfig {
  if (neuron.model === model) return neuron;
  const common = { threshold: neuron.threshold, spiking: neuron.spiking, surrogate: neuron.surrogate };
  return model === 'lif'
    ? { model: 'lif', tauMs: 10, reset: 'hard', detachReset: true, ...common }
    : { model: 'srm', tauSynMs: 1, tauRefMs: 1, refractoryScale: 2, detachReset: true, ...common };
}

export function setNeuronModel(draft: ExperimentConfig, model: NeuronConfig['model']): void {
  for (const l of draft.network.layers) l.neuron = switchNeuronModel(l.neuron, model);
}

/** Applies `edit` to the neuron of every layer (the editor sets constants for all layers at once). */
export function editNeurons(draft: ExperimentConfig, edit: (n: NeuronConfig) => void): void {
  for (const l of draft.network.layers) edit(l.neuron);
}

export function editKernels(draft: ExperimentConfig, edit: (l: LayerConfig) => void): void {
  for (const l of draft.network.layers) edit(l);
}

export type FixedWeightInit = 'normal' | 'ternary';

/** Switches normal <-> ternary initialisation, keeping each layer's mean, std and scale. */
export function setWeightInitKind(draft: ExperimentConfig, kind: FixedWeightInit): void {
  for (const l of draft.network.layers) {
    const w = l.weightInit;
    if (w.kind === 'normal' || w.kind === 'ternary') l.weightInit = { ...w, kind };
    else l.weightInit = { kind, mean: 0, std: 1, scale: 1 };
  }
}

/** Encoder defaults per kind, for a network of `timeSteps` steps. */
export function defaultEncoder(kind: EncoderConfig['kind'], timeSteps: number): EncoderConfig {
  switch (kind) {
    case 'threshold':
      return { kind, threshold: 127, step: 0 };
    case 'latency':
      return { kind, firstStep: 0, lastStep: Math.max(0, timeSteps - 1), cutoff: 0 };
    case 'rate':
      return { kind, maxProbability: 0.2 };
    case 'intensityBins':
      return { kind, bins: Math.min(3, timeSteps) };
  }
}

/** EventProp's settings for a config that has none: tau_syn 5 ms (the EventProp papers), exact simulation, a loss that fits its output layer. */
export function defaultEventProp(draft: ExperimentConfig): NonNullable<ExperimentConfig['eventprop']> {
  const spikingOutput = draft.network.layers.at(-1)!.neuron.spiking;
  return {
    tauSynMs: 5,
    simulation: 'exact',
    loss: spikingOutput ? { ...EVENTPROP_FIRST_SPIKE_LOSS } : { kind: 'voltageSum' },
  };
}

/** Switches the gradient method; EventProp gets default settings where the config has none. */
export function setTrainingMethod(draft: ExperimentConfig, method: TrainingMethod): void {
  draft.training.method = method;
  if (method === 'eventprop') draft.eventprop ??= defaultEventProp(draft);
}

/**
 * Sets EventProp's loss, and the output layer with it: the first-spike loss reads output spikes,
 * the voltage losses a non-spiking readout (the validator refuses any other pairing).
 */
export function setEventPropLoss(draft: ExperimentConfig, kind: EventPropLoss['kind']): void {
  const ep = (draft.eventprop ??= defaultEventProp(draft));
  ep.loss = kind === 'firstSpike' ? { ...EVENTPROP_FIRST_SPIKE_LOSS } : { kind };
  const out = draft.network.layers.at(-1)!;
  out.neuron = { ...out.neuron, spiking: kind === 'firstSpike' };
}

/** The network's structure as the editor offers it: fixed (dense or a fixed mask), or rewired. */
export const STRUCTURES = [
  {
    value: 'fixed',
    label: 'fixed',
    help: 'The synapses that exist never change (every pair, or a fixed random share: the active fraction).',
  },
  ...REGROWTHS.map((o) => ({ ...o, label: `rewired: ${o.label}` })),
] as const satisfies readonly Option<string>[];

export type Structure = OptionValue<typeof STRUCTURES>;

/** A config's structure as one choice (the first rewired layer's regrowth). */
export function structureOf(config: ExperimentConfig): Structure {
  return config.network.layers.find((l) => l.rewiring)?.rewiring?.regrowth ?? 'fixed';
}

/** Active share a layer takes when rewiring starts on a dense one (75 % sparsity, as the paper's middle setting). */
export const DEFAULT_ACTIVE_FRACTION = 0.25;

/**
 * Sets every layer's structure. Rewiring starts with Dale's law (the paper), a small L1 and
 * DEEP R noise; a dense layer becomes DEFAULT_ACTIVE_FRACTION active. Back to fixed keeps the
 * active fraction (a fixed random mask of that share).
 */
export function setStructure(draft: ExperimentConfig, structure: Structure): void {
  for (const l of draft.network.layers) {
    if (structure === 'fixed') {
      l.rewiring = null;
      continue;
    }
    if (l.connectivity >= 1) l.connectivity = DEFAULT_ACTIVE_FRACTION;
    l.rewiring = { dale: true, l1: 0.01, temperature: 1e-6, ...l.rewiring, regrowth: structure };
  }
}

/** How the sparse layers store their synapses (the first layer's choice; 'auto' when absent). */
export function storageOf(config: ExperimentConfig): NonNullable<LayerConfig['storage']> {
  return config.network.layers[0]?.storage ?? 'auto';
}

/** Sets every layer's storage ('auto' removes the field, as configs without it have always meant). */
export function setStorage(draft: ExperimentConfig, storage: NonNullable<LayerConfig['storage']>): void {
  for (const l of draft.network.layers) {
    if (storage === 'auto') delete l.storage;
    else l.storage = storage;
  }
}

/** The active fraction of every layer (the editor sets one share for all layers). */
export function setActiveFraction(draft: ExperimentConfig, fraction: number): void {
  for (const l of draft.network.layers) l.connectivity = fraction;
}
