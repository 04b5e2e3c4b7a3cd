import type { EncoderConfig } from '../data/encoders.ts';
import type { LifConfig } from '../neurons/lif.ts';
import type { SrmConfig } from '../neurons/srm.ts';
import type { RewiringConfig } from '../structure/rewiring.ts';
import type { DelayKernelConfig } from '../synapses/kernels.ts';
import type { EVENTPROP_SIMULATIONS, OptionValue, TRAINING_METHODS } from '../options.ts';
import type { LossConfig, Readout } from '../train/losses.ts';
import type { LrSchedule, SigmaSchedule } from '../train/schedules.ts';

/**
 * The experiment config: one versioned, JSON-serialisable object that drives the CLI, the UI,
 * share links and files. These are its types; validate.ts checks an untrusted object against
 * them.
 */
export const EXPERIMENT_VERSION = 1;

export type NeuronConfig = LifConfig | SrmConfig;

export type WeightInit =
  /** normal(mean, std) * scale */
  | { kind: 'normal'; mean: number; std: number; scale: number }
  /** round(normal(mean, std)) clipped to {-1, 0, 1}, times scale (delay-only paper). */
  | { kind: 'ternary'; mean: number; std: number; scale: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number };

export type DelayInit =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number }
  /**
   * One delay per synapse, [inputs][outputs] (time steps): an exact setup carried over from a
   * Learn page. Added after version 1 shipped (a new kind; older configs never hold it).
   */
  | { kind: 'values'; values: number[] };

export interface LayerConfig {
  size: number;
  neuron: NeuronConfig;
  kernel: DelayKernelConfig;
  trainWeights: boolean;
  trainDelays: boolean;
  weightInit: WeightInit;
  delayInit: DelayInit;
  /** Fraction of synapses kept by a random fixed mask (1 = dense); with rewiring, the fraction kept active. */
  connectivity: number;
  /**
   * Structure learning (DEEP R / RigL, structure/rewiring.ts): the active synapses change while
   * their number stays fixed at `connectivity`. Added after version 1 shipped: absent = null.
   */
  rewiring: RewiringConfig | null;
  /**
   * How a sparse layer stores its synapses: 'auto' (absent) keeps only the existing ones from
   * 93.75 % sparsity, where the sparse loops are the faster ones too, and a dense array with a
   * mask below; 'compact' keeps only the existing ones at any sparsity (memory follows them, the
   * sparse loops run). Added after version 1 shipped.
   */
  storage?: 'auto' | 'compact';
}

export type TaskConfig =
  /** 3 inputs spike once; outputs must fire first at the target steps (the internship toy). */
  | { kind: 'toy'; inputTimes: number[]; targetTimes: number[] }
  /**
   * Synthetic spatio-temporal patterns: each class is a random set of (input, time) spikes;
   * samples add time jitter (steps) and Poisson noise spikes. Delays can align a class's spikes.
   */
  | {
      kind: 'patterns';
      classes: number;
      samplesPerClass: number;
      testSamplesPerClass: number;
      spikesPerPattern: number;
      jitterSteps: number;
      noiseRate: number;
    }
  /** Random Bernoulli spikes with random labels (benchmark statistics only). */
  | { kind: 'randomSpikes'; samples: number; classes: number; rate: number; firstStepOnly: boolean }
  /**
   * Yin-Yang points generated from the seed, latency-coded on 5 inputs (x, y, 1-x, 1-y, bias):
   * a value v spikes at step round(firstStep + v (lastStep - firstStep)); the bias at biasStep.
   */
  | {
      kind: 'yinyang';
      trainSamples: number;
      testSamples: number;
      firstStep: number;
      lastStep: number;
      biasStep: number;
    }
  /**
   * Labelled images (the built-in 'mnist-10k' digits or a loaded IDX data set such as full MNIST
   * or Fashion-MNIST) encoded into spikes. Limits take a seeded random subset (null = all).
   */
  | {
      kind: 'images';
      dataset: string;
      encoder: EncoderConfig;
      trainLimit: number | null;
      testLimit: number | null;
    }
  /**
   * Spike recordings (SHD / SSC) binned into time steps of network.dtMs ms, with `pool` adjacent
   * channels summed into one input (DCLS: 700 -> 140 channels with pool 5, 10 ms bins).
   */
  | { kind: 'events'; dataset: string; pool: number; trainLimit: number | null; testLimit: number | null };

/** Tasks whose data is loaded (from files, a URL, IndexedDB or the built-in digits) rather than generated. */
export function taskDatasetName(task: TaskConfig): string | null {
  return task.kind === 'images' || task.kind === 'events' ? task.dataset : null;
}

/** Classes of a task whose class count the config fixes (null when the data decides). */
export function taskClasses(task: TaskConfig): number | null {
  if (task.kind === 'patterns' || task.kind === 'randomSpikes') return task.classes;
  if (task.kind === 'yinyang') return 3;
  return null;
}

export interface OptimizerGroup {
  lr: number;
  schedule: LrSchedule;
}

/** How gradients are computed: BPTT with surrogate gradients, or EventProp's exact ones from spike times. */
export type TrainingMethod = OptionValue<typeof TRAINING_METHODS>;

/** EventProp's losses (eventprop/firstSpikeLoss.ts, eventprop/voltageLoss.ts). */
export type EventPropLoss =
  /**
   * Cross-entropy over first spike times (softness tau0, ms) plus alpha (e^(t_label / tau1) - 1),
   * plus silentPush x (threshold - max V) while the label's output does not spike (EventProp has
   * no spike time to move there; 0 leaves a silent label without gradient).
   */
  | { kind: 'firstSpike'; tau0Ms: number; tau1Ms: number; alpha: number; silentPush: number }
  /** Cross-entropy over a non-spiking readout's mean membrane over the trial. */
  | { kind: 'voltageSum' }
  /** Cross-entropy over a non-spiking readout's highest membrane in the trial. */
  | { kind: 'voltageMax' };

/**
 * What EventProp needs besides the network: its neuron is LIF (each layer's tauMs and threshold,
 * reset to 0) with an exponentially decaying synaptic current of time constant tauSynMs.
 */
export interface EventPropConfig {
  /** Synaptic current time constant (ms); must differ from every layer's tauMs. */
  tauSynMs: number;
  /** exact: event-driven, closed form, real-valued times; stepped: on the network.dtMs grid (as mlGeNN and the GPU run it). */
  simulation: OptionValue<typeof EVENTPROP_SIMULATIONS>;
  loss: EventPropLoss;
}

export interface ExperimentConfig {
  version: 1;
  name: string;
  description: string;
  seed: number;
  task: TaskConfig;
  network: {
    inputs: number;
    timeSteps: number;
    /** Simulation step (ms). */
    dtMs: number;
    layers: LayerConfig[];
  };
  loss: LossConfig;
  /** How a class is read out; null = the loss's natural readout. */
  readout: Readout | null;
  optimizer: {
    weights: OptimizerGroup;
    delays: OptimizerGroup;
    beta1: number;
    beta2: number;
    epsilon: number;
    /** Adam's AMSGrad variant (the delay-only authors' code); absent in older files = false. */
    amsgrad?: boolean;
  };
  sigma: SigmaSchedule;
  training: {
    epochs: number;
    batchSize: number;
    validationFraction: number;
    /** Added after version 1 shipped: absent (older files, links, checkpoints) = 'bptt'. */
    method: TrainingMethod;
  };
  /** EventProp's settings (used when training.method is 'eventprop'); absent in older files = null. */
  eventprop: EventPropConfig | null;
}
