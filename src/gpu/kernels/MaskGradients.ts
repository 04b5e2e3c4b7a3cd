import source from '../../../shaders/mask_gradients.wgsl?raw';
import { BindGroupCache } from '../bindGroupCache.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/**
 * Zeroes the weight and delay gradients of the synapses a layer's connectivity mask leaves out
 * (shaders/mask_gradients.wgsl), after its backward pass and before Adam; with
 * `keepWeightGradients` (RigL) only the delay gradients. `update` replaces the mask (rewiring).
 */
export class MaskGradients {
  private readonly pipeline: GPUComputePipeline;
  private readonly mask: GPUBuffer;
  private readonly bindGroups: BindGroupCache;

  constructor(
    private readonly device: GPUDevice,
    mask: Uint8Array,
    label: string,
    keepWeightGradients = false,
  ) {
    this.pipeline = computePipeline(device, {
      label: `mask gradients ${label}`,
      layout: 'auto',
      compute: {
        module: shaderModule(device, 'mask_gradients.wgsl', source),
        entryPoint: 'main',
        constants: {
          WORKGROUP_SIZE: DEFAULT_WORKGROUP_SIZE,
          COUNT: mask.length,
          KEEP_WEIGHT_GRADS: keepWeightGradients ? 1 : 0,
        },
      },
    });
    this.mask = device.createBuffer({
      label: `${label} connectivity mask`,
      size: Math.max(4, mask.length * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.update(mask);
    this.bindGroups = new BindGroupCache(
      device,
      'mask gradients bindings',
      this.pipeline.getBindGroupLayout(0),
    );
  }

  /** Writes a new mask (queued before the next submitted step). */
  update(mask: Uint8Array): void {
    this.device.queue.writeBuffer(this.mask, 0, Uint32Array.from(mask));
  }

  /** Records the pass over one layer's gradient buffers. */
  encode(encoder: GPUCommandEncoder, gradWeights: GPUBuffer, gradDelays: GPUBuffer): void {
    const count = this.mask.size / 4;
    const bindGroup = this.bindGroups.get([this.mask, gradWeights, gradDelays]);
    dispatch(
      this.device,
      encoder,
      'mask gradients pass',
      this.pipeline,
      bindGroup,
      count,
      DEFAULT_WORKGROUP_SIZE,
    );
  }

  destroy(): void {
    this.mask.destroy();
  }
}
