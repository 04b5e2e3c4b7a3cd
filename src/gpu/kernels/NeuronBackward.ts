import lifSource from '../../../shaders/lif_backward.wgsl?raw';
import srmSource from '../../../shaders/srm_backward.wgsl?raw';
import surrogatesSource from '../../../shaders/surrogates.wgsl?raw';
import type { LifConfig } from '../../core/neurons/lif.ts';
import type { SrmConfig } from '../../core/neurons/srm.ts';
import type { SurrogateKind } from '../../core/neurons/surrogates.ts';
import { bindGroupLayout, computePipeline, pipelineLayout, shaderModule } from '../pipelineCache.ts';
import { BufferScope } from '../buffers.ts';
import { dispatch } from '../grid.ts';
import { NEURON_WORKGROUP } from './NeuronForward.ts';
import { BindGroupCache } from '../bindGroupCache.ts';

export interface NeuronBackwardShape {
  neurons: number;
  timeSteps: number;
  /** Simulation step (ms), as passed to LifLayer / SrmLayer. */
  dtMs: number;
  config: LifConfig | SrmConfig;
}

/**
 * The forward record and the gradients with respect to the layer's outputs, all
 * [batch][T][neurons]. Either gradient may be null (zero), as in NeuronLayer.backward.
 */
export interface NeuronBackwardInputs {
  /** Membrane compared with the threshold at each step (before any reset), from the forward pass. */
  membrane: Float32Array;
  /** The forward pass's spikes (0/1). */
  spikes: Float32Array;
  /** dL/dspikes; ignored by a non-spiking layer, as on the CPU. */
  gradSpikes: Float32Array | null;
  /** dL/dmembrane. */
  gradMembrane: Float32Array | null;
}

/** Bytes of the uniform buffer: LIF uses 20 (batch, beta, 1 - beta, threshold, alpha), SRM 28. */
const PARAMS_BYTES = 32;

const SURROGATE_CODES: Record<SurrogateKind, number> = { arctan: 0, fastSigmoid: 1, slayerExp: 2 };

/**
 * The uniform block for the shader, with the coefficients computed exactly as LifLayer's and
 * SrmLayer's constructors (and LifLayer.backward's 1 - beta) compute them: in f64, then rounded
 * to f32 once.
 */
function paramBlock(config: LifConfig | SrmConfig, dtMs: number, batch: number): ArrayBuffer {
  const data = new ArrayBuffer(PARAMS_BYTES);
  new Uint32Array(data, 0, 1)[0] = batch;
  const f = new Float32Array(data, 4, 6);
  if (config.model === 'lif') {
    const beta = dtMs / config.tauMs;
    f[0] = beta;
    f[1] = 1 - beta;
    f[2] = config.threshold;
    f[3] = config.surrogate.alpha;
  } else {
    f[0] = config.threshold;
    f[1] = Math.exp(-dtMs / config.tauSynMs);
    f[2] = (Math.E * dtMs) / config.tauSynMs;
    f[3] = Math.exp(-dtMs / config.tauRefMs);
    f[4] = -config.refractoryScale * config.threshold * Math.E;
    f[5] = config.surrogate.alpha;
  }
  return data;
}

/**
 * The neuron backward pass through time on the GPU (shaders/lif_backward.wgsl,
 * shaders/srm_backward.wgsl), the adjoint of NeuronForward and the same recurrences as
 * LifLayer.backward and SrmLayer.backward: one invocation per (batch, neuron) looping over the
 * steps from the last to the first. Sizes, model switches (spiking, reset, detachReset), the
 * surrogate's kind and which gradients are present are `override` constants; dt, tau, threshold
 * and the surrogate's alpha go in a uniform. The bind group layout is explicit, so an absent
 * gradient (its binding unread by that pipeline) is bound to a small placeholder buffer.
 */
