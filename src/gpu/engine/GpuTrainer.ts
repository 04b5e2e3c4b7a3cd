import type { SpikeDataset } from '../../core/data/tasks.ts';
import type { ExperimentConfig } from '../../core/experiment.ts';
import { maskIndices } from '../../core/network.ts';
import { hasDelayGradient } from '../../core/synapses/kernels.ts';
import {
  initialStructure,
  layerStateFor,
  Trainer,
  type AdamSnapshot,
  type TrainerState,
} from '../../core/trainer.ts';
import { learningRate } from '../../core/train/schedules.ts';
import { GpuCommandError, GpuDeviceLostError, type GpuContext } from '../device.ts';
import { GpuAdam } from '../kernels/Adam.ts';
import { DelayBackward } from '../kernels/DelayBackward.ts';
import { DelayForward } from '../kernels/DelayForward.ts';
import { GaussNorms, usesGaussNorms } from '../kernels/GaussNorms.ts';
import { kernelTimer } from '../kernelTimer.ts';
import { GpuLoss } from '../kernels/Loss.ts';
import { NeuronBackward } from '../kernels/NeuronBackward.ts';
import { NeuronForward } from '../kernels/NeuronForward.ts';
import { ActiveSynapses } from '../kernels/ActiveSynapses.ts';
import { MaskGradients } from '../kernels/MaskGradients.ts';
import { gpuUnsupportedReason } from './support.ts';
import { SparseDelayForward } from '../kernels/SparseDelayForward.ts';
import {
  batchEventLists,
  eventListsToDense,
  eventsByInput,
  newEventListScratch,
  newInputEventScratch,
} from '../kernels/spikeEvents.ts';

/**
 * Input density (events / dense entries) at or below which the first layer runs the sparse
 * gather: its loop per event costs a little more than the dense loop per input, so it pays off
 * well below one half; thresholded digits (~19 %) and SHD bins (a few %) are below this.
 */
export const SPARSE_INPUT_DENSITY = 0.25;

/**
 * A fault to inject on purpose, for the tests that check a failing GPU command ends the run loudly:
 * 'invalid-dispatch' adds a dispatch beyond the device's workgroup limit to every step.
 */
export type GpuFault = 'invalid-dispatch';

interface GpuLayer {
  inputs: number;
  size: number;
  weights: GPUBuffer;
  delays: GPUBuffer;
  gradWeights: GPUBuffer;
  gradDelays: GPUBuffer;
  /** This step's Gaussian normalisation per synapse, when the layer's kernel is Gaussian. */
  gaussNorms: GaussNorms | null;
  delayForward: DelayForward;
  delayBackward: DelayBackward;
  neuronForward: NeuronForward;
  neuronBackward: NeuronBackward;
  adamWeights: GpuAdam | null;
  adamDelays: GpuAdam | null;
  /** A layer with a fixed connectivity mask: zeroes its absent synapses' gradients. */
  maskGradients: MaskGradients | null;
  /** A masked layer's active synapses: the delay passes visit only those. */
  active: ActiveSynapses | null;
  /** RigL ranks the dormant synapses by dL/dw: the parameter pass runs over every synapse. */
  allParameterGradients: boolean;
}

/** Activations of one batch size, [batch][T][n] per layer. */
interface Activations {
  batch: number;
  input: GPUBuffer;
  current: GPUBuffer[];
  membrane: GPUBuffer[];
  spikes: GPUBuffer[];
  gradCurrent: GPUBuffer[];
  /** dL/dspikes of layer l (l < last) = dL/dinput of layer l + 1. */
  gradSpikes: GPUBuffer[];
  lossGrad: GPUBuffer;
  labels: GPUBuffer;
  targetTimes: GPUBuffer;
  sampleLoss: GPUBuffer;
}

