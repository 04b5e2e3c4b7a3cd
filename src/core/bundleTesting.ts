import { crc32 } from './crc32.ts';

/**
 * Test helpers for bundle files: `reseal` recomputes the trailing CRC-32 after a test edits the
 * bytes (to reach the checks behind the checksum); `asUnchecksummed` turns a file into the layout
 * of a format version from before the checksum (the same bytes without the last four).
 */
export function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

export function asUnchecksummed(bytes: Uint8Array, version: number): Uint8Array {
  const out = bytes.slice(0, bytes.length - 4);
  new DataView(out.buffer).setUint32(4, version, true);
  return out;
}
