import { histogram, type Histogram } from '../analysis/histogram.ts';
import { buildTaskData } from '../data/tasks.ts';
import type { RawDataset } from '../data/types.ts';
import type { ExperimentConfig } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import { preset } from '../presets.ts';
import { Trainer } from '../trainer.ts';

/**
 * Learn page 5, "delays vs weights": the built-in MNIST subset trained two ways side by side on
 * the `mnist-small` network (784-128-10, pixels above 127 spike at step 0, 10 steps). One
 * network learns only its delays (weights fixed at their random start, linear-interpolation
 * delays, lr 0.1); the other only its weights (no delays at all: every delay 0, lr 0.02). Small
 * enough to watch in a lecture: 1,600 training digits, 500 test digits, 4 epochs.
 */
export type Learner = 'delays' | 'weights';
export const LEARNERS: readonly Learner[] = ['delays', 'weights'];

const TRAIN_DIGITS = 2000;
const TEST_DIGITS = 500;
const EPOCHS = 4;
/** The weight-only network's learning rate: mnist-small's 1e-3 is tuned for learning both. */
const WEIGHT_LR = 0.02;
/** Bins of the delay histograms over the 10 steps of delay. */
const DELAY_BINS = 20;

export function comparisonConfig(which: Learner): ExperimentConfig {
  const base = preset('mnist-small')!;
  const delays = which === 'delays';
  return validateExperiment({
    ...base,
    name: `learn-${which}-only`,
    description: delays
      ? 'Learn page 5: MNIST subset, only the delays learn (weights fixed at their random start).'
      : 'Learn page 5: MNIST subset, only the weights learn (no delays).',
    task:
      base.task.kind === 'images'
        ? { ...base.task, trainLimit: TRAIN_DIGITS, testLimit: TEST_DIGITS }
        : base.task,
    network: {
      ...base.network,
      layers: base.network.layers.map((l) => ({
        ...l,
        trainWeights: !delays,
        trainDelays: delays,
        ...(delays
          ? {}
          : {
              kernel: { ...l.kernel, mode: 'round' as const },
              delayInit: { kind: 'constant' as const, value: 0 },
            }),
      })),
    },
    optimizer: delays
      ? base.optimizer
      : { ...base.optimizer, weights: { ...base.optimizer.weights, lr: WEIGHT_LR } },
    training: { ...base.training, epochs: EPOCHS },
  });
}

interface Learning {
  trainer: Trainer;
  /** This epoch's batches still to train. */
  batches: number[][];
  /** Test accuracy after each finished epoch. */
  accuracy: number[];
  /** The hidden layer's delays at the start (the histogram's "before"). */
  startDelays: Float64Array;
}

export interface ComparisonSnapshot {
  epochs: number;
  stepsPerEpoch: number;
  /** Per learner: steps taken, test accuracy per finished epoch. */
  progress: Record<Learner, { step: number; accuracy: number[] }>;
  /** The delay learner's hidden-layer delays (steps), at the start and now. */
  delayHistograms: { before: Histogram; now: Histogram };
  done: boolean;
}

/** Both trainings, stepped in turn by the page (float32, the CPU engine's kernels). */
export class ComparisonRun {
  private readonly learning: Record<Learner, Learning>;

  constructor(raw: RawDataset) {
    const make = (which: Learner): Learning => {
      const config = comparisonConfig(which);
      const trainer = new Trainer(config, { precision: 'f32', data: buildTaskData(config, raw) });
      return {
        trainer,
        batches: [],
        accuracy: [],
        startDelays: Float64Array.from(trainer.net.synapses[0]!.delays),
      };
    };
    this.learning = { delays: make('delays'), weights: make('weights') };
  }

  get done(): boolean {
    return LEARNERS.every((w) => this.learning[w].accuracy.length >= EPOCHS);
  }

  /** One optimiser step of each unfinished learner; an epoch's last step is followed by its test. */
  advance(): void {
    for (const which of LEARNERS) {
      const l = this.learning[which];
      if (l.accuracy.length >= EPOCHS) continue;
      if (l.batches.length === 0) l.batches = l.trainer.drawEpochBatches().reverse();
      l.trainer.trainStep(l.batches.pop()!);
      if (l.batches.length === 0) {
        l.trainer.epoch++;
        l.accuracy.push(l.trainer.evaluate(l.trainer.data.test).accuracy ?? 0);
      }
    }
  }

  snapshot(): ComparisonSnapshot {
    const maxDelay = comparisonConfig('delays').network.layers[0]!.kernel.maxDelay;
    const delays = this.learning.delays;
    const hist = (values: ArrayLike<number>): Histogram => histogram(values, DELAY_BINS, 0, maxDelay - 1);
    return {
      epochs: EPOCHS,
      stepsPerEpoch: delays.trainer.stepsPerEpoch,
      progress: {
        delays: { step: delays.trainer.step, accuracy: [...delays.accuracy] },
        weights: { step: this.learning.weights.trainer.step, accuracy: [...this.learning.weights.accuracy] },
      },
      delayHistograms: {
        before: hist(delays.startDelays),
        now: hist(delays.trainer.net.synapses[0]!.delays),
      },
      done: this.done,
    };
  }
}
