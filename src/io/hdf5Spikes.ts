import type * as H5 from 'h5wasm';
import { DataFormatError, type EventSet } from '../core/data/types.ts';
import { freshMemoryPath, HDF5_SIGNATURE_BYTES, hasHdf5Signature, hdf5Reason, loadH5wasm } from './h5wasm.ts';

/**
 * Reader for the HDF5 files of the Spiking Heidelberg Digits and Spiking Speech Commands (Cramer
 * et al.): `spikes/times` and `spikes/units` hold one variable-length array per sample (spike
 * times in seconds, input channels), `labels` one class per sample.
 *
 * HDF5 is read with h5wasm (io/h5wasm.ts), loaded only when a user opens an HDF5 file.
 */

/** Input channels of SHD and SSC (the cochlea model's 700 fibres). */
export const SHD_CHANNELS = 700;

/** Samples read from HDF5 per slice, to keep the wasm heap small for large (SSC, ~1 GB) files. */
const CHUNK_SAMPLES = 2048;

const TIMES = 'spikes/times';
const UNITS = 'spikes/units';
const LABELS = 'labels';

/** HDF5 type classes (H5T_class_t) as h5wasm reports them in Metadata.type. */
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_VLEN = 9;

/**
 * Parses an SHD/SSC HDF5 file's bytes: datasets `spikes/times` (variable-length float arrays,
 * seconds), `spikes/units` (variable-length integer arrays) and `labels`.
 *
 * Times become ms, ascending within each sample. `channels` defaults to 700 (SHD, SSC), or to the
 * largest unit + 1 when a unit reaches 700; when `options.channels` is given, a unit at or above it
 * is an error. Classes = largest label + 1. Every problem with the data throws DataFormatError
 * naming `fileName`. The bytes are handed to h5wasm's in-memory file system without a copy and are
 * not modified.
 */
export async function parseSpikeHdf5(
  bytes: Uint8Array,
  fileName: string,
  options: { channels?: number } = {},
): Promise<EventSet> {
  const { channels } = options;
  if (channels !== undefined && !(Number.isInteger(channels) && channels >= 1 && channels <= 0x10000)) {
    throw new RangeError(`channels must be an integer from 1 to 65536, got ${channels}`);
  }
  if (!hasHdf5Signature(bytes)) {
    throw new DataFormatError(
      fileName,
      bytes.length < HDF5_SIGNATURE_BYTES
        ? `is not an HDF5 file (only ${bytes.length} bytes long)`
        : 'is not an HDF5 file (no HDF5 signature at byte 0, 512, 1024, ...)',
    );
  }
  const { h5, module } = await loadH5wasm();
  const FS = module.FS;
  const path = freshMemoryPath(module, 'delaylab-spikes');
  let file: H5.File | null = null;
  try {
    // canOwn: MEMFS keeps a view of `bytes` instead of copying up to a gigabyte; the file is
    // opened read-only, so the bytes are never written to.
    const writeOptions: { flags?: string; canOwn: boolean } = { canOwn: true };
    FS.writeFile(path, bytes, writeOptions);
    // HDF5 errors become JS exceptions (with HDF5's message) instead of lines on stderr and
    // failure codes that h5wasm would pass over; restored below (the read is synchronous, so no
    // other caller runs in between).
    module.activate_throwing_error_handler();
    try {
      file = new h5.File(path, 'r');
    } catch (e) {
      throw new DataFormatError(fileName, `is not an HDF5 file h5wasm can open (${hdf5Reason(e)})`);
    }
    if (file.file_id < 0n) throw new DataFormatError(fileName, 'is not an HDF5 file h5wasm can open');
    try {
      return readEvents(h5, file, fileName, bytes.length, channels);
    } catch (e) {
      if (e instanceof DataFormatError) throw e;
      throw new DataFormatError(fileName, `could not be read (${hdf5Reason(e)})`);
    }
  } finally {
    try {
      file?.close();
    } catch {
      // Closing after a failed read may report the same error again; the file is unlinked anyway.
    }
    module.deactivate_throwing_error_handler();
    if (FS.analyzePath(path).exists) FS.unlink(path);
  }
}

type NumberArray = ArrayLike<number> | ArrayLike<bigint>;

