import { DataFormatError, type DatasetSource, type RawDataset, type RawSet } from './types.ts';

/**
 * The binary form of a stored data set (IndexedDB in the browser, files from the CLI):
 *
 *   "DLDS"  u32 version  u32 headerBytes  header (UTF-8 JSON)  padding to 8  arrays...
 *
 * All integers little-endian. The header names the data set, its source and its parts; each
 * part lists its typed arrays by byte offset (from the start of the container) and length.
 * Arrays are stored raw, so a 60,000-image set loads without parsing. Bump the version when the
 * layout changes; `decodeDataset` refuses versions it does not know with a message.
 */
export const DATASET_FORMAT_VERSION = 1;
const MAGIC = [0x44, 0x4c, 0x44, 0x53]; // "DLDS"

type ArrayType = 'u8' | 'u16' | 'u32' | 'f32';
type TypedArray = Uint8Array | Uint16Array | Uint32Array | Float32Array;
const BYTES: Record<ArrayType, number> = { u8: 1, u16: 2, u32: 4, f32: 4 };

interface ArrayRef {
  type: ArrayType;
  offset: number;
  length: number;
}

interface PartHeader {
  role: 'train' | 'test';
  kind: RawSet['kind'];
  count: number;
  classes: number;
  rows?: number;
  cols?: number;
  channels?: number;
  arrays: Record<string, ArrayRef>;
}

interface Header {
  name: string;
  source: DatasetSource;
  parts: PartHeader[];
}

function typeOf(a: TypedArray): ArrayType {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint32Array) return 'u32';
  return 'f32';
}

function arraysOf(set: RawSet): Record<string, TypedArray> {
  if (set.kind === 'images') return { pixels: set.pixels, labels: set.labels };
  if (set.kind === 'events')
    return { offsets: set.offsets, timesMs: set.timesMs, units: set.units, labels: set.labels };
  return { coords: set.coords, labels: set.labels };
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Serialises a data set (arrays copied once into one buffer). */
export function encodeDataset(data: RawDataset): Uint8Array {
  const parts: { role: 'train' | 'test'; set: RawSet }[] = [{ role: 'train', set: data.train }];
  if (data.test) parts.push({ role: 'test', set: data.test });
  // Offsets depend on the header's length, which depends on the offsets: lay the arrays out
  // relative to the data start first, then shift by the (fixed-width padded) header size.
  const layout: { ref: ArrayRef; array: TypedArray }[] = [];
  let cursor = 0;
  const headerParts: PartHeader[] = parts.map(({ role, set }) => {
    const arrays: Record<string, ArrayRef> = {};
    for (const [name, array] of Object.entries(arraysOf(set))) {
      const ref = { type: typeOf(array), offset: cursor, length: array.length };
      arrays[name] = ref;
      layout.push({ ref, array });
      cursor = align8(cursor + array.byteLength);
    }
    const shape =
      set.kind === 'images'
        ? { rows: set.rows, cols: set.cols }
        : set.kind === 'events'
          ? { channels: set.channels }
          : {};
    return { role, kind: set.kind, count: set.count, classes: set.classes, ...shape, arrays };
  });
  const encoder = new TextEncoder();
  // The header's own length moves the data start, which can lengthen the offsets' digits:
  // repeat until it settles (the start only grows, so this ends).
  let dataStart = 0;
  let headerBytes: Uint8Array;
  for (;;) {
    const shifted = headerParts.map((p) => ({
      ...p,
      arrays: Object.fromEntries(
        Object.entries(p.arrays).map(([k, r]) => [k, { ...r, offset: r.offset + dataStart }]),
      ),
    }));
    headerBytes = encoder.encode(
      JSON.stringify({ name: data.name, source: data.source, parts: shifted } satisfies Header),
    );
    const next = align8(12 + headerBytes.length);
    if (next === dataStart) break;
    dataStart = next;
  }
  const out = new Uint8Array(dataStart + cursor);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, DATASET_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  for (const { ref, array } of layout) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + ref.offset);
  }
  return out;
}

