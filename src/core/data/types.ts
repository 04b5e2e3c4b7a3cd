/**
 * Raw data sets as they are loaded, before encoding into spikes. Parsers (IDX, HDF5), the
 * built-in MNIST digits and the generators produce these; the storage layer saves them; the
 * encoders and binning turn them into the spike samples a network trains on.
 */

/** Labelled greyscale images, one byte per pixel (0..255), row-major `[sample][row][col]`. */
export interface ImageSet {
  kind: 'images';
  count: number;
  rows: number;
  cols: number;
  /** count * rows * cols bytes. */
  pixels: Uint8Array;
  /** count labels in [0, classes). */
  labels: Uint8Array;
  classes: number;
}

/**
 * Labelled spike recordings (SHD / SSC style): each sample is a list of events (time in ms,
 * channel), stored back to back with per-sample offsets (compressed sparse rows).
 */
export interface EventSet {
  kind: 'events';
  count: number;
  channels: number;
  /** count + 1 offsets into timesMs / units; sample s owns [offsets[s], offsets[s + 1]). */
  offsets: Uint32Array;
  /** Event times (ms from the start of the sample), ascending within a sample. */
  timesMs: Float32Array;
  /** Event channels in [0, channels). */
  units: Uint16Array;
  labels: Uint8Array;
  classes: number;
}

/** Labelled points in the unit square (Yin-Yang): x, y per sample. */
export interface PointSet {
  kind: 'points';
  count: number;
  /** [sample][2]: x, y in [0, 1]. */
  coords: Float32Array;
  labels: Uint8Array;
  classes: number;
}

export type RawSet = ImageSet | EventSet | PointSet;

/**
 * The spikes of one encoded sample: parallel arrays of (time step, input channel), sorted by step
 * then channel. A pair may repeat (several events binned into one step): the dense view counts them.
 */
export interface SpikeEvents {
  steps: Uint16Array;
  channels: Uint16Array;
}

/** Where a stored data set came from (shown in the UI, kept in the index). */
export type DatasetSource =
  | { kind: 'builtin'; name: string }
  | { kind: 'files'; names: string[] }
  | { kind: 'url'; url: string }
  | { kind: 'generated'; generator: string; seed: number };

/** A data set as stored and loaded: a training part and an optional, separately kept test part. */
export interface RawDataset {
  name: string;
  source: DatasetSource;
  train: RawSet;
  test: RawSet | null;
}

/** A data problem worth telling the user about: names the file (or part) and what is wrong. */
export class DataFormatError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFormatError';
  }
}
