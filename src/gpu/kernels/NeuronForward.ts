import lifSource from '../../../shaders/lif_forward.wgsl?raw';
import srmSource from '../../../shaders/srm_forward.wgsl?raw';
import type { LifConfig } from '../../core/neurons/lif.ts';
import type { SrmConfig } from '../../core/neurons/srm.ts';
import { computePipeline, shaderModule } from '../pipelineCache.ts';
import { BufferScope } from '../buffers.ts';
import { DEFAULT_WORKGROUP_SIZE, dispatch } from '../grid.ts';
import { BindGroupCache } from '../bindGroupCache.ts';

export interface NeuronForwardShape {
  neurons: number;
  timeSteps: number;
  /** Simulation step (ms), as passed to LifLayer / SrmLayer. */
  dtMs: number;
  config: LifConfig | SrmConfig;
}

/** Both [batch][T][neurons]; the membrane is the one compared with the threshold (before any reset). */
export interface NeuronForwardResult {
  membrane: Float32Array;
  spikes: Float32Array;
}

/** Bytes of the uniform buffer: LIF uses 12 (batch, beta, threshold), SRM 24. */
const PARAMS_BYTES = 32;
/** Invocations per workgroup (one per (b, j), looping over the steps); the backward shares it. */
export const NEURON_WORKGROUP = DEFAULT_WORKGROUP_SIZE;

/**
 * The uniform block for the shader, with the coefficients computed exactly as LifLayer's and
 * SrmLayer's constructors compute them (in f64, then rounded to f32 once).
 */
function paramBlock(config: LifConfig | SrmConfig, dtMs: number, batch: number): ArrayBuffer {
  const data = new ArrayBuffer(PARAMS_BYTES);
  new Uint32Array(data, 0, 1)[0] = batch;
  const f = new Float32Array(data, 4, 5);
  if (config.model === 'lif') {
    f[0] = dtMs / config.tauMs;
    f[1] = config.threshold;
  } else {
    f[0] = config.threshold;
    f[1] = Math.exp(-dtMs / config.tauSynMs);
    f[2] = (Math.E * dtMs) / config.tauSynMs;
    f[3] = Math.exp(-dtMs / config.tauRefMs);
    f[4] =
      -config.refractoryScale *
      config.threshold *
      Math.E *
      (config.refractoryKernel === 'alpha' ? dtMs / config.tauRefMs : 1);
  }
  return data;
}

/**
 * The neuron forward pass over time on the GPU, 'heaviside' spike mode only
 * (shaders/lif_forward.wgsl, shaders/srm_forward.wgsl): one invocation per (batch, neuron)
 * looping over the steps. Sizes and model switches (spiking, reset) are `override` constants,
 * so the pipeline key is the shape plus the switches; dt, tau and threshold go in a uniform.
 */
export class NeuronForward {
  private readonly pipeline: GPUComputePipeline;
  private readonly name: string;

  constructor(
    private readonly device: GPUDevice,
    private readonly shape: NeuronForwardShape,
  ) {
    const { config } = shape;
    const lif = config.model === 'lif';
    this.name = lif ? 'lif_forward' : 'srm_forward';
    const constants: Record<string, number> = {
      NEURONS: shape.neurons,
      STEPS: shape.timeSteps,
      SPIKING: config.spiking ? 1 : 0,
      WORKGROUP_SIZE: NEURON_WORKGROUP,
    };
    let variant = config.spiking ? 'spiking' : 'non-spiking';
    if (config.model === 'lif') {
      constants['HARD_RESET'] = config.reset === 'hard' ? 1 : 0;
      if (config.spiking) variant += ` ${config.reset} reset`;
    } else if (config.refractoryKernel === 'alpha') {
      constants['REF_ALPHA'] = 1;
      variant += ' alpha refractory';
    }
    const module = shaderModule(device, `${this.name}.wgsl`, lif ? lifSource : srmSource);
    this.pipeline = computePipeline(device, {
      label: `${this.name} N${shape.neurons} T${shape.timeSteps} ${variant}`,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants },
    });
  }

  private uniforms: GPUBuffer | null = null;
  private bindGroups: BindGroupCache | null = null;

  /**
   * Records the pass on GPU-resident buffers (all [batch][T][neurons]); the batch size goes to
   * this instance's own uniform buffer, so use one instance per layer within a submission.
   */
  encode(
    encoder: GPUCommandEncoder,
    io: { current: GPUBuffer; membrane: GPUBuffer; spikes: GPUBuffer },
    batch: number,
  ): void {
    const { device, shape, name } = this;
    this.uniforms ??= device.createBuffer({
      label: `${name} params`,
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(this.uniforms, 0, paramBlock(shape.config, shape.dtMs, batch));
    this.bindGroups ??= new BindGroupCache(device, `${name} bindings`, this.pipeline.getBindGroupLayout(0));
    const bindGroup = this.bindGroups.get([io.current, io.membrane, io.spikes, this.uniforms]);
    dispatch(
      device,
      encoder,
      `${name} pass`,
      this.pipeline,
      bindGroup,
      batch * shape.neurons,
      NEURON_WORKGROUP,
    );
  }

  destroy(): void {
    this.uniforms?.destroy();
  }

  /** current [batch][T][neurons] -> membrane and spikes [batch][T][neurons]. */
  async run(current: Float32Array, batch: number): Promise<NeuronForwardResult> {
    const { device, shape, name } = this;
    const total = batch * shape.timeSteps * shape.neurons;
    if (current.length !== total) {
      throw new Error(`${name}: current has ${current.length} values, expected ${total}`);
    }
    if (total === 0) return { membrane: new Float32Array(0), spikes: new Float32Array(0) };
    const scope = new BufferScope(device);
    try {
      const membrane = scope.output(`${name} membrane`, total);
      const spikes = scope.output(`${name} spikes`, total);
      const encoder = device.createCommandEncoder({ label: name });
      this.encode(encoder, { current: scope.input(`${name} current`, current), membrane, spikes }, batch);
      const [m, s] = await scope.read(encoder, [membrane, spikes]);
      return { membrane: m!, spikes: s! };
    } finally {
      scope.destroy();
    }
  }
}
