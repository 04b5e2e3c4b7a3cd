import source from '../../../shaders/adam.wgsl?raw';
import type { AdamHyper } from '../../core/train/adam.ts';
import { BindGroupCache } from '../bindGroupCache.ts';
import { delayRange } from '../../core/synapses/kernels.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/** Invocations per workgroup (one per parameter). */
const ADAM_WORKGROUP = DEFAULT_WORKGROUP_SIZE;

/**
 * Adam on a GPU-resident parameter tensor (shaders/adam.wgsl), with its moments on the GPU.
 * For delays, `maxDelay` turns on the clamp into delayRange(maxDelay) in the same pass. With
 * `indices` (a fixed-mask layer's existing synapses, as AdamState's) the moments are kept and
 * stepped for those parameters only.
 */
export class GpuAdam {
  private readonly pipeline: GPUComputePipeline;
  private readonly moment1: GPUBuffer;
  private readonly moment2: GPUBuffer;
  /** AMSGrad's maximum of moment2 (a 4-byte placeholder without AMSGrad: the shader binds it). */
  private readonly moment2Max: GPUBuffer;
  private readonly uniforms: GPUBuffer;
  private steps = 0;
  private bindGroups: BindGroupCache | null = null;

  /** Moments kept: `count`, or the listed parameters. */
  private readonly kept: number;
  private readonly indexBuffer: GPUBuffer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly count: number,
    label: string,
    maxDelay: number | null,
    private readonly indices: Int32Array | null = null,
    /** AMSGrad (AdamHyper.amsgrad): fixed for the tensor's life, since it is a pipeline constant. */
    private readonly amsgrad = false,
  ) {
    const module = shaderModule(device, 'adam.wgsl', source);
    this.kept = indices?.length ?? count;
    if (indices) {
      this.indexBuffer = device.createBuffer({
        label: `adam ${label} indices`,
        size: Math.max(4, indices.length * 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(this.indexBuffer, 0, Uint32Array.from(indices));
    }
    this.pipeline = computePipeline(device, {
      label: `adam ${label}${indices ? ' (indexed)' : ''}`,
      layout: 'auto',
      compute: {
        module,
        entryPoint: indices ? 'main_indexed' : 'main',
        constants: {
          WORKGROUP_SIZE: ADAM_WORKGROUP,
          AMSGRAD: amsgrad ? 1 : 0,
          ...(maxDelay === null
            ? { CLAMP_DELAYS: 0 }
            : { CLAMP_DELAYS: 1, DELAY_MIN: delayRange(maxDelay).min, DELAY_MAX: delayRange(maxDelay).max }),
        },
      },
    });
    const moment = (which: string, kept = this.kept): GPUBuffer =>
      device.createBuffer({
        label: `adam ${label} ${which}`,
        size: Math.max(4, kept * 4),
        // COPY_*: the moments travel with checkpoints (exportState / importState).
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.moment1 = moment('moment1');
    this.moment2 = moment('moment2');
    this.moment2Max = moment('moment2 max', amsgrad ? this.kept : 1);
    this.uniforms = device.createBuffer({
      label: `adam ${label} step`,
      size: 28,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** Records one update of `params` from `grads` (both GPU buffers of `count` floats). */
  encode(
    encoder: GPUCommandEncoder,
    params: GPUBuffer,
    grads: GPUBuffer,
    lr: number,
    hyper: AdamHyper,
  ): void {
    this.steps++;
    const data = new ArrayBuffer(28);
    new Uint32Array(data, 0, 1)[0] = this.kept;
    new Float32Array(data, 4, 6).set([
      lr,
      hyper.beta1,
      hyper.beta2,
      hyper.epsilon,
      1 / (1 - Math.pow(hyper.beta1, this.steps)),
      1 / (1 - Math.pow(hyper.beta2, this.steps)),
    ]);
    this.device.queue.writeBuffer(this.uniforms, 0, data);
    // Binding 5 (the indices) exists in the indexed entry point only.
    this.bindGroups ??= new BindGroupCache(
      this.device,
      'adam bindings',
      this.pipeline.getBindGroupLayout(0),
      16,
      this.indexBuffer ? null : [0, 1, 2, 3, 4, 6],
    );
    const buffers = [params, grads, this.moment1, this.moment2, this.uniforms];
    const bindGroup = this.bindGroups.get(
      this.indexBuffer ? [...buffers, this.indexBuffer, this.moment2Max] : [...buffers, this.moment2Max],
    );
    dispatch(this.device, encoder, 'adam pass', this.pipeline, bindGroup, this.kept, ADAM_WORKGROUP);
  }

  /** Optimiser steps taken (the bias corrections depend on it). */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * Restores moments (one per parameter, as checkpoints hold them) and the step count (f64 on the
   * CPU, f32 here); with indices, the listed parameters' moments.
   */
  restore(
    moment1: ArrayLike<number>,
    moment2: ArrayLike<number>,
    steps: number,
    /** AMSGrad's maximum; absent (a plain-Adam or older state), it starts again from moment2. */
    moment2Max?: ArrayLike<number>,
  ): void {
    for (const moment of [moment1, moment2, ...(moment2Max ? [moment2Max] : [])])
      if (moment.length !== this.count)
        throw new RangeError(`Adam state: saved ${moment.length} moments, the tensor has ${this.count}`);
    const kept = (moment: ArrayLike<number>): Float32Array =>
      this.indices ? Float32Array.from(this.indices, (q) => moment[q]!) : Float32Array.from(moment);
    this.device.queue.writeBuffer(this.moment1, 0, kept(moment1));
    this.device.queue.writeBuffer(this.moment2, 0, kept(moment2));
    if (this.amsgrad) this.device.queue.writeBuffer(this.moment2Max, 0, kept(moment2Max ?? moment2));
    this.steps = steps;
  }

  /** Read-back moments (kept entries) as one per parameter, 0 where none is kept. */
  expand(kept: ArrayLike<number>): Float64Array {
    if (!this.indices) return Float64Array.from(kept);
    const out = new Float64Array(this.count);
    this.indices.forEach((q, k) => (out[q] = kept[k]!));
    return out;
  }

  /** Zeroes the moments of element q (a regrown synapse starts afresh; queued before the next step). */
  clearAt(q: number): void {
    if (this.indices)
      throw new Error('GpuAdam.clearAt: a fixed-mask layer (indexed moments) does not rewire');
    const zero = new Float32Array(1);
    this.device.queue.writeBuffer(this.moment1, q * 4, zero);
    this.device.queue.writeBuffer(this.moment2, q * 4, zero);
    if (this.amsgrad) this.device.queue.writeBuffer(this.moment2Max, q * 4, zero);
  }

  /**
   * The moment buffers (m, v, and with AMSGrad v's maximum), for a readback that the caller
   * records and maps, or a rewiring that reorders them.
   */
  get moments(): GPUBuffer[] {
    return this.amsgrad ? [this.moment1, this.moment2, this.moment2Max] : [this.moment1, this.moment2];
  }

  destroy(): void {
    this.moment1.destroy();
    this.moment2.destroy();
    this.moment2Max.destroy();
    this.uniforms.destroy();
    this.indexBuffer?.destroy();
  }
}
