// Why this file is over 400 lines: the model file's format, its strict decoder (every field of an
// untrusted file checked, with a message naming it) and its two-way mapping to a trainer belong
// together, and a version bump touches all three.
import { synapsesOfWeights } from './network.ts';
import {
  ConfigError,
  describe,
  isPlainObject,
  validateExperiment,
  type ExperimentConfig,
} from './experiment.ts';
import type { EpochRecord } from './runRecord.ts';
import { delayRange } from './synapses/kernels.ts';
import type { Trainer } from './trainer.ts';

/**
 * A trained model as a versioned JSON file: the experiment config, the trained parameters of
 * every layer and, for the record, where and when it was trained. Unlike a checkpoint (DLCK) it
 * holds no optimiser state, so it resumes nothing; it is the file to share, inspect or run.
 *
 *   {"format":"delaylab-model","version":1,"config":{...},"savedAt":"<ISO time>",
 *    "dataset":"<name>"|null,"metrics":{...last epoch's metrics, any subset...},
 *    "layers":[{"fanIn":n,"size":m,"dtype":"float64","sigma":s,
 *               "weights":"<base64>","delays":"<base64>"}]}
 *
 * `weights` and `delays` are the layer's fanIn * size values in the engine's layout (synapse
 * i -> j at index i * size + j), each an IEEE-754 float64 in little-endian byte order, base64
 * encoded (RFC 4648, with padding). Why base64 rather than JSON number arrays: the bytes are the
 * exact values on every platform (a JSON number goes through each reader's decimal parser, and
 * -0, NaN and Infinity have no JSON form at all), a value costs 10.7 characters instead of the
 * 18 to 24 that a shortest round-trip decimal plus separator takes (the file is about half the
 * size), and decoding is a table lookup rather than number parsing. Delays are in time steps of
 * config.network.dtMs ms; `sigma` is the Gaussian kernel's standard deviation (time steps) when
 * the model was saved, which the 'gauss' kernel's forward pass depends on.
 *
 * Bump MODEL_VERSION when the layout changes; readers refuse newer versions with a message.
 */
export const MODEL_FORMAT = 'delaylab-model';
export const MODEL_VERSION = 1;

/** The last epoch's metrics, any subset (a model can also be saved before the first epoch ends). */
export type ModelMetrics = Partial<EpochRecord>;

export interface ModelLayer {
  /** Presynaptic neurons: config.network.inputs for layer 0, the previous layer's size after. */
  fanIn: number;
  size: number;
  /** Gaussian kernel standard deviation (time steps) at saving time. */
  sigma: number;
  /** [fanIn][size]: synapse i -> j at i * size + j. */
  weights: Float64Array;
  /** [fanIn][size], time steps in [0, maxDelay - 1]. */
  delays: Float64Array;
}

export interface Model {
  config: ExperimentConfig;
  /** ISO time of saving. */
  savedAt: string;
  /** Name of the loaded data set it trained on (null for generated tasks). */
  dataset: string | null;
  metrics: ModelMetrics;
  layers: ModelLayer[];
}

/** A model file that cannot be read; the message names the file and lists what is wrong. */
export class ModelFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file} is not a usable Delay Lab model:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'ModelFormatError';
  }
}

/** A model whose network does not fit the trainer it is loaded into. */
export class ModelShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelShapeError';
  }
}

/** The trainer's current parameters and kernel width as a model. */
export function modelFromTrainer(
  trainer: Trainer,
  info: { dataset: string | null; metrics?: ModelMetrics; savedAt?: Date },
): Model {
  let fanIn = trainer.config.network.inputs;
  const layers = trainer.net.synapses.map((s, l) => {
    const size = trainer.config.network.layers[l]!.size;
    const layer: ModelLayer = {
      fanIn,
      size,
      sigma: s.sigma,
      // Model files hold every possible synapse (absent ones at weight 0), whatever the storage.
      weights: s.toDense(s.weights),
      delays: s.toDense(s.delays),
    };
    fanIn = size;
    return layer;
  });
  return {
    config: structuredClone(trainer.config),
    savedAt: (info.savedAt ?? new Date()).toISOString(),
    dataset: info.dataset,
    metrics: { ...info.metrics },
    layers,
  };
}

