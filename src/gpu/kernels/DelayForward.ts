import gaussSource from '../../../shaders/gauss.wgsl?raw';
import prelude from '../../../shaders/delay_forward_prelude.wgsl?raw';
import source from '../../../shaders/delay_forward.wgsl?raw';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { BufferScope, batchSigmaUniform } from '../buffers.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { BindGroupCache } from '../bindGroupCache.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';
import { ActiveSynapses } from './ActiveSynapses.ts';
import { GaussNorms, usesGaussNorms } from './GaussNorms.ts';

/**
 * The active-synapse lists a one-off pass needs: from a compact layer's synapse indices, from a
 * mask (and the weights), or none.
 */
export function activeSynapsesFor(
  device: GPUDevice,
  label: string,
  shape: DelayForwardShape,
  weights: ArrayLike<number>,
  mask: Uint8Array | null,
  synapses: Int32Array | null,
): ActiveSynapses | null {
  if (!mask && !synapses) return null;
  const active = new ActiveSynapses(device, label);
  if (synapses) active.updateFromIndex(synapses, shape.inputs, shape.outputs);
  else active.update(mask!, weights, shape.inputs, shape.outputs);
  return active;
}

/** Invocations per workgroup of the dense and sparse forward shaders (one per (b, t, j)). */
export const DELAY_FORWARD_WORKGROUP = DEFAULT_WORKGROUP_SIZE;

/** Maps a kernel config to the shaders' MODE constant; hardware runs forward as round. */
export function shaderMode(kernel: DelayKernelConfig): number {
  if (kernel.mode === 'gauss') return 0;
  if (kernel.mode === 'lerp') return 1;
  return kernel.rounding === 'floor' ? 2 : 3;
}

/**
 * The compute pipeline of a delay forward shader (dense or sparse gather): the Gaussian helpers,
 * the shared prelude and the shader's body, with the shape and kernel mode as override constants.
 */
export function delayForwardPipeline(
  device: GPUDevice,
  name: string,
  body: string,
  shape: DelayForwardShape,
  entryPoint = 'main',
): GPUComputePipeline {
  return computePipeline(device, {
    label: `${name} ${entryPoint} ${shape.inputs}x${shape.outputs} T${shape.timeSteps} ${shape.kernel.mode}`,
    layout: 'auto',
    compute: {
      module: shaderModule(device, `${name}.wgsl`, `${gaussSource}\n${prelude}\n${body}`),
      entryPoint,
      constants: {
        INPUTS: shape.inputs,
        OUTPUTS: shape.outputs,
        STEPS: shape.timeSteps,
        MAX_DELAY: shape.kernel.maxDelay,
        MODE: shaderMode(shape.kernel),
        COMPACT: shape.compact ? 1 : 0,
        WORKGROUP_SIZE: DELAY_FORWARD_WORKGROUP,
      },
    },
  });
}

