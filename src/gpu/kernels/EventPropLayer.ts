import backwardSource from '../../../shaders/eventprop_backward.wgsl?raw';
import commonSource from '../../../shaders/eventprop_common.wgsl?raw';
import forwardSource from '../../../shaders/eventprop_forward.wgsl?raw';
import type { ExactLifParams, OutputKind } from '../../core/eventprop/exactLif.ts';
import { BufferScope } from '../buffers.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';

/** One layer of EventProp's time-stepped model. */
export interface EventPropLayerShape {
  inputs: number;
  neurons: number;
  timeSteps: number;
  /** Step (ms). */
  dtMs: number;
  lif: ExactLifParams;
  output: OutputKind;
}

/**
 * Spikes dense per step: [batch][step][neuron] the spike's time (ms) inside that step, -1 for
 * none (the time-stepped model spikes at most once per step).
 */
export interface EventPropForwardResult {
  times: Float32Array;
  /** I at each spike (0 where none). */
  currents: Float32Array;
  /** [batch][neuron][3]: a readout's integral, or its maximum, the maximum's step and offset (ms). */
  readout: Float32Array;
}

export interface EventPropBackwardInput {
  inTimes: Float32Array;
  weights: Float32Array;
  /** Delays (ms), [inputs][neurons]. */
  delays: Float32Array;
  forward: EventPropForwardResult;
  /** [batch][step][neuron]: dL/dt of each spike of this layer (0 where none). */
  timeGrads: Float32Array;
  /** [batch][neuron]: dL/d(integral) or dL/d(max) of a readout (ignored for spiking layers). */
  readoutGrads: Float32Array;
}

export interface EventPropBackwardResult {
  /** [inputs][neurons], summed over the batch; the delay gradient per ms. */
  gradWeights: Float32Array;
  gradDelays: Float32Array;
  /** [batch][step][input]: dL/dt of each input spike (0 where none). */
  inTimeGrads: Float32Array;
}

const OUTPUT_CODES: Record<OutputKind, number> = { spiking: 0, integral: 1, max: 2 };
const PARAMS_BYTES = 32;

/**
 * EventProp's time-stepped forward and backward passes of one layer in WGSL
 * (shaders/eventprop_forward.wgsl, shaders/eventprop_backward.wgsl), checked against the CPU
 * reference of the same variant (steppedLif.ts and adjoint.ts). Sizes and the output kind are
 * `override` constants; dt, the time constants and the threshold a uniform.
 */
