import { Rng } from '../rng.ts';
import { binSample } from './binning.ts';
import { denseToEvents, encodeIntensities, eventsToDense, type EncoderConfig } from './encoders.ts';
import type { EventSet, ImageSet, PointSet, RawSet, SpikeEvents } from './types.ts';
import { encodeYinYang, type YinYangEncoding } from './yinYang.ts';

/**
 * Where a data set's spike samples come from. Generated tasks hold dense spikes; loaded data
 * keeps its raw form (bytes per pixel, events in ms) and is encoded sample by sample when a
 * batch is gathered, so 60,000 Fashion-MNIST images cost 47 MB, not 60,000 x T x 784 bytes.
 */
export type SampleSource =
  /** [sample][time][input] spike counts. */
  | { kind: 'dense'; spikes: Uint8Array }
  /** Images encoded by `encoder`; the rate code draws from a generator seeded by (seed, sample). */
  | { kind: 'images'; set: ImageSet; encoder: EncoderConfig; seed: number }
  /** Recorded events binned into steps of binMs (ms), pool channels summed into one input. */
  | { kind: 'events'; set: EventSet; binMs: number; pool: number }
  /** Yin-Yang points, latency-coded. */
  | { kind: 'points'; set: PointSet; encoding: YinYangEncoding };

/** The spikes of sample `s` as sparse events (sorted by step, then channel). */
export function sampleEvents(
  source: SampleSource,
  s: number,
  timeSteps: number,
  inputs: number,
): SpikeEvents {
  switch (source.kind) {
    case 'dense': {
      const per = timeSteps * inputs;
      return denseToEvents(source.spikes.subarray(s * per, (s + 1) * per), timeSteps, inputs);
    }
    case 'images': {
      const per = source.set.rows * source.set.cols;
      const rng = source.encoder.kind === 'rate' ? sampleRng(source.seed, s) : null;
      return encodeIntensities(
        source.set.pixels.subarray(s * per, (s + 1) * per),
        source.encoder,
        timeSteps,
        rng,
      );
    }
    case 'events':
      return binSample(source.set, s, { binMs: source.binMs, pool: source.pool, timeSteps });
    case 'points':
      return encodeYinYang(source.set, s, source.encoding);
  }
}

/** Writes sample `s` densely (`[time][input]` counts) into `out` at `offset`. */
export function writeSample(
  source: SampleSource,
  s: number,
  timeSteps: number,
  inputs: number,
  out: Float32Array | Uint8Array,
  offset: number,
): void {
  if (source.kind === 'dense') {
    const per = timeSteps * inputs;
    out.set(source.spikes.subarray(s * per, (s + 1) * per), offset);
    return;
  }
  eventsToDense(sampleEvents(source, s, timeSteps, inputs), timeSteps, inputs, out, offset);
}

/** A generator for one sample's random draws that does not depend on the other samples. */
function sampleRng(seed: number, sample: number): Rng {
  return new Rng((Math.imul(seed ^ 0x2545f491, 0x9e3779b1) + sample) >>> 0);
}

function concatArrays<A extends Uint8Array | Uint16Array | Uint32Array | Float32Array>(a: A, b: A): A {
  const out = new (a.constructor as { new (n: number): A })(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The samples of `a` followed by those of `b` (same kind and shape), as one set. */
export function concatSets<S extends RawSet>(a: S, b: S): S {
  const classes = Math.max(a.classes, b.classes);
  const labels = concatArrays(a.labels, b.labels);
  const count = a.count + b.count;
  if (a.kind === 'images' && b.kind === 'images') {
    if (a.rows !== b.rows || a.cols !== b.cols) {
      throw new RangeError(`cannot join ${a.rows}x${a.cols} and ${b.rows}x${b.cols} images`);
    }
    return { ...a, count, classes, labels, pixels: concatArrays(a.pixels, b.pixels) };
  }
  if (a.kind === 'events' && b.kind === 'events') {
    const offsets = new Uint32Array(count + 1);
    offsets.set(a.offsets);
    const base = a.offsets[a.count]!;
    for (let s = 1; s <= b.count; s++) offsets[a.count + s] = base + b.offsets[s]!;
    return {
      ...a,
      count,
      classes,
      labels,
      channels: Math.max(a.channels, b.channels),
      offsets,
      timesMs: concatArrays(a.timesMs, b.timesMs),
      units: concatArrays(a.units, b.units),
    };
  }
  if (a.kind === 'points' && b.kind === 'points') {
    return { ...a, count, classes, labels, coords: concatArrays(a.coords, b.coords) };
  }
  throw new RangeError(`cannot join a ${a.kind} set with a ${b.kind} set`);
}