/**
 * Why this file is over 400 lines: one class owns every GPU buffer of a training step (parameters,
 * activations per batch size, readback pools) so that their lifetimes are managed in one place.
 *
 * A training step entirely on the GPU: every layer's delay forward and neurons, the loss, the
 * backward pass through neurons and delays, and Adam with the delay clamp, recorded in one
 * command buffer on GPU-resident parameters. The host writes the batch's spikes and targets
 * and reads back only the per-sample losses. Data, initial parameters and the schedules (sigma,
 * learning rates) come from the CPU `Trainer` of the same config and seed, so a GPU run starts
 * exactly where a CPU run starts.
 *
 * Steady training creates no GPU objects: activations are kept per batch size, each kernel caches
 * its bind groups by the buffers it binds, and loss readback buffers come from a pool.
 *
 * The first layer's forward runs the sparse gather when at most SPARSE_INPUT_DENSITY of the
 * inputs spike. A masked layer's delay passes visit only its active synapses (ActiveSynapses:
 * lists by output for the forward, by input for the input gradient, and the synapses themselves
 * for the parameter pass, except under RigL, which ranks the dormant ones by their gradient);
 * the first layer's sparse gather skips synapses of weight 0. Absent synapses' gradients are
 * zeroed before Adam. Parameter, gradient and Adam buffers stay dense [inputs][outputs]. Not
 * yet: a non-finite-gradient check before the update (a non-finite loss is caught after the
 * step).
 */
export class GpuTrainer {
  readonly reference: Trainer;
  private readonly layers: GpuLayer[];
  private readonly loss: GpuLoss;
  private activations: Activations | null = null;
  private readonly owned: GPUBuffer[] = [];
  private lost: string | null = null;
  /** Unmapped loss readback buffers ready for the next step (see lossReadback). */
  private readonly readbackPool: GPUBuffer[] = [];
  /** Sparse-gather forward of the first layer (used when few inputs spike). */
  private readonly sparseInput: SparseDelayForward;
  /** Steps whose first layer ran the sparse gather (a test checks that the path is taken). */
  sparseSteps = 0;
  /** The host copy of the last dense first-layer input, reused while the batch size holds. */
  private denseInput: Float32Array | null = null;
  /**
   * Host time (ms, all steps so far) spent turning the batch's samples into the first layer's
   * input and handing it to the queue: event lists or the dense batch. The bench reports it
   * per step, as it bounds a fast GPU's step rate from below.
   */
  inputPrepMs = 0;
  /** Host arrays the first layer's event lists are built in, step after step. */
  private readonly eventScratch = newEventListScratch();
  private readonly inputEventScratch = newInputEventScratch();
  /** Loss readback buffers created so far (a test checks that steady training creates none). */
  readbackBuffersCreated = 0;
  /** The last step of a rewired network (each waits for the one before: rewireOnHost). */
  private previousRewiredStep: Promise<unknown> = Promise.resolve();
  private readonly fault: GpuFault | null;

