import type { Rng } from '../rng.ts';
import type { SpikeEvents } from './types.ts';

/**
 * Encoders turn intensities (0..255, one per input channel) into the spikes of one sample.
 * Each returns sparse events (sorted by step, then channel); `eventsToDense` gives the dense
 * `[time][channel]` view the engine's batches use.
 */
export type EncoderConfig =
  /** One spike at `step` on every channel whose value exceeds `threshold` (the delay-only paper: > 127 at t = 0). */
  | { kind: 'threshold'; threshold: number; step: number }
  /**
   * Time to first spike: one spike per channel, brighter earlier, linearly from `firstStep`
   * (value 255) to `lastStep` (value just above `cutoff`); values <= cutoff stay silent.
   */
  | { kind: 'latency'; firstStep: number; lastStep: number; cutoff: number }
  /** Bernoulli rate code: every step a channel spikes with probability maxProbability * value / 255. */
  | { kind: 'rate'; maxProbability: number }
  /**
   * Intensity bins (the delay-only authors' code, 3 bins): [0, 255] is cut into `bins` equal
   * bins; a non-zero pixel spikes once, at step 0 in the brightest bin, step bins - 1 in the
   * dimmest; 0 stays silent.
   */
  | { kind: 'intensityBins'; bins: number };

/** What is wrong with an encoder: a value out of its bounds, or two fields that disagree. */
export interface EncoderProblem {
  code: 'range' | 'cross-field';
  message: string;
}

/** Problems with an encoder for `timeSteps` steps (empty when fine). */
export function encoderProblems(enc: EncoderConfig, timeSteps: number): EncoderProblem[] {
  const p: EncoderProblem[] = [];
  const range = (message: string): void => void p.push({ code: 'range', message });
  const step = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 0 || v >= timeSteps)
      range(`${name} must be an integer step in [0, ${timeSteps - 1}], got ${v}`);
  };
  if (enc.kind === 'threshold') {
    step('step', enc.step);
    if (!(enc.threshold >= 0 && enc.threshold < 255))
      range(`threshold must be in [0, 255), got ${enc.threshold}`);
  } else if (enc.kind === 'latency') {
    step('firstStep', enc.firstStep);
    step('lastStep', enc.lastStep);
    if (enc.firstStep > enc.lastStep) {
      p.push({
        code: 'cross-field',
        message: `firstStep (${enc.firstStep}) must not come after lastStep (${enc.lastStep})`,
      });
    }
    if (!(enc.cutoff >= 0 && enc.cutoff < 255)) range(`cutoff must be in [0, 255), got ${enc.cutoff}`);
  } else if (enc.kind === 'intensityBins') {
    if (!Number.isInteger(enc.bins) || enc.bins < 1 || enc.bins > timeSteps) {
      range(`bins must be an integer in [1, ${timeSteps}], got ${enc.bins}`);
    }
  } else if (!(enc.maxProbability > 0 && enc.maxProbability <= 1)) {
    range(`maxProbability must be in (0, 1], got ${enc.maxProbability}`);
  }
  return p;
}

/**
 * One spike per channel at `stepOf(channel)` (-1: none; steps below `steps`), as events sorted by
 * step, then channel: a counting sort, since an encoder runs for every sample of every batch.
 */
function bySteps(channels: number, steps: number, stepOf: (channel: number) => number): SpikeEvents {
  const stepOfChannel = new Int32Array(channels);
  const start = new Int32Array(steps + 1);
  for (let c = 0; c < channels; c++) {
    const t = stepOf(c);
    stepOfChannel[c] = t;
    if (t >= 0) start[t + 1]!++;
  }
  for (let t = 0; t < steps; t++) start[t + 1]! += start[t]!;
  const out = { steps: new Uint16Array(start[steps]!), channels: new Uint16Array(start[steps]!) };
  for (let c = 0; c < channels; c++) {
    const t = stepOfChannel[c]!;
    if (t < 0) continue;
    const at = start[t]!++;
    out.steps[at] = t;
    out.channels[at] = c;
  }
  return out;
}

