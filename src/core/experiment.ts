import type { LifConfig } from './neurons/lif.ts';
import type { SrmConfig } from './neurons/srm.ts';
import type { SurrogateConfig, SurrogateKind } from './neurons/surrogates.ts';
import type { DelayKernelConfig } from './synapses/kernels.ts';
import { ENCODER_KINDS, encoderProblems, type EncoderConfig } from './data/encoders.ts';
import type { LossConfig, Readout } from './train/losses.ts';
import type { LrSchedule, SigmaSchedule } from './train/schedules.ts';

/**
 * The experiment config: one versioned, JSON-serialisable object that drives the CLI, the UI,
 * share links and files. `validateExperiment` checks an untrusted object field by field and
 * reports every problem with its path.
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

export type DelayInit = { kind: 'uniform'; low: number; high: number } | { kind: 'constant'; value: number };

export interface LayerConfig {
  size: number;
  neuron: NeuronConfig;
  kernel: DelayKernelConfig;
  trainWeights: boolean;
  trainDelays: boolean;
  weightInit: WeightInit;
  delayInit: DelayInit;
  /** Fraction of synapses kept by a random fixed mask (1 = dense). */
  connectivity: number;
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
  };
  sigma: SigmaSchedule;
  training: { epochs: number; batchSize: number; validationFraction: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid experiment config:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

/** Collects problems while reading an untrusted object. */
class Reader {
  readonly problems: string[] = [];

  obj(value: unknown, path: string): Json {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
    this.problems.push(`${path}: expected an object`);
    return {};
  }

  num(
    o: Json,
    key: string,
    path: string,
    opts: { min?: number; max?: number; int?: boolean; gt?: number } = {},
  ): number {
    const v = o[key];
    const p = `${path}.${key}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problems.push(`${p}: expected a finite number, got ${describe(v)}`);
      return opts.min ?? 1;
    }
    if (opts.int && !Number.isInteger(v)) this.problems.push(`${p}: expected an integer, got ${v}`);
    if (opts.min !== undefined && v < opts.min) this.problems.push(`${p}: must be >= ${opts.min}, got ${v}`);
    if (opts.gt !== undefined && v <= opts.gt) this.problems.push(`${p}: must be > ${opts.gt}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) this.problems.push(`${p}: must be <= ${opts.max}, got ${v}`);
    return v;
  }

  nullableNum(o: Json, key: string, path: string, opts: { gt?: number } = {}): number | null {
    return o[key] === null ? null : this.num(o, key, path, opts);
  }

  bool(o: Json, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') {
      this.problems.push(`${path}.${key}: expected true or false, got ${describe(v)}`);
      return false;
    }
    return v;
  }

  str(o: Json, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string') {
      this.problems.push(`${path}.${key}: expected a string, got ${describe(v)}`);
      return '';
    }
    return v;
  }

  oneOf<T extends string>(o: Json, key: string, path: string, options: readonly T[]): T {
    const v = o[key];
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
      this.problems.push(`${path}.${key}: expected one of ${options.join(', ')}, got ${describe(v)}`);
      return options[0]!;
    }
    return v as T;
  }

  numArray(o: Json, key: string, path: string): number[] {
    const v = o[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.problems.push(`${path}.${key}: expected an array of numbers, got ${describe(v)}`);
      return [];
    }
    return v as number[];
  }
}