export class EventPropLayer {
  private readonly forwardPipeline: GPUComputePipeline;
  private readonly adjointPipeline: GPUComputePipeline;
  private readonly weightGradPipeline: GPUComputePipeline;
  private readonly inputGradPipeline: GPUComputePipeline;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: EventPropLayerShape,
  ) {
    if (shape.lif.tauSyn === shape.lif.tauMem)
      throw new RangeError(
        'EventProp needs tauSyn different from tauMem (the closed form divides by the difference)',
      );
    const constants = {
      INPUTS: shape.inputs,
      NEURONS: shape.neurons,
      STEPS: shape.timeSteps,
      OUTPUT: OUTPUT_CODES[shape.output],
      WORKGROUP_SIZE: DEFAULT_WORKGROUP_SIZE,
    };
    const key = `${shape.inputs}x${shape.neurons} T${shape.timeSteps} ${shape.output}`;
    const forward = shaderModule(device, 'eventprop_forward.wgsl', `${commonSource}\n${forwardSource}`);
    const backward = shaderModule(device, 'eventprop_backward.wgsl', `${commonSource}\n${backwardSource}`);
    const pipeline = (module: GPUShaderModule, entryPoint: string) =>
      computePipeline(device, {
        label: `eventprop ${entryPoint} ${key}`,
        layout: 'auto',
        compute: { module, entryPoint, constants },
      });
    this.forwardPipeline = pipeline(forward, 'main');
    this.adjointPipeline = pipeline(backward, 'adjoint');
    this.weightGradPipeline = pipeline(backward, 'weight_grads');
    this.inputGradPipeline = pipeline(backward, 'input_grads');
  }

  private params(batch: number): ArrayBuffer {
    const data = new ArrayBuffer(PARAMS_BYTES);
    new Uint32Array(data, 0, 1)[0] = batch;
    const { dtMs, lif } = this.shape;
    new Float32Array(data, 4, 4).set([dtMs, lif.tauMem, lif.tauSyn, lif.threshold]);
    return data;
  }

  private check(what: string, data: Float32Array, expected: number): void {
    if (data.length !== expected)
      throw new RangeError(`EventProp layer: ${what} has ${data.length} values, expected ${expected}`);
  }

  /** The forward pass of a batch: input spike times [batch][step][input] (ms, -1 none). */
  async forward(
    inTimes: Float32Array,
    weights: Float32Array,
    delays: Float32Array,
    batch: number,
  ): Promise<EventPropForwardResult> {
    const { device, shape } = this;
    const { inputs, neurons, timeSteps } = shape;
    this.check('inTimes', inTimes, batch * timeSteps * inputs);
    this.check('weights', weights, inputs * neurons);
    this.check('delays', delays, inputs * neurons);
    const scope = new BufferScope(device);
    try {
      const cells = batch * timeSteps * neurons;
      const times = scope.output('eventprop out times', cells);
      const currents = scope.output('eventprop out currents', cells);
      const readout = scope.output('eventprop readout', batch * neurons * 3);
      // Bindings by number, as the shaders declare them (the uniform first, in eventprop_common.wgsl).
      const entries = [
        scope.uniform('eventprop params', this.params(batch)),
        scope.input('eventprop in times', inTimes),
        scope.input('eventprop weights', weights),
        scope.input('eventprop delays', delays),
        scope.output('eventprop arrivals', cells),
        times,
        currents,
        readout,
      ];
      const encoder = device.createCommandEncoder({ label: 'eventprop forward' });
      dispatch(
        device,
        encoder,
        'eventprop forward',
        this.forwardPipeline,
        this.bindGroup(this.forwardPipeline, entries),
        batch * neurons,
      );
      const [t, c, r] = await scope.read(encoder, [times, currents, readout]);
      return { times: t!, currents: c!, readout: r! };
    } finally {
      scope.destroy();
    }
  }

  /** The backward pass of a batch after `forward`: parameter gradients and input spike-time gradients. */
  async backward(input: EventPropBackwardInput, batch: number): Promise<EventPropBackwardResult> {
    const { device, shape } = this;
    const { inputs, neurons, timeSteps } = shape;
    const cells = batch * timeSteps * neurons;
    this.check('inTimes', input.inTimes, batch * timeSteps * inputs);
    this.check('timeGrads', input.timeGrads, cells);
    this.check('readoutGrads', input.readoutGrads, batch * neurons);
    const scope = new BufferScope(device);
    try {
      // Bindings by number, as the shader declares them; each entry point's pipeline uses some.
      const buffers: GPUBuffer[] = [
        scope.uniform('eventprop params', this.params(batch)),
        scope.input('eventprop in times', input.inTimes),
        scope.input('eventprop weights', input.weights),
        scope.input('eventprop delays', input.delays),
        scope.input('eventprop out times', input.forward.times),
        scope.input('eventprop out currents', input.forward.currents),
        scope.input('eventprop time grads', input.timeGrads),
        scope.input('eventprop readout', input.forward.readout),
        scope.input('eventprop readout grads', input.readoutGrads),
        scope.output('eventprop lambdas', 2 * cells),
        scope.output('eventprop weight grads', inputs * neurons),
        scope.output('eventprop delay grads', inputs * neurons),
        scope.output('eventprop input time grads', batch * timeSteps * inputs),
      ];
      const used = (pipeline: GPUComputePipeline, bindings: number[]) =>
        this.bindGroup(pipeline, buffers, bindings);
      const encoder = device.createCommandEncoder({ label: 'eventprop backward' });
      dispatch(
        device,
        encoder,
        'eventprop adjoint',
        this.adjointPipeline,
        used(this.adjointPipeline, [0, 4, 5, 6, 7, 8, 9]),
        batch * neurons,
      );
      dispatch(
        device,
        encoder,
        'eventprop weight grads',
        this.weightGradPipeline,
        used(this.weightGradPipeline, [0, 1, 2, 3, 9, 10, 11]),
        inputs * neurons,
      );
      dispatch(
        device,
        encoder,
        'eventprop input grads',
        this.inputGradPipeline,
        used(this.inputGradPipeline, [0, 1, 2, 3, 9, 12]),
        batch * timeSteps * inputs,
      );
      const [gw, gd, gi] = await scope.read(encoder, [buffers[10]!, buffers[11]!, buffers[12]!]);
      return { gradWeights: gw!, gradDelays: gd!, inTimeGrads: gi! };
    } finally {
      scope.destroy();
    }
  }

  /** A bind group of `buffers` by binding number: all of them, or those the entry point uses. */
  private bindGroup(
    pipeline: GPUComputePipeline,
    buffers: GPUBuffer[],
    bindings: number[] = buffers.map((_, binding) => binding),
  ): GPUBindGroup {
    return this.device.createBindGroup({
      label: `${pipeline.label} bindings`,
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((binding) => ({ binding, resource: { buffer: buffers[binding]! } })),
    });
  }
}
