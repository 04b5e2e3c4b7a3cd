import { describe, expect, it } from 'vitest';
import { gunzip, isGzip, maybeGunzip } from './gzip.ts';
import { assembleIdxParts, encodeIdx, imageSetFromIdx, parseIdx } from './idx.ts';
import { DataFormatError } from './types.ts';

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A small IDX pair: `count` images of 2x3 pixels (pixel value = sample * 10 + index) and labels s % 3. */
function pair(count: number): { images: Uint8Array; labels: Uint8Array } {
  const pixels = Uint8Array.from({ length: count * 6 }, (_, q) => Math.floor(q / 6) * 10 + (q % 6));
  const labels = Uint8Array.from({ length: count }, (_, s) => s % 3);
  return { images: encodeIdx([count, 2, 3], pixels), labels: encodeIdx([count], labels) };
}

function expectFormatError(f: () => unknown, file: string, pattern: RegExp): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DataFormatError);
  expect((thrown as DataFormatError).file).toBe(file);
  expect((thrown as Error).message).toMatch(pattern);
  expect((thrown as Error).message.startsWith(`${file}: `)).toBe(true);
}

describe('IDX parsing', () => {
  it('reads the header big-endian and returns the data after it', () => {
    // Hand-written header: 00 00 08 03, then 2, 2, 2 as big-endian uint32.
    const bytes = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
    const idx = parseIdx(bytes, 'x');
    expect(idx.dims).toEqual([2, 2, 2]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A dimension above 255 exercises the byte order.
    const big = encodeIdx([300], new Uint8Array(300));
    expect(Array.from(big.subarray(4, 8))).toEqual([0, 0, 1, 44]);
    expect(parseIdx(big, 'big').dims).toEqual([300]);
  });

  it('pairs images with labels into an ImageSet', () => {
    const p = pair(5);
    const set = imageSetFromIdx({ name: 'img', bytes: p.images }, { name: 'lab', bytes: p.labels });
    expect(set).toMatchObject({ kind: 'images', count: 5, rows: 2, cols: 3, classes: 3 });
    expect(set.pixels[4 * 6 + 2]).toBe(42);
    expect(Array.from(set.labels)).toEqual([0, 1, 2, 0, 1]);
  });

  it('rejects corrupt and truncated files with a message naming the file', () => {
    const p = pair(4);
    expectFormatError(() => parseIdx(new Uint8Array([0, 0]), 'short.idx'), 'short.idx', /too short/);
    expectFormatError(
      () => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), 'bad'),
      'bad',
      /not an IDX file/,
    );
    expectFormatError(
      () => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f'),
      'f',
      /float32.*only unsigned-byte/,
    );
    expectFormatError(
      () => parseIdx(Uint8Array.from([0, 0, 0x42, 1, 0, 0, 0, 0]), 'f'),
      'f',
      /unknown type code 0x42/,
    );
    expectFormatError(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'f'), 'f', /0 dimensions/);
    expectFormatError(() => parseIdx(p.images.subarray(0, 10), 'hdr'), 'hdr', /truncated inside its header/);
    expectFormatError(
      () => parseIdx(p.images.subarray(0, p.images.length - 7), 'cut.idx'),
      'cut.idx',
      /truncated: its header promises 4 x 2 x 3 = 24 bytes of data, but only 17 follow/,
    );
    const extra = new Uint8Array(p.labels.length + 3);
    extra.set(p.labels);
    expectFormatError(() => parseIdx(extra, 'long'), 'long', /3 bytes after/);
    expectFormatError(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 0]), 'z.gz'), 'z.gz', /gzip-compressed/);
  });

  it('rejects mismatched pairs', () => {
    const a = pair(4);
    const b = pair(5);
    expectFormatError(
      () => imageSetFromIdx({ name: 'img', bytes: a.images }, { name: 'lab', bytes: b.labels }),
      'lab',
      /has 5 labels but img has 4 images/,
    );
    expectFormatError(
      () => imageSetFromIdx({ name: 'img', bytes: a.labels }, { name: 'lab', bytes: a.labels }),
      'img',
      /1 dimensions; an images file has 3/,
    );
  });

  it('sorts MNIST-named files into training and test parts', () => {
    const tr = pair(6);
    const te = pair(2);
    const parts = assembleIdxParts([
      { name: 't10k-labels-idx1-ubyte', bytes: te.labels },
      { name: 'train-images-idx3-ubyte', bytes: tr.images },
      { name: 't10k-images-idx3-ubyte', bytes: te.images },
      { name: 'train-labels-idx1-ubyte', bytes: tr.labels },
    ]);
    expect(parts.train.count).toBe(6);
    expect(parts.test?.count).toBe(2);
    expect(
      assembleIdxParts([
        { name: 'a-images', bytes: tr.images },
        { name: 'a-labels', bytes: tr.labels },
      ]).test,
    ).toBeNull();
    expectFormatError(
      () => assembleIdxParts([{ name: 'train-images', bytes: tr.images }]),
      'train-images',
      /no matching train labels/,
    );
    expectFormatError(
      () =>
        assembleIdxParts([
          { name: 'test-images', bytes: te.images },
          { name: 'test-labels', bytes: te.labels },
        ]),
      'test-images, test-labels',
      /only test files/,
    );
    expectFormatError(
      () =>
        assembleIdxParts([
          { name: 'x-images', bytes: tr.images },
          { name: 'y-images', bytes: tr.images },
        ]),
      'y-images',
      /second train images file/,
    );
  });
});

describe('gzip', () => {
  it('round-trips through the platform DecompressionStream', async () => {
    const p = pair(3);
    const gz = await gzip(p.images);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(p.images)).toBe(false);
    expect(Array.from(await gunzip(gz, 'a.gz'))).toEqual(Array.from(p.images));
    expect(await maybeGunzip(p.images, 'raw')).toBe(p.images);
  });

  it('a truncated or corrupt gzip file gives a DataFormatError naming it', async () => {
    const gz = await gzip(pair(50).images);
    await expect(gunzip(gz.subarray(0, gz.length - 20), 'cut.gz')).rejects.toThrow(
      /cut\.gz: corrupt or truncated gzip/,
    );
    const bad = gz.slice();
    for (let q = 12; q < bad.length - 8; q++) bad[q] = bad[q]! ^ 0x5a;
    await expect(gunzip(bad, 'bad.gz')).rejects.toBeInstanceOf(DataFormatError);
  });
});
