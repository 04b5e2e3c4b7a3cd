import { recogniseImageSet } from '../core/data/knownDatasets.ts';
import { maybeGunzip } from '../core/data/gzip.ts';
import { assembleIdxParts, idxDeclaredBytes, type NamedBytes } from '../core/data/idx.ts';
import { DataFormatError, type EventSet, type RawDataset } from '../core/data/types.ts';
import { fetchBytes, type DownloadProgress } from './fetchBytes.ts';

/**
 * Turns user data (picked or dropped files, or URLs) into a RawDataset: IDX files (gzip or
 * not; MNIST naming, "t10k" / "test" marks the test part) or SHD / SSC HDF5 files ("test" in
 * the name marks the test part). The HDF5 reader (h5wasm) is loaded only when needed.
 */
export const MNIST_FILE_NAMES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

const HDF5_NAME = /\.(h5|hdf5)$/i;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function isHdf5(f: NamedBytes): boolean {
  return HDF5_NAME.test(f.name) || HDF5_SIGNATURE.every((b, i) => f.bytes[i] === b);
}

export type ImportStage =
  | { stage: 'download'; progress: DownloadProgress; file: number; files: number }
  | { stage: 'parse'; file: string };

/** An HDF5 file to import, read only when its turn comes (so one file's bytes are held at a time). */
export interface Hdf5Source {
  name: string;
  read: () => Uint8Array | Promise<Uint8Array>;
}

/**
 * Builds a spike data set from SHD / SSC HDF5 files, reading and parsing one at a time ("test"
 * in the name marks the test part). The HDF5 reader (h5wasm) is loaded here, when needed.
 */
export async function importHdf5(
  name: string,
  files: readonly Hdf5Source[],
  onStage: (s: ImportStage) => void = () => undefined,
): Promise<RawDataset> {
  const { parseSpikeHdf5 } = await import('./hdf5Spikes.ts');
  let train: EventSet | null = null;
  let test: EventSet | null = null;
  for (const f of files) {
    onStage({ stage: 'parse', file: f.name });
    const set = await parseSpikeHdf5(await f.read(), f.name);
    const role = /test/i.test(f.name) ? 'test' : 'train';
    if ((role === 'test' ? test : train) !== null)
      throw new DataFormatError(f.name, `is a second ${role} file`);
    if (role === 'test') test = set;
    else train = set;
  }
  if (!train)
    throw new DataFormatError(
      files.map((f) => f.name).join(', '),
      'only test files were given; a training part is needed',
    );
  return { name, source: { kind: 'files', names: files.map((f) => f.name) }, train, test };
}

/** Builds a data set from files' bytes. */
export async function importFiles(
  name: string,
  files: readonly NamedBytes[],
  onStage: (s: ImportStage) => void = () => undefined,
): Promise<RawDataset> {
  if (files.length === 0) throw new DataFormatError('(no files)', 'no files were given');
  const source = { kind: 'files', names: files.map((f) => f.name) } as const;
  const hdf5 = files.filter(isHdf5);
  if (hdf5.length > 0) {
    if (hdf5.length !== files.length) {
      throw new DataFormatError(
        files.map((f) => f.name).join(', '),
        'mixes HDF5 and other files; give one kind of data set',
      );
    }
    return importHdf5(
      name,
      hdf5.map((f) => ({ name: f.name, read: () => f.bytes })),
      onStage,
    );
  }
  const unpacked: NamedBytes[] = [];
  for (const f of files) {
    onStage({ stage: 'parse', file: f.name });
    unpacked.push({
      name: f.name,
      bytes: await maybeGunzip(f.bytes, f.name, { declaredBytes: idxDeclaredBytes }),
    });
  }
  const { train, test } = assembleIdxParts(unpacked);
  // MNIST and Fashion-MNIST ship under the same file names ("train-images-idx3-ubyte"): a data
  // set is named after what it is, recognised by its contents, where it is one of them.
  return { name: recogniseImageSet(train)?.name ?? name, source, train, test };
}

/**
 * Downloads and imports a data set: `url` is one file (an .h5 file) or a folder (ending in "/")
 * holding the four standard MNIST / Fashion-MNIST files.
 */
export async function importFromUrl(
  url: string,
  options: { signal?: AbortSignal; onStage?: (s: ImportStage) => void; fetchImpl?: typeof fetch } = {},
): Promise<RawDataset> {
  const trimmed = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed, typeof location !== 'undefined' ? location.href : undefined);
  } catch {
    throw new DataFormatError(trimmed || '(empty)', 'is not a URL');
  }
  const urls = parsed.pathname.endsWith('/')
    ? MNIST_FILE_NAMES.map((f) => new URL(f, parsed).href)
    : [parsed.href];
  const onStage = options.onStage ?? (() => undefined);
  const files: NamedBytes[] = [];
  for (const [k, u] of urls.entries()) {
    const bytes = await fetchBytes(u, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}),
      onProgress: (progress) => onStage({ stage: 'download', progress, file: k, files: urls.length }),
    });
    files.push({ name: decodeURIComponent(u.split('/').pop() ?? u), bytes });
  }
  const name = parsed.pathname.split('/').filter(Boolean).pop() ?? parsed.host;
  const data = await importFiles(name, files, onStage);
  return { ...data, source: { kind: 'url', url: parsed.href } };
}