/** A short rendering of an untrusted value for error messages (at most 40 characters of JSON). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

const SURROGATES: readonly SurrogateKind[] = ['arctan', 'fastSigmoid', 'slayerExp'];

function readSurrogate(r: Reader, v: unknown, path: string): SurrogateConfig {
  const o = r.obj(v, path);
  return { kind: r.oneOf(o, 'kind', path, SURROGATES), alpha: r.num(o, 'alpha', path, { gt: 0 }) };
}

function readNeuron(r: Reader, v: unknown, path: string): NeuronConfig {
  const o = r.obj(v, path);
  const model = r.oneOf(o, 'model', path, ['lif', 'srm'] as const);
  const common = {
    threshold: r.num(o, 'threshold', path, { gt: 0 }),
    spiking: r.bool(o, 'spiking', path),
    surrogate: readSurrogate(r, o['surrogate'], `${path}.surrogate`),
    detachReset: r.bool(o, 'detachReset', path),
  };
  if (model === 'lif') {
    return {
      model,
      tauMs: r.num(o, 'tauMs', path, { gt: 0 }),
      reset: r.oneOf(o, 'reset', path, ['hard', 'soft'] as const),
      ...common,
    };
  }
  return {
    model,
    tauSynMs: r.num(o, 'tauSynMs', path, { gt: 0 }),
    tauRefMs: r.num(o, 'tauRefMs', path, { gt: 0 }),
    refractoryScale: r.num(o, 'refractoryScale', path, { min: 0 }),
    ...common,
  };
}

function readLrSchedule(r: Reader, v: unknown, path: string): LrSchedule {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, ['constant', 'cosine', 'oneCycle'] as const);
  if (kind === 'constant') return { kind };
  if (kind === 'cosine') return { kind, minFactor: r.num(o, 'minFactor', path, { min: 0, max: 1 }) };
  return {
    kind,
    warmupFraction: r.num(o, 'warmupFraction', path, { min: 0, max: 1 }),
    divFactor: r.num(o, 'divFactor', path, { gt: 0 }),
    finalDivFactor: r.num(o, 'finalDivFactor', path, { gt: 0 }),
  };
}

function readWeightInit(r: Reader, v: unknown, path: string): WeightInit {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, ['normal', 'ternary', 'uniform', 'constant'] as const);
  if (kind === 'uniform') {
    const init = { kind, low: r.num(o, 'low', path), high: r.num(o, 'high', path) };
    if (init.low > init.high)
      r.problems.push(`${path}: low (${init.low}) must not exceed high (${init.high})`);
    return init;
  }
  if (kind === 'constant') return { kind, value: r.num(o, 'value', path) };
  return {
    kind,
    mean: r.num(o, 'mean', path),
    std: r.num(o, 'std', path, { min: 0 }),
    scale: r.num(o, 'scale', path),
  };
}

function readLayer(r: Reader, v: unknown, path: string, timeSteps: number): LayerConfig {
  const o = r.obj(v, path);
  const k = r.obj(o['kernel'], `${path}.kernel`);
  const kernel: DelayKernelConfig = {
    mode: r.oneOf(k, 'mode', `${path}.kernel`, ['gauss', 'lerp', 'round', 'hardware'] as const),
    maxDelay: r.num(k, 'maxDelay', `${path}.kernel`, { int: true, min: 1, max: Math.max(1, timeSteps) }),
    rounding: r.oneOf(k, 'rounding', `${path}.kernel`, ['floor', 'nearest'] as const),
    hardwareBackward: r.oneOf(k, 'hardwareBackward', `${path}.kernel`, ['gauss', 'lerp'] as const),
  };
  const di = r.obj(o['delayInit'], `${path}.delayInit`);
  const dKind = r.oneOf(di, 'kind', `${path}.delayInit`, ['uniform', 'constant'] as const);
  const delayInit: DelayInit =
    dKind === 'uniform'
      ? {
          kind: dKind,
          low: r.num(di, 'low', `${path}.delayInit`),
          high: r.num(di, 'high', `${path}.delayInit`),
        }
      : { kind: dKind, value: r.num(di, 'value', `${path}.delayInit`) };
  const layer: LayerConfig = {
    size: r.num(o, 'size', path, { int: true, min: 1, max: 1_000_000 }),
    neuron: readNeuron(r, o['neuron'], `${path}.neuron`),
    kernel,
    trainWeights: r.bool(o, 'trainWeights', path),
    trainDelays: r.bool(o, 'trainDelays', path),
    weightInit: readWeightInit(r, o['weightInit'], `${path}.weightInit`),
    delayInit,
    connectivity: r.num(o, 'connectivity', path, { gt: 0, max: 1 }),
  };
  if (delayInit.kind === 'uniform' && delayInit.low > delayInit.high) {
    r.problems.push(`${path}.delayInit: low (${delayInit.low}) must not exceed high (${delayInit.high})`);
  }
  const values = delayInit.kind === 'uniform' ? [delayInit.low, delayInit.high] : [delayInit.value];
  if (values.some((d) => d < 0 || d > kernel.maxDelay - 1)) {
    r.problems.push(
      `${path}.delayInit: delays must lie in [0, kernel.maxDelay - 1 = ${kernel.maxDelay - 1}]`,
    );
  }
  return layer;
}

function readEncoder(r: Reader, v: unknown, path: string, timeSteps: number): EncoderConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, ENCODER_KINDS);
  const enc: EncoderConfig =
    kind === 'threshold'
      ? { kind, threshold: r.num(o, 'threshold', path), step: r.num(o, 'step', path) }
      : kind === 'latency'
        ? {
            kind,
            firstStep: r.num(o, 'firstStep', path),
            lastStep: r.num(o, 'lastStep', path),
            cutoff: r.num(o, 'cutoff', path),
          }
        : kind === 'intensityBins'
          ? { kind, bins: r.num(o, 'bins', path) }
          : { kind, maxProbability: r.num(o, 'maxProbability', path) };
  for (const p of encoderProblems(enc, timeSteps)) r.problems.push(`${path}: ${p}`);
  return enc;
}

function readLimit(r: Reader, o: Json, key: string, path: string): number | null {
  return o[key] === null ? null : r.num(o, key, path, { int: true, min: 1 });
}

function readTask(r: Reader, v: unknown, path: string, timeSteps: number): TaskConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, [
    'toy',
    'patterns',
    'randomSpikes',
    'yinyang',
    'images',
    'events',
  ] as const);
  if (kind === 'yinyang') {
    const step = (key: string): number =>
      r.num(o, key, path, { int: true, min: 0, max: Math.max(0, timeSteps - 1) });
    const task = {
      kind,
      trainSamples: r.num(o, 'trainSamples', path, { int: true, min: 1, max: 10_000_000 }),
      testSamples: r.num(o, 'testSamples', path, { int: true, min: 0, max: 10_000_000 }),
      firstStep: step('firstStep'),
      lastStep: step('lastStep'),
      biasStep: step('biasStep'),
    };
    if (task.firstStep > task.lastStep) r.problems.push(`${path}: firstStep must not come after lastStep`);
    return task;
  }
  if (kind === 'images') {
    return {
      kind,
      dataset: r.str(o, 'dataset', path),
      encoder: readEncoder(r, o['encoder'], `${path}.encoder`, timeSteps),
      trainLimit: readLimit(r, o, 'trainLimit', path),
      testLimit: readLimit(r, o, 'testLimit', path),
    };
  }
  if (kind === 'events') {
    return {
      kind,
      dataset: r.str(o, 'dataset', path),
      pool: r.num(o, 'pool', path, { int: true, min: 1, max: 65_536 }),
      trainLimit: readLimit(r, o, 'trainLimit', path),
      testLimit: readLimit(r, o, 'testLimit', path),
    };
  }
  if (kind === 'toy') {
    return {
      kind,
      inputTimes: r.numArray(o, 'inputTimes', path),
      targetTimes: r.numArray(o, 'targetTimes', path),
    };
  }
  if (kind === 'patterns') {
    return {
      kind,
      classes: r.num(o, 'classes', path, { int: true, min: 2 }),
      samplesPerClass: r.num(o, 'samplesPerClass', path, { int: true, min: 1 }),
      testSamplesPerClass: r.num(o, 'testSamplesPerClass', path, { int: true, min: 1 }),
      spikesPerPattern: r.num(o, 'spikesPerPattern', path, { int: true, min: 1 }),
      jitterSteps: r.num(o, 'jitterSteps', path, { min: 0 }),
      noiseRate: r.num(o, 'noiseRate', path, { min: 0, max: 1 }),
    };
  }
  return {
    kind,
    samples: r.num(o, 'samples', path, { int: true, min: 1 }),
    classes: r.num(o, 'classes', path, { int: true, min: 2 }),
    rate: r.num(o, 'rate', path, { min: 0, max: 1 }),
    firstStepOnly: r.bool(o, 'firstStepOnly', path),
  };
}

function readLoss(r: Reader, v: unknown, path: string): LossConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, [
    'ceSumMembrane',
    'ceMaxMembrane',
    'spikeCount',
    'spikeTime',
    'firstSpikeTime',
  ] as const);
  switch (kind) {
    case 'ceSumMembrane':
    case 'ceMaxMembrane':
      return { kind };
    case 'spikeCount':
      return {
        kind,
        trueRate: r.num(o, 'trueRate', path, { min: 0, max: 1 }),
        falseRate: r.num(o, 'falseRate', path, { min: 0, max: 1 }),
      };
    case 'spikeTime':
      return {
        kind,
        traceTauSteps: r.num(o, 'traceTauSteps', path, { min: 0 }),
        // Added after version 1 shipped: absent (older files, links, checkpoints) = every step.
        targetSteps:
          o['targetSteps'] === null || o['targetSteps'] === undefined
            ? null
            : r.num(o, 'targetSteps', path, { int: true, min: 1 }),
      };
    case 'firstSpikeTime':
      return {
        kind,
        timeScale: r.num(o, 'timeScale', path, { gt: 0 }),
        silentMargin: r.num(o, 'silentMargin', path, { gt: 0 }),
      };
  }
}

/** A JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks an untrusted object and returns a typed config, or throws ConfigError listing every problem. */
export function validateExperiment(value: unknown): ExperimentConfig {
  const r = new Reader();
  const o = r.obj(value, 'config');
  if (o['version'] !== EXPERIMENT_VERSION) {
    const v = o['version'];
    const hint = typeof v === 'number' && v > EXPERIMENT_VERSION ? ' (made by a newer Delay Lab)' : '';
    throw new ConfigError([`config.version: expected ${EXPERIMENT_VERSION}, got ${describe(v)}${hint}`]);
  }
  const net = r.obj(o['network'], 'config.network');
  const timeSteps = r.num(net, 'timeSteps', 'config.network', { int: true, min: 1, max: 100_000 });
  const layersRaw = net['layers'];
  if (!Array.isArray(layersRaw) || layersRaw.length === 0)
    r.problems.push('config.network.layers: expected a non-empty array');
  const layers = (Array.isArray(layersRaw) ? layersRaw : []).map((l, i) =>
    readLayer(r, l, `config.network.layers[${i}]`, timeSteps),
  );
  const opt = r.obj(o['optimizer'], 'config.optimizer');
  const group = (key: string): OptimizerGroup => {
    const g = r.obj(opt[key], `config.optimizer.${key}`);
    return {
      lr: r.num(g, 'lr', `config.optimizer.${key}`, { min: 0 }),
      schedule: readLrSchedule(r, g['schedule'], `config.optimizer.${key}.schedule`),
    };
  };
  const sig = r.obj(o['sigma'], 'config.sigma');
  const tr = r.obj(o['training'], 'config.training');
  const readout =
    o['readout'] === null
      ? null
      : r.oneOf(o, 'readout', 'config', ['logits', 'count', 'firstSpike'] as const);
  const config: ExperimentConfig = {
    version: EXPERIMENT_VERSION,
    name: r.str(o, 'name', 'config'),
    description: r.str(o, 'description', 'config'),
    seed: r.num(o, 'seed', 'config', { int: true, min: 0, max: 0xffffffff }),
    task: readTask(r, o['task'], 'config.task', timeSteps),
    network: {
      inputs: r.num(net, 'inputs', 'config.network', { int: true, min: 1, max: 1_000_000 }),
      timeSteps,
      dtMs: r.num(net, 'dtMs', 'config.network', { gt: 0 }),
      layers,
    },
    loss: readLoss(r, o['loss'], 'config.loss'),
    readout,
    optimizer: {
      weights: group('weights'),
      delays: group('delays'),
      beta1: r.num(opt, 'beta1', 'config.optimizer', { min: 0, max: 0.999999 }),
      beta2: r.num(opt, 'beta2', 'config.optimizer', { min: 0, max: 0.999999999 }),
      epsilon: r.num(opt, 'epsilon', 'config.optimizer', { gt: 0 }),
    },
    sigma: {
      kind: r.oneOf(sig, 'kind', 'config.sigma', ['multiplicative', 'linear', 'constant'] as const),
      initial: r.nullableNum(sig, 'initial', 'config.sigma', { gt: 0 }),
      final: r.num(sig, 'final', 'config.sigma', { gt: 0 }),
      fraction: r.num(sig, 'fraction', 'config.sigma', { gt: 0, max: 1 }),
    },
    training: {
      epochs: r.num(tr, 'epochs', 'config.training', { int: true, min: 1, max: 1_000_000 }),
      batchSize: r.num(tr, 'batchSize', 'config.training', { int: true, min: 1, max: 65_536 }),
      validationFraction: r.num(tr, 'validationFraction', 'config.training', { min: 0, max: 0.9 }),
    },
  };
  const task = config.task;
  if (task.kind === 'toy') {
    if (task.inputTimes.length !== config.network.inputs) {
      r.problems.push(
        `config.task.inputTimes: needs one time per input (${config.network.inputs}), got ${task.inputTimes.length}`,
      );
    }
    const outputs = layers.at(-1)?.size ?? 0;
    if (task.targetTimes.length !== outputs) {
      r.problems.push(
        `config.task.targetTimes: needs one time per output (${outputs}), got ${task.targetTimes.length}`,
      );
    }
    for (const t of [...task.inputTimes, ...task.targetTimes]) {
      if (!Number.isInteger(t) || t < 0 || t >= timeSteps)
        r.problems.push(`config.task: time ${t} is not a step in [0, ${timeSteps - 1}]`);
    }
  } else {
    const classes = taskClasses(task);
    if (classes !== null && layers.length > 0 && layers.at(-1)!.size !== classes) {
      r.problems.push(
        `config.network.layers[${layers.length - 1}].size: must equal the task's ${classes} classes`,
      );
    }
    if (task.kind === 'yinyang' && config.network.inputs !== 5) {
      r.problems.push(
        `config.network.inputs: the yinyang task has 5 inputs (x, y, 1-x, 1-y, bias), got ${config.network.inputs}`,
      );
    }
  }
  if (config.loss.kind === 'firstSpikeTime' && task.kind !== 'toy') {
    r.problems.push('config.loss.kind: firstSpikeTime needs a task with target spike times (toy)');
  }
  if (config.loss.kind !== 'firstSpikeTime' && task.kind === 'toy' && config.loss.kind !== 'spikeTime') {
    r.problems.push(
      `config.loss.kind: ${config.loss.kind} needs class labels; the toy task has target spike times`,
    );
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Deep merge for `{"extends": "<preset>", ...overrides}` files: objects merge, arrays and values replace. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof override !== 'object' ||
    override === null ||
    Array.isArray(override)
  ) {
    return override === undefined ? base : override;
  }
  const out: Json = { ...(base as Json) };
  for (const [k, v] of Object.entries(override as Json)) out[k] = mergeConfig(out[k], v);
  return out;
}
