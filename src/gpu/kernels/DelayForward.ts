import source from '../../../shaders/delay_forward.wgsl?raw';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';

/** Maps a kernel config to the shader's MODE constant; hardware runs forward as round. */
function shaderMode(kernel: DelayKernelConfig): number {
  if (kernel.mode === 'gauss') return 0;
  if (kernel.mode === 'lerp') return 1;
  return kernel.rounding === 'floor' ? 2 : 3;
}

export interface DelayForwardShape {
  inputs: number;
  outputs: number;
  timeSteps: number;
  kernel: DelayKernelConfig;
}

/**
 * The delay-layer forward pass on the GPU (shaders/delay_forward.wgsl). One pipeline per shape
 * and kernel mode: every compile-time constant is an `override`, so the pipeline key is the
 * shape plus the mode.
 */
export class DelayForward {
  private readonly pipeline: GPUComputePipeline;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: DelayForwardShape,
  ) {
    const module = device.createShaderModule({ label: 'delay_forward.wgsl', code: source });
    this.pipeline = device.createComputePipeline({
      label: `delay_forward ${shape.inputs}x${shape.outputs} T${shape.timeSteps} ${shape.kernel.mode}`,
      layout: 'auto',
      compute: {
        module,
        entryPoint: 'main',
        constants: {
          INPUTS: shape.inputs,
          OUTPUTS: shape.outputs,
          STEPS: shape.timeSteps,
          MAX_DELAY: shape.kernel.maxDelay,
          MODE: shaderMode(shape.kernel),
        },
      },
    });
  }

  /** spikes [batch][T][inputs], weights and delays [inputs][outputs] -> current [batch][T][outputs]. */
  async run(
    spikes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    batch: number,
    sigma: number,
  ): Promise<Float32Array> {
    const { device, shape } = this;
    const created: GPUBuffer[] = [];
    const storage = (label: string, data: Float32Array): GPUBuffer => {
      const buffer = device.createBuffer({
        label,
        size: Math.max(4, data.byteLength),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, data);
      created.push(buffer);
      return buffer;
    };
    const outBytes = batch * shape.timeSteps * shape.outputs * 4;
    const current = device.createBuffer({
      label: 'delay_forward current',
      size: outBytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    const readback = device.createBuffer({
      label: 'delay_forward readback',
      size: outBytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const params = device.createBuffer({
      label: 'delay_forward params',
      size: 8,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    created.push(current, readback, params);
    const paramData = new ArrayBuffer(8);
    new Uint32Array(paramData, 0, 1)[0] = batch;
    new Float32Array(paramData, 4, 1)[0] = sigma;
    device.queue.writeBuffer(params, 0, paramData);
    const bindGroup = device.createBindGroup({
      label: 'delay_forward bindings',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: storage('delay_forward spikes', spikes) } },
        { binding: 1, resource: { buffer: storage('delay_forward weights', weights) } },
        { binding: 2, resource: { buffer: storage('delay_forward delays', delays) } },
        { binding: 3, resource: { buffer: current } },
        { binding: 4, resource: { buffer: params } },
      ],
    });
    const encoder = device.createCommandEncoder({ label: 'delay_forward' });
    const pass = encoder.beginComputePass({ label: 'delay_forward pass' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil((batch * shape.timeSteps * shape.outputs) / 64));
    pass.end();
    encoder.copyBufferToBuffer(current, 0, readback, 0, outBytes);
    device.queue.submit([encoder.finish()]);
    try {
      await readback.mapAsync(GPUMapMode.READ);
      return new Float32Array(readback.getMappedRange().slice(0));
    } finally {
      readback.unmap();
      for (const b of created) b.destroy();
    }
  }
}
