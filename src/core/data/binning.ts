import type { EventSet, SpikeEvents } from './types.ts';

/**
 * Binning of event recordings (SHD / SSC) into the time steps a network runs on, with optional
 * pooling of neighbouring input channels, as the DCLS delays code prepares SHD (e.g. 700 -> 140
 * channels with pool 5, 10 ms bins).
 */
export interface BinningOptions {
  /** Width of one time step in ms (> 0). */
  binMs: number;
  /** Neighbouring channels merged into one (integer >= 1; 1 keeps the channels). */
  pool: number;
  /** Number of time steps kept (integer >= 1, at most 65536); later events are dropped. */
  timeSteps: number;
}

/** The largest step count SpikeEvents can index (steps are Uint16). */
const MAX_TIME_STEPS = 0x10000;

/** Channels after pooling: ceil(channels / pool). */
export function pooledChannels(channels: number, pool: number): number {
  if (!Number.isInteger(channels) || channels < 0) {
    throw new RangeError(`channels must be a non-negative integer, got ${channels}`);
  }
  checkPool(pool);
  return Math.ceil(channels / pool);
}

function checkPool(pool: number): void {
  if (!Number.isInteger(pool) || pool < 1) {
    throw new RangeError(`pool must be an integer >= 1, got ${pool}`);
  }
}

function checkOptions(opts: BinningOptions): void {
  if (!(Number.isFinite(opts.binMs) && opts.binMs > 0)) {
    throw new RangeError(`binMs must be a finite number > 0, got ${opts.binMs}`);
  }
  checkPool(opts.pool);
  if (!Number.isInteger(opts.timeSteps) || opts.timeSteps < 1 || opts.timeSteps > MAX_TIME_STEPS) {
    throw new RangeError(`timeSteps must be an integer from 1 to ${MAX_TIME_STEPS}, got ${opts.timeSteps}`);
  }
}

/**
 * Sample `sample` of an EventSet as SpikeEvents: step = floor(timeMs / binMs), channel =
 * floor(unit / pool); events at step >= timeSteps (or, defensively, before 0 ms) are dropped;
 * pairs may repeat (several events in one bin count several times); sorted by step then channel.
 */
export function binSample(set: EventSet, sample: number, opts: BinningOptions): SpikeEvents {
  checkOptions(opts);
  if (!Number.isInteger(sample) || sample < 0 || sample >= set.count) {
    throw new RangeError(`sample must be an integer in [0, ${set.count}), got ${sample}`);
  }
  const { binMs, pool, timeSteps } = opts;
  const start = set.offsets[sample]!;
  const end = set.offsets[sample + 1]!;
  const width = pooledChannels(set.channels, pool);
  // One sortable key per kept event: step * width + channel (< 2^32, exact in a double).
  const keys = new Float64Array(end - start);
  let kept = 0;
  for (let e = start; e < end; e++) {
    const step = Math.floor(set.timesMs[e]! / binMs);
    if (!(step >= 0 && step < timeSteps)) continue;
    const unit = set.units[e]!;
    if (unit >= set.channels) {
      throw new RangeError(
        `sample ${sample} has an event on unit ${unit}, outside its ${set.channels} channels`,
      );
    }
    keys[kept++] = step * width + Math.floor(unit / pool);
  }
  const sorted = keys.subarray(0, kept).sort();
  const steps = new Uint16Array(kept);
  const channels = new Uint16Array(kept);
  for (let i = 0; i < kept; i++) {
    const key = sorted[i]!;
    const step = Math.floor(key / width);
    steps[i] = step;
    channels[i] = key - step * width;
  }
  return { steps, channels };
}
