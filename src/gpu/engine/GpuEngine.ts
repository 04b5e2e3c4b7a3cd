import type { SpikeDataset } from '../../core/data/tasks.ts';
export { gpuUnsupportedReason } from './support.ts';
import { gpuUnsupportedReason } from './support.ts';
import { connectivityOf, type Engine, type EngineInfo } from '../../core/engine.ts';
import type { ExperimentConfig } from '../../core/experiment.ts';
import type { Trainer, TrainerState } from '../../core/trainer.ts';
import { GpuUnavailableError, openDevice, type GpuContext, type GpuTrouble } from '../device.ts';
import { GpuTrainer, type GpuFault } from './GpuTrainer.ts';

export interface GpuEngineOptions {
  data?: SpikeDataset;
  scheduleSteps?: number;
  /** A saved state (from either engine) to start from instead of the seed's initialisation. */
  state?: TrainerState | null;
  /** Refuse a software (fallback) adapter: it trains far slower than the CPU engine. */
  rejectFallbackAdapter?: boolean;
  /** Hears of device loss and of GPU errors outside a training step (our own destroy() excluded). */
  onTrouble?: (trouble: GpuTrouble) => void;
  fault?: GpuFault | null;
}

/** The adapter in words: "vendor / architecture / description (software fallback)". */
export function describeAdapter(info: GpuContext['adapterInfo']): string {
  const name = [info.vendor, info.architecture, info.description].filter((s) => s.length > 0).join(' / ');
  return `${name || 'unnamed adapter'}${info.isFallbackAdapter ? ' (software fallback)' : ''}`;
}

/**
 * The WebGPU engine: every training step runs on the GPU (GpuTrainer), steps are queued without
 * waiting for each other, and `sync` copies the parameters back into the host model. It owns the
 * device it opened and destroys it on dispose.
 */
export class GpuEngine implements Engine {
  readonly info: EngineInfo;
  /**
   * Steps are issued without waiting, except for a rewired network: its steps wait for the host's
   * rewiring of the step before, so the run loop must wait for each (its step count, the losses'
   * steps, follow the trainer's).
   */
  readonly pipelined: boolean;

  private constructor(
    private readonly ctx: GpuContext,
    readonly trainer: GpuTrainer,
  ) {
    this.pipelined = !trainer.reference.rewires;
    this.info = {
      kind: 'gpu',
      method: 'bptt',
      connectivity: connectivityOf(trainer.config),
      description: `WebGPU: ${describeAdapter(ctx.adapterInfo)}`,
      details: { engine: 'gpu', adapter: ctx.adapterInfo },
    };
  }

  /** Opens a device on `gpu` (navigator.gpu or Dawn) and builds the engine on it. */
  static async open(gpu: GPU, config: ExperimentConfig, options: GpuEngineOptions = {}): Promise<GpuEngine> {
    const unsupported = gpuUnsupportedReason(config);
    if (unsupported) throw new GpuUnavailableError(unsupported);
    const ctx = await openDevice(gpu, (trouble) => {
      if (trouble.kind === 'lost' && trouble.reason === 'destroyed') return;
      options.onTrouble?.(trouble);
    });
    if (options.rejectFallbackAdapter && isSoftwareAdapter(ctx.adapterInfo)) {
      ctx.device.destroy();
      throw new SoftwareAdapterError(
        `only a software (fallback) WebGPU adapter is available (${describeAdapter(ctx.adapterInfo)})`,
      );
    }
    try {
      const trainer = new GpuTrainer(ctx, config, {
        ...(options.data ? { data: options.data } : {}),
        ...(options.scheduleSteps !== undefined ? { scheduleSteps: options.scheduleSteps } : {}),
        state: options.state ?? null,
        fault: options.fault ?? null,
      });
      return new GpuEngine(ctx, trainer);
    } catch (e) {
      ctx.device.destroy();
      throw e;
    }
  }

  get model(): Trainer {
    return this.trainer.reference;
  }

  /** The device the engine trains on (destroyed by dispose). */
  get device(): GPUDevice {
    return this.ctx.device;
  }

  get adapterInfo(): GpuContext['adapterInfo'] {
    return this.ctx.adapterInfo;
  }

  step(batch: readonly number[]): Promise<number> {
    return this.trainer.trainStep(batch);
  }

  sync(): Promise<void> {
    return this.trainer.checkpoint();
  }

  exportState(): Promise<TrainerState> {
    return this.trainer.exportState();
  }

  dispose(): Promise<void> {
    this.trainer.destroy();
    this.ctx.device.destroy();
    return Promise.resolve();
  }
}

/**
 * Whether an adapter runs WGSL on the CPU (SwiftShader, llvmpipe / lavapipe, WARP): flagged
 * `isFallbackAdapter`, or named so (Chromium does not always flag SwiftShader). Such an adapter
 * trains about 50x slower than the CPU engine.
 */
export function isSoftwareAdapter(info: GpuContext['adapterInfo']): boolean {
  if (info.isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|\bwarp\b/i.test(
    `${info.vendor} ${info.architecture} ${info.description}`,
  );
}

/** The only adapter runs WGSL on the CPU, and the caller asked for a hardware one. */
export class SoftwareAdapterError extends GpuUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'SoftwareAdapterError';
  }
}
