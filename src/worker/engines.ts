import type { SpikeDataset } from '../core/data/tasks.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { Trainer, type TrainerState } from '../core/trainer.ts';
import { GpuDeviceLostError, openDevice, type GpuContext } from '../gpu/device.ts';
import { GpuTrainer } from '../gpu/engine/GpuTrainer.ts';
import type { EngineChoice, EngineReport } from './protocol.ts';

/**
 * What the session needs from an engine: a CPU `Trainer` that holds the data, the schedules and
 * (after `sync`) the current parameters, and a training step. The CPU engine steps that trainer
 * directly; the GPU engine steps GPU-resident parameters and copies them back on `sync`.
 */
export interface StepEngine {
  readonly report: EngineReport;
  readonly trainer: Trainer;
  /** One optimiser step on these training samples; resolves to the batch's mean loss. */
  step(batch: number[]): Promise<number>;
  /** Makes `trainer.net` hold the engine's current parameters (views, evaluation). */
  sync(): Promise<void>;
  /** The resumable state for a checkpoint. */
  exportState(): Promise<TrainerState>;
  dispose(): void;
}

class CpuEngine implements StepEngine {
  readonly trainer: Trainer;
  constructor(
    config: ExperimentConfig,
    data: SpikeDataset,
    state: TrainerState | null,
    readonly report: EngineReport,
  ) {
    this.trainer = new Trainer(config, { data });
    if (state) this.trainer.importState(state);
  }
  step(batch: number[]): Promise<number> {
    return Promise.resolve(this.trainer.trainStep(batch));
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  exportState(): Promise<TrainerState> {
    return Promise.resolve(this.trainer.exportState());
  }
  dispose(): void {}
}

class GpuEngine implements StepEngine {
  readonly trainer: Trainer;
  constructor(
    private readonly ctx: GpuContext,
    private readonly gpu: GpuTrainer,
    readonly report: EngineReport,
  ) {
    this.trainer = gpu.reference;
  }
  step(batch: number[]): Promise<number> {
    return this.gpu.trainStep(batch);
  }
  sync(): Promise<void> {
    return this.gpu.checkpoint();
  }
  exportState(): Promise<TrainerState> {
    return this.gpu.exportState();
  }
  dispose(): void {
    this.gpu.destroy();
    this.ctx.device.destroy();
  }
}

/** Why the GPU engine cannot run this config, or null when it can. */
function gpuUnsupported(config: ExperimentConfig): string | null {
  if (config.network.layers.some((l) => l.connectivity < 1))
    return 'the GPU engine does not support connectivity masks yet';
  return null;
}

function cpuReport(notice: string | null): EngineReport {
  return { engine: 'cpu', description: 'CPU reference engine (TypeScript, in a Worker)', notice };
}

/**
 * Builds the engine a choice asks for. `auto` takes the GPU when an adapter exists and otherwise
 * the CPU engine with a notice saying why; `gpu` fails loudly when there is none. `onLost` hears
 * of a device lost (or an uncaptured GPU error) after the engine was built.
 */
export async function createEngine(
  choice: EngineChoice,
  config: ExperimentConfig,
  data: SpikeDataset,
  state: TrainerState | null,
  gpu: Pick<GPU, 'requestAdapter'> | undefined,
  onLost: (message: string) => void,
): Promise<StepEngine> {
  if (choice === 'cpu') return new CpuEngine(config, data, state, cpuReport(null));
  const reason = gpu ? gpuUnsupported(config) : 'this browser exposes no WebGPU (navigator.gpu is missing)';
  if (reason !== null) {
    if (choice === 'gpu') throw new Error(`cannot train on the GPU engine: ${reason}`);
    return new CpuEngine(config, data, state, cpuReport(`Training on the CPU: ${reason}.`));
  }
  let ctx: GpuContext;
  try {
    ctx = await openDevice(gpu as GPU, (trouble) => {
      if (trouble.kind === 'lost' && trouble.reason === 'destroyed') return;
      onLost(trouble.kind === 'lost' ? new GpuDeviceLostError(trouble.message).message : trouble.message);
    });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (choice === 'gpu') throw new Error(`cannot train on the GPU engine: ${why}`, { cause: e });
    return new CpuEngine(config, data, state, cpuReport(`Training on the CPU: ${why}.`));
  }
  const a = ctx.adapterInfo;
  const name = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0).join(' / ') || 'unnamed';
  const report: EngineReport = {
    engine: 'gpu',
    description: `WebGPU: ${name}${a.isFallbackAdapter ? ' (software fallback)' : ''}`,
    notice: null,
  };
  try {
    return new GpuEngine(ctx, new GpuTrainer(ctx, config, { data, ...(state ? { state } : {}) }), report);
  } catch (e) {
    ctx.device.destroy();
    throw e;
  }
}