/** Writes a model file (JSON text). Throws RangeError for parameters that could not be read back. */
export function encodeModel(model: Model): string {
  const shapes = networkShape(model.config);
  if (model.layers.length !== shapes.length) {
    throw new RangeError(`the model has ${model.layers.length} layers, its config ${shapes.length}`);
  }
  const layers = model.layers.map((layer, l) => {
    const { fanIn, size } = shapes[l]!;
    const n = fanIn * size;
    if (
      layer.fanIn !== fanIn ||
      layer.size !== size ||
      layer.weights.length !== n ||
      layer.delays.length !== n
    ) {
      throw new RangeError(
        `layer ${l}: the config describes ${fanIn} x ${size} synapses, the model holds ${layer.weights.length} weights and ${layer.delays.length} delays`,
      );
    }
    for (const [what, values] of [
      ['weights', layer.weights],
      ['delays', layer.delays],
    ] as const) {
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new RangeError(`layer ${l} ${what}[${bad}] is ${values[bad]}, not a finite number`);
    }
    return {
      fanIn,
      size,
      dtype: 'float64',
      sigma: layer.sigma,
      weights: bytesToBase64(float64ToBytes(layer.weights)),
      delays: bytesToBase64(float64ToBytes(layer.delays)),
    };
  });
  const file = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    config: model.config,
    savedAt: model.savedAt,
    dataset: model.dataset,
    metrics: model.metrics,
    layers,
  };
  // Indented so the config stays readable; the parameter strings are one line each anyway.
  return `${JSON.stringify(file, null, 2)}\n`;
}

const NULLABLE_METRICS = ['trainAccuracy', 'validationLoss', 'validationAccuracy', 'testAccuracy'] as const;
const NUMBER_METRICS = ['epoch', 'trainLoss', 'sigma', 'ms'] as const;

/**
 * Reads a model file. Throws ModelFormatError naming `fileName` when the text is not JSON, not a
 * Delay Lab model, from a newer Delay Lab, or has an invalid config or parameters.
 */
export function decodeModel(text: string, fileName: string): Model {
  function fail(...problems: string[]): never {
    throw new ModelFormatError(fileName, problems);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`is not a Delay Lab model: it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isPlainObject(raw)) return fail('is not a Delay Lab model: expected a JSON object');
  if (raw['format'] !== MODEL_FORMAT) {
    const hint =
      raw['format'] === 'delaylab-delay-table'
        ? ' (it is a delay table export, which holds quantised delays only and cannot be loaded as a model)'
        : '';
    fail(
      `is not a Delay Lab model: "format" is ${describe(raw['format'])}, expected "${MODEL_FORMAT}"${hint}`,
    );
  }
  const version = raw['version'];
  if (typeof version === 'number' && Number.isInteger(version) && version > MODEL_VERSION) {
    fail(
      `was made by a newer Delay Lab (model format version ${version}; this version reads version ${MODEL_VERSION}); update Delay Lab to open it`,
    );
  }
  if (version !== MODEL_VERSION) fail(`has an unknown model format version ${describe(version)}`);

  let config: ExperimentConfig;
  try {
    config = validateExperiment(raw['config']);
  } catch (e) {
    if (e instanceof ConfigError)
      return fail(...e.problems.map((p) => `invalid experiment config: ${p.message}`));
    throw e;
  }

  const problems: string[] = [];
  const savedAt = raw['savedAt'];
  if (typeof savedAt !== 'string' || !Number.isFinite(Date.parse(savedAt))) {
    problems.push(`savedAt: expected an ISO date-time string, got ${describe(savedAt)}`);
  }
  const dataset = raw['dataset'];
  if (dataset !== null && typeof dataset !== 'string') {
    problems.push(`dataset: expected a data set name or null, got ${describe(dataset)}`);
  }
  const metrics = readMetrics(raw['metrics'], problems);
  const layers = readLayers(raw['layers'], config, problems);
  if (problems.length > 0) fail(...problems);
  return {
    config,
    savedAt: savedAt as string,
    dataset: dataset as string | null,
    metrics,
    layers,
  };
}

/**
 * Loads a model's parameters (and kernel width) into a trainer whose network has the same
 * shape; its optimiser state and counters are left alone. Throws ModelShapeError naming both
 * shapes when they differ, or when a delay does not fit the trainer's maxDelay.
 */
export function applyModel(trainer: Trainer, model: Model): void {
  const mine = networkShape(trainer.config);
  const theirs = model.layers.map(({ fanIn, size }) => ({ fanIn, size }));
  const describeShape = (s: { fanIn: number; size: number }[]): string =>
    [s[0]?.fanIn ?? 0, ...s.map((l) => l.size)].join('-');
  if (
    mine.length !== theirs.length ||
    mine.some((s, l) => s.fanIn !== theirs[l]!.fanIn || s.size !== theirs[l]!.size)
  ) {
    throw new ModelShapeError(
      `the model's network (${describeShape(theirs)} neurons) does not match this experiment's (${describeShape(mine)})`,
    );
  }
  model.layers.forEach((layer, l) => {
    const range = delayRange(trainer.config.network.layers[l]!.kernel.maxDelay);
    const bad = layer.delays.findIndex((d) => d < range.min || d > range.max);
    if (bad >= 0) {
      throw new ModelShapeError(
        `layer ${l} of the model has delay ${layer.delays[bad]} (synapse ${bad}), outside this experiment's [${range.min}, ${range.max}] time steps`,
      );
    }
    const synapses = trainer.net.synapses[l]!;
    // A rewired layer takes the model's structure (checked here, set below with the values).
    const index = synapses.structureChanges
      ? synapsesOfWeights(layer.weights, synapses.activeSynapses)
      : synapses.synapseIndex;
    if (synapses.structureChanges && !index)
      throw new ModelShapeError(
        `layer ${l} of the model has more nonzero weights than this experiment's ${synapses.activeSynapses} active synapses`,
      );
    const outside = index ? weightsOutside(layer.weights, index) : 0;
    if (outside > 0) {
      throw new ModelShapeError(
        `layer ${l} of the model has ${outside} nonzero weights on synapses this experiment's connectivity leaves out (a different seed or connectivity?)`,
      );
    }
  });
  // Only after every check, so a refused model leaves the trainer as it was.
  model.layers.forEach((layer, l) => {
    const synapses = trainer.net.synapses[l]!;
    if (synapses.structureChanges)
      synapses.synapseIndex!.set(synapsesOfWeights(layer.weights, synapses.activeSynapses)!);
    synapses.setFromDense(synapses.weights, layer.weights, `layer ${l} weights`, true);
    synapses.setFromDense(synapses.delays, layer.delays, `layer ${l} delays`, false);
    synapses.sigma = layer.sigma;
  });
}

