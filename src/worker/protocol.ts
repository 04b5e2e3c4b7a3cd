/**
 * Messages between the page and the training Worker. Plain, structured-clone-friendly data only;
 * typed arrays travel as copies the sender no longer uses (so they can be transferred).
 */
import type { ExperimentConfig } from '../core/experiment.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import type { TrainedVsUntrained } from '../core/analysis/fieldStatistics.ts';

/** Default pace for the toy: it trains in ~0.1 s flat out, so it is slowed down enough to watch. */
export const DEFAULT_STEPS_PER_SECOND = 120;

export type EngineChoice = 'cpu' | 'gpu' | 'auto';

/** Which sample and neurons the live views show. */
export interface ViewSelection {
  /** Index into the test split (the validation split, then train, when there is no test split). */
  sample: number;
  /** Hidden neuron of the first layer for the receptive field and the membrane trace. */
  hiddenNeuron: number;
  /** Output neuron for its receptive field. */
  outputNeuron: number;
}

/** Page -> worker. */
export type ToWorker =
  /**
   * Build a trainer for this config on this engine; training stops. With `resumeRunId` the run's
   * stored checkpoint is loaded (and the config must be the run's); otherwise a fresh run starts
   * and is stored under a new id.
   */
  | {
      type: 'load';
      config: ExperimentConfig;
      engine: EngineChoice;
      resumeRunId: string | null;
      /** Where the page's built-in data assets are (the Worker's own URL is elsewhere). */
      dataBaseUrl: string;
      /** Threads the CPU engine may use: the page's navigator.hardwareConcurrency. */
      cpuThreads: number;
    }
  | { type: 'play' }
  | { type: 'pause' }
  /** One optimiser step, then pause. */
  | { type: 'step' }
  /** Optimiser steps per second; null = as fast as the engine allows. */
  | { type: 'speed'; stepsPerSecond: number | null }
  | { type: 'select'; selection: ViewSelection }
  /** Start a new stored run from an exported model file (parameters as saved, training from step 0). */
  | {
      type: 'importModel';
      text: string;
      fileName: string;
      engine: EngineChoice;
      dataBaseUrl: string;
      cpuThreads: number;
    }
  /** Store a checkpoint now, if anything trained since the last one (the page is going away). */
  | { type: 'save' }
  /** Evaluate the test split now (posts a 'test' report and an 'evaluated' message). */
  | { type: 'evaluate' }
  /** Export the current parameters: the model JSON, the quantised delay table, or a NIR graph. */
  | { type: 'export'; what: ExportKind }
  /** Compare every output's receptive-field Moran's I now with the seed's untrained network. */
  | { type: 'compareFields' };

export type ExportKind = 'model' | 'delayTableJson' | 'delayTableCsv' | 'nir';

/** The engine a run trains on, and why (shown to the user: there is no silent fallback). */
export interface EngineReport {
  engine: 'cpu' | 'gpu';
  /** e.g. "WebGPU: Google / swiftshader (software)" or "CPU reference engine". */
  description: string;
  /** Why the CPU engine runs although the GPU was asked for (or auto found none); null otherwise. */
  notice: string | null;
}

/** What does not change during a run (sent after every load). */
export interface RunInfo {
  runId: string;
  config: ExperimentConfig;
  engine: EngineReport;
  totalSteps: number;
  stepsPerEpoch: number;
  epochs: number;
  /** Sizes of the train / validation / test splits (samples). */
  splits: { train: number; validation: number; test: number };
  /** Image rows and columns when the inputs are pixels (receptive fields drawn as images). */
  imageShape: [number, number] | null;
  classes: number | null;
  classNames: string[] | null;
  /** Teaching extras of the toy task: steps at which the inputs spike, target first-spike steps. */
  toy: { inputTimes: number[]; targetTimes: number[] } | null;
  /**
   * Why this tab only shows the run and cannot train it (another tab holds it), or null. Two tabs
   * training one stored run would overwrite each other's checkpoints.
   */
  readOnly: string | null;
}

export type { EpochRecord };

/** A snapshot of the run's counters, posted at most every ~50 ms while training, and on every state change. */
export interface Progress {
  /** Optimiser steps done (0 .. totalSteps). */
  step: number;
  /** Finished epochs. */
  epoch: number;
  /** Loss of every step since the previous progress message (index 0 is step `step - losses.length`). */
  losses: Float64Array;
  /** Sigma (time steps) of the Gaussian delay kernels for the next step. */
  sigma: number;
  /** Training samples per second over the last chunks (null before any). */
  samplesPerSecond: number | null;
  /** What the worker is doing besides training steps, e.g. "evaluating the test split"; null when idle. */
  activity: string | null;
  /** How far that work is, in [0, 1] (an evaluation's slices); null when unknown or idle. */
  activityFraction: number | null;
  running: boolean;
  done: boolean;
}

