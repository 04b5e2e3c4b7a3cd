import source from '../../../shaders/adam.wgsl?raw';
import type { AdamHyper } from '../../core/train/adam.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/**
 * Adam on a GPU-resident parameter tensor (shaders/adam.wgsl), with its moments on the GPU.
 * For delays, `maxDelay` turns on the clamp to [0, maxDelay - 1] in the same pass.
 */
export class GpuAdam {
  private readonly pipeline: GPUComputePipeline;
  private readonly moment1: GPUBuffer;
  private readonly moment2: GPUBuffer;
  private readonly uniforms: GPUBuffer;
  private steps = 0;

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
        constants: maxDelay === null ? { CLAMP_DELAYS: 0 } : { CLAMP_DELAYS: 1, MAX_DELAY: maxDelay },
      },
    });
    const moment = (which: string): GPUBuffer =>
      device.createBuffer({
        label: `adam ${label} ${which}`,
        size: Math.max(4, count * 4),
        usage: GPUBufferUsage.STORAGE,
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
    const bindGroup = this.device.createBindGroup({
      label: 'adam bindings',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: { buffer: grads } },
        { binding: 2, resource: { buffer: this.moment1 } },
        { binding: 3, resource: { buffer: this.moment2 } },
        { binding: 4, resource: { buffer: this.uniforms } },
      ],
    });
    const pass = encoder.beginComputePass({ label: 'adam pass' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(this.count / 64));
    pass.end();
  }

  destroy(): void {
    this.moment1.destroy();
    this.moment2.destroy();
    this.uniforms.destroy();
  }
}