export class NeuronBackward {
  private readonly name: string;
  private readonly layout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  private readonly module: GPUShaderModule;
  private readonly baseConstants: Record<string, number>;
  private readonly variant: string;
  /** One pipeline per combination of present gradients, made on first use. */
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: NeuronBackwardShape,
  ) {
    const { config } = shape;
    const lif = config.model === 'lif';
    this.name = lif ? 'lif_backward' : 'srm_backward';
    this.baseConstants = {
      NEURONS: shape.neurons,
      STEPS: shape.timeSteps,
      SPIKING: config.spiking ? 1 : 0,
      DETACH_RESET: config.detachReset ? 1 : 0,
      SURROGATE: SURROGATE_CODES[config.surrogate.kind],
      WORKGROUP_SIZE: NEURON_WORKGROUP,
    };
    let variant = config.spiking ? 'spiking' : 'non-spiking';
    if (config.model === 'lif') {
      this.baseConstants['HARD_RESET'] = config.reset === 'hard' ? 1 : 0;
      if (config.spiking) variant += ` ${config.reset} reset`;
    }
    if (config.spiking) {
      variant += `${config.detachReset ? ' detached' : ''} ${config.surrogate.kind}`;
    }
    this.variant = variant;
    this.module = shaderModule(
      device,
      `${this.name}.wgsl`,
      `${surrogatesSource}\n${lif ? lifSource : srmSource}`,
    );
    const read = (binding: number): GPUBindGroupLayoutEntry => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: 'read-only-storage' },
    });
    this.layout = bindGroupLayout(device, {
      label: `${this.name} bindings layout`,
      entries: [
        read(0), // membrane
        read(1), // spikes
        read(2), // gradSpikes
        read(3), // gradMembrane
        { binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
        { binding: 5, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      ],
    });
    this.pipelineLayout = pipelineLayout(device, {
      label: `${this.name} layout`,
      bindGroupLayouts: [this.layout],
    });
  }

  private pipeline(hasGradSpikes: boolean, hasGradMembrane: boolean): GPUComputePipeline {
    const key = `${hasGradSpikes ? 's' : '-'}${hasGradMembrane ? 'm' : '-'}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const { shape } = this;
      pipeline = computePipeline(this.device, {
        label: `${this.name} N${shape.neurons} T${shape.timeSteps} ${this.variant} grads ${key}`,
        layout: this.pipelineLayout,
        compute: {
          module: this.module,
          entryPoint: 'main',
          constants: {
            ...this.baseConstants,
            HAS_GRAD_SPIKES: hasGradSpikes ? 1 : 0,
            HAS_GRAD_MEMBRANE: hasGradMembrane ? 1 : 0,
          },
        },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private uniforms: GPUBuffer | null = null;
  private bindGroups: BindGroupCache | null = null;
  private placeholder: GPUBuffer | null = null;

  /**
   * Records the pass on GPU-resident buffers (all [batch][T][neurons]; a null gradient is zero).
   * The batch size goes to this instance's own uniform buffer: one instance per layer.
   */
  encode(
    encoder: GPUCommandEncoder,
    io: {
      membrane: GPUBuffer;
      spikes: GPUBuffer;
      gradSpikes: GPUBuffer | null;
      gradMembrane: GPUBuffer | null;
      gradCurrent: GPUBuffer;
    },
    batch: number,
  ): void {
    const { device, shape, name } = this;
    this.uniforms ??= device.createBuffer({
      label: `${name} params`,
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.placeholder ??= device.createBuffer({
      label: `${name} absent gradient`,
      size: 4,
      usage: GPUBufferUsage.STORAGE,
    });
    device.queue.writeBuffer(this.uniforms, 0, paramBlock(shape.config, shape.dtMs, batch));
    const gradSpikes = shape.config.spiking ? io.gradSpikes : null;
    const pipeline = this.pipeline(gradSpikes !== null, io.gradMembrane !== null);
    this.bindGroups ??= new BindGroupCache(device, `${name} bindings`, this.layout);
    const bindGroup = this.bindGroups.get([
      io.membrane,
      io.spikes,
      gradSpikes ?? this.placeholder,
      io.gradMembrane ?? this.placeholder,
      io.gradCurrent,
      this.uniforms,
    ]);
    dispatch(device, encoder, `${name} pass`, pipeline, bindGroup, batch * shape.neurons, NEURON_WORKGROUP);
  }

  destroy(): void {
    this.uniforms?.destroy();
    this.placeholder?.destroy();
  }

  /** The forward record and output gradients -> dL/dcurrent [batch][T][neurons]. */
  async run(inputs: NeuronBackwardInputs, batch: number): Promise<Float32Array> {
    const { device, shape, name } = this;
    const total = batch * shape.timeSteps * shape.neurons;
    const check = (label: string, array: Float32Array | null): void => {
      if (array && array.length !== total) {
        throw new Error(`${name}: ${label} has ${array.length} values, expected ${total}`);
      }
    };
    check('membrane', inputs.membrane);
    check('spikes', inputs.spikes);
    check('gradSpikes', inputs.gradSpikes);
    check('gradMembrane', inputs.gradMembrane);
    if (total === 0) return new Float32Array(0);
    const scope = new BufferScope(device);
    const optional = (label: string, data: Float32Array | null): GPUBuffer | null =>
      data ? scope.input(`${name} ${label}`, data) : null;
    try {
      const gradCurrent = scope.output(`${name} gradCurrent`, total);
      const encoder = device.createCommandEncoder({ label: name });
      // encode() ignores dL/dspikes for a non-spiking layer, as LifLayer and SrmLayer do.
      this.encode(
        encoder,
        {
          membrane: scope.input(`${name} membrane`, inputs.membrane),
          spikes: scope.input(`${name} spikes`, inputs.spikes),
          gradSpikes: optional('gradSpikes', inputs.gradSpikes),
          gradMembrane: optional('gradMembrane', inputs.gradMembrane),
          gradCurrent,
        },
        batch,
      );
      const [out] = await scope.read(encoder, [gradCurrent]);
      return out!;
    } finally {
      scope.destroy();
    }
  }
}