/** Parses and checks a stored data set; anything inconsistent throws DataFormatError naming `file`. */
export function decodeDataset(bytes: Uint8Array, file: string): RawDataset {
  const fail = (problem: string): never => {
    throw new DataFormatError(file, problem);
  };
  if (bytes.length < 12 || MAGIC.some((m, i) => bytes[i] !== m))
    fail('is not a Delay Lab data set (no DLDS signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== DATASET_FORMAT_VERSION) {
    fail(
      version > DATASET_FORMAT_VERSION
        ? `was written by a newer Delay Lab (format ${version}; this one reads ${DATASET_FORMAT_VERSION})`
        : `has unknown format version ${version}`,
    );
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) fail('is truncated inside its header');
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)),
    ) as Header;
  } catch {
    return fail('has a corrupt header');
  }
  if (typeof header.name !== 'string' || !Array.isArray(header.parts) || typeof header.source !== 'object') {
    fail('has a header without name, source or parts');
  }
  const read = (part: PartHeader, name: string): TypedArray => {
    const ref = part.arrays?.[name];
    if (!ref) return fail(`${part.role} part lacks its '${name}' array`);
    const size = BYTES[ref.type];
    if (
      !size ||
      !Number.isInteger(ref.offset) ||
      !Number.isInteger(ref.length) ||
      ref.offset % size !== 0 ||
      ref.length < 0
    ) {
      return fail(`${part.role} part has a malformed '${name}' entry`);
    }
    if (ref.offset + ref.length * size > bytes.length)
      return fail(`is truncated: the ${part.role} '${name}' array is cut off`);
    // Copy into a fresh aligned buffer: the container may sit at any byte offset.
    const raw = bytes.slice(ref.offset, ref.offset + ref.length * size).buffer;
    switch (ref.type) {
      case 'u8':
        return new Uint8Array(raw);
      case 'u16':
        return new Uint16Array(raw);
      case 'u32':
        return new Uint32Array(raw);
      case 'f32':
        return new Float32Array(raw);
    }
  };
  const want = <T extends TypedArray>(
    part: PartHeader,
    name: string,
    ctor: new (...args: never[]) => T,
    length: number,
  ): T => {
    const a = read(part, name);
    if (!(a instanceof ctor)) return fail(`${part.role} '${name}' has the wrong element type`);
    if (a.length !== length)
      return fail(`${part.role} '${name}' holds ${a.length} values; ${length} expected`);
    return a;
  };
  const decodePart = (p: PartHeader): RawSet => {
    const count = p.count;
    if (
      !Number.isInteger(count) ||
      count < 0 ||
      !Number.isInteger(p.classes) ||
      p.classes < 0 ||
      p.classes > 256
    ) {
      fail(`${p.role} part has a bad count or class count`);
    }
    const labels = want(p, 'labels', Uint8Array, count);
    for (const l of labels)
      if (l >= p.classes) fail(`${p.role} part has label ${l} but only ${p.classes} classes`);
    if (p.kind === 'images') {
      const rows = p.rows ?? 0;
      const cols = p.cols ?? 0;
      if (!(rows > 0 && cols > 0)) fail(`${p.role} part has no image size`);
      return {
        kind: 'images',
        count,
        rows,
        cols,
        classes: p.classes,
        labels,
        pixels: want(p, 'pixels', Uint8Array, count * rows * cols),
      };
    }
    if (p.kind === 'events') {
      const channels = p.channels ?? 0;
      if (!(channels > 0)) fail(`${p.role} part has no channel count`);
      const offsets = want(p, 'offsets', Uint32Array, count + 1);
      const events = offsets[count]!;
      if (offsets[0] !== 0 || offsets.some((o, s) => s > 0 && o < offsets[s - 1]!))
        fail(`${p.role} part has unordered sample offsets`);
      const units = want(p, 'units', Uint16Array, events);
      for (const u of units)
        if (u >= channels) fail(`${p.role} part has channel ${u} beyond its ${channels} channels`);
      return {
        kind: 'events',
        count,
        channels,
        classes: p.classes,
        labels,
        offsets,
        units,
        timesMs: want(p, 'timesMs', Float32Array, events),
      };
    }
    if (p.kind === 'points') {
      return {
        kind: 'points',
        count,
        classes: p.classes,
        labels,
        coords: want(p, 'coords', Float32Array, 2 * count),
      };
    }
    return fail(`${String(p.role)} part has unknown kind '${String(p.kind)}'`);
  };
  const train = header.parts.find((p) => p.role === 'train');
  if (!train) return fail('has no training part');
  const test = header.parts.find((p) => p.role === 'test');
  const trainSet = decodePart(train);
  const testSet = test ? decodePart(test) : null;
  if (testSet && testSet.kind !== trainSet.kind) fail('has training and test parts of different kinds');
  return { name: header.name, source: header.source, train: trainSet, test: testSet };
}
