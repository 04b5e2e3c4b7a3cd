import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { maybeGunzip } from '../core/data/gzip.ts';
import { assembleIdxParts, type NamedBytes } from '../core/data/idx.ts';
import { DataFormatError, type EventSet, type RawDataset } from '../core/data/types.ts';
import { parseSpikeHdf5 } from '../io/hdf5Spikes.ts';

const IDX_NAME = /idx\d-ubyte(\.gz)?$|\.idx(\.gz)?$/i;
const HDF5_NAME = /\.(h5|hdf5)$/i;

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DataFormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/**
 * Loads a data set from disk for the CLI: a directory of IDX files (gzip or not; MNIST naming,
 * "t10k" / "test" marks the test part) or of HDF5 spike files ("test" in the name marks the test
 * part), or a single such file. Progress lines go to `log`.
 */
export async function loadDataPath(path: string, log: (line: string) => void): Promise<RawDataset> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new DataFormatError(path, 'does not exist');
  }
  const files = stat.isDirectory()
    ? readdirSync(path)
        .filter((f) => IDX_NAME.test(f) || HDF5_NAME.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0) {
    throw new DataFormatError(path, 'holds no IDX (*-idx?-ubyte[.gz]) or HDF5 (*.h5) files');
  }
  const hdf5 = files.filter((f) => HDF5_NAME.test(f));
  const name = basename(path.replace(/\/+$/, '')) || path;
  if (hdf5.length > 0) {
    if (hdf5.length !== files.length) {
      throw new DataFormatError(path, 'mixes IDX and HDF5 files; give one kind of data set');
    }
    return loadHdf5Files(name, hdf5, log);
  }
  const named: NamedBytes[] = [];
  for (const f of files) {
    const started = performance.now();
    const bytes = await maybeGunzip(readBytes(f), f);
    log(`read ${f} (${(bytes.length / 1e6).toFixed(1)} MB, ${(performance.now() - started).toFixed(0)} ms)`);
    named.push({ name: f, bytes });
  }
  const { train, test } = assembleIdxParts(named);
  return { name, source: { kind: 'files', names: files.map((f) => basename(f)) }, train, test };
}

async function loadHdf5Files(
  name: string,
  files: string[],
  log: (line: string) => void,
): Promise<RawDataset> {
  let train: EventSet | null = null;
  let test: EventSet | null = null;
  for (const f of files) {
    const started = performance.now();
    const set = await parseSpikeHdf5(readBytes(f), f);
    log(
      `read ${f}: ${set.count} samples, ${set.channels} channels (${(performance.now() - started).toFixed(0)} ms)`,
    );
    const role = /test/i.test(basename(f)) ? 'test' : 'train';
    if ((role === 'test' ? test : train) !== null) {
      throw new DataFormatError(f, `is a second ${role} file`);
    }
    if (role === 'test') test = set;
    else train = set;
  }
  if (!train)
    throw new DataFormatError(files.join(', '), 'only test files were given; a training part is needed');
  return { name, source: { kind: 'files', names: files.map((f) => basename(f)) }, train, test };
}
