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
 * For delays, `maxDelay` turns on the clamp into delayRange(maxDelay) in the same pass.
 */
export class GpuAdam {
  private readonly pipeline: GPUComputePipeline;
  private readonly moment1: GPUBuffer;
  private readonly moment2: GPUBuffer;
  private readonly uniforms: GPUBuffer;
  private steps = 0;
  private bindGroups: BindGroupCache | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly count: number,
    label: string,
    maxDelay: number | null,
  ) {
    const module = shaderModule(device, 'adam.wgsl', source);
    this.pipeline = computePipeline(device, {
      label: `adam ${label}`,
      layout: 'auto',
      compute: {
        module,
        entryPoint: 'main',
        constants: {
          WORKGROUP_SIZE: ADAM_WORKGROUP,
          ...(maxDelay === null
            ? { CLAMP_DELAYS: 0 }
            : { CLAMP_DELAYS: 1, DELAY_MIN: delayRange(maxDelay).min, DELAY_MAX: delayRange(maxDelay).max }),
        },
      },
    });
    const moment = (which: string): GPUBuffer =>
      device.createBuffer({
        label: `adam ${label} ${which}`,
        size: Math.max(4, count * 4),
        // COPY_*: the moments travel with checkpoints (exportState / importState).
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.moment1 = moment('moment1');
    this.moment2 = moment('moment2');
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
    new Uint32Array(data, 0, 1)[0] = this.count;
    new Float32Array(data, 4, 6).set([
      lr,
      hyper.beta1,
      hyper.beta2,
      hyper.epsilon,
      1 / (1 - Math.pow(hyper.beta1, this.steps)),
      1 / (1 - Math.pow(hyper.beta2, this.steps)),
    ]);
    this.device.queue.writeBuffer(this.uniforms, 0, data);
    this.bindGroups ??= new BindGroupCache(this.device, 'adam bindings', this.pipeline.getBindGroupLayout(0));
    const bindGroup = this.bindGroups.get([params, grads, this.moment1, this.moment2, this.uniforms]);
    dispatch(this.device, encoder, 'adam pass', this.pipeline, bindGroup, this.count, ADAM_WORKGROUP);
  }

  /** Optimiser steps taken (the bias corrections depend on it). */
  get stepCount(): number {
    return this.steps;
  }

  /** Restores moments and the step count saved by a checkpoint (f64 on the CPU, f32 here). */
  restore(moment1: ArrayLike<number>, moment2: ArrayLike<number>, steps: number): void {
    if (moment1.length !== this.count || moment2.length !== this.count) {
      throw new RangeError(`Adam state: saved ${moment1.length} moments, the tensor has ${this.count}`);
    }
    this.device.queue.writeBuffer(this.moment1, 0, Float32Array.from(moment1));
    this.device.queue.writeBuffer(this.moment2, 0, Float32Array.from(moment2));
    this.steps = steps;
  }

  /** Zeroes both moments of element q (a regrown synapse starts afresh; queued before the next step). */
  clearAt(q: number): void {
    const zero = new Float32Array(1);
    this.device.queue.writeBuffer(this.moment1, q * 4, zero);
    this.device.queue.writeBuffer(this.moment2, q * 4, zero);
  }

  /** The two moment buffers, for a readback that the caller records and maps. */
  get moments(): [GPUBuffer, GPUBuffer] {
    return [this.moment1, this.moment2];
  }

  destroy(): void {
    this.moment1.destroy();
    this.moment2.destroy();
    this.uniforms.destroy();
  }
}
