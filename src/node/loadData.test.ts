import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '../core/data/idx.ts';
import { DataFormatError } from '../core/data/types.ts';
import { recogniseImageSet } from '../core/data/knownDatasets.ts';
import { loadDataPath } from './loadData.ts';

/** Writes an MNIST-named IDX data set (gzip) with `train` and `test` 28x28 images into a new folder. */
function idxFolder(train: number, test: number, options: { gzip?: boolean; corrupt?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'delaylab-idx-'));
  const write = (name: string, bytes: Uint8Array): void => {
    let out = options.gzip === false ? bytes : new Uint8Array(gzipSync(bytes));
    if (options.corrupt && name.startsWith(options.corrupt))
      out = out.subarray(0, Math.floor(out.length / 2));
    writeFileSync(join(dir, options.gzip === false ? name : `${name}.gz`), out);
  };
  for (const [prefix, n] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const pixels = Uint8Array.from({ length: n * 784 }, (_, q) => (q * 13) % 256);
    const labels = Uint8Array.from({ length: n }, (_, s) => s % 10);
    write(`${prefix}-images-idx3-ubyte`, encodeIdx([n, 28, 28], pixels));
    write(`${prefix}-labels-idx1-ubyte`, encodeIdx([n], labels));
  }
  return dir;
}

const FASHION_FILES = '/usr/share/datasets/fashion-mnist';

describe('loading data from disk (CLI)', () => {
  it.skipIf(!existsSync(FASHION_FILES))(
    "recognises the installed Fashion-MNIST files by their contents (their names are MNIST's)",
    async () => {
      const data = await loadDataPath(FASHION_FILES, () => undefined);
      expect(recogniseImageSet(data.train)?.name).toBe('fashion-mnist');
      expect(recogniseImageSet(data.test!)?.name).toBe('fashion-mnist');
    },
  );

  it('reads a folder of gzip IDX files into training and test parts', async () => {
    const lines: string[] = [];
    const data = await loadDataPath(idxFolder(30, 12), (l) => lines.push(l));
    expect(data.train).toMatchObject({ kind: 'images', count: 30, rows: 28, cols: 28, classes: 10 });
    expect(data.test?.count).toBe(12);
    expect(data.source).toEqual({
      kind: 'files',
      names: [
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ],
    });
    // A read line (size) and a parsed line (time) per file.
    expect(lines.filter((l) => l.startsWith('read '))).toHaveLength(4);
    expect(lines.filter((l) => /^parsed \S+ \(\d+ ms\)$/.test(l))).toHaveLength(4);
    expect(lines.slice(-2)).toEqual([
      'training part: 30 samples, 28x28 images, 10 classes',
      'test part: 12 samples, 28x28 images, 10 classes',
    ]);
  });

  it('marks the test part by file name, not by the folder it lies in', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'delaylab-test-parent-'));
    const inTest = join(parent, 'test');
    renameSync(idxFolder(7, 3), inTest);
    const data = await loadDataPath(inTest, () => undefined);
    expect(data.train.count).toBe(7);
    expect(data.test?.count).toBe(3);
  });

  it('reads uncompressed IDX files too', async () => {
    const data = await loadDataPath(idxFolder(5, 5, { gzip: false }), () => undefined);
    expect(data.train.count).toBe(5);
  });

  it('names the file and the problem for truncated gzip, a missing folder and an empty folder', async () => {
    const dir = idxFolder(40, 10, { corrupt: 'train-images' });
    await expect(loadDataPath(dir, () => undefined)).rejects.toThrow(
      /train-images-idx3-ubyte\.gz: corrupt or truncated gzip/,
    );
    await expect(loadDataPath('/no/such/place', () => undefined)).rejects.toThrow(
      /\/no\/such\/place: does not exist/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'delaylab-empty-'));
    mkdirSync(join(empty, 'sub'));
    await expect(loadDataPath(empty, () => undefined)).rejects.toBeInstanceOf(DataFormatError);
    await expect(loadDataPath(empty, () => undefined)).rejects.toThrow(/holds no IDX/);
  });

  it('refuses a device (/dev/zero) or a FIFO named like an IDX file at once, reading nothing', async () => {
    const before = process.memoryUsage().rss;
    await expect(loadDataPath('/dev/zero', () => undefined)).rejects.toThrow(
      /\/dev\/zero: is not a regular file or a folder/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-fifo-'));
    const fifo = join(dir, 'train-images-idx3-ubyte');
    execFileSync('mkfifo', [fifo]);
    await expect(loadDataPath(dir, () => undefined)).rejects.toThrow(
      /train-images-idx3-ubyte: is not a regular file/,
    );
    // Nothing was read: the process grew by far less than the gigabytes /dev/zero would give.
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });
});
