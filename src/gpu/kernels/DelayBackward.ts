import gaussSource from '../../../shaders/gauss.wgsl?raw';
import source from '../../../shaders/delay_backward.wgsl?raw';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { BufferScope, batchSigmaUniform, fitStorageBuffer } from '../buffers.ts';
import { eventsByInput, spikeEventLists, type InputEventLists } from './spikeEvents.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { activeSynapsesFor, normsPlaceholder, shaderMode, type DelayForwardShape } from './DelayForward.ts';
import { BindGroupCache } from '../bindGroupCache.ts';
import type { ActiveSynapses } from './ActiveSynapses.ts';
import { GaussNorms, usesGaussNorms } from './GaussNorms.ts';
import { bindGroupLayout, computePipeline, pipelineLayout, shaderModule } from '../pipelineCache.ts';

/** The shader's DELAY_GRAD constant: which smooth kernel's delay derivative applies, if any. */
function delayGradKind(kernel: DelayKernelConfig): number {
  if (kernel.mode === 'gauss') return 1;
  if (kernel.mode === 'lerp') return 2;
  if (kernel.mode === 'hardware') return kernel.hardwareBackward === 'gauss' ? 1 : 2;
  return 0;
}

/** Invocations per workgroup of both backward entry points. */
export const DELAY_BACKWARD_WORKGROUP = DEFAULT_WORKGROUP_SIZE;

/** The buffers of one backward pass (DelayBackward.encode). */
export interface DelayBackwardIo {
  spikes: GPUBuffer;
  weights: GPUBuffer;
  delays: GPUBuffer;
  gradCurrent: GPUBuffer;
  gradWeights: GPUBuffer;
  gradDelays: GPUBuffer;
  gradInput: GPUBuffer | null;
  /** This step's GaussNorms buffer (the forward's) when the backward uses the Gaussian kernel. */
  norms: GPUBuffer | null;
  /** Walk the events given to uploadInputEvents (this batch's input) for the weight and delay gradients. */
  useInputEvents?: boolean;
  /**
   * A masked layer's active synapses: the input gradient visits only those, and unless
   * `allParameterGradients` (RigL ranks the dormant ones) so does the parameter pass, which then
   * leaves the absent synapses' gradients unwritten (MaskGradients zeroes them).
   */
  active?: ActiveSynapses | null;
  allParameterGradients?: boolean;
}

export interface DelayGradients {
  gradWeights: Float32Array;
  gradDelays: Float32Array;
  gradInput: Float32Array;
}