export interface DelayForwardShape {
  inputs: number;
  outputs: number;
  timeSteps: number;
  kernel: DelayKernelConfig;
  /**
   * A compact layer: its parameter (and norm and gradient) buffers hold the active synapses
   * only, in the by-input order of its ActiveSynapses lists, which every pass then needs.
   */
  compact?: boolean;
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
    this.pipeline = delayForwardPipeline(device, 'delay_forward', source, shape);
  }

  private uniforms: GPUBuffer | null = null;
  private bindGroups: BindGroupCache | null = null;
  private placeholder: GPUBuffer | null = null;
  /** The entry point over active synapses only (main_active), built on first use. */
  private activePipeline: GPUComputePipeline | null = null;
  private activeBindGroups: BindGroupCache | null = null;

  /**
   * Records the pass on GPU-resident buffers; batch and sigma go to this instance's own uniform
   * buffer. `norms`: this step's GaussNorms buffer for a Gaussian kernel (else null).
   */
  encode(
    encoder: GPUCommandEncoder,
    io: {
      spikes: GPUBuffer;
      weights: GPUBuffer;
      delays: GPUBuffer;
      current: GPUBuffer;
      norms: GPUBuffer | null;
      /** A masked layer's active synapses: visit only those (same sums, in the same order). */
      active?: ActiveSynapses | null;
    },
    batch: number,
    sigma: number,
  ): void {
    const { device, shape } = this;
    this.uniforms ??= device.createBuffer({
      label: 'delay_forward params',
      size: 8,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.uniforms, 0, batchSigmaUniform(batch, sigma));
    this.placeholder ??= normsPlaceholder(device);
    const buffers = [
      io.spikes,
      io.weights,
      io.delays,
      io.current,
      this.uniforms,
      io.norms ?? this.placeholder,
    ];
    if (shape.compact && !io.active)
      throw new Error('delay_forward: a compact layer needs its active-synapse lists');
    let pipeline = this.pipeline;
    let bindGroup: GPUBindGroup;
    if (io.active) {
      pipeline = this.activePipeline ??= delayForwardPipeline(
        device,
        'delay_forward',
        source,
        shape,
        'main_active',
      );
      this.activeBindGroups ??= new BindGroupCache(
        device,
        'delay_forward active bindings',
        pipeline.getBindGroupLayout(0),
      );
      bindGroup = this.activeBindGroups.get([...buffers, io.active.lists]);
    } else {
      this.bindGroups ??= new BindGroupCache(
        device,
        'delay_forward bindings',
        this.pipeline.getBindGroupLayout(0),
      );
      bindGroup = this.bindGroups.get(buffers);
    }
    dispatch(
      device,
      encoder,
      io.active ? 'delay_forward (active synapses) pass' : 'delay_forward pass',
      pipeline,
      bindGroup,
      batch * shape.timeSteps * shape.outputs,
      DELAY_FORWARD_WORKGROUP,
    );
  }

  destroy(): void {
    this.uniforms?.destroy();
    this.placeholder?.destroy();
  }

  /**
   * spikes [batch][T][inputs], weights and delays [inputs][outputs] -> current [batch][T][outputs];
   * with `mask`, over the active synapses only (ActiveSynapses); with `synapses` (a compact
   * shape), weights and delays hold those synapses only.
   */
  async run(
    spikes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    batch: number,
    sigma: number,
    mask: Uint8Array | null = null,
    synapses: Int32Array | null = null,
  ): Promise<Float32Array> {
    const active = activeSynapsesFor(this.device, 'delay_forward', this.shape, weights, mask, synapses);
    try {
      return await this.runOnce(spikes, weights, delays, batch, sigma, active);
    } finally {
      active?.destroy();
    }
  }

  private runOnce(
    spikes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    batch: number,
    sigma: number,
    active: ActiveSynapses | null,
  ): Promise<Float32Array> {
    return runDelayForwardOnce(
      this.device,
      this.shape,
      'delay_forward',
      batch,
      delays,
      sigma,
      (scope, encoder, io) =>
        this.encode(
          encoder,
          {
            spikes: scope.input('delay_forward spikes', spikes),
            weights: scope.input('delay_forward weights', weights),
            ...io,
            active,
          },
          batch,
          sigma,
        ),
    );
  }
}

/** An 8-byte stand-in bound where a kernel without Gaussian taps takes no norms. */
export function normsPlaceholder(device: GPUDevice): GPUBuffer {
  return device.createBuffer({ label: 'no Gaussian norms', size: 8, usage: GPUBufferUsage.STORAGE });
}

/** The buffers a one-shot forward pass gets from runDelayForwardOnce. */
export interface OneShotForwardBuffers {
  delays: GPUBuffer;
  current: GPUBuffer;
  norms: GPUBuffer | null;
}

/**
 * One forward pass on fresh buffers, read back (tests and the in-browser check page): uploads
 * the delays, encodes the Gaussian norms pass when the kernel needs it, then `record` encodes
 * the forward pass into `encoder`, writing `current`; every buffer is destroyed afterwards.
 */
export async function runDelayForwardOnce(
  device: GPUDevice,
  shape: DelayForwardShape,
  label: string,
  batch: number,
  delays: Float32Array,
  sigma: number,
  record: (scope: BufferScope, encoder: GPUCommandEncoder, io: OneShotForwardBuffers) => void,
): Promise<Float32Array> {
  const scope = new BufferScope(device);
  const norms = usesGaussNorms(shape.kernel)
    ? new GaussNorms(device, delays.length, shape.kernel.maxDelay, label) // one per stored synapse
    : null;
  try {
    const current = scope.output(`${label} current`, batch * shape.timeSteps * shape.outputs);
    const delayBuffer = scope.input(`${label} delays`, delays);
    const encoder = device.createCommandEncoder({ label });
    norms?.encode(encoder, delayBuffer, sigma);
    record(scope, encoder, { delays: delayBuffer, current, norms: norms?.buffer ?? null });
    const [out] = await scope.read(encoder, [current]);
    return out!;
  } finally {
    scope.destroy();
    norms?.destroy();
  }
}
