import { describe, isPlainObject, type ExperimentConfig } from './experiment.ts';
import { delayRange, quantiseDelay, type DelayRounding } from './synapses/kernels.ts';

/**
 * The quantised delay table: every synapse's integer delay (time steps) and weight, the form an
 * inference engine with ring buffers or neuromorphic hardware takes. Training keeps real delays;
 * inference (Trainer.quantisedFirstSpikes, ringBufferCurrent) delivers each spike after
 * q(d) = clamp(round(d), 0, maxDelay - 1) steps, with each layer's kernel.rounding:
 *
 *   floor    q = floor(d)
 *   nearest  q = Math.round(d): halves round up (2.5 -> 3, not banker's rounding to 2)
 *
 * The table applies exactly that (quantiseDelay, the function the engine uses), so a consumer
 * needs no rounding of its own: a spike of presynaptic neuron `pre` at step t adds `weight` to
 * the input current of neuron `post` at step t + delay_steps. One step is `timeStepMs` ms.
 *
 * JSON (versioned, rows are postsynaptic neurons, columns presynaptic ones):
 *
 *   {"format":"delaylab-delay-table","version":1,"timeStepMs":dt,
 *    "layers":[{"fanIn":n,"size":m,"maxDelay":Td,"rounding":"floor"|"nearest",
 *               "delays":[[m rows of n integers]],"weights":[[m rows of n numbers]]}]}
 *
 * CSV: `layer,post,pre,delay_steps,weight`, one line per synapse, indices from 0. Weights are
 * written as shortest round-trip decimals, so they read back to the same float64. Synapses that
 * connectivity < 1 removed have weight 0; they are listed unless omitZeroWeights is set.
 */
export const DELAY_TABLE_FORMAT = 'delaylab-delay-table';
export const DELAY_TABLE_VERSION = 1;

export interface DelayTableLayer {
  /** Presynaptic neurons (columns). */
  fanIn: number;
  /** Postsynaptic neurons (rows). */
  size: number;
  /** Ring buffer slots Td: delays lie in [0, Td - 1] steps. */
  maxDelay: number;
  /** How the real trained delays were quantised. */
  rounding: DelayRounding;
  /** [post][pre] integer delays (time steps). */
  delays: number[][];
  /** [post][pre] weights. */
  weights: number[][];
}

export interface DelayTable {
  format: typeof DELAY_TABLE_FORMAT;
  version: typeof DELAY_TABLE_VERSION;
  /** Length of one time step (ms): config.network.dtMs. */
  timeStepMs: number;
  layers: DelayTableLayer[];
}

/**
 * One layer's trained parameters in the engine's layout: synapse pre -> post at
 * pre * size + post. A Trainer's `net.synapses` and a Model's `layers` both fit.
 */
export interface LayerParameters {
  weights: ArrayLike<number>;
  delays: ArrayLike<number>;
}

/** A delay table file that cannot be read; the message names the file. */
export class DelayTableFormatError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DelayTableFormatError';
  }
}

/** Quantises every layer's delays as inference does. Throws RangeError when a layer's size does not fit the config. */
export function buildDelayTable(config: ExperimentConfig, layers: readonly LayerParameters[]): DelayTable {
  const shapes = config.network.layers;
  if (layers.length !== shapes.length) {
    throw new RangeError(`got parameters of ${layers.length} layers, the config has ${shapes.length}`);
  }
  let fanIn = config.network.inputs;
  const tableLayers = shapes.map((cfg, l): DelayTableLayer => {
    const { weights, delays } = layers[l]!;
    const size = cfg.size;
    const n = fanIn * size;
    if (weights.length !== n || delays.length !== n) {
      throw new RangeError(
        `layer ${l}: the config has ${fanIn} x ${size} = ${n} synapses, got ${weights.length} weights and ${delays.length} delays`,
      );
    }
    const { maxDelay, rounding } = cfg.kernel;
    const delayRows: number[][] = [];
    const weightRows: number[][] = [];
    for (let post = 0; post < size; post++) {
      const delayRow = new Array<number>(fanIn);
      const weightRow = new Array<number>(fanIn);
      for (let pre = 0; pre < fanIn; pre++) {
        const q = pre * size + post;
        const w = weights[q]!;
        const d = delays[q]!;
        if (!Number.isFinite(w) || !Number.isFinite(d)) {
          throw new RangeError(
            `layer ${l}, synapse ${pre} -> ${post}: weight ${w} or delay ${d} is not finite`,
          );
        }
        // + 0 turns the -0 that Math.round gives for delays in (-0.5, 0) into 0.
        delayRow[pre] = quantiseDelay(d, rounding, maxDelay) + 0;
        weightRow[pre] = w;
      }
      delayRows.push(delayRow);
      weightRows.push(weightRow);
    }
    const layer = { fanIn, size, maxDelay, rounding, delays: delayRows, weights: weightRows };
    fanIn = size;
    return layer;
  });
  return {
    format: DELAY_TABLE_FORMAT,
    version: DELAY_TABLE_VERSION,
    timeStepMs: config.network.dtMs,
    layers: tableLayers,
  };
}

/** The delay table as JSON text, one matrix row per line. */
export function delayTableJson(config: ExperimentConfig, layers: readonly LayerParameters[]): string {
  return tableJson(buildDelayTable(config, layers));
}

/** A built (or fitted, core/hardware.ts) delay table as JSON text. */
export function tableJson(table: DelayTable): string {
  return `${formatJson(table, '')}\n`;
}

export function delayTableCsv(
  config: ExperimentConfig,
  layers: readonly LayerParameters[],
  options: { omitZeroWeights?: boolean } = {},
): string {
  return tableCsv(buildDelayTable(config, layers), options);
}