  constructor(
    private readonly ctx: GpuContext,
    readonly config: ExperimentConfig,
    options: {
      epochs?: number;
      scheduleSteps?: number;
      data?: SpikeDataset;
      /** A saved state (from either engine) to start from instead of the seed's initialisation. */
      state?: TrainerState | null;
      fault?: GpuFault | null;
    } = {},
  ) {
    const unsupported = gpuUnsupportedReason(config);
    if (unsupported) throw new Error(`${unsupported}; use --engine cpu`);
    const { state, fault, ...trainerOptions } = options;
    this.fault = fault ?? null;
    // The host copy has the CPU engine's storage, and so do the GPU's buffers: a compact layer's
    // hold its synapses only (in the host's order), a dense one's [inputs][outputs] with a mask.
    // RigL layers stay dense: ranking every dormant synapse is O(possible synapses) on the GPU
    // whatever the storage, and the host ranks the read-back dense gradients.
    const structure = initialStructure(config).map((s, l) =>
      config.network.layers[l]!.rewiring?.regrowth === 'gradient' ? null : s,
    );
    this.reference = new Trainer(config, { precision: 'f32', structure, ...trainerOptions });
    if (state) this.reference.importState(state);
    void ctx.lost.then((trouble) => {
      this.lost = trouble.kind === 'lost' ? `${trouble.reason}: ${trouble.message}` : trouble.message;
    });
    const { device } = ctx;
    const { timeSteps, dtMs } = config.network;
    this.layers = config.network.layers.map((cfg, l) => {
      const cpu = this.reference.net.synapses[l]!;
      const n = cpu.weights.length;
      const param = (label: string, data: Float32Array | null): GPUBuffer => {
        const buffer = this.own(
          device.createBuffer({
            label: `layer ${l} ${label}`,
            size: n * 4,
            usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
          }),
        );
        if (data) device.queue.writeBuffer(buffer, 0, data);
        return buffer;
      };
      const shape = {
        inputs: cpu.inputs,
        outputs: cfg.size,
        timeSteps,
        kernel: cfg.kernel,
        compact: cpu.synapseIndex !== null,
      };
      // A fixed-mask layer's moments for its existing synapses only, as on the CPU (AdamState).
      const kept = cpu.mask && !cfg.rewiring ? maskIndices(cpu.mask) : null;
      const amsgrad = config.optimizer.amsgrad === true;
      const neuronShape = { neurons: cfg.size, timeSteps, dtMs, config: cfg.neuron };
      return {
        inputs: cpu.inputs,
        size: cfg.size,
        weights: param('weights', Float32Array.from(cpu.weights)),
        delays: param('delays', Float32Array.from(cpu.delays)),
        gradWeights: param('gradWeights', null),
        gradDelays: param('gradDelays', null),
        gaussNorms: usesGaussNorms(cfg.kernel)
          ? new GaussNorms(device, n, cfg.kernel.maxDelay, `layer ${l}`)
          : null,
        delayForward: new DelayForward(device, shape),
        delayBackward: new DelayBackward(device, shape),
        neuronForward: new NeuronForward(device, neuronShape),
        neuronBackward: new NeuronBackward(device, neuronShape),
        adamWeights: cfg.trainWeights
          ? new GpuAdam(device, n, `layer ${l} weights`, null, kept, amsgrad)
          : null,
        adamDelays:
          cfg.trainDelays && hasDelayGradient(cfg.kernel.mode)
            ? new GpuAdam(device, n, `layer ${l} delays`, cfg.kernel.maxDelay, kept, amsgrad)
            : null,
        maskGradients: cpu.mask
          ? new MaskGradients(device, cpu.mask, `layer ${l}`, cfg.rewiring?.regrowth === 'gradient')
          : null,
        active:
          cpu.mask || cpu.synapseIndex
            ? activeSynapsesOf(device, l, cpu.mask, cpu.synapseIndex, cpu.weights, cpu.inputs, cfg.size)
            : null,
        allParameterGradients: cfg.rewiring?.regrowth === 'gradient',
      };
    });
    const first = config.network.layers[0]!;
    this.sparseInput = new SparseDelayForward(device, {
      inputs: config.network.inputs,
      outputs: first.size,
      timeSteps,
      kernel: first.kernel,
      compact: this.reference.net.synapses[0]!.synapseIndex !== null,
    });
    if (state) {
      state.layers.forEach((given, l) => {
        const layer = this.layers[l]!;
        // The GPU's moments are stored as its host layer stores them: compact or dense.
        const saved = layerStateFor(given, this.reference.net.synapses[l]!);
        for (const [adam, moments] of [
          [layer.adamWeights, saved.adamWeights],
          [layer.adamDelays, saved.adamDelays],
        ] as const)
          if (adam && moments) adam.restore(moments.m, moments.v, moments.step, moments.vMax);
      });
    }
    this.loss = new GpuLoss(
      device,
      config.loss,
      this.layers.at(-1)!.size,
      timeSteps,
      config.task.kind !== 'toy',
    );
  }

  get step(): number {
    return this.reference.step;
  }

  /**
   * Records and submits one optimiser step on the given samples and returns at once, without
   * waiting for the GPU: the promise resolves to the batch's mean loss when the step is done.
   * Steps may be issued back to back (the queue runs them in order, and each step's host writes
   * land after the previous step's work); await the losses when they are needed, e.g. at the end
   * of an epoch.
   */
  trainStep(indices: readonly number[]): Promise<number> {
    if (!this.reference.rewires) return this.recordStep(indices);
    // Rewiring reads each step's weights back and writes the new structure before the next step
    // is recorded: steps of a rewired network run one after another.
    const step = this.previousRewiredStep.then(async () => {
      const stepIndex = this.reference.step;
      const loss = await this.recordStep(indices);
      await this.rewireOnHost(stepIndex);
      return loss;
    });
    this.previousRewiredStep = step.catch(() => undefined);
    return step;
  }

