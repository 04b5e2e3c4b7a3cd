import source from '../../../shaders/delay_forward_sparse.wgsl?raw';
import { BindGroupCache } from '../bindGroupCache.ts';
import { batchSigmaUniform, fitStorageBuffer } from '../buffers.ts';
import { dispatch } from '../grid.ts';
import type { ActiveSynapses } from './ActiveSynapses.ts';
import {
  activeSynapsesFor,
  DELAY_FORWARD_WORKGROUP,
  delayForwardPipeline,
  normsPlaceholder,
  runDelayForwardOnce,
  type DelayForwardShape,
} from './DelayForward.ts';
import { spikeEventLists, type SpikeEventLists } from './spikeEvents.ts';

/**
 * The sparse-gather delay-layer forward (shaders/delay_forward_sparse.wgsl) for the first layer:
 * the host turns the batch's input spikes into per-step event lists (`upload`), and the shader
 * visits only the inputs that spiked. Same result as DelayForward (a parity test checks both
 * against the CPU engine), a fraction of its work when few inputs spike.
 */
export class SparseDelayForward {
  private readonly pipeline: GPUComputePipeline;
  private readonly bindGroups: BindGroupCache;
  private readonly uniforms: GPUBuffer;
  private start: GPUBuffer | null = null;
  private input: GPUBuffer | null = null;
  private value: GPUBuffer | null = null;
  private placeholder: GPUBuffer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: DelayForwardShape,
  ) {
    // A compact layer finds each synapse's parameters through its active-synapse lists.
    this.pipeline = delayForwardPipeline(
      device,
      'delay_forward_sparse',
      source,
      shape,
      shape.compact ? 'main_compact' : 'main',
    );
    this.bindGroups = new BindGroupCache(
      device,
      'delay_forward_sparse bindings',
      this.pipeline.getBindGroupLayout(0),
    );
    this.uniforms = device.createBuffer({
      label: 'delay_forward_sparse params',
      size: 8,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** Writes a batch's event lists (queued before the next submitted step, in queue order). */
  upload(events: SpikeEventLists): void {
    this.start = this.fit(this.start, 'event starts', events.start.byteLength);
    this.input = this.fit(this.input, 'event inputs', events.input.byteLength);
    this.value = this.fit(this.value, 'event values', events.value.byteLength);
    const queue = this.device.queue;
    queue.writeBuffer(this.start, 0, events.start);
    if (events.count > 0) {
      queue.writeBuffer(this.input, 0, events.input);
      queue.writeBuffer(this.value, 0, events.value);
    }
  }

  /** Records the pass for the events uploaded last. */
  encode(
    encoder: GPUCommandEncoder,
    io: {
      weights: GPUBuffer;
      delays: GPUBuffer;
      current: GPUBuffer;
      norms: GPUBuffer | null;
      /** A compact layer's lists (required then, unused otherwise). */
      active?: ActiveSynapses | null;
    },
    batch: number,
    sigma: number,
  ): void {
    this.placeholder ??= normsPlaceholder(this.device);
    if (!this.start || !this.input || !this.value) throw new Error('SparseDelayForward: upload events first');
    if (this.shape.compact && !io.active)
      throw new Error('delay_forward_sparse: a compact layer needs its active-synapse lists');
    this.device.queue.writeBuffer(this.uniforms, 0, batchSigmaUniform(batch, sigma));
    const bindGroup = this.bindGroups.get([
      this.start,
      this.input,
      this.value,
      io.weights,
      io.delays,
      io.current,
      this.uniforms,
      io.norms ?? this.placeholder,
      ...(this.shape.compact ? [io.active!.lists] : []),
    ]);
    dispatch(
      this.device,
      encoder,
      'delay_forward_sparse pass',
      this.pipeline,
      bindGroup,
      batch * this.shape.timeSteps * this.shape.outputs,
      DELAY_FORWARD_WORKGROUP,
    );
  }

  destroy(): void {
    for (const b of [this.start, this.input, this.value, this.uniforms, this.placeholder]) b?.destroy();
  }

  /**
   * spikes [batch][T][inputs] (dense, converted here), weights and delays [inputs][outputs] ->
   * current; a compact shape's weights and delays hold the `synapses` listed only.
   */
  async run(
    spikes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    batch: number,
    sigma: number,
    synapses: Int32Array | null = null,
  ): Promise<Float32Array> {
    const { device, shape } = this;
    this.upload(spikeEventLists(spikes, batch, shape.timeSteps, shape.inputs)!);
    const active = activeSynapsesFor(device, 'delay_forward_sparse', shape, weights, null, synapses);
    try {
      return await runDelayForwardOnce(
        device,
        shape,
        'delay_forward_sparse',
        batch,
        delays,
        sigma,
        (scope, encoder, io) =>
          this.encode(encoder, { weights: scope.input('weights', weights), active, ...io }, batch, sigma),
      );
    } finally {
      active?.destroy();
    }
  }

  private fit(buffer: GPUBuffer | null, what: string, bytes: number): GPUBuffer {
    return fitStorageBuffer(this.device, buffer, `delay_forward_sparse ${what}`, bytes);
  }
}