/** Nonzero values at synapses a compact layer's (ascending) `index` does not hold. */
function weightsOutside(weights: ArrayLike<number>, index: Int32Array): number {
  let outside = 0;
  for (let q = 0, e = 0; q < weights.length; q++) {
    while (e < index.length && index[e]! < q) e++;
    if (weights[q] !== 0 && index[e] !== q) outside++;
  }
  return outside;
}

/** Presynaptic and postsynaptic sizes of each layer. */
function networkShape(config: ExperimentConfig): { fanIn: number; size: number }[] {
  let fanIn = config.network.inputs;
  return config.network.layers.map((l) => {
    const shape = { fanIn, size: l.size };
    fanIn = l.size;
    return shape;
  });
}

function readMetrics(value: unknown, problems: string[]): ModelMetrics {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    problems.push(`metrics: expected an object, got ${describe(value)}`);
    return {};
  }
  const metrics: ModelMetrics = {};
  for (const key of NUMBER_METRICS) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v === 'number' && Number.isFinite(v)) metrics[key] = v;
    else problems.push(`metrics.${key}: expected a finite number, got ${describe(v)}`);
  }
  for (const key of NULLABLE_METRICS) {
    const v = value[key];
    if (v === undefined) continue;
    if (v === null || (typeof v === 'number' && Number.isFinite(v))) metrics[key] = v;
    else problems.push(`metrics.${key}: expected a finite number or null, got ${describe(v)}`);
  }
  return metrics;
}

function readLayers(value: unknown, config: ExperimentConfig, problems: string[]): ModelLayer[] {
  const shapes = networkShape(config);
  if (!Array.isArray(value)) {
    problems.push(`layers: expected an array, got ${describe(value)}`);
    return [];
  }
  if (value.length !== shapes.length) {
    problems.push(`layers: the file has ${value.length} layers but its config describes ${shapes.length}`);
    return [];
  }
  return shapes.map(({ fanIn, size }, l) => {
    const path = `layers[${l}]`;
    const raw: unknown = value[l];
    const empty = { fanIn, size, sigma: 1, weights: new Float64Array(0), delays: new Float64Array(0) };
    if (!isPlainObject(raw)) {
      problems.push(`${path}: expected an object, got ${describe(raw)}`);
      return empty;
    }
    if (raw['fanIn'] !== fanIn || raw['size'] !== size) {
      problems.push(
        `${path}: is ${describe(raw['fanIn'])} x ${describe(raw['size'])} but the config needs ${fanIn} inputs x ${size} neurons`,
      );
    }
    if (raw['dtype'] !== 'float64') {
      problems.push(`${path}.dtype: expected "float64", got ${describe(raw['dtype'])}`);
      return empty;
    }
    const sigma = raw['sigma'];
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
      problems.push(`${path}.sigma: expected a positive number of time steps, got ${describe(sigma)}`);
    }
    const range = delayRange(config.network.layers[l]!.kernel.maxDelay);
    const weights = readValues(raw['weights'], `${path}.weights`, fanIn * size, problems);
    const delays = readValues(raw['delays'], `${path}.delays`, fanIn * size, problems);
    const outside = delays.findIndex((d) => Number.isFinite(d) && (d < range.min || d > range.max));
    if (outside >= 0) {
      problems.push(
        `${path}.delays[${outside}]: ${delays[outside]} lies outside [${range.min}, kernel.maxDelay - 1 = ${range.max}] time steps`,
      );
    }
    return { fanIn, size, sigma: typeof sigma === 'number' ? sigma : 1, weights, delays };
  });
}

