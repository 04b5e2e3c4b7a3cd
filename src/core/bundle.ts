import { crc32 } from './crc32.ts';
import { DataFormatError } from './data/types.ts';

/**
 * A versioned binary bundle of a JSON header and named typed arrays, the one layout behind
 * every binary file Delay Lab writes (stored data sets, checkpoints):
 *
 *   4-byte magic  u32 version  u32 headerBytes  header (UTF-8 JSON)  padding to 8  arrays...  u32 CRC-32
 *
 * The trailing CRC-32 covers every byte before it; formats added it at a version of their own
 * (`checksumFrom` in decodeBundle), and files of older versions, which end with their arrays, are
 * read without it.
 *
 * Integers are little-endian; the header's `arrays` maps each name to its element type, byte
 * offset (from the start of the bundle) and length. Arrays are stored raw, so large ones load
 * without parsing.
 */
export type ArrayType = 'u8' | 'u16' | 'u32' | 'f32' | 'f64';
export type TypedArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
const BYTES: Record<ArrayType, number> = { u8: 1, u16: 2, u32: 4, f32: 4, f64: 8 };

export interface ArrayRef {
  type: ArrayType;
  offset: number;
  length: number;
}

function typeOf(a: TypedArray): ArrayType {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Float32Array) return 'f32';
  return 'f64';
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Writes a bundle (with its trailing CRC-32); `header` must be JSON-serialisable and must not use the key `arrays`. */
export function encodeBundle(
  magic: string,
  version: number,
  header: Record<string, unknown>,
  arrays: Record<string, TypedArray>,
): Uint8Array {
  const layout: { name: string; array: TypedArray; offset: number }[] = [];
  let cursor = 0;
  for (const [name, array] of Object.entries(arrays)) {
    layout.push({ name, array, offset: cursor });
    cursor = align8(cursor + array.byteLength);
  }
  const encoder = new TextEncoder();
  // The header's own length moves the data start, which can lengthen the offsets' digits:
  // repeat until it settles (the start only grows, so this ends).
  let dataStart = 0;
  let headerBytes: Uint8Array;
  for (;;) {
    const refs: Record<string, ArrayRef> = {};
    for (const l of layout)
      refs[l.name] = { type: typeOf(l.array), offset: dataStart + l.offset, length: l.array.length };
    headerBytes = encoder.encode(JSON.stringify({ ...header, arrays: refs }));
    const next = align8(12 + headerBytes.length);
    if (next === dataStart) break;
    dataStart = next;
  }
  const out = new Uint8Array(dataStart + cursor + 4);
  out.set(encoder.encode(magic).subarray(0, 4), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, version, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  for (const { array, offset } of layout) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + offset);
  }
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const CONSTRUCTORS = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

type ArrayOf<T extends ArrayType> = InstanceType<(typeof CONSTRUCTORS)[T]>;

/** A parsed bundle: its header and checked access to its arrays. */
export interface Bundle {
  /** The format version the bundle was written with. */
  version: number;
  header: Record<string, unknown>;
  /** The named array, copied into its own aligned buffer; fails unless its type and length match. */
  array<T extends ArrayType>(name: string, type: T, length: number | null, what?: string): ArrayOf<T>;
  /** The element type of the named array, or null when the bundle has none of that name. */
  typeOf(name: string): ArrayType | null;
  fail(problem: string): never;
}

/**
 * Parses a bundle written by encodeBundle with the same magic and a version from
 * `oldestVersion` to `version`; a bad signature, a version from a newer Delay Lab, a corrupt
 * header or a cut-off array throws DataFormatError naming `file`. `kind` names the file type in
 * messages ("a Delay Lab data set"). The bundle's own version is in `version` of the result.
 */
export function decodeBundle(
  bytes: Uint8Array,
  magic: string,
  version: number,
  file: string,
  kind: string,
  oldestVersion = version,
  /** The first version whose files end with a CRC-32 (checked); older ones have none. */
  checksumFrom = version,
): Bundle {
  const fail = (problem: string): never => {
    throw new DataFormatError(file, problem);
  };
  const expected = new TextEncoder().encode(magic);
  if (bytes.length < 12 || expected.some((m, i) => bytes[i] !== m))
    fail(`is not ${kind} (no ${magic} signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(4, true);
  if (found > version || found < oldestVersion) {
    fail(
      found > version
        ? `was written by a newer Delay Lab (format ${found}; this one reads ${version})`
        : `has unknown format version ${found}`,
    );
  }
  let end = bytes.length;
  if (found >= checksumFrom) {
    end = bytes.length - 4;
    if (end < 12 || crc32(bytes.subarray(0, end)) !== view.getUint32(end, true)) {
      fail('is damaged: its checksum does not match its contents (changed or cut off after it was written)');
    }
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > end) fail('is truncated inside its header');
  let header: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)),
    );
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    header = parsed as Record<string, unknown>;
  } catch {
    fail('has a corrupt header');
  }
  const refs = (
    typeof header['arrays'] === 'object' && header['arrays'] !== null ? header['arrays'] : {}
  ) as Record<string, ArrayRef | undefined>;
  return {
    version: found,
    header,
    fail,
    typeOf(name: string): ArrayType | null {
      const type = refs[name]?.type;
      return type !== undefined && type in BYTES ? type : null;
    },
    array<T extends ArrayType>(name: string, type: T, length: number | null, what = `'${name}'`): ArrayOf<T> {
      const ref = refs[name];
      if (!ref) return fail(`lacks its ${what} array`);
      if (ref.type !== type)
        return fail(`${what} has the wrong element type (${String(ref.type)}, not ${type})`);
      const size = BYTES[type];
      if (
        !Number.isInteger(ref.offset) ||
        !Number.isInteger(ref.length) ||
        ref.offset % size !== 0 ||
        ref.length < 0
      ) {
        return fail(`has a malformed ${what} entry`);
      }
      if (length !== null && ref.length !== length)
        return fail(`${what} holds ${ref.length} values; ${length} expected`);
      if (ref.offset + ref.length * size > end) return fail(`is truncated: the ${what} array is cut off`);
      // Copy into a fresh aligned buffer: the bundle may sit at any byte offset.
      const raw = bytes.slice(ref.offset, ref.offset + ref.length * size).buffer;
      return new CONSTRUCTORS[type](raw) as ArrayOf<T>;
    },
  };
}
