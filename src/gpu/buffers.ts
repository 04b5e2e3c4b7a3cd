/**
 * Small helpers for one-shot kernel runs: labelled buffers that are tracked for destruction, and
 * readback (copy to a MAP_READ buffer, mapAsync, getMappedRange().slice(0), unmap).
 */
export class BufferScope {
  private readonly created: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** A storage buffer holding `data` (at least 4 bytes: WebGPU rejects empty bindings). */
  input(label: string, data: Float32Array): GPUBuffer {
    const buffer = this.track(
      this.device.createBuffer({
        label,
        size: Math.max(4, data.byteLength),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      }),
    );
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** A storage buffer of `floats` float32 values that kernels write and `read` copies back. */
  output(label: string, floats: number): GPUBuffer {
    return this.track(
      this.device.createBuffer({
        label,
        size: Math.max(4, floats * 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      }),
    );
  }

  uniform(label: string, data: ArrayBuffer): GPUBuffer {
    const buffer = this.track(
      this.device.createBuffer({
        label,
        size: data.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      }),
    );
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** Copies the given output buffers back to the host after `encoder`'s work. */
  async read(encoder: GPUCommandEncoder, sources: GPUBuffer[]): Promise<Float32Array[]> {
    const staging = sources.map((src) =>
      this.track(
        this.device.createBuffer({
          label: `${src.label} readback`,
          size: src.size,
          usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        }),
      ),
    );
    sources.forEach((src, k) => encoder.copyBufferToBuffer(src, 0, staging[k]!, 0, src.size));
    this.device.queue.submit([encoder.finish()]);
    return Promise.all(
      staging.map(async (buffer) => {
        await buffer.mapAsync(GPUMapMode.READ);
        const data = new Float32Array(buffer.getMappedRange().slice(0));
        buffer.unmap();
        return data;
      }),
    );
  }

  destroy(): void {
    for (const b of this.created) b.destroy();
    this.created.length = 0;
  }

  private track(buffer: GPUBuffer): GPUBuffer {
    this.created.push(buffer);
    return buffer;
  }
}

/** The `Params { batch: u32, sigma: f32 }` uniform the delay-layer shaders share. */
export function batchSigmaUniform(batch: number, sigma: number): ArrayBuffer {
  const data = new ArrayBuffer(8);
  new Uint32Array(data, 0, 1)[0] = batch;
  new Float32Array(data, 4, 1)[0] = sigma;
  return data;
}

/** Storage buffers grow to the next power of two of what is asked (bytes, at least 64), so they rarely move. */
function capacity(bytes: number): number {
  let c = 64;
  while (c < bytes) c *= 2;
  return c;
}

/**
 * `buffer` when it holds `bytes`, else a bigger storage buffer (COPY_DST, for queue writes) in
 * its place (the old one is destroyed): for per-batch uploads such as spike event lists.
 */
export function fitStorageBuffer(
  device: GPUDevice,
  buffer: GPUBuffer | null,
  label: string,
  bytes: number,
): GPUBuffer {
  if (buffer && buffer.size >= bytes) return buffer;
  buffer?.destroy();
  return device.createBuffer({
    label,
    size: capacity(bytes),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
}