/** Decodes one base64 float64 array of `count` values, reporting problems instead of throwing. */
function readValues(value: unknown, path: string, count: number, problems: string[]): Float64Array {
  if (typeof value !== 'string') {
    problems.push(`${path}: expected a base64 string, got ${describe(value)}`);
    return new Float64Array(0);
  }
  const bytes = base64ToBytes(value);
  if (typeof bytes === 'string') {
    problems.push(`${path}: is not valid base64 (${bytes})`);
    return new Float64Array(0);
  }
  if (bytes.length !== count * 8) {
    problems.push(
      `${path}: holds ${bytes.length / 8} values (${bytes.length} bytes) but the config needs ${count} (${count * 8} bytes)`,
    );
    return new Float64Array(0);
  }
  const values = bytesToFloat64(bytes);
  const bad = firstNonFinite(values);
  if (bad >= 0) {
    const total = values.reduce((k, v) => (Number.isFinite(v) ? k : k + 1), 0);
    problems.push(`${path}: ${total} value(s) are not finite numbers (first: [${bad}] = ${values[bad]})`);
  }
  return values;
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let q = 0; q < values.length; q++) if (!Number.isFinite(values[q]!)) return q;
  return -1;
}

// ---- float64 <-> little-endian bytes <-> base64 ----------------------------------------------

function float64ToBytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let q = 0; q < values.length; q++) view.setFloat64(q * 8, values[q]!, true);
  return bytes;
}

function bytesToFloat64(bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float64Array(bytes.length / 8);
  for (let q = 0; q < values.length; q++) values[q] = view.getFloat64(q * 8, true);
  return values;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
/** Character code -> 6-bit value, -1 for characters outside the alphabet. */
const SEXTETS = new Int8Array(128).fill(-1);
for (let k = 0; k < ALPHABET.length; k++) SEXTETS[ALPHABET.charCodeAt(k)] = k;

/**
 * Standard base64 with padding. Written here (not btoa) because btoa needs a binary string of
 * the whole array, and the same code then runs in browsers, workers and Node.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let q = 0;
  for (; q + 2 < bytes.length; q += 3) {
    const n = (bytes[q]! << 16) | (bytes[q + 1]! << 8) | bytes[q + 2]!;
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    out[o++] = ALPHABET.charCodeAt((n >> 6) & 63);
    out[o++] = ALPHABET.charCodeAt(n & 63);
  }
  const rest = bytes.length - q;
  if (rest > 0) {
    const n = (bytes[q]! << 16) | (rest === 2 ? bytes[q + 1]! << 8 : 0);
    out[o++] = ALPHABET.charCodeAt(n >> 18);
    out[o++] = ALPHABET.charCodeAt((n >> 12) & 63);
    out[o] = rest === 2 ? ALPHABET.charCodeAt((n >> 6) & 63) : PAD;
    out[o + 1] = PAD;
  }
  return new TextDecoder().decode(out);
}

/**
 * Strict base64 decoding (padding required, no whitespace): returns the bytes, or a sentence
 * saying what is wrong, so a damaged file is reported rather than silently misread.
 */
export function base64ToBytes(text: string): Uint8Array | string {
  if (text.length % 4 !== 0) return `its length ${text.length} is not a multiple of 4`;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let k = 0; k < text.length; k += 4) {
    let n = 0;
    for (let c = 0; c < 4; c++) {
      const code = text.charCodeAt(k + c);
      const last = k + 4 === text.length;
      if (code === PAD && last && c >= 4 - padding) {
        n <<= 6;
        continue;
      }
      const v = code < 128 ? SEXTETS[code]! : -1;
      if (v < 0) return `unexpected character ${JSON.stringify(text[k + c])} at position ${k + c}`;
      n = (n << 6) | v;
    }
    bytes[o++] = n >> 16;
    if (o < bytes.length) bytes[o++] = (n >> 8) & 255;
    if (o < bytes.length) bytes[o++] = n & 255;
  }
  return bytes;
}
