import source from '../../../shaders/mask_gradients.wgsl?raw';
import { BindGroupCache } from '../bindGroupCache.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/**
 * Zeroes the weight and delay gradients of the synapses a layer's fixed connectivity mask leaves
 * out (shaders/mask_gradients.wgsl), after its backward pass and before Adam.
 */
export class MaskGradients {
  private readonly pipeline: GPUComputePipeline;
  private readonly mask: GPUBuffer;
  private readonly bindGroups: BindGroupCache;

  constructor(
    private readonly device: GPUDevice,
    mask: Uint8Array,
    label: string,
  ) {
    this.pipeline = computePipeline(device, {
      label: `mask gradients ${label}`,
      layout: 'auto',
      compute: {
        module: shaderModule(device, 'mask_gradients.wgsl', source),
        entryPoint: 'main',
        constants: { WORKGROUP_SIZE: DEFAULT_WORKGROUP_SIZE, COUNT: mask.length },
      },
    });
    this.mask = device.createBuffer({
      label: `${label} connectivity mask`,
      size: Math.max(4, mask.length * 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.mask, 0, Uint32Array.from(mask));
    this.bindGroups = new BindGroupCache(
      device,
      'mask gradients bindings',
      this.pipeline.getBindGroupLayout(0),
    );
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
