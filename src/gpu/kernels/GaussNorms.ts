import gaussSource from '../../../shaders/gauss.wgsl?raw';
import source from '../../../shaders/gauss_norms.wgsl?raw';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { BindGroupCache } from '../bindGroupCache.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/** Invocations per workgroup (one per synapse). */
const NORMS_WORKGROUP = DEFAULT_WORKGROUP_SIZE;

/** Whether a layer's forward or backward uses the Gaussian kernel (so needs its norms). */
export function usesGaussNorms(kernel: DelayKernelConfig): boolean {
  return kernel.mode === 'gauss' || (kernel.mode === 'hardware' && kernel.hardwareBackward === 'gauss');
}

/**
 * Per-synapse normalisation 1 / z and mean tap of the truncated Gaussian kernel
 * (shaders/gauss_norms.wgsl), computed once per step from the layer's delays and sigma, then
 * read by the forward and backward passes of that step: `buffer` holds [2q] = 1 / z,
 * [2q + 1] = mean (time steps), 8 bytes per synapse.
 */
export class GaussNorms {
  readonly buffer: GPUBuffer;
  private readonly pipeline: GPUComputePipeline;
  private readonly uniforms: GPUBuffer;
  private readonly bindGroups: BindGroupCache;

  constructor(
    private readonly device: GPUDevice,
    private readonly synapses: number,
    maxDelay: number,
    label: string,
  ) {
    this.pipeline = computePipeline(device, {
      label: `gauss_norms ${synapses} Td${maxDelay}`,
      layout: 'auto',
      compute: {
        module: shaderModule(device, 'gauss_norms.wgsl', `${gaussSource}\n${source}`),
        entryPoint: 'main',
        constants: { SYNAPSES: synapses, MAX_DELAY: maxDelay, WORKGROUP_SIZE: NORMS_WORKGROUP },
      },
    });
    this.buffer = device.createBuffer({
      label: `${label} Gaussian norms`,
      size: Math.max(8, 8 * synapses),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    this.uniforms = device.createBuffer({
      label: `${label} Gaussian norms params`,
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.bindGroups = new BindGroupCache(device, 'gauss_norms bindings', this.pipeline.getBindGroupLayout(0));
  }

  /** Records the pass over `delays` (GPU-resident, [inputs][outputs]) with this step's sigma. */
  encode(encoder: GPUCommandEncoder, delays: GPUBuffer, sigma: number): void {
    this.device.queue.writeBuffer(this.uniforms, 0, new Float32Array([sigma, 0, 0, 0]));
    const bindGroup = this.bindGroups.get([delays, this.buffer, this.uniforms]);
    dispatch(
      this.device,
      encoder,
      'gauss_norms pass',
      this.pipeline,
      bindGroup,
      this.synapses,
      NORMS_WORKGROUP,
    );
  }

  destroy(): void {
    this.buffer.destroy();
    this.uniforms.destroy();
  }
}