  /**
   * DEEP R / RigL after a finished step, on the host (the same LayerRewiring as the CPU engine,
   * with the reference trainer's masks, signs and generators): reads back the rewired layers'
   * weights (and, for RigL, their gradients), rewires, and writes back the weights, the masks,
   * the regrown synapses' delays and their cleared Adam moments.
   */
  private async rewireOnHost(stepIndex: number): Promise<void> {
    const t = this.reference;
    const rewired = this.config.network.layers.flatMap((cfg, l) => (cfg.rewiring ? [l] : []));
    const compact = (l: number): boolean => t.net.synapses[l]!.synapseIndex !== null;
    const gradientRegrowth = (l: number): boolean =>
      this.config.network.layers[l]!.rewiring?.regrowth === 'gradient';
    // A dense layer: its weights (and RigL's gradients). A compact one (DEEP R): weights, delays
    // and Adam moments, which its re-sorted entries take along.
    const moments = (l: number): GPUBuffer[] =>
      [this.layers[l]!.adamWeights, this.layers[l]!.adamDelays].flatMap((a) => (a ? a.moments : []));
    const wanted = (l: number): { label: string; buffer: GPUBuffer }[] => {
      const layer = this.layers[l]!;
      if (compact(l))
        return [layer.weights, layer.delays, ...moments(l)].map((buffer, k) => ({
          label: `layer ${l} rewiring state ${k}`,
          buffer,
        }));
      return [
        { label: `layer ${l} weights`, buffer: layer.weights },
        ...(gradientRegrowth(l) ? [{ label: `layer ${l} gradWeights`, buffer: layer.gradWeights }] : []),
      ];
    };
    const arrays = await this.readBuffers(rewired.flatMap(wanted));
    const host = new Map<number, Float32Array[]>();
    let k = 0;
    for (const l of rewired) host.set(l, arrays.slice(k, (k += wanted(l).length)));
    const wasActive = new Map(rewired.map((l) => [l, t.net.synapses[l]!.mask?.slice() ?? null]));
    t.rewireLayers(t.weightLearningRate(stepIndex), (l) => {
      const cpu = t.net.synapses[l]!;
      const got = host.get(l)!;
      if (cpu.synapseIndex) {
        const [weights, delays, ...rest] = got;
        return {
          inputs: cpu.inputs,
          outputs: cpu.outputs,
          synapses: cpu.synapseIndex,
          weights: weights!,
          delays: delays!,
          dormantGradients: null,
          moments: rest,
        };
      }
      // The CPU delays are stale (the GPU's are current), but only pruned and regrown synapses'
      // delays are written (their birth delays), and those are uploaded below; their moments
      // are cleared on the GPU.
      return {
        inputs: cpu.inputs,
        outputs: cpu.outputs,
        weights: got[0]!,
        delays: cpu.delays,
        gradWeights: gradientRegrowth(l) ? got[1]! : new Float32Array(0),
        mask: cpu.mask,
        moments: [],
      };
    });
    const queue = this.ctx.device.queue;
    for (const l of rewired) {
      const layer = this.layers[l]!;
      const cpu = t.net.synapses[l]!;
      const got = host.get(l)!;
      if (cpu.synapseIndex) {
        [layer.weights, layer.delays, ...moments(l)].forEach((buffer, m) =>
          queue.writeBuffer(buffer, 0, got[m]!),
        );
        layer.active!.updateFromIndex(cpu.synapseIndex, layer.inputs, layer.size);
        continue;
      }
      const mask = cpu.mask!;
      const before = wasActive.get(l)!;
      const weights = got[0]!;
      // The constraint the CPU applies after rewiring: dormant synapses hold weight 0.
      for (let q = 0; q < mask.length; q++) if (mask[q] === 0) weights[q] = 0;
      queue.writeBuffer(layer.weights, 0, weights);
      layer.maskGradients!.update(mask);
      layer.active?.update(mask, weights, layer.inputs, layer.size);
      // Pruned synapses (active before, dormant now) go back to their birth delays, and regrown
      // ones (active now at weight exactly 0: a surviving synapse's theta is positive) start
      // there, both with cleared moments.
      for (let q = 0; q < mask.length; q++) {
        const pruned = before![q] !== 0 && mask[q] === 0;
        const regrown = mask[q] !== 0 && weights[q] === 0;
        if (!pruned && !regrown) continue;
        queue.writeBuffer(layer.delays, q * 4, Float32Array.of(cpu.delays[q]!));
        layer.adamWeights?.clearAt(q);
        layer.adamDelays?.clearAt(q);
      }
    }
  }