function isNumberArray(x: unknown): x is NumberArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function describeType(m: H5.Metadata): string {
  const kind =
    m.type === H5T_INTEGER
      ? `${m.signed ? '' : 'unsigned '}${8 * m.size}-bit integer`
      : m.type === H5T_FLOAT
        ? `${8 * m.size}-bit float`
        : m.type === H5T_VLEN && m.vlen_type
          ? `variable-length array of ${describeType(m.vlen_type)}`
          : `HDF5 type class ${m.type}`;
  return kind;
}

/** The 1-D dataset at `path` and its length; missing, non-dataset or non-1-D is a DataFormatError. */
function dataset(h5: typeof H5, file: H5.File, path: string, fileName: string): [H5.Dataset, number] {
  const entity = file.get(path);
  if (entity === null) throw new DataFormatError(fileName, `has no dataset \`${path}\``);
  if (!(entity instanceof h5.Dataset)) {
    throw new DataFormatError(fileName, `\`${path}\` is not a dataset (it is a ${entity.constructor.name})`);
  }
  const shape = entity.shape;
  if (!shape || shape.length !== 1) {
    const dims = shape ? `shape [${shape.join(', ')}]` : 'no data space';
    throw new DataFormatError(
      fileName,
      `\`${path}\` must be a 1-D dataset (one entry per sample), has ${dims}`,
    );
  }
  return [entity, shape[0]!];
}

/**
 * Checks a vlen dataset's element type; a float16 base (read by h5wasm only as raw bits) is
 * switched to uint16 in the dataset's cached metadata and decoded here. Returns whether it is float16.
 */
function checkVlen(ds: H5.Dataset, path: string, base: 'float' | 'integer', fileName: string): boolean {
  const m = ds.metadata;
  const inner = m.vlen_type;
  const ok =
    m.type === H5T_VLEN &&
    inner !== undefined &&
    (base === 'float'
      ? inner.type === H5T_FLOAT && [2, 4, 8].includes(inner.size)
      : inner.type === H5T_INTEGER && [1, 2, 4, 8].includes(inner.size));
  if (!ok) {
    throw new DataFormatError(
      fileName,
      `\`${path}\` must hold variable-length ${base} arrays, holds ${describeType(m)}`,
    );
  }
  if (inner.type === H5T_FLOAT && inner.size === 2) {
    inner.type = H5T_INTEGER;
    inner.signed = false;
    return true;
  }
  return false;
}

/** IEEE 754 half precision bits to a number. */
function halfToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Samples [from, to) of a vlen dataset: one typed array per sample. */
function readVlen(ds: H5.Dataset, path: string, from: number, to: number, fileName: string): NumberArray[] {
  const value = ds.slice([[from, to]]);
  const arrays: NumberArray[] = [];
  if (Array.isArray(value) && value.length === to - from) {
    for (const v of value) if (isNumberArray(v)) arrays.push(v);
  }
  if (arrays.length !== to - from) {
    throw new DataFormatError(
      fileName,
      `\`${path}\` samples ${from}..${to - 1} did not read as numeric arrays`,
    );
  }
  return arrays;
}

/** Growable typed-array buffers for the events, sized from the first chunk's density. */
class EventBuffer {
  times = new Float32Array(0);
  units = new Uint16Array(0);
  length = 0;

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.times.length) return;
    const capacity = Math.max(need, Math.ceil(this.times.length * 1.5));
    const times = new Float32Array(capacity);
    times.set(this.times.subarray(0, this.length));
    const units = new Uint16Array(capacity);
    units.set(this.units.subarray(0, this.length));
    this.times = times;
    this.units = units;
  }

  finish(): { timesMs: Float32Array; units: Uint16Array } {
    if (this.times.length === this.length) return { timesMs: this.times, units: this.units };
    return { timesMs: this.times.slice(0, this.length), units: this.units.slice(0, this.length) };
  }
}

