import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataFormatError, type RawDataset, type RawSet } from '../core/data/types.ts';
import { importFiles, importHdf5, type ImportStage } from '../io/importData.ts';

const IDX_NAME = /idx\d-ubyte(\.gz)?$|\.idx(\.gz)?$/i;
const HDF5_NAME = /\.(h5|hdf5)$/i;

/**
 * Reads a data file whole. Only regular files: a device such as /dev/zero or a pipe has no end
 * and no size, and reading it filled 3.5 GB in 7 s.
 */
function readBytes(path: string): Uint8Array {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new DataFormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!stat.isFile()) {
    throw new DataFormatError(path, 'is not a regular file (a device, pipe or socket cannot be a data set)');
  }
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DataFormatError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/**
 * Loads a data set from disk for the CLI: a directory of IDX files (gzip or not; MNIST naming,
 * "t10k" / "test" marks the test part) or of HDF5 spike files ("test" in the name marks the test
 * part), or a single such file. The files are parsed by the playground's importer
 * (`importFiles`, and `importHdf5` reading one HDF5 file at a time), under their base names (so a "test" directory does not mark every file as test data).
 * Progress lines go to `log`.
 */
export async function loadDataPath(path: string, log: (line: string) => void): Promise<RawDataset> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new DataFormatError(path, 'does not exist');
  }
  if (!stat.isDirectory() && !stat.isFile()) {
    throw new DataFormatError(
      path,
      'is not a regular file or a folder (a device, pipe or socket cannot be a data set)',
    );
  }
  const paths = stat.isDirectory()
    ? readdirSync(path)
        .filter((f) => IDX_NAME.test(f) || HDF5_NAME.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (paths.length === 0) {
    throw new DataFormatError(path, 'holds no IDX (*-idx?-ubyte[.gz]) or HDF5 (*.h5) files');
  }
  const name = basename(path.replace(/\/+$/, '')) || path;
  let parsing: { file: string; started: number } | null = null;
  const finishParse = (): void => {
    if (parsing) log(`parsed ${parsing.file} (${(performance.now() - parsing.started).toFixed(0)} ms)`);
  };
  const onStage = (stage: ImportStage): void => {
    if (stage.stage !== 'parse') return;
    finishParse();
    parsing = { file: stage.file, started: performance.now() };
  };
  const read = (p: string): Uint8Array => {
    const bytes = readBytes(p);
    log(`read ${p} (${(bytes.length / 1e6).toFixed(1)} MB)`);
    return bytes;
  };
  const hdf5 = paths.filter((p) => HDF5_NAME.test(p));
  let data: RawDataset;
  if (hdf5.length > 0 && hdf5.length === paths.length) {
    // SHD / SSC files can be large: read each only when its turn comes.
    data = await importHdf5(
      name,
      paths.map((p) => ({ name: basename(p), read: () => read(p) })),
      onStage,
    );
  } else {
    // IDX files (tens of MB), or a mix that importFiles refuses with a message.
    data = await importFiles(
      name,
      paths.map((p) => ({ name: basename(p), bytes: read(p) })),
      onStage,
    );
  }
  finishParse();
  log(`training part: ${describePart(data.train)}`);
  if (data.test) log(`test part: ${describePart(data.test)}`);
  return data;
}

function describePart(part: RawSet): string {
  const shape =
    part.kind === 'images'
      ? `${part.rows}x${part.cols} images`
      : part.kind === 'events'
        ? `${part.channels} channels`
        : 'points';
  return `${part.count} samples, ${shape}, ${part.classes} classes`;
}
