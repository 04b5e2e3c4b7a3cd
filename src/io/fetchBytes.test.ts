import { describe, expect, it } from 'vitest';
import { DownloadError, fetchBytes, type DownloadProgress } from './fetchBytes.ts';

/** A fetch that answers with `chunks` (each n zero bytes) and the given Content-Length header. */
function serve(chunks: number[], contentLength: string | null): typeof fetch {
  return () => {
    let k = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (k >= chunks.length) return controller.close();
        controller.enqueue(new Uint8Array(chunks[k++]!));
      },
    });
    const headers = new Headers(contentLength === null ? {} : { 'content-length': contentLength });
    return Promise.resolve(new Response(body, { status: 200, headers }));
  };
}

describe('fetchBytes', () => {
  it('downloads with progress up to the cap', async () => {
    const seen: DownloadProgress[] = [];
    const bytes = await fetchBytes('http://x/a', {
      fetchImpl: serve([10, 20], '30'),
      onProgress: (p) => seen.push(p),
      maxBytes: 30,
    });
    expect(bytes.length).toBe(30);
    expect(seen.map((p) => p.loaded)).toEqual([0, 10, 30]);
    expect(seen.at(-1)!.total).toBe(30);
  });

  it('refuses a Content-Length above the cap before reading the body', async () => {
    const p = fetchBytes('http://x/big', { fetchImpl: serve([10], '5000000000'), maxBytes: 1000 });
    await expect(p).rejects.toBeInstanceOf(DownloadError);
    await expect(
      fetchBytes('http://x/big', { fetchImpl: serve([10], '5000000000'), maxBytes: 1000 }),
    ).rejects.toThrow('http://x/big is 5000000000 bytes or more, above the 1000 bytes');
  });

  it('stops a body without Content-Length as soon as it passes the cap', async () => {
    // 1,000 chunks of 1 MB would be 1 GB: the download stops after the second.
    const chunks = Array.from({ length: 1000 }, () => 2 ** 20);
    const before = process.memoryUsage().arrayBuffers;
    await expect(
      fetchBytes('http://x/endless', { fetchImpl: serve(chunks, null), maxBytes: 1.5 * 2 ** 20 }),
    ).rejects.toThrow(/http:\/\/x\/endless is 2097152 bytes or more, above the 1572864 bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });
});
