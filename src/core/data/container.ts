import { decodeBundle, encodeBundle, type Bundle, type TypedArray } from '../bundle.ts';
import type { DatasetSource, RawDataset, RawSet } from './types.ts';

/**
 * The binary form of a stored data set (IndexedDB in the browser): a bundle (see bundle.ts)
 * with magic "DLDS" whose header names the data set, its source and its parts, and whose
 * arrays are the parts' typed arrays ("train.pixels", "test.labels", ...). Bump the version
 * when the layout changes; `decodeDataset` refuses versions it does not know with a message.
 */
export const DATASET_FORMAT_VERSION = 2;
/** Version 2 added the trailing CRC-32; version 1 files (stored before it) still read. */
const OLDEST_READABLE_VERSION = 1;
const CHECKSUM_FROM_VERSION = 2;
const MAGIC = 'DLDS';
const KIND = 'a Delay Lab data set';

type Role = 'train' | 'test';

interface PartHeader {
  role: Role;
  kind: RawSet['kind'];
  count: number;
  classes: number;
  rows?: number;
  cols?: number;
  channels?: number;
}

function arraysOf(set: RawSet): Record<string, TypedArray> {
  if (set.kind === 'images') return { pixels: set.pixels, labels: set.labels };
  if (set.kind === 'events')
    return { offsets: set.offsets, timesMs: set.timesMs, units: set.units, labels: set.labels };
  return { coords: set.coords, labels: set.labels };
}

/** Serialises a data set (arrays copied once into one buffer). */
export function encodeDataset(data: RawDataset): Uint8Array {
  const parts: { role: Role; set: RawSet }[] = [{ role: 'train', set: data.train }];
  if (data.test) parts.push({ role: 'test', set: data.test });
  const arrays: Record<string, TypedArray> = {};
  const headers: PartHeader[] = parts.map(({ role, set }) => {
    for (const [name, array] of Object.entries(arraysOf(set))) arrays[`${role}.${name}`] = array;
    const shape =
      set.kind === 'images'
        ? { rows: set.rows, cols: set.cols }
        : set.kind === 'events'
          ? { channels: set.channels }
          : {};
    return { role, kind: set.kind, count: set.count, classes: set.classes, ...shape };
  });
  return encodeBundle(
    MAGIC,
    DATASET_FORMAT_VERSION,
    { name: data.name, source: data.source, parts: headers },
    arrays,
  );
}

/** Parses and checks a stored data set; anything inconsistent throws DataFormatError naming `file`. */
export function decodeDataset(bytes: Uint8Array, file: string): RawDataset {
  const bundle = decodeBundle(
    bytes,
    MAGIC,
    DATASET_FORMAT_VERSION,
    file,
    KIND,
    OLDEST_READABLE_VERSION,
    CHECKSUM_FROM_VERSION,
  );
  const { header, fail } = bundle;
  const parts = header['parts'];
  if (typeof header['name'] !== 'string' || !Array.isArray(parts) || typeof header['source'] !== 'object') {
    fail('has a header without name, source or parts');
  }
  const list = parts as PartHeader[];
  const train = list.find((p) => p.role === 'train');
  if (!train) return fail('has no training part');
  const test = list.find((p) => p.role === 'test');
  const trainSet = decodePart(bundle, train);
  const testSet = test ? decodePart(bundle, test) : null;
  if (testSet && testSet.kind !== trainSet.kind) fail('has training and test parts of different kinds');
  return {
    name: header['name'] as string,
    source: header['source'] as DatasetSource,
    train: trainSet,
    test: testSet,
  };
}

function decodePart({ array, fail }: Bundle, p: PartHeader): RawSet {
  const { role, count, classes } = p;
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(classes) || classes < 0 || classes > 256) {
    fail(`${role} part has a bad count or class count`);
  }
  const get = <T extends 'u8' | 'u16' | 'u32' | 'f32'>(name: string, type: T, length: number) =>
    array(`${role}.${name}`, type, length, `${role} '${name}'`);
  const labels = get('labels', 'u8', count);
  for (const l of labels) if (l >= classes) fail(`${role} part has label ${l} but only ${classes} classes`);
  if (p.kind === 'images') {
    const rows = p.rows ?? 0;
    const cols = p.cols ?? 0;
    if (!(rows > 0 && cols > 0)) fail(`${role} part has no image size`);
    return {
      kind: 'images',
      count,
      rows,
      cols,
      classes,
      labels,
      pixels: get('pixels', 'u8', count * rows * cols),
    };
  }
  if (p.kind === 'events') {
    const channels = p.channels ?? 0;
    if (!(channels > 0)) fail(`${role} part has no channel count`);
    const offsets = get('offsets', 'u32', count + 1);
    const events = offsets[count]!;
    if (offsets[0] !== 0 || offsets.some((o, s) => s > 0 && o < offsets[s - 1]!)) {
      fail(`${role} part has unordered sample offsets`);
    }
    const units = get('units', 'u16', events);
    for (const u of units)
      if (u >= channels) fail(`${role} part has channel ${u} beyond its ${channels} channels`);
    return {
      kind: 'events',
      count,
      channels,
      classes,
      labels,
      offsets,
      units,
      timesMs: get('timesMs', 'f32', events),
    };
  }
  if (p.kind === 'points') {
    return { kind: 'points', count, classes, labels, coords: get('coords', 'f32', 2 * count) };
  }
  return fail(`${String(role)} part has unknown kind '${String(p.kind)}'`);
}