  private recordStep(indices: readonly number[]): Promise<number> {
    if (this.lost !== null) return Promise.reject(new GpuDeviceLostError(this.lost));
    const { device } = this.ctx;
    const t = this.reference;
    const stepIndex = t.step;
    const batch = indices.length;
    // Every GPU error of the step is caught here and fails the step: a dispatch the device
    // refuses leaves the loss buffer untouched, and a step that "trains" with loss 0 is a lie.
    device.pushErrorScope('internal');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const act = this.activationsFor(batch);
    const { inputs, timeSteps } = this.config.network;
    // The first layer's forward visits only the inputs that spiked when few did, and its weight
    // and delay gradients walk the same events by input neuron. The lists come from each
    // sample's own events (work in proportion to the events, not to batch x T x inputs: this
    // was most of a `shd` step's host time), and then nothing reads the dense batch, so it is
    // neither gathered nor uploaded.
    // A batch too dense for the sparse path is scattered from the same lists, so no sample is
    // encoded twice.
    const prepStarted = performance.now();
    const events = batchEventLists(t.data, indices, this.eventScratch);
    const sparseInput = events.count <= SPARSE_INPUT_DENSITY * batch * timeSteps * inputs;
    if (sparseInput) {
      this.sparseInput.upload(events);
      this.layers[0]!.delayBackward.uploadInputEvents(eventsByInput(events, inputs, this.inputEventScratch));
    } else {
      this.denseInput = eventListsToDense(events, timeSteps, inputs, this.denseInput ?? undefined);
      device.queue.writeBuffer(act.input, 0, this.denseInput);
    }
    this.sparseSteps += sparseInput ? 1 : 0;
    this.inputPrepMs += performance.now() - prepStarted;
    const targets = t.targetsFor(indices);
    if (targets.kind === 'labels') device.queue.writeBuffer(act.labels, 0, Uint32Array.from(targets.labels));
    else device.queue.writeBuffer(act.targetTimes, 0, Float32Array.from(targets.times));
    const sigma = t.currentSigma();
    const encoder = device.createCommandEncoder({ label: `train step ${t.step}` });
    const timer = kernelTimer(device);
    timer?.beginStep();
    const last = this.layers.length - 1;
    this.layers.forEach((layer, l) => {
      const spikesIn = l === 0 ? act.input : act.spikes[l - 1]!;
      // Once per synapse per step; the forward and backward passes below both read it.
      layer.gaussNorms?.encode(encoder, layer.delays, sigma);
      const norms = layer.gaussNorms?.buffer ?? null;
      if (l === 0 && sparseInput) {
        this.sparseInput.encode(
          encoder,
          {
            weights: layer.weights,
            delays: layer.delays,
            current: act.current[0]!,
            norms,
            active: layer.active,
          },
          batch,
          sigma,
        );
      } else {
        layer.delayForward.encode(
          encoder,
          {
            spikes: spikesIn,
            weights: layer.weights,
            delays: layer.delays,
            current: act.current[l]!,
            norms,
            active: layer.active,
          },
          batch,
          sigma,
        );
      }
      layer.neuronForward.encode(
        encoder,
        { current: act.current[l]!, membrane: act.membrane[l]!, spikes: act.spikes[l]! },
        batch,
      );
    });
    const threshold = this.config.network.layers[last]!.neuron.threshold;
    this.loss.encode(
      encoder,
      {
        membrane: act.membrane[last]!,
        spikes: act.spikes[last]!,
        labels: act.labels,
        targetTimes: act.targetTimes,
        grad: act.lossGrad,
        sampleLoss: act.sampleLoss,
      },
      batch,
      threshold,
    );
    for (let l = last; l >= 0; l--) {
      const layer = this.layers[l]!;
      const fromLoss = l === last;
      layer.neuronBackward.encode(
        encoder,
        {
          membrane: act.membrane[l]!,
          spikes: act.spikes[l]!,
          gradSpikes: fromLoss ? (this.loss.gradIsMembrane ? null : act.lossGrad) : act.gradSpikes[l]!,
          gradMembrane: fromLoss && this.loss.gradIsMembrane ? act.lossGrad : null,
          gradCurrent: act.gradCurrent[l]!,
        },
        batch,
      );
      layer.delayBackward.encode(
        encoder,
        {
          spikes: l === 0 ? act.input : act.spikes[l - 1]!,
          weights: layer.weights,
          delays: layer.delays,
          gradCurrent: act.gradCurrent[l]!,
          gradWeights: layer.gradWeights,
          gradDelays: layer.gradDelays,
          gradInput: l > 0 ? act.gradSpikes[l - 1]! : null,
          norms: layer.gaussNorms?.buffer ?? null,
          useInputEvents: l === 0 && sparseInput,
          active: layer.active,
          allParameterGradients: layer.allParameterGradients,
        },
        batch,
        sigma,
      );
      layer.maskGradients?.encode(encoder, layer.gradWeights, layer.gradDelays);
    }
    const opt = this.config.optimizer;
    const hyper = { beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon };
    const lrW = learningRate(opt.weights.lr, opt.weights.schedule, t.step, t.totalSteps);
    const lrD = learningRate(opt.delays.lr, opt.delays.schedule, t.step, t.totalSteps);
    for (const layer of this.layers) {
      layer.adamWeights?.encode(encoder, layer.weights, layer.gradWeights, lrW, hyper);
      layer.adamDelays?.encode(encoder, layer.delays, layer.gradDelays, lrD, hyper);
    }
    if (this.fault === 'invalid-dispatch') {
      // No pipeline and one workgroup too many: the device must refuse it.
      const pass = encoder.beginComputePass({ label: 'deliberately invalid dispatch' });
      pass.dispatchWorkgroups(device.limits.maxComputeWorkgroupsPerDimension + 1);
      pass.end();
    }
    const readback = this.lossReadback(batch);
    encoder.copyBufferToBuffer(act.sampleLoss, 0, readback, 0, batch * 4);
    const readTimes = timer?.endStep(encoder);
    device.queue.submit([encoder.finish()]);
    readTimes?.();
    const errors = (['validation', 'out-of-memory', 'internal'] as const).map((kind) =>
      device.popErrorScope().then((e) => (e ? new GpuCommandError(kind, e.message, stepIndex) : null)),
    );
    // The schedules advance with the CPU trainer's step counter (its network is not run).
    t.step++;
    return this.finishStep(errors, readback);
  }

