import { DataFormatError, type ImageSet } from './types.ts';

/**
 * The IDX format of MNIST and Fashion-MNIST: two zero bytes, a type code, the number of
 * dimensions, each dimension as a big-endian uint32, then the data. Only unsigned bytes (type
 * 0x08) occur in these data sets, so only those are accepted.
 */
const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * The whole size (bytes) an IDX file declares in its header, from its first bytes, or null when
 * they do not start a supported IDX header (the parser then says what is wrong). Lets gzip
 * inflation stop at the declared size.
 */
export function idxDeclaredBytes(prefix: Uint8Array): number | null {
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0 || prefix[2] !== UNSIGNED_BYTE) return null;
  const ndims = prefix[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (ndims < 1 || ndims > 4 || prefix.length < headerBytes) return null;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let size = 1;
  for (let d = 0; d < ndims; d++) size *= view.getUint32(4 + 4 * d, false);
  return headerBytes + size;
}

/** Parses (uncompressed) IDX bytes; every malformation throws DataFormatError naming `file`. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new DataFormatError(file, 'is gzip-compressed; decompress it first');
  }
  if (bytes.length < 4) {
    throw new DataFormatError(file, `is ${bytes.length} bytes long, too short for an IDX header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(file, 'is not an IDX file (it does not start with two zero bytes)');
  }
  const type = bytes[2]!;
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type];
    throw new DataFormatError(
      file,
      name
        ? `holds ${name} values; only unsigned-byte IDX files (MNIST, Fashion-MNIST) are supported`
        : `is not an IDX file (unknown type code 0x${type.toString(16).padStart(2, '0')})`,
    );
  }
  const ndims = bytes[3]!;
  if (ndims < 1 || ndims > 4) throw new DataFormatError(file, `has ${ndims} dimensions; expected 1 to 4`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(
      file,
      `is truncated inside its header (${bytes.length} of ${headerBytes} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  const present = bytes.length - headerBytes;
  if (present < size) {
    throw new DataFormatError(
      file,
      `is truncated: its header promises ${dims.join(' x ')} = ${size} bytes of data, but only ${present} follow`,
    );
  }
  if (present > size) {
    throw new DataFormatError(
      file,
      `has ${present - size} bytes after the ${dims.join(' x ')} data its header describes`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** IDX bytes of an unsigned-byte array (the inverse of parseIdx; for built-in data and tests). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length)
    throw new RangeError(`encodeIdx: dims ${dims.join('x')} need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  out[2] = UNSIGNED_BYTE;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** A named file's bytes (already decompressed). */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Pairs an IDX images file ([count][rows][cols]) with its labels file ([count]). */
export function imageSetFromIdx(images: NamedBytes, labels: NamedBytes): ImageSet {
  const img = parseIdx(images.bytes, images.name);
  if (img.dims.length !== 3) {
    throw new DataFormatError(
      images.name,
      `has ${img.dims.length} dimensions; an images file has 3 (count, rows, cols)`,
    );
  }
  const lab = parseIdx(labels.bytes, labels.name);
  if (lab.dims.length !== 1) {
    throw new DataFormatError(labels.name, `has ${lab.dims.length} dimensions; a labels file has 1 (count)`);
  }
  const [count, rows, cols] = img.dims as [number, number, number];
  if (lab.dims[0] !== count) {
    throw new DataFormatError(
      labels.name,
      `has ${lab.dims[0]} labels but ${images.name} has ${count} images`,
    );
  }
  let maxLabel = 0;
  for (const l of lab.data) maxLabel = Math.max(maxLabel, l);
  return {
    kind: 'images',
    count,
    rows,
    cols,
    pixels: img.data,
    labels: lab.data,
    classes: count === 0 ? 0 : maxLabel + 1,
  };
}

/**
 * Sorts a set of IDX files (MNIST naming or not) into training and test parts: dimensions tell
 * images (3) from labels (1), a name with "t10k" or "test" marks the test part, and images pair
 * with the labels file of the same part. Throws DataFormatError for anything left unpaired.
 */
export function assembleIdxParts(files: readonly NamedBytes[]): { train: ImageSet; test: ImageSet | null } {
  if (files.length === 0) throw new DataFormatError('(no files)', 'no IDX files were given');
  const parts: Record<'train' | 'test', { images?: NamedBytes; labels?: NamedBytes }> = {
    train: {},
    test: {},
  };
  for (const f of files) {
    const head = parseIdx(f.bytes, f.name);
    const role = /t10k|test/i.test(f.name) ? 'test' : 'train';
    const kind = head.dims.length === 3 ? 'images' : head.dims.length === 1 ? 'labels' : null;
    if (!kind)
      throw new DataFormatError(
        f.name,
        `has ${head.dims.length} dimensions; expected images (3) or labels (1)`,
      );
    const taken = parts[role][kind];
    if (taken)
      throw new DataFormatError(f.name, `is a second ${role} ${kind} file (${taken.name} is the first)`);
    parts[role][kind] = f;
  }
  const pair = (role: 'train' | 'test'): ImageSet | null => {
    const { images, labels } = parts[role];
    if (!images && !labels) return null;
    if (!images) throw new DataFormatError(labels!.name, `has no matching ${role} images file`);
    if (!labels) throw new DataFormatError(images.name, `has no matching ${role} labels file`);
    return imageSetFromIdx(images, labels);
  };
  const train = pair('train');
  const test = pair('test');
  if (!train)
    throw new DataFormatError(
      files.map((f) => f.name).join(', '),
      'only test files were given; a training part is needed',
    );
  if (test && (test.rows !== train.rows || test.cols !== train.cols)) {
    throw new DataFormatError(
      parts.test.images!.name,
      `has ${test.rows}x${test.cols} images but the training images are ${train.rows}x${train.cols}`,
    );
  }
  return { train, test };
}
