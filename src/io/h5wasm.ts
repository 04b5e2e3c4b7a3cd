import type * as H5 from 'h5wasm';

/**
 * h5wasm (the HDF5 C library compiled to WebAssembly), shared by the HDF5 readers and writers.
 * Its ESM build embeds the wasm binary and imports no Node built-ins, so the same
 * `import('h5wasm')` works in Node and in the browser; it is imported lazily so the page only
 * loads it when a user opens or writes an HDF5 file. (`h5wasm/node` is deliberately not used: it
 * maps the host file system in place of the in-memory one the bytes are written into.)
 */

/** The 8-byte format signature; the superblock sits at 0, 512, 1024, 2048, ... (after a user block). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
export const HDF5_SIGNATURE_BYTES = SIGNATURE.length;

export interface LoadedH5wasm {
  h5: typeof H5;
  module: Awaited<(typeof H5)['ready']>;
}

let loading: Promise<LoadedH5wasm> | null = null;

/** Imports and initialises h5wasm once (a failed load is retried on the next call). */
export function loadH5wasm(): Promise<LoadedH5wasm> {
  loading ??= import('h5wasm')
    .then(async (h5) => ({ h5, module: await h5.ready }))
    .catch((e: unknown) => {
      loading = null;
      throw e;
    });
  return loading;
}

let fileCounter = 0;

/** A path in h5wasm's in-memory file system that no file holds yet. */
export function freshMemoryPath(module: LoadedH5wasm['module'], prefix: string): string {
  let path: string;
  do path = `/${prefix}-${++fileCounter}.h5`;
  while (module.FS.analyzePath(path).exists);
  return path;
}

export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** The most specific line of an HDF5 error stack (or the error's message). */
export function hdf5Reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const frames = [...message.matchAll(/#\d+: .*? in ([\w.]+)\(\): (.*)$/gm)];
  const last = frames[frames.length - 1];
  if (last) return `${last[2]!.trim()}, in ${last[1]}`;
  return message.split('\n')[0]!.trim();
}