  /** The step's loss, or its first GPU error (the readback is returned to the pool either way). */
  private async finishStep(errors: Promise<GpuCommandError | null>[], readback: GPUBuffer): Promise<number> {
    const loss = this.sumLosses(readback);
    // Awaited below; meanwhile a rejection (a lost device) must not count as unhandled.
    loss.catch(() => undefined);
    const failure = (await Promise.all(errors)).find((e) => e !== null);
    if (failure) throw failure;
    return loss;
  }

  /**
   * A mappable buffer for one step's per-sample losses, from a small pool: steps issued back to
   * back each need their own (a buffer being mapped cannot be copied into), and after the first
   * few steps none is created any more.
   */
  private lossReadback(batch: number): GPUBuffer {
    const pooled = this.readbackPool.findIndex((b) => b.size === batch * 4);
    if (pooled >= 0) return this.readbackPool.splice(pooled, 1)[0]!;
    this.readbackBuffersCreated++;
    return this.own(
      this.ctx.device.createBuffer({
        label: 'loss readback',
        size: batch * 4,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
  }

  private async sumLosses(readback: GPUBuffer): Promise<number> {
    await this.mapOrLost(readback);
    let loss = 0;
    for (const v of new Float32Array(readback.getMappedRange())) loss += v;
    readback.unmap();
    this.readbackPool.push(readback);
    return loss;
  }

  /**
   * Copies the GPU's weights and delays into the CPU trainer (`reference`): a checkpoint that
   * survives the loss of the device, from which training can go on on either engine.
   */
  async checkpoint(): Promise<void> {
    const params = await this.readParameters();
    params.forEach((p, l) => {
      this.reference.net.synapses[l]!.weights.set(p.weights);
      this.reference.net.synapses[l]!.delays.set(p.delays);
    });
    this.reference.net.setSigma(this.reference.currentSigma());
  }

  /** Copies the current weights and delays back, per layer ([inputs][outputs]). */
  async readParameters(): Promise<{ weights: Float32Array; delays: Float32Array }[]> {
    const arrays = await this.readBuffers(
      this.layers.flatMap((layer, l) => [
        { label: `layer ${l} weights`, buffer: layer.weights },
        { label: `layer ${l} delays`, buffer: layer.delays },
      ]),
    );
    return this.layers.map((_, l) => ({ weights: arrays[2 * l]!, delays: arrays[2 * l + 1]! }));
  }

  /**
   * The gradients of the last finished step (dL/dweights, dL/ddelays per layer, [inputs][outputs]),
   * for parity checks against the CPU engine; a frozen tensor's gradient is computed all the same.
   */
  async readGradients(): Promise<{ weights: Float32Array; delays: Float32Array }[]> {
    const arrays = await this.readBuffers(
      this.layers.flatMap((layer, l) => [
        { label: `layer ${l} gradWeights`, buffer: layer.gradWeights },
        { label: `layer ${l} gradDelays`, buffer: layer.gradDelays },
      ]),
    );
    return this.layers.map((_, l) => ({ weights: arrays[2 * l]!, delays: arrays[2 * l + 1]! }));
  }

  /**
   * The resumable state, as the CPU trainer's `exportState` gives it: parameters and Adam moments
   * read back from the GPU (f32, widened), counters and batch order from the reference trainer.
   * Either engine can import it.
   */
  async exportState(): Promise<TrainerState> {
    const wanted: { label: string; buffer: GPUBuffer }[] = [];
    this.layers.forEach((layer, l) => {
      wanted.push({ label: `layer ${l} weights`, buffer: layer.weights });
      wanted.push({ label: `layer ${l} delays`, buffer: layer.delays });
      for (const [name, adam] of [
        ['weights', layer.adamWeights],
        ['delays', layer.adamDelays],
      ] as const) {
        if (!adam) continue;
        adam.moments.forEach((buffer, m) =>
          wanted.push({ label: `layer ${l} adam ${name} ${['m', 'v', 'vMax'][m]}`, buffer }),
        );
      }
    });
    const arrays = await this.readBuffers(wanted);
    const base = this.reference.exportState();
    let k = 0;
    const next = (): Float64Array => Float64Array.from(arrays[k++]!);
    const adamOf = (adam: GpuAdam | null): AdamSnapshot | null => {
      if (!adam) return null;
      const [m, v, vMax] = adam.moments.map(() => adam.expand(arrays[k++]!));
      return { m: m!, v: v!, ...(vMax ? { vMax } : {}), step: adam.stepCount };
    };
    return {
      ...base,
      layers: this.layers.map((layer, l) => ({
        // A compact layer's arrays hold its synapses only, as the host's state says.
        ...(base.layers[l]!.synapses ? { synapses: base.layers[l]!.synapses } : {}),
        weights: next(),
        delays: next(),
        adamWeights: adamOf(layer.adamWeights),
        adamDelays: adamOf(layer.adamDelays),
        // A rewired layer's mask, signs and generator live on the host (rewireOnHost).
        structure: base.layers[l]!.structure ?? null,
      })),
    };
  }

  /** Copies GPU buffers into mappable ones in one submission and reads them all. */
  private async readBuffers(sources: { label: string; buffer: GPUBuffer }[]): Promise<Float32Array[]> {
    this.throwIfLost();
    const { device } = this.ctx;
    const encoder = device.createCommandEncoder({ label: 'readback' });
    const staging = sources.map(({ label, buffer }) => {
      const dst = device.createBuffer({
        label: `${label} readback`,
        size: buffer.size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      encoder.copyBufferToBuffer(buffer, 0, dst, 0, buffer.size);
      return dst;
    });
    device.queue.submit([encoder.finish()]);
    return Promise.all(
      staging.map(async (b) => {
        try {
          await this.mapOrLost(b);
          return new Float32Array(b.getMappedRange().slice(0));
        } finally {
          b.destroy();
        }
      }),
    );
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.readbackPool.length = 0;
    this.releaseActivations();
    for (const layer of this.layers) {
      layer.gaussNorms?.destroy();
      layer.delayForward.destroy();
      layer.delayBackward.destroy();
      layer.neuronForward.destroy();
      layer.neuronBackward.destroy();
      layer.adamWeights?.destroy();
      layer.adamDelays?.destroy();
      layer.maskGradients?.destroy();
      layer.active?.destroy();
    }
    this.loss.destroy();
    this.sparseInput.destroy();
  }

  private throwIfLost(): void {
    if (this.lost !== null) throw new GpuDeviceLostError(this.lost);
  }

  /** mapAsync, with a lost device reported as GpuDeviceLostError rather than a bare rejection. */
  private async mapOrLost(buffer: GPUBuffer): Promise<void> {
    try {
      await buffer.mapAsync(GPUMapMode.READ);
    } catch (e) {
      // The lost promise may settle a moment after the failed map.
      await Promise.race([this.ctx.lost, new Promise((r) => setTimeout(r, 50))]);
      this.throwIfLost();
      throw e;
    }
  }

  private activationsFor(batch: number): Activations {
    if (this.activations?.batch === batch) return this.activations;
    this.releaseActivations();
    const { device } = this.ctx;
    const T = this.config.network.timeSteps;
    const make = (label: string, floats: number, extra = 0): GPUBuffer =>
      device.createBuffer({
        label,
        size: Math.max(4, floats * 4),
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC | extra,
      });
    const per = (name: string) =>
      this.layers.map((layer, l) => make(`layer ${l} ${name}`, batch * T * layer.size));
    const outputs = this.layers.at(-1)!.size;
    this.activations = {
      batch,
      input: make('input spikes', batch * T * this.config.network.inputs),
      current: per('current'),
      membrane: per('membrane'),
      spikes: per('spikes'),
      gradCurrent: per('gradCurrent'),
      gradSpikes: per('gradSpikes'),
      lossGrad: make('loss gradient', batch * T * outputs),
      labels: make('labels', batch),
      targetTimes: make('target times', batch * outputs),
      sampleLoss: make('loss per sample', batch),
    };
    return this.activations;
  }

  private releaseActivations(): void {
    const a = this.activations;
    if (!a) return;
    for (const b of [
      a.input,
      ...a.current,
      ...a.membrane,
      ...a.spikes,
      ...a.gradCurrent,
      ...a.gradSpikes,
      a.lossGrad,
      a.labels,
      a.targetTimes,
      a.sampleLoss,
    ])
      b.destroy();
    this.activations = null;
  }

  private own(buffer: GPUBuffer): GPUBuffer {
    this.owned.push(buffer);
    return buffer;
  }
}

function activeSynapsesOf(
  device: GPUDevice,
  layer: number,
  mask: Uint8Array | null,
  synapseIndex: Int32Array | null,
  weights: ArrayLike<number>,
  inputs: number,
  outputs: number,
): ActiveSynapses {
  const active = new ActiveSynapses(device, `layer ${layer}`);
  if (synapseIndex) active.updateFromIndex(synapseIndex, inputs, outputs);
  else active.update(mask!, weights, inputs, outputs);
  return active;
}
