/**
 * Bounded gzip inflation: a small file that inflates far past what its IDX header declares (or
 * past the absolute cap) is refused as soon as it does, holding memory near the declared size.
 * The memory ceilings are asserted from process.memoryUsage(), not from timings.
 */
import { describe, expect, it } from 'vitest';
import { gunzip } from './gzip.ts';
import { encodeIdx, idxDeclaredBytes } from './idx.ts';

/** gzip of `header` followed by `zeros` zero bytes, compressed as a stream (never held inflated). */
async function bomb(header: Uint8Array, zeros: number): Promise<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  let left = zeros;
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(header);
    },
    pull(controller) {
      if (left <= 0) {
        controller.close();
        return;
      }
      const n = Math.min(left, chunk.length);
      controller.enqueue(chunk.subarray(0, n));
      left -= n;
    },
  });
  const compressed = source.pipeThrough(
    new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/** An IDX header (unsigned bytes) of the given dimensions, without data. */
function idxHeader(dims: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  const view = new DataView(header.buffer);
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  // The same header encodeIdx writes (checked on a small shape).
  return header;
}

describe('bounded gunzip', () => {
  it('reads the declared size from an IDX header, or null for anything else', () => {
    expect(idxDeclaredBytes(idxHeader([100, 28, 28]))).toBe(16 + 100 * 784);
    expect(idxDeclaredBytes(idxHeader([7]))).toBe(8 + 7);
    expect(Array.from(idxHeader([2, 3]))).toEqual(
      Array.from(encodeIdx([2, 3], new Uint8Array(6)).subarray(0, 12)),
    );
    expect(idxDeclaredBytes(new Uint8Array(64))).toBeNull();
    expect(idxDeclaredBytes(idxHeader([100, 28, 28]).subarray(0, 10))).toBeNull();
  });

  it('stops a file inflating to 256 MB whose header declares 78 KB, without holding it', async () => {
    const gz = await bomb(idxHeader([100, 28, 28]), 256 * 2 ** 20);
    expect(gz.length).toBeLessThan(2e6);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    try {
      await expect(
        gunzip(gz, 'train-images-idx3-ubyte.gz', { declaredBytes: idxDeclaredBytes }),
      ).rejects.toThrow(/train-images-idx3-ubyte\.gz: inflates past the 78416 bytes its header declares/);
    } finally {
      clearInterval(watch);
    }
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    expect(peak - before).toBeLessThan(32 * 2 ** 20);
  });

  it('refuses a header that declares more than the cap before inflating, and caps undeclared data', async () => {
    const huge = await bomb(idxHeader([1000000, 28, 28]), 1000);
    await expect(gunzip(huge, 'huge.gz', { declaredBytes: idxDeclaredBytes, maxBytes: 1e8 })).rejects.toThrow(
      /huge\.gz: declares 784000016 bytes, more than the 100000000 Delay Lab unpacks/,
    );
    const plain = await bomb(new Uint8Array(0), 8 * 2 ** 20);
    await expect(gunzip(plain, 'zeros.gz', { maxBytes: 2 ** 20 })).rejects.toThrow(
      /zeros\.gz: inflates past 1048576 bytes/,
    );
  });

  it('returns data of exactly the declared size, and a short file short (the parser says truncated)', async () => {
    const header = idxHeader([3, 2]);
    const whole = await bomb(header, 6);
    const out = await gunzip(whole, 'ok.gz', { declaredBytes: idxDeclaredBytes });
    expect(out.length).toBe(12 + 6);
    const short = await bomb(header, 4);
    expect((await gunzip(short, 'short.gz', { declaredBytes: idxDeclaredBytes })).length).toBe(12 + 4);
  });
});