/** One layer's spikes or membrane of the shown sample, [time][neurons]. */
export interface LayerRecord {
  name: string;
  neurons: number;
  spikes: Uint8Array;
  membrane: Float32Array | null;
}

export interface HistogramRecord {
  name: string;
  lo: number;
  hi: number;
  counts: number[];
}

/** What the live views draw; computed in the worker from the current parameters. */
/**
 * Random input orders the live output field's Moran's I is maximised over (fewer than the 2,000
 * of `delaylab analyze`: the views are recomputed every half second while training).
 */
export const LIVE_MORAN_PERMUTATIONS = 200;

export interface ViewSnapshot {
  step: number;
  selection: ViewSelection;
  /** Label of the shown sample (null without labels) and the network's prediction (-1 = no spike). */
  sampleLabel: number | null;
  samplePrediction: number;
  /** Input, then each layer, of the shown sample (membranes only for the layers). */
  layers: LayerRecord[];
  threshold: number[];
  delayHistograms: HistogramRecord[];
  weightHistograms: HistogramRecord[];
  /** Receptive field points of the chosen hidden neuron: input, delay (steps), weight. */
  hiddenField: { neuron: number; points: { input: number; delay: number; weight: number }[] } | null;
  /** Receptive field grid [input][delay] of the chosen output neuron through the hidden layer. */
  outputField: {
    neuron: number;
    delaySpan: number;
    grid: Float32Array;
    /**
     * Its Moran's I (queen's case), the maximum over LIVE_MORAN_PERMUTATIONS random input orders
     * (`delaylab analyze` takes 2,000); null for a constant field.
     */
    moransI: number | null;
  } | null;
  /**
   * Every synapse's weight and delay per layer ([inputs][outputs]) for the network picture, when
   * the network is small enough to draw one by one (null otherwise).
   */
  network: { weights: Float32Array; delays: Float32Array }[] | null;
  /**
   * Rewired layers' structure (DEEP R / RigL), null when no layer rewires: per layer its active
   * and possible synapses, and how many went dormant and regrew in the last step (null for a
   * layer with a fixed structure).
   */
  structure: {
    active: number[];
    total: number[];
    lastStep: ({ pruned: number; regrown: number } | null)[];
    /** Synapses regrown per layer since the run was opened on this page. */
    regrownSoFar: number[];
  } | null;
  /** Toy extras: first output spike steps with training kernels and with integer delays; delays [input][output]. */
  toy: { firstSpikes: number[]; quantisedFirstSpikes: number[]; delays: number[] } | null;
}

/**
 * Every output neuron's receptive-field Moran's I (maximum over `permutations` input orders) at
 * `step` and in the untrained network the run's seed starts from, and their Mann-Whitney U test.
 */
export interface FieldComparison {
  step: number;
  permutations: number;
  /** Per output neuron (null: a constant field, whose I is undefined). */
  trained: (number | null)[];
  untrained: (number | null)[];
  /** The test, or null when one side has no defined value (`problem` says why). */
  result: TrainedVsUntrained | null;
  problem: string | null;
}

/** Evaluation of the test split after an epoch: the confusion matrix and a few samples. */
export interface TestReport {
  epoch: number;
  classes: number;
  /** [true][predicted] counts, classes x classes. */
  confusion: number[];
  /** Test samples with no output spike, per true class. */
  silent: number[];
  samples: { index: number; label: number; predicted: number; pixels: Uint8Array | null }[];
}

/** Worker -> page. */
export type FromWorker =
  | { type: 'loading'; message: string; fraction: number | null }
  | { type: 'ready'; info: RunInfo; history: EpochRecord[]; progress: Progress }
  | { type: 'progress'; progress: Progress }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'views'; views: ViewSnapshot }
  | { type: 'test'; report: TestReport }
  /** The run's checkpoint was stored (IndexedDB) after this step. */
  | { type: 'saved'; runId: string; step: number }
  /** Something went wrong that does not end the run (e.g. storage full); shown as a notice. */
  | { type: 'notice'; message: string }
  /** A file to download: text (model, delay tables) or bytes (a NIR graph, HDF5). */
  | {
      type: 'export';
      what: ExportKind;
      fileName: string;
      mime: string;
      data: string | Uint8Array<ArrayBuffer>;
    }
  /** Accuracy and loss of the view split (test) with the current parameters. */
  | { type: 'evaluated'; step: number; accuracy: number | null; loss: number }
  | { type: 'fieldComparison'; comparison: FieldComparison }
  | { type: 'error'; message: string };