/**
 * Encodes one sample's intensities. `rng` is needed by the rate code only (pass a generator
 * seeded per sample so that a sample's spikes do not depend on which others were encoded).
 */
export function encodeIntensities(
  values: ArrayLike<number>,
  enc: EncoderConfig,
  timeSteps: number,
  rng: Rng | null,
): SpikeEvents {
  const problems = encoderProblems(enc, timeSteps);
  if (problems.length > 0)
    throw new RangeError(`encoder ${enc.kind}: ${problems.map((p) => p.message).join('; ')}`);
  const n = values.length;
  if (enc.kind === 'threshold') {
    const channels: number[] = [];
    for (let c = 0; c < n; c++) if (values[c]! > enc.threshold) channels.push(c);
    return { steps: new Uint16Array(channels.length).fill(enc.step), channels: Uint16Array.from(channels) };
  }
  if (enc.kind === 'latency') {
    const span = enc.lastStep - enc.firstStep;
    const range = 255 - enc.cutoff;
    // 255 -> firstStep; just above the cutoff -> lastStep (-1: silent).
    return bySteps(n, enc.lastStep + 1, (c) => {
      const v = values[c]!;
      return v <= enc.cutoff ? -1 : enc.firstStep + Math.round(((255 - v) / range) * span);
    });
  }
  if (enc.kind === 'intensityBins') {
    // Brightest bin at step 0; a dark pixel (0) stays silent.
    return bySteps(n, enc.bins, (c) => {
      const v = values[c]!;
      return v <= 0 ? -1 : enc.bins - 1 - Math.min(enc.bins - 1, Math.floor((v * enc.bins) / 255));
    });
  }
  if (!rng) throw new Error('the rate encoder needs a seeded Rng');
  const steps: number[] = [];
  const channels: number[] = [];
  const scale = enc.maxProbability / 255;
  for (let t = 0; t < timeSteps; t++) {
    for (let c = 0; c < n; c++) {
      // Draw for every channel, silent or not, so the stream position does not depend on the image.
      const u = rng.uniform();
      if (u < values[c]! * scale) {
        steps.push(t);
        channels.push(c);
      }
    }
  }
  return { steps: Uint16Array.from(steps), channels: Uint16Array.from(channels) };
}

/**
 * Dense `[time][channel]` view of events written into `out` at `offset` (the region is zeroed
 * first); repeated pairs add up, saturating at 255 in byte outputs.
 */
export function eventsToDense<A extends Uint8Array | Float32Array>(
  events: SpikeEvents,
  timeSteps: number,
  channels: number,
  out: A,
  offset = 0,
): A {
  const size = timeSteps * channels;
  if (offset + size > out.length)
    throw new RangeError(`eventsToDense: ${size} values do not fit at offset ${offset}`);
  out.fill(0, offset, offset + size);
  const saturate = out instanceof Uint8Array;
  for (let k = 0; k < events.steps.length; k++) {
    const t = events.steps[k]!;
    const c = events.channels[k]!;
    if (t >= timeSteps || c >= channels) {
      throw new RangeError(
        `eventsToDense: event (step ${t}, channel ${c}) outside ${timeSteps} x ${channels}`,
      );
    }
    const q = offset + t * channels + c;
    out[q] = saturate ? Math.min(255, out[q]! + 1) : out[q]! + 1;
  }
  return out;
}

/** Sparse events of a dense `[time][channel]` sample (a count of k gives k repeated events). */
export function denseToEvents(dense: ArrayLike<number>, timeSteps: number, channels: number): SpikeEvents {
  const steps: number[] = [];
  const chans: number[] = [];
  for (let t = 0; t < timeSteps; t++) {
    for (let c = 0; c < channels; c++) {
      for (let k = 0; k < dense[t * channels + c]!; k++) {
        steps.push(t);
        chans.push(c);
      }
    }
  }
  return { steps: Uint16Array.from(steps), channels: Uint16Array.from(chans) };
}