function readEvents(
  h5: typeof H5,
  file: H5.File,
  fileName: string,
  fileBytes: number,
  channelsOption?: number,
): EventSet {
  const [timesDs, timesCount] = dataset(h5, file, TIMES, fileName);
  const [unitsDs, unitsCount] = dataset(h5, file, UNITS, fileName);
  const [labelsDs, labelsCount] = dataset(h5, file, LABELS, fileName);
  if (timesCount !== unitsCount || timesCount !== labelsCount) {
    throw new DataFormatError(
      fileName,
      `the sample counts disagree: \`${TIMES}\` has ${timesCount}, \`${UNITS}\` ${unitsCount}, \`${LABELS}\` ${labelsCount}`,
    );
  }
  const count = timesCount;
  // Every real sample costs the file at least a byte (its spikes, its label): a small file that
  // claims millions of samples (unallocated or fill-value datasets) is refused before any loop
  // over them (a 3 KB file claiming 10^8 samples was still being parsed after 150 s).
  if (count > fileBytes) {
    throw new DataFormatError(
      fileName,
      `claims ${count} samples but is only ${fileBytes} bytes long: its datasets hold no data for most of them`,
    );
  }
  const half = checkVlen(timesDs, TIMES, 'float', fileName);
  checkVlen(unitsDs, UNITS, 'integer', fileName);
  const labels = readLabels(labelsDs, count, fileName);

  const offsets = new Uint32Array(count + 1);
  const events = new EventBuffer();
  let maxUnit = -1;
  for (let from = 0; from < count; from += CHUNK_SAMPLES) {
    const to = Math.min(count, from + CHUNK_SAMPLES);
    const times = readVlen(timesDs, TIMES, from, to, fileName);
    const units = readVlen(unitsDs, UNITS, from, to, fileName);
    let chunkEvents = 0;
    for (const t of times) chunkEvents += t.length;
    if (from === 0) events.reserve(Math.ceil((chunkEvents / (to - from)) * count * 1.02));
    events.reserve(chunkEvents);
    for (let i = 0; i < to - from; i++) {
      const sample = from + i;
      const t = times[i]!;
      const u = units[i]!;
      if (t.length !== u.length) {
        throw new DataFormatError(
          fileName,
          `sample ${sample} has ${t.length} spike times but ${u.length} units`,
        );
      }
      if (events.length + t.length > 0xffffffff) {
        throw new DataFormatError(fileName, 'has more than 2^32 - 1 events');
      }
      let previous = 0;
      for (let e = 0; e < t.length; e++) {
        const seconds = half ? halfToNumber(Number(t[e]!)) : Number(t[e]!);
        if (!Number.isFinite(seconds)) {
          throw new DataFormatError(
            fileName,
            `sample ${sample} has a non-finite spike time (${seconds}) at event ${e}`,
          );
        }
        if (seconds < 0) {
          throw new DataFormatError(
            fileName,
            `sample ${sample} has a negative spike time (${seconds} s) at event ${e}`,
          );
        }
        if (seconds < previous) {
          throw new DataFormatError(
            fileName,
            `the spike times of sample ${sample} are not ascending (event ${e} at ${seconds} s follows ${previous} s)`,
          );
        }
        previous = seconds;
        const unit = Number(u[e]!);
        if (!(Number.isInteger(unit) && unit >= 0 && unit <= 0xffff)) {
          throw new DataFormatError(
            fileName,
            `sample ${sample} has unit ${unit} at event ${e}; units must be 0..65535`,
          );
        }
        if (channelsOption !== undefined && unit >= channelsOption) {
          throw new DataFormatError(
            fileName,
            `sample ${sample} has unit ${unit} at event ${e}, outside the ${channelsOption} channels asked for`,
          );
        }
        if (unit > maxUnit) maxUnit = unit;
        events.times[events.length] = seconds * 1000;
        events.units[events.length] = unit;
        events.length++;
      }
      offsets[sample + 1] = events.length;
    }
  }
  const { timesMs, units } = events.finish();
  let classes = 0;
  for (const label of labels) classes = Math.max(classes, label + 1);
  return {
    kind: 'events',
    count,
    channels: channelsOption ?? Math.max(SHD_CHANNELS, maxUnit + 1),
    offsets,
    timesMs,
    units,
    labels,
    classes,
  };
}

function readLabels(ds: H5.Dataset, count: number, fileName: string): Uint8Array {
  const m = ds.metadata;
  if (m.type !== H5T_INTEGER) {
    throw new DataFormatError(fileName, `\`${LABELS}\` must hold integers, holds ${describeType(m)}`);
  }
  const labels = new Uint8Array(count);
  if (count === 0) return labels;
  const value = ds.value;
  if (!isNumberArray(value) || value.length !== count) {
    throw new DataFormatError(fileName, `\`${LABELS}\` did not read as ${count} integers`);
  }
  for (let s = 0; s < count; s++) {
    const label = Number(value[s]!);
    if (!(label >= 0 && label <= 255)) {
      throw new DataFormatError(fileName, `the label of sample ${s} is ${label}, outside 0..255`);
    }
    labels[s] = label;
  }
  return labels;
}
