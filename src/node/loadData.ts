import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NamedBytes } from '../core/data/idx.ts';
import { DataFormatError, type RawDataset, type RawSet } from '../core/data/types.ts';
import { importFiles } from '../io/importData.ts';

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
 * part), or a single such file. The files are parsed by the same `importFiles` the playground
 * uses, under their base names (so a "test" directory does not mark every file as test data).
 * Progress lines go to `log`.
 */
export async function loadDataPath(path: string, log: (line: string) => void): Promise<RawDataset> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new DataFormatError(path, 'does not exist');
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
  const files: NamedBytes[] = paths.map((p) => {
    const bytes = readBytes(p);
    log(`read ${p} (${(bytes.length / 1e6).toFixed(1)} MB)`);
    return { name: basename(p), bytes };
  });
  const name = basename(path.replace(/\/+$/, '')) || path;
  let parsing: { file: string; started: number } | null = null;
  const finishParse = (): void => {
    if (parsing) log(`parsed ${parsing.file} (${(performance.now() - parsing.started).toFixed(0)} ms)`);
  };
  const data = await importFiles(name, files, (stage) => {
    if (stage.stage !== 'parse') return;
    finishParse();
    parsing = { file: stage.file, started: performance.now() };
  });
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