/** A built (or fitted) delay table as CSV: one synapse per line. */
export function tableCsv(table: DelayTable, options: { omitZeroWeights?: boolean } = {}): string {
  const lines = ['layer,post,pre,delay_steps,weight'];
  table.layers.forEach((layer, l) => {
    for (let post = 0; post < layer.size; post++) {
      const delays = layer.delays[post]!;
      const weights = layer.weights[post]!;
      for (let pre = 0; pre < layer.fanIn; pre++) {
        const w = weights[pre]!;
        if (options.omitZeroWeights && w === 0) continue;
        // String(-0) is "0"; the sign of a zero weight changes no current.
        lines.push(`${l},${post},${pre},${delays[pre]!},${String(w)}`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}

/** Reads a delay table JSON file back, checking every entry; throws DelayTableFormatError naming `fileName`. */
export function parseDelayTable(text: string, fileName: string): DelayTable {
  function fail(problem: string): never {
    throw new DelayTableFormatError(fileName, problem);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`is not a delay table: it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isPlainObject(raw)) fail('is not a delay table: expected a JSON object');
  if (raw['format'] !== DELAY_TABLE_FORMAT) {
    fail(`is not a delay table: "format" is ${describe(raw['format'])}, expected "${DELAY_TABLE_FORMAT}"`);
  }
  const version = raw['version'];
  if (typeof version === 'number' && Number.isInteger(version) && version > DELAY_TABLE_VERSION) {
    fail(
      `was made by a newer Delay Lab (delay table version ${version}; this version reads version ${DELAY_TABLE_VERSION})`,
    );
  }
  if (version !== DELAY_TABLE_VERSION) fail(`has an unknown delay table version ${describe(version)}`);
  const timeStepMs = raw['timeStepMs'];
  if (typeof timeStepMs !== 'number' || !Number.isFinite(timeStepMs) || timeStepMs <= 0) {
    fail(`timeStepMs: expected a positive number of ms, got ${describe(timeStepMs)}`);
  }
  const rawLayers = raw['layers'];
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) fail('layers: expected a non-empty array');
  let previousSize: number | null = null;
  const layers = rawLayers.map((value: unknown, l): DelayTableLayer => {
    const path = `layers[${l}]`;
    if (!isPlainObject(value)) fail(`${path}: expected an object`);
    const count = (key: string, min: number): number => {
      const v = value[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
        fail(`${path}.${key}: expected an integer >= ${min}, got ${describe(v)}`);
      }
      return v;
    };
    const fanIn = count('fanIn', 1);
    const size = count('size', 1);
    const maxDelay = count('maxDelay', 1);
    const range = delayRange(maxDelay);
    if (previousSize !== null && fanIn !== previousSize) {
      fail(`${path}.fanIn: is ${fanIn} but the previous layer has ${previousSize} neurons`);
    }
    previousSize = size;
    const rounding = value['rounding'];
    if (rounding !== 'floor' && rounding !== 'nearest') {
      fail(`${path}.rounding: expected "floor" or "nearest", got ${describe(rounding)}`);
    }
    const matrix = (key: string, ok: (v: number) => boolean, expected: string): number[][] => {
      const rows = value[key];
      if (!Array.isArray(rows) || rows.length !== size) {
        fail(`${path}.${key}: expected ${size} rows (one per postsynaptic neuron)`);
      }
      return rows.map((row: unknown, post) => {
        if (!Array.isArray(row) || row.length !== fanIn) {
          fail(`${path}.${key}[${post}]: expected ${fanIn} entries (one per presynaptic neuron)`);
        }
        const bad = row.findIndex((v: unknown) => typeof v !== 'number' || !ok(v));
        if (bad >= 0)
          fail(`${path}.${key}[${post}][${bad}]: expected ${expected}, got ${describe(row[bad])}`);
        return row as number[];
      });
    };
    const delays = matrix(
      'delays',
      (d) => Number.isInteger(d) && d >= range.min && d <= range.max,
      `an integer number of steps in [${range.min}, ${range.max}]`,
    );
    const weights = matrix('weights', Number.isFinite, 'a finite number');
    return { fanIn, size, maxDelay, rounding, delays, weights };
  });
  return { format: DELAY_TABLE_FORMAT, version: DELAY_TABLE_VERSION, timeStepMs, layers };
}

/**
 * The input current one table layer delivers for one sample: spikes [timeSteps][fanIn] ->
 * current [timeSteps][size]. A spike of `pre` at step t adds its weight at step t + delay,
 * which is what a ring buffer of maxDelay slots per neuron delivers (spikes due at or after
 * `timeSteps` are dropped); the reference a hardware or engine implementation can test against.
 */
export function delayTableCurrent(
  layer: DelayTableLayer,
  spikes: ArrayLike<number>,
  timeSteps: number,
): Float64Array {
  const { fanIn, size } = layer;
  const current = new Float64Array(timeSteps * size);
  for (let t = 0; t < timeSteps; t++) {
    for (let pre = 0; pre < fanIn; pre++) {
      const s = spikes[t * fanIn + pre]!;
      if (s === 0) continue;
      for (let post = 0; post < size; post++) {
        const arrival = t + layer.delays[post]![pre]!;
        if (arrival < timeSteps) current[arrival * size + post]! += s * layer.weights[post]![pre]!;
      }
    }
  }
  return current;
}

/** JSON with number arrays kept on one line (a matrix row per line), everything else indented. */
function formatJson(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return JSON.stringify(value);
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (isPlainObject(value)) {
    const inner = indent + '  ';
    const fields = Object.entries(value).map(
      ([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`,
    );
    return `{\n${fields.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
