import type { ExperimentConfig, TaskConfig } from '../experiment.ts';
import { Rng } from '../rng.ts';

/**
 * An in-memory spike data set: dense binary spikes `[sample][time][input]` plus either class
 * labels or target spike times, and a deterministic train / validation / test split.
 */
export interface SpikeDataset {
  samples: number;
  timeSteps: number;
  inputs: number;
  spikes: Uint8Array;
  labels: Int32Array | null;
  /** [sample][output] target first-spike steps (toy task). */
  targetTimes: Float64Array | null;
  outputs: number;
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** Builds the task's data from the experiment's seed (no I/O). */
export function buildTaskData(config: ExperimentConfig): SpikeDataset {
  const { inputs, timeSteps } = config.network;
  const outputs = config.network.layers.at(-1)!.size;
  const rng = new Rng(config.seed ^ 0x5eed);
  return buildFor(config.task, inputs, timeSteps, outputs, config.training.validationFraction, rng);
}

function buildFor(
  task: TaskConfig,
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
      spikes,
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
      spikes,
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
    spikes,
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
    const s = indices[b]!;
    const src = data.spikes.subarray(s * per, (s + 1) * per);
    for (let q = 0; q < per; q++) batch[b * per + q] = src[q]!;
  }
  return batch;
}
