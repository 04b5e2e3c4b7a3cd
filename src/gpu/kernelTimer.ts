/**
 * GPU time per kernel from timestamp queries, where the adapter has the `timestamp-query`
 * feature (the bench's `--kernel-times`; off otherwise, as queries cost a little). Each compute
 * pass that grid.ts's `dispatch` records while a step is being encoded writes a timestamp at its
 * beginning and end; after the step, the pairs are read back and summed per pass label. Steps
 * may be in flight together (the run loop pipelines them), so each gets its own query set and
 * buffers from a small pool.
 */

/** Passes one step may time (a training step records about 5 per layer, plus the loss). */
const MAX_PASSES = 64;

interface StepQueries {
  querySet: GPUQuerySet;
  resolve: GPUBuffer;
  readback: GPUBuffer;
  labels: string[];
}

export interface KernelTime {
  label: string;
  /** Total GPU time of the passes with this label, over every timed step (ms). */
  totalMs: number;
  /** Passes recorded with this label. */
  count: number;
}

export class KernelTimer {
  private readonly free: StepQueries[] = [];
  private recording: StepQueries | null = null;
  private readonly totals = new Map<string, KernelTime>();
  private readonly pending = new Set<Promise<void>>();
  stepsTimed = 0;

  constructor(private readonly device: GPUDevice) {
    if (!device.features.has('timestamp-query')) {
      throw new Error('this GPU device has no timestamp-query feature: no per-kernel times');
    }
  }

  /** Starts recording a step's passes (call before encoding it). */
  beginStep(): void {
    this.recording = this.free.pop() ?? this.create();
    this.recording.labels.length = 0;
  }

  /** The timestamp writes for the next pass of the step being recorded, or undefined past MAX_PASSES / outside a step. */
  timestampWrites(label: string): GPUComputePassTimestampWrites | undefined {
    const step = this.recording;
    if (!step || step.labels.length >= MAX_PASSES) return undefined;
    const k = step.labels.length;
    step.labels.push(label);
    return { querySet: step.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 };
  }

  /**
   * Records the resolve and copy into `encoder` (before it is finished); call the function it
   * returns once the encoder's commands are submitted, to read the times into the totals (a
   * buffer may only be mapped after the submission that writes it).
   */
  endStep(encoder: GPUCommandEncoder): () => void {
    const step = this.recording;
    this.recording = null;
    if (!step) return () => undefined;
    const n = step.labels.length;
    if (n === 0) {
      this.free.push(step);
      return () => undefined;
    }
    encoder.resolveQuerySet(step.querySet, 0, 2 * n, step.resolve, 0);
    encoder.copyBufferToBuffer(step.resolve, 0, step.readback, 0, 2 * n * 8);
    return () => this.read(step, n);
  }

  private read(step: StepQueries, n: number): void {
    const read = step.readback.mapAsync(GPUMapMode.READ, 0, 2 * n * 8).then(() => {
      const stamps = new BigUint64Array(step.readback.getMappedRange(0, 2 * n * 8).slice(0));
      step.readback.unmap();
      for (let k = 0; k < n; k++) {
        const label = step.labels[k]!;
        // A GPU may quantise the two stamps of a short pass into the wrong order.
        const ns = Math.max(0, Number(stamps[2 * k + 1]! - stamps[2 * k]!));
        const entry = this.totals.get(label) ?? { label, totalMs: 0, count: 0 };
        entry.totalMs += ns / 1e6;
        entry.count++;
        this.totals.set(label, entry);
      }
      this.stepsTimed++;
      this.free.push(step);
    });
    const tracked = read.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Forgets the totals so far (e.g. of warm-up steps), once the steps in flight are read. */
  async reset(): Promise<void> {
    await Promise.all(this.pending);
    this.totals.clear();
    this.stepsTimed = 0;
  }

  /** Every pass label's totals, once the steps in flight are read; largest first. */
  async times(): Promise<KernelTime[]> {
    await Promise.all(this.pending);
    return [...this.totals.values()].sort((a, b) => b.totalMs - a.totalMs);
  }

  destroy(): void {
    for (const s of this.free) {
      s.querySet.destroy();
      s.resolve.destroy();
      s.readback.destroy();
    }
    this.free.length = 0;
  }

  private create(): StepQueries {
    const bytes = 2 * MAX_PASSES * 8;
    return {
      querySet: this.device.createQuerySet({
        label: 'kernel times',
        type: 'timestamp',
        count: 2 * MAX_PASSES,
      }),
      resolve: this.device.createBuffer({
        label: 'kernel times resolve',
        size: bytes,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      }),
      readback: this.device.createBuffer({
        label: 'kernel times readback',
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
      labels: [],
    };
  }
}

const timers = new WeakMap<GPUDevice, KernelTimer>();

/** Turns per-kernel timing on for `device` (throws without the timestamp-query feature). */
export function enableKernelTimer(device: GPUDevice): KernelTimer {
  let timer = timers.get(device);
  if (!timer) {
    timer = new KernelTimer(device);
    timers.set(device, timer);
  }
  return timer;
}

/** The device's timer when timing is on. */
export function kernelTimer(device: GPUDevice): KernelTimer | undefined {
  return timers.get(device);
}
