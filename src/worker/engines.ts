import type { SpikeDataset } from '../core/data/tasks.ts';
import { CpuEngine, type Engine } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { TrainerState } from '../core/trainer.ts';
import { GpuDeviceLostError } from '../gpu/device.ts';
import { GpuEngine, gpuUnsupportedReason, SoftwareAdapterError } from '../gpu/engine/GpuEngine.ts';
import { probeVerdict, timeSteps } from './engineProbe.ts';
import type { EngineChoice, EngineReport } from './protocol.ts';

/** Builds the CPU engine (in the browser: data-parallel over `threads` Workers). */
export type CpuEngineFactory = (
  config: ExperimentConfig,
  data: SpikeDataset,
  state: TrainerState | null,
  threads: number,
) => Promise<Engine>;

/** The CPU engine in the calling thread alone (tests, and where no Worker can be started). */
export const singleThreadCpuEngine: CpuEngineFactory = (config, data, state) =>
  Promise.resolve(CpuEngine.create(config, { data, state }, 'CPU engine (1 thread, in a Worker)'));

function reportOf(engine: Engine, notice: string | null): EngineReport {
  return { engine: engine.info.kind, description: engine.info.description, notice };
}

/**
 * Builds the engine a choice asks for, and the report the page shows. `auto` takes the CPU
 * engine where there is no hardware adapter (also over a software adapter such as SwiftShader,
 * far slower than it), with a notice saying why; over a hardware adapter it times a few steps on
 * both engines (engineProbe.ts) and takes the faster, saying what it measured; `gpu` fails loudly
 * when there is none. `onLost` hears of a device lost (or an uncaptured GPU error) after the
 * engine was built.
 */
export async function createEngine(
  choice: EngineChoice,
  config: ExperimentConfig,
  data: SpikeDataset,
  state: TrainerState | null,
  gpu: Pick<GPU, 'requestAdapter'> | undefined,
  onLost: (message: string) => void,
  cpuEngine: CpuEngineFactory = singleThreadCpuEngine,
  cpuThreads = 1,
): Promise<{ engine: Engine; report: EngineReport }> {
  const cpu = async (notice: string | null) => {
    const engine = await cpuEngine(config, data, state, cpuThreads);
    return { engine, report: reportOf(engine, notice) };
  };
  if (choice === 'cpu') return cpu(null);
  const reason = gpu
    ? gpuUnsupportedReason(config)
    : 'this browser exposes no WebGPU (navigator.gpu is missing)';
  if (reason !== null) {
    if (choice === 'gpu') throw new Error(`cannot train on the GPU engine: ${reason}`);
    return cpu(`Training on the CPU: ${reason}.`);
  }
  const openGpu = (onTrouble: (message: string) => void) =>
    GpuEngine.open(gpu as GPU, config, {
      data,
      state,
      // auto picks the faster engine: a software adapter is about 50x slower than the CPU engine.
      rejectFallbackAdapter: choice === 'auto',
      onTrouble: (trouble) =>
        onTrouble(
          trouble.kind === 'lost' ? new GpuDeviceLostError(trouble.message).message : trouble.message,
        ),
    });
  try {
    if (choice === 'auto') {
      // A hardware adapter: still in doubt (a small network, a weak GPU can train faster on the
      // CPU), so both engines take a few steps of the run's first batch on throwaway copies.
      const batch = Array.from(data.train.subarray(0, config.training.batchSize));
      if (batch.length > 0) {
        const now = () => performance.now();
        const gpuMs = await timeSteps(await openGpu(() => undefined), batch, now);
        const cpuMs = await timeSteps(await cpuEngine(config, data, state, cpuThreads), batch, now);
        const verdict = probeVerdict(gpuMs, cpuMs);
        if (verdict.engine === 'cpu') return cpu(verdict.reason);
        const engine = await openGpu(onLost);
        return { engine, report: reportOf(engine, verdict.reason) };
      }
    }
    const engine = await openGpu(onLost);
    return { engine, report: reportOf(engine, null) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (choice === 'gpu') throw new Error(`cannot train on the GPU engine: ${why}`, { cause: e });
    return cpu(
      e instanceof SoftwareAdapterError
        ? `Training on the CPU: ${why}, which trains far slower than the CPU engine; choose Engine = GPU to use it anyway.`
        : `Training on the CPU: ${why}.`,
    );
  }
}
