import source from '../../../shaders/losses.wgsl?raw';
import type { LossConfig, Targets } from '../../core/train/losses.ts';
import { BufferScope } from '../buffers.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';

/** Invocations per workgroup (one per sample). */
export const LOSS_WORKGROUP = DEFAULT_WORKGROUP_SIZE;
import { computePipeline, shaderModule } from '../pipelineCache.ts';
import { BindGroupCache } from '../bindGroupCache.ts';

const LOSS_CODE: Record<LossConfig['kind'], number> = {
  ceSumMembrane: 0,
  ceMaxMembrane: 1,
  spikeCount: 2,
  spikeTime: 3,
  firstSpikeTime: 4,
};

/** The loss's two scalar parameters as the shader's `a` and `b`. */
function lossParams(loss: LossConfig): [number, number] {
  switch (loss.kind) {
    case 'spikeCount':
      return [loss.trueRate, loss.falseRate];
    case 'spikeTime':
      // b: the target window in steps (0 = every step).
      return [loss.traceTauSteps > 0 ? Math.exp(-1 / loss.traceTauSteps) : 0, loss.targetSteps ?? 0];
    case 'firstSpikeTime':
      return [loss.timeScale, loss.silentMargin];
    default:
      return [0, 0];
  }
}

export interface GpuLossResult {
  loss: number;
  /** dL/dmembrane for the membrane losses (cross-entropy, first-spike time), else dL/dspikes. */
  grad: Float32Array;
  gradIsMembrane: boolean;
}

/** Losses on the GPU (shaders/losses.wgsl), one invocation per sample. */
export class GpuLoss {
  private readonly pipeline: GPUComputePipeline;

  constructor(
    private readonly device: GPUDevice,
    private readonly config: LossConfig,
    private readonly outputs: number,
    private readonly timeSteps: number,
    labels: boolean,
  ) {
    this.pipeline = computePipeline(device, {
      label: `loss ${config.kind}`,
      layout: 'auto',
      compute: {
        module: shaderModule(device, 'losses.wgsl', source),
        entryPoint: 'main',
        constants: {
          OUTPUTS: outputs,
          STEPS: timeSteps,
          LOSS: LOSS_CODE[config.kind],
          LABELS: labels ? 1 : 0,
          ALPHA_TRACE: config.kind === 'spikeTime' && config.traceKernel === 'alpha' ? 1 : 0,
          WORKGROUP_SIZE: LOSS_WORKGROUP,
        },
      },
    });
  }

  private uniforms: GPUBuffer | null = null;
  private bindGroups: BindGroupCache | null = null;

  /** Records the loss pass on GPU-resident buffers (labels as u32, target times as f32). */
  encode(
    encoder: GPUCommandEncoder,
    io: {
      membrane: GPUBuffer;
      spikes: GPUBuffer;
      labels: GPUBuffer;
      targetTimes: GPUBuffer;
      grad: GPUBuffer;
      sampleLoss: GPUBuffer;
    },
    batch: number,
    threshold: number,
  ): void {
    const { device } = this;
    this.uniforms ??= device.createBuffer({
      label: 'loss params',
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.uniforms, 0, this.params(batch, threshold));
    this.bindGroups ??= new BindGroupCache(device, 'loss bindings', this.pipeline.getBindGroupLayout(0));
    const bindGroup = this.bindGroups.get([
      io.membrane,
      io.spikes,
      io.labels,
      io.targetTimes,
      io.grad,
      io.sampleLoss,
      this.uniforms,
    ]);
    dispatch(device, encoder, 'loss pass', this.pipeline, bindGroup, batch, LOSS_WORKGROUP);
  }

  /** Whether the gradient is with respect to the membrane (else the spikes). */
  get gradIsMembrane(): boolean {
    const kind = this.config.kind;
    return kind === 'ceSumMembrane' || kind === 'ceMaxMembrane' || kind === 'firstSpikeTime';
  }

  private params(batch: number, threshold: number): ArrayBuffer {
    const params = new ArrayBuffer(16);
    new Uint32Array(params, 0, 1)[0] = batch;
    new Float32Array(params, 4, 3).set([threshold, ...lossParams(this.config)]);
    return params;
  }

  destroy(): void {
    this.uniforms?.destroy();
  }

  async run(
    membrane: Float32Array,
    spikes: Float32Array,
    targets: Targets,
    batch: number,
    threshold: number,
  ): Promise<GpuLossResult> {
    const { device } = this;
    const scope = new BufferScope(device);
    try {
      const labels = targets.kind === 'labels' ? Uint32Array.from(targets.labels) : new Uint32Array(batch);
      const times =
        targets.kind === 'spikeTimes'
          ? Float32Array.from(targets.times)
          : new Float32Array(batch * this.outputs);
      const grad = scope.output('loss grad', batch * this.timeSteps * this.outputs);
      const sampleLoss = scope.output('loss per sample', batch);
      const encoder = device.createCommandEncoder({ label: 'loss' });
      this.encode(
        encoder,
        {
          membrane: scope.input('loss membrane', membrane),
          spikes: scope.input('loss spikes', spikes),
          // The shader reads u32 labels; the scope uploads raw bytes.
          labels: scope.input('loss labels', new Float32Array(labels.buffer)),
          targetTimes: scope.input('loss target times', times),
          grad,
          sampleLoss,
        },
        batch,
        threshold,
      );
      const [g, perSample] = await scope.read(encoder, [grad, sampleLoss]);
      let loss = 0;
      for (const v of perSample!) loss += v;
      return { loss, grad: g!, gradIsMembrane: this.gradIsMembrane };
    } finally {
      scope.destroy();
    }
  }
}