/** The delay-layer backward pass on the GPU (shaders/delay_backward.wgsl), deterministic. */
export class DelayBackward {
  private readonly paramPipeline: GPUComputePipeline;
  private readonly paramEventsPipeline: GPUComputePipeline;
  // The layer input's events by input neuron (uploadInputEvents), bound in place of the spikes
  // for the events variant: offsets, rows and value bits in one u32 buffer.
  private events: GPUBuffer | null = null;
  private readonly inputPipeline: GPUComputePipeline;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: DelayForwardShape,
  ) {
    const module = shaderModule(device, 'delay_backward.wgsl', `${gaussSource}\n${source}`);
    const constants = {
      INPUTS: shape.inputs,
      OUTPUTS: shape.outputs,
      STEPS: shape.timeSteps,
      MAX_DELAY: shape.kernel.maxDelay,
      MODE: shaderMode(shape.kernel),
      DELAY_GRAD: delayGradKind(shape.kernel),
      COMPACT: shape.compact ? 1 : 0,
      WORKGROUP_SIZE: DELAY_BACKWARD_WORKGROUP,
    };
    const label = `${shape.inputs}x${shape.outputs} T${shape.timeSteps} ${shape.kernel.mode}`;
    const layout = bindGroupLayout(device, {
      label: 'delay_backward layout',
      entries: [
        ...[0, 1, 2, 3].map((binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'read-only-storage' as const },
        })),
        ...[4, 5, 6].map((binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'storage' as const },
        })),
        { binding: 7, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' as const } },
        { binding: 8, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' as const } },
      ],
    });
    this.layout = layout;
    const sharedLayout = pipelineLayout(device, {
      label: 'delay_backward pipeline layout',
      bindGroupLayouts: [layout],
    });
    this.paramPipeline = computePipeline(device, {
      label: `delay_backward params ${label}`,
      layout: sharedLayout,
      compute: { module, entryPoint: 'param_grads', constants },
    });
    this.paramEventsPipeline = computePipeline(device, {
      label: `delay_backward params from events ${label}`,
      layout: sharedLayout,
      compute: { module, entryPoint: 'param_grads', constants: { ...constants, USE_EVENTS: 1 } },
    });
    this.inputPipeline = computePipeline(device, {
      label: `delay_backward inputs ${label}`,
      layout: sharedLayout,
      compute: { module, entryPoint: 'input_grads', constants },
    });
    // Over a masked layer's active synapses (ActiveSynapses): each entry point its own layout
    // (with the lists at binding 9, the parameter pass's would exceed 8 storage buffers if it
    // also held the input gradient's binding 6).
    const activePipeline = (entryPoint: string, events: boolean): GPUComputePipeline =>
      computePipeline(device, {
        label: `delay_backward ${entryPoint}${events ? ' from events' : ''} ${label}`,
        layout: 'auto',
        compute: { module, entryPoint, constants: { ...constants, USE_EVENTS: events ? 1 : 0 } },
      });
    this.active = {
      params: activePipeline('param_grads_active', false),
      paramsFromEvents: activePipeline('param_grads_active', true),
      inputs: activePipeline('input_grads_active', false),
    };
  }

  private readonly active: {
    params: GPUComputePipeline;
    paramsFromEvents: GPUComputePipeline;
    inputs: GPUComputePipeline;
  };
  private activeBindGroups: {
    params: BindGroupCache;
    paramsFromEvents: BindGroupCache;
    inputs: BindGroupCache;
  } | null = null;

  private readonly layout: GPUBindGroupLayout;

  private uniforms: GPUBuffer | null = null;
  private placeholder: GPUBuffer | null = null;
  private normsPlaceholder: GPUBuffer | null = null;
  private bindGroups: BindGroupCache | null = null;

  /**
   * Records the parameter-gradient pass and, when `gradInput` is given, the input-gradient pass,
   * on GPU-resident buffers; batch and sigma go to this instance's own uniform buffer.
   */
  encode(encoder: GPUCommandEncoder, io: DelayBackwardIo, batch: number, sigma: number): void {
    const { device, shape } = this;
    this.uniforms ??= device.createBuffer({
      label: 'delay_backward params',
      size: 8,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.placeholder ??= device.createBuffer({
      label: 'delay_backward no input gradient',
      size: 8,
      usage: GPUBufferUsage.STORAGE,
    });
    device.queue.writeBuffer(this.uniforms, 0, batchSigmaUniform(batch, sigma));
    // Its own stand-in: one buffer bound both read-write and read-only is invalid.
    const norms = io.norms ?? (this.normsPlaceholder ??= normsPlaceholder(device));
    const layerInput = io.useInputEvents ? this.uploadedEvents() : io.spikes;
    const active = io.active ?? null;
    if (shape.compact && (!active || io.allParameterGradients))
      throw new Error('delay_backward: a compact layer runs over its active-synapse lists only');
    this.bindGroups ??= new BindGroupCache(device, 'delay_backward bindings', this.layout);
    const denseGroup = (): GPUBindGroup =>
      this.bindGroups!.get([
        layerInput,
        io.weights,
        io.delays,
        io.gradCurrent,
        io.gradWeights,
        io.gradDelays,
        // A masked layer's input gradient is the active pass's: the dense group never writes it.
        (!active && io.gradInput) || this.placeholder!,
        this.uniforms!,
        norms,
      ]);
    if (!active || io.allParameterGradients) {
      dispatch(
        device,
        encoder,
        io.useInputEvents ? 'delay_backward params (events) pass' : 'delay_backward params pass',
        io.useInputEvents ? this.paramEventsPipeline : this.paramPipeline,
        denseGroup(),
        shape.inputs * shape.outputs,
        DELAY_BACKWARD_WORKGROUP,
      );
    } else if (active.count > 0) {
      const groups = this.activeGroups();
      const events = io.useInputEvents === true;
      dispatch(
        device,
        encoder,
        'delay_backward params (active synapses) pass',
        events ? this.active.paramsFromEvents : this.active.params,
        (events ? groups.paramsFromEvents : groups.params).get([
          layerInput,
          io.weights,
          io.delays,
          io.gradCurrent,
          io.gradWeights,
          io.gradDelays,
          this.uniforms,
          norms,
          active.lists,
        ]),
        active.count,
        DELAY_BACKWARD_WORKGROUP,
      );
    }
    if (!io.gradInput) return;
    dispatch(
      device,
      encoder,
      active ? 'delay_backward inputs (active synapses) pass' : 'delay_backward inputs pass',
      active ? this.active.inputs : this.inputPipeline,
      active
        ? this.activeGroups().inputs.get([
            io.weights,
            io.delays,
            io.gradCurrent,
            io.gradInput,
            this.uniforms,
            norms,
            active.lists,
          ])
        : denseGroup(),
      batch * shape.timeSteps * shape.inputs,
      DELAY_BACKWARD_WORKGROUP,
    );
  }

  /** Bind groups of the *_active entry points (their own layouts: bindings with gaps). */
  private activeGroups(): NonNullable<DelayBackward['activeBindGroups']> {
    const cache = (pipeline: GPUComputePipeline, name: string, bindings: number[]): BindGroupCache =>
      new BindGroupCache(
        this.device,
        `delay_backward ${name} bindings`,
        pipeline.getBindGroupLayout(0),
        16,
        bindings,
      );
    const paramBindings = [0, 1, 2, 3, 4, 5, 7, 8, 9];
    return (this.activeBindGroups ??= {
      params: cache(this.active.params, 'params (active)', paramBindings),
      paramsFromEvents: cache(this.active.paramsFromEvents, 'params from events (active)', paramBindings),
      inputs: cache(this.active.inputs, 'inputs (active)', [1, 2, 3, 6, 7, 8, 9]),
    });
  }

  /**
   * This batch's layer input as event lists by input neuron (queued before the next submitted
   * step, in queue order), for an encode with useInputEvents.
   */
  uploadInputEvents(events: InputEventLists): void {
    const packed = events.packed;
    this.events = fitStorageBuffer(
      this.device,
      this.events,
      'delay_backward input events',
      packed.byteLength,
    );
    this.device.queue.writeBuffer(this.events, 0, packed);
  }

  private uploadedEvents(): GPUBuffer {
    if (!this.events)
      throw new Error('DelayBackward: uploadInputEvents before an encode with useInputEvents');
    return this.events;
  }

  destroy(): void {
    this.events?.destroy();
    this.uniforms?.destroy();
    this.placeholder?.destroy();
    this.normsPlaceholder?.destroy();
  }

  /** Gradients of weights, delays ([inputs][outputs]) and inputs ([batch][T][inputs]) from dL/dcurrent. */
  async run(
    spikes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    gradCurrent: Float32Array,
    batch: number,
    sigma: number,
    /**
     * fromEvents: weight and delay gradients from the spikes' event lists (as for a first layer),
     * not every (b, t). mask: over the active synapses only (absent ones' gradients: 0).
     * synapses: a compact shape's synapse indices (weights, delays and the gradients hold those).
     */
    options: { fromEvents?: boolean; mask?: Uint8Array; synapses?: Int32Array } = {},
  ): Promise<DelayGradients> {
    const { device, shape } = this;
    const active = activeSynapsesFor(
      device,
      'delay_backward',
      shape,
      weights,
      options.mask ?? null,
      options.synapses ?? null,
    );
    if (options.fromEvents) {
      const lists = spikeEventLists(spikes, batch, shape.timeSteps, shape.inputs)!;
      this.uploadInputEvents(eventsByInput(lists, shape.inputs));
    }
    const scope = new BufferScope(device);
    const synapses = options.synapses?.length ?? shape.inputs * shape.outputs;
    const norms = usesGaussNorms(shape.kernel)
      ? new GaussNorms(device, synapses, shape.kernel.maxDelay, 'delay_backward')
      : null;
    try {
      const gradWeights = scope.output('delay_backward gradWeights', synapses);
      const gradDelays = scope.output('delay_backward gradDelays', synapses);
      const gradInput = scope.output('delay_backward gradInput', batch * shape.timeSteps * shape.inputs);
      const encoder = device.createCommandEncoder({ label: 'delay_backward' });
      const delayBuffer = scope.input('delay_backward delays', delays);
      norms?.encode(encoder, delayBuffer, sigma);
      this.encode(
        encoder,
        {
          spikes: scope.input('delay_backward spikes', spikes),
          weights: scope.input('delay_backward weights', weights),
          delays: delayBuffer,
          norms: norms?.buffer ?? null,
          useInputEvents: options.fromEvents === true,
          gradCurrent: scope.input('delay_backward gradCurrent', gradCurrent),
          gradWeights,
          gradDelays,
          gradInput,
          active,
        },
        batch,
        sigma,
      );
      const [w, d, i] = await scope.read(encoder, [gradWeights, gradDelays, gradInput]);
      return { gradWeights: w!, gradDelays: d!, gradInput: i! };
    } finally {
      scope.destroy();
      norms?.destroy();
      active?.destroy();
    }
  }
}
