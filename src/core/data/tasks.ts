import {
  ConfigError,
  configProblem,
  type ConfigProblem,
  type ExperimentConfig,
  type TaskConfig,
} from '../experiment.ts';
import { Rng } from '../rng.ts';
import { pooledChannels } from './binning.ts';
import { concatSets, writeSample, type SampleSource } from './samples.ts';
import type { RawDataset, RawSet } from './types.ts';
import { generateYinYang } from './yinYang.ts';

/**
 * A spike data set ready for training: where its samples come from (dense spikes, or raw data
 * encoded per sample), class labels or target spike times, and a deterministic train /
 * validation / test split of sample indices (the test part is always kept apart).
 */
export interface SpikeDataset {
  samples: number;
  timeSteps: number;
  inputs: number;
  source: SampleSource;
  labels: Int32Array | null;
  /** [sample][output] target first-spike steps (toy task). */
  targetTimes: Float64Array | null;
  outputs: number;
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Builds the task's data (no I/O): generated tasks from the experiment's seed; loaded tasks
 * ('images', 'events') from `raw`, which the caller loaded (CLI: --data or the built-in digits;
 * browser: IndexedDB). Throws ConfigError when the data does not fit the network.
 */
export function buildTaskData(config: ExperimentConfig, raw: RawDataset | null = null): SpikeDataset {
  const { inputs, timeSteps } = config.network;
  const outputs = config.network.layers.at(-1)!.size;
  const rng = new Rng(config.seed ^ 0x5eed);
  const task = config.task;
  if (task.kind === 'images' || task.kind === 'events') {
    if (!raw) {
      throw new ConfigError([
        configProblem(
          ['task', 'dataset'],
          'dataset',
          `the task needs the data set '${task.dataset}', which is not loaded (CLI: pass --data <dir or file>)`,
        ),
      ]);
    }
    return buildLoaded(config, raw, rng);
  }
  if (task.kind === 'yinyang') {
    const train = generateYinYang(task.trainSamples, rng.fork().nextUint32());
    const test = generateYinYang(task.testSamples, rng.fork().nextUint32());
    const encoding = { firstStep: task.firstStep, lastStep: task.lastStep, biasStep: task.biasStep };
    return labelledParts(
      { kind: 'points', set: concatSets(train, test), encoding },
      train,
      test,
      { trainLimit: null, testLimit: null },
      config,
      rng,
    );
  }
  return buildFor(task, inputs, timeSteps, outputs, config.training.validationFraction, rng);
}

function buildLoaded(config: ExperimentConfig, raw: RawDataset, rng: Rng): SpikeDataset {
  const task = config.task;
  const { inputs, dtMs } = config.network;
  const problems: ConfigProblem[] = [];
  const train = raw.train;
  const test = raw.test;
  if (task.kind === 'images') {
    if (train.kind !== 'images') {
      problems.push(
        configProblem(
          ['task', 'kind'],
          'dataset',
          `'images', but data set '${raw.name}' holds ${train.kind}`,
        ),
      );
    } else if (train.rows * train.cols !== inputs) {
      problems.push(
        configProblem(
          ['network', 'inputs'],
          'dataset',
          `${inputs}, but data set '${raw.name}' has ${train.rows}x${train.cols} = ${train.rows * train.cols} pixels per image`,
        ),
      );
    }
  } else if (task.kind === 'events') {
    if (train.kind !== 'events') {
      problems.push(
        configProblem(
          ['task', 'kind'],
          'dataset',
          `'events', but data set '${raw.name}' holds ${train.kind}`,
        ),
      );
    } else if (pooledChannels(train.channels, task.pool) !== inputs) {
      problems.push(
        configProblem(
          ['network', 'inputs'],
          'dataset',
          `${inputs}, but data set '${raw.name}' has ${train.channels} channels, pooled by ${task.pool} into ${pooledChannels(train.channels, task.pool)}`,
        ),
      );
    }
  }
  const classes = Math.max(train.classes, test?.classes ?? 0);
  const outputs = config.network.layers.at(-1)!.size;
  // A label past the output count is named (one stray label 200 once read as "201 classes").
  const stray = classes > outputs ? firstLabelFrom(outputs, train, test) : null;
  if (stray) {
    problems.push(
      configProblem(
        ['network', 'layers', config.network.layers.length - 1, 'size'],
        'dataset',
        `${outputs} outputs (classes 0-${outputs - 1}), but ${stray.part} sample ${stray.sample} of data set '${raw.name}' has label ${stray.label}`,
      ),
    );
  } else if (classes !== outputs) {
    problems.push(
      configProblem(
        ['network', 'layers', config.network.layers.length - 1, 'size'],
        'dataset',
        `${outputs} outputs, but data set '${raw.name}' has ${classes} classes`,
      ),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const all = test ? concatSets(train, test) : train;
  const source: SampleSource =
    all.kind === 'images' && task.kind === 'images'
      ? { kind: 'images', set: all, encoder: task.encoder, seed: config.seed }
      : all.kind === 'events' && task.kind === 'events'
        ? { kind: 'events', set: all, binMs: dtMs, pool: task.pool }
        : (() => {
            throw new ConfigError([
              configProblem(['task', 'kind'], 'dataset', `cannot train '${task.kind}' on ${all.kind}`),
            ]);
          })();
  const limits =
    task.kind === 'images' || task.kind === 'events'
      ? { trainLimit: task.trainLimit, testLimit: task.testLimit }
      : { trainLimit: null, testLimit: null };
  return labelledParts(source, train, test, limits, config, rng);
}

/**
 * Index bookkeeping shared by loaded and generated labelled data: samples [0, train.count) are
 * the training part (split into train and validation by the seed), the rest the test part.
 */
function labelledParts(
  source: SampleSource,
  train: RawSet,
  test: RawSet | null,
  limits: { trainLimit: number | null; testLimit: number | null },
  config: ExperimentConfig,
  rng: Rng,
): SpikeDataset {
  const nTrain = train.count;
  const nTest = test?.count ?? 0;
  const labels = new Int32Array(nTrain + nTest);
  labels.set(train.labels);
  if (test) labels.set(test.labels, nTrain);
  const pick = (start: number, count: number, limit: number | null): number[] => {
    const pool = Array.from({ length: count }, (_, i) => start + i);
    if (limit === null || limit >= count) return pool;
    return rng
      .shuffle(pool)
      .slice(0, limit)
      .sort((a, b) => a - b);
  };
  const trainPool = pick(0, nTrain, limits.trainLimit);
  const testPool = pick(nTrain, nTest, limits.testLimit);
  const split = splitTrainValidation(trainPool, config.training.validationFraction, rng);
  return {
    samples: nTrain + nTest,
    timeSteps: config.network.timeSteps,
    inputs: config.network.inputs,
    source,
    labels,
    targetTimes: null,
    outputs: config.network.layers.at(-1)!.size,
    ...split,
    test: Int32Array.from(testPool),
  };
}

function buildFor(
  task: Extract<TaskConfig, { kind: 'toy' | 'patterns' | 'randomSpikes' }>,
  inputs: number,
  T: number,
  outputs: number,
  validationFraction: number,
  rng: Rng,
): SpikeDataset {
  if (task.kind === 'toy') {
    const spikes = new Uint8Array(T * inputs);
    task.inputTimes.forEach((t, i) => (spikes[t * inputs + i] = 1));
    const one = Int32Array.of(0);
    return {
      samples: 1,
      timeSteps: T,
      inputs,
      source: { kind: 'dense', spikes },
      labels: null,
      targetTimes: Float64Array.from(task.targetTimes),
      outputs,
      train: one,
      validation: new Int32Array(0),
      test: new Int32Array(0),
    };
  }
  if (task.kind === 'randomSpikes') {
    const spikes = new Uint8Array(task.samples * T * inputs);
    const labels = new Int32Array(task.samples);
    for (let s = 0; s < task.samples; s++) {
      labels[s] = rng.int(task.classes);
      const steps = task.firstStepOnly ? 1 : T;
      for (let t = 0; t < steps; t++) {
        for (let i = 0; i < inputs; i++) if (rng.uniform() < task.rate) spikes[(s * T + t) * inputs + i] = 1;
      }
    }
    const all = Int32Array.from({ length: task.samples }, (_, i) => i);
    return {
      samples: task.samples,
      timeSteps: T,
      inputs,
      source: { kind: 'dense', spikes },
      labels,
      targetTimes: null,
      outputs,
      train: all,
      validation: new Int32Array(0),
      test: new Int32Array(0),
    };
  }
  // Patterns: every class owns a fixed random set of (input, step) spikes; a sample is its
  // class pattern with each spike jittered by up to +-jitterSteps and independent noise spikes.
  const patterns: { input: number; time: number }[][] = [];
  const margin = Math.ceil(task.jitterSteps);
  for (let c = 0; c < task.classes; c++) {
    const p: { input: number; time: number }[] = [];
    for (let k = 0; k < task.spikesPerPattern; k++) {
      p.push({ input: rng.int(inputs), time: margin + rng.int(Math.max(1, Math.floor(T / 2) - 2 * margin)) });
    }
    patterns.push(p);
  }
  const perClass = task.samplesPerClass + task.testSamplesPerClass;
  const samples = perClass * task.classes;
  const spikes = new Uint8Array(samples * T * inputs);
  const labels = new Int32Array(samples);
  const trainPool: number[] = [];
  const test: number[] = [];
  let s = 0;
  for (let c = 0; c < task.classes; c++) {
    for (let k = 0; k < perClass; k++, s++) {
      labels[s] = c;
      for (const { input, time } of patterns[c]!) {
        const jitter = Math.round(rng.uniformIn(-task.jitterSteps, task.jitterSteps));
        const t = Math.min(T - 1, Math.max(0, time + jitter));
        spikes[(s * T + t) * inputs + input] = 1;
      }
      for (let q = 0; q < T * inputs; q++) if (rng.uniform() < task.noiseRate) spikes[s * T * inputs + q] = 1;
      (k < task.samplesPerClass ? trainPool : test).push(s);
    }
  }
  const split = splitTrainValidation(trainPool, validationFraction, rng);
  return {
    samples,
    timeSteps: T,
    inputs,
    source: { kind: 'dense', spikes },
    labels,
    targetTimes: null,
    outputs,
    ...split,
    test: Int32Array.from(test),
  };
}

/** Deterministic shuffle-and-cut of a pool of sample indices. */
export function splitTrainValidation(
  pool: number[],
  validationFraction: number,
  rng: Rng,
): { train: Int32Array; validation: Int32Array } {
  const shuffled = rng.shuffle([...pool]);
  const nVal = Math.round(shuffled.length * validationFraction);
  return {
    validation: Int32Array.from(shuffled.slice(0, nVal)),
    train: Int32Array.from(shuffled.slice(nVal)),
  };
}

/** Gathers samples into a dense batch `[batch][time][input]` (float, as the engine takes). */
export function gatherBatch(
  data: SpikeDataset,
  indices: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  const per = data.timeSteps * data.inputs;
  const batch = out && out.length === indices.length * per ? out : new Float32Array(indices.length * per);
  for (let b = 0; b < indices.length; b++) {
    writeSample(data.source, indices[b]!, data.timeSteps, data.inputs, batch, b * per);
  }
  return batch;
}

/** The first label at or above `limit`, with where it is (training part first). */
function firstLabelFrom(
  limit: number,
  train: RawSet,
  test: RawSet | null,
): { part: 'training' | 'test'; sample: number; label: number } | null {
  for (const [part, set] of [
    ['training', train],
    ['test', test],
  ] as const) {
    if (!set) continue;
    const at = set.labels.findIndex((l) => l >= limit);
    if (at >= 0) return { part, sample: at, label: set.labels[at]! };
  }
  return null;
}
