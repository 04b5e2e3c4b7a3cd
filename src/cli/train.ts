import { buildTaskData, type SpikeDataset } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import type { Engine } from '../core/engine.ts';
import { sigmaMatters } from '../core/train/schedules.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { Checkpoint } from '../core/checkpoint.ts';
import { epochsSinceBest } from '../core/runRecord.ts';
import { RunLoop, type RunEvent } from '../core/runLoop.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import { UsageError } from './args.ts';
import { neverPredictedWatcher } from './neverPredicted.ts';
import { writeRunOutput } from './runOutput.ts';
import { GpuUnavailableError } from '../gpu/device.ts';
import { GpuEngine, describeAdapter } from '../gpu/engine/GpuEngine.ts';
import type { GpuFault } from '../gpu/engine/GpuTrainer.ts';
import { dawnGpu, explainMissingAdapter } from '../node/dawn.ts';
import { ParallelCpuEngine } from '../node/parallelCpuEngine.ts';

export interface TrainSummary {
  [key: string]: unknown;
}

export type EngineChoice = 'cpu' | 'gpu' | 'auto';

/** Where a run writes its checkpoint and metrics, and the checkpoint it resumes from. */
export interface RunFiles {
  out: string | null;
  resume: Checkpoint | null;
  dataset: string | null;
}

export const NO_RUN_FILES: RunFiles = { out: null, resume: null, dataset: null };

export interface TrainOptions {
  engine: EngineChoice;
  /** Threads of the CPU engine (batches of one sample use one). */
  threads: number;
  /** Progress lines (stderr in the CLI). */
  log: (line: string) => void;
  raw?: RawDataset | null;
  files?: RunFiles;
  /** A GPU fault to inject on purpose (tests of the error path; DELAYLAB_GPU_FAULT). */
  gpuFault?: GpuFault | null;
  /**
   * Stop once validation accuracy has not improved for this many epochs (the run's checkpoint
   * stays resumable); null: train every epoch.
   */
  patience?: number | null;
  /**
   * Training accuracy from the first this many samples of the training split each epoch (they
   * are in the split's shuffled order, so a random subset); null: all of them.
   */
  trainEvalLimit?: number | null;
}

/** With --out, a checkpoint is also written this often mid-epoch (ms), besides every epoch end. */
export const CLI_CHECKPOINT_EVERY_MS = 5 * 60_000;
/** Progress lines inside long epochs: at most one this often (ms). */
const BATCH_PROGRESS_EVERY_MS = 15_000;

function round(x: number | null, digits = 4): number | null {
  return x === null ? null : Number(x.toFixed(digits));
}

/** Summary fields naming a loaded data set. */
function datasetFields(raw: RawDataset | null): Record<string, unknown> {
  return raw ? { dataset: raw.name, datasetSource: raw.source } : {};
}

function cpuEngine(
  config: ExperimentConfig,
  data: SpikeDataset,
  threads: number,
  checkpoint: Checkpoint | null,
): ParallelCpuEngine {
  // Batches of one sample (the toy) cannot be split: one thread.
  return new ParallelCpuEngine(config, config.training.batchSize > 1 ? threads : 1, {
    data,
    state: checkpoint?.state ?? null,
  });
}

/**
 * The engine `choice` asks for. `gpu` fails with the reason (and an install hint) when no adapter
 * can be had; `auto` takes the GPU only where it is a real one (a software adapter is slower than
 * the CPU engine) and says why it took the CPU otherwise.
 */
async function openEngine(
  config: ExperimentConfig,
  data: SpikeDataset,
  options: TrainOptions,
  resume: Checkpoint | null,
): Promise<Engine> {
  const { log } = options;
  if (options.engine === 'cpu') return cpuEngine(config, data, options.threads, resume);
  try {
    const engine = await GpuEngine.open(dawnGpu(), config, {
      data,
      state: resume?.state ?? null,
      rejectFallbackAdapter: options.engine === 'auto',
      fault: options.gpuFault ?? null,
      onTrouble: (trouble) => log(`GPU ${trouble.kind}: ${trouble.message}`),
    });
    log(`GPU adapter: ${describeAdapter(engine.adapterInfo)}`);
    return engine;
  } catch (e) {
    const why = e instanceof GpuUnavailableError ? e : explainMissingAdapter(e);
    if (options.engine === 'gpu' || !(why instanceof GpuUnavailableError)) throw why;
    log(`engine auto: ${why.message}; using the CPU engine`);
    return cpuEngine(config, data, options.threads, resume);
  }
}

/** Turns the loop's events into progress lines: epochs, long epochs' batches, a fallback. */
function progressLogger(
  config: ExperimentConfig,
  epochs: number,
  log: (line: string) => void,
  firstSpikes: () => number[],
  watchClasses: ReturnType<typeof neverPredictedWatcher>,
): (event: RunEvent) => void {
  const isToy = config.task.kind === 'toy';
  const every = isToy ? Math.max(1, Math.floor(epochs / 10)) : 1;
  let epochStarted = performance.now();
  let lastLog = epochStarted;
  return (event) => {
    if (event.type === 'fallback') {
      log(`delaylab: ${event.message}`);
    } else if (event.type === 'step') {
      const now = performance.now();
      if (event.batch === 1) epochStarted = lastLog = now;
      if (now - lastLog < BATCH_PROGRESS_EVERY_MS || event.batch === event.batches) return;
      lastLog = now;
      const rate = (event.batch * config.training.batchSize) / ((now - epochStarted) / 1000);
      log(
        `  epoch ${event.epoch}: ${event.batch}/${event.batches} batches (${((100 * event.batch) / event.batches).toFixed(0)} %, ${rate.toFixed(0)} samples/s)`,
      );
    } else if (event.type === 'epoch') {
      const m = event.record;
      // Checked every epoch, printed below the epoch's line (or alone on an epoch not logged).
      const warning = event.predictions ? watchClasses(event.predictions, m.epoch) : null;
      if (m.epoch % every !== 0 && m.epoch !== epochs) {
        if (warning) log(warning);
        return;
      }
      const pct = (label: string, v: number | null) =>
        v === null ? '' : ` ${label} ${(100 * v).toFixed(1)}%`;
      const spikes = isToy ? ` first spikes [${firstSpikes().join(', ')}]` : '';
      const sigma = sigmaMatters(config) ? `  sigma ${m.sigma.toFixed(2)}` : '';
      log(
        `epoch ${m.epoch}/${epochs}  loss ${m.trainLoss.toPrecision(4)}${pct('train acc', m.trainAccuracy)}${pct('val acc', m.validationAccuracy)}${pct('test acc', m.testAccuracy)}${sigma}${spikes}  (${m.ms.toFixed(0)} ms)`,
      );
      if (warning) log(warning);
    }
  };
}

/**
 * Trains a config on the chosen engine through the run loop: progress lines go to `log`, the
 * checkpoint and metrics to `files.out` (every epoch, and every few minutes mid-epoch), and a
 * lost GPU continues on the CPU engine from the last checkpoint, saying so. Any other GPU error
 * ends the run with that error. Resolves to the summary `train --json` prints.
 */
export async function trainRun(config: ExperimentConfig, options: TrainOptions): Promise<TrainSummary> {
  const started = performance.now();
  const { log } = options;
  const raw = options.raw ?? null;
  const files = options.files ?? NO_RUN_FILES;
  const epochs = config.training.epochs;
  const data = buildTaskData(config, raw);
  const resume = files.resume;
  const engine = await openEngine(config, data, options, resume);
  log(`training '${config.name}' on the ${engine.info.description}: ${epochs} epochs, seed ${config.seed}`);
  let details: Record<string, unknown> = { ...engine.info.details };
  const outDir = files.out;
  const loop: RunLoop = new RunLoop(engine, {
    dataset: files.dataset,
    resume,
    checkpointMinGapMs: 0,
    ...(options.trainEvalLimit ? { trainEvalLimit: options.trainEvalLimit } : {}),
    ...(outDir
      ? {
          checkpointEveryMs: CLI_CHECKPOINT_EVERY_MS,
          save: (checkpoint: Checkpoint) => {
            writeRunOutput(outDir, checkpoint, checkpoint.history);
            return Promise.resolve();
          },
        }
      : {}),
    // A lost GPU: the CPU engine takes over from the last checkpoint (every epoch end).
    fallback: (checkpoint) => Promise.resolve(cpuEngine(config, data, options.threads, checkpoint)),
    onEvent: (event) => {
      if (event.type === 'fallback') {
        details = { ...event.to.details, gpuLostAtStep: event.resumedAtStep };
      }
      onProgress(event);
    },
  });
  const onProgress = progressLogger(
    config,
    epochs,
    log,
    () => loop.model.firstSpikes(),
    neverPredictedWatcher(data, outDir ?? null),
  );
  if (resume) log(`resuming after epoch ${loop.model.epoch} of ${epochs} (step ${loop.model.step})`);
  const patience = options.patience ?? null;
  const stale = (): { bestEpoch: number; since: number } | null => {
    const s = patience === null ? null : epochsSinceBest(loop.history);
    return s && s.since >= patience! ? s : null;
  };
  try {
    if (loop.done) throw new UsageError(`the run had already trained all ${epochs} epochs: nothing to do`);
    const before = stale();
    if (before) {
      log(
        `--patience ${patience}: validation accuracy has not improved for ${before.since} epochs (best: epoch ${before.bestEpoch}); nothing to train`,
      );
    } else {
      if (patience === null) await loop.runToEnd();
      else await loop.runUntil(() => stale() !== null);
      const after = stale();
      if (after && !loop.done)
        log(
          `stopping after epoch ${loop.model.epoch}: validation accuracy has not improved for ${after.since} epochs (best: epoch ${after.bestEpoch}; --patience ${patience})`,
        );
    }
    const stopped = stale();
    await loop.engine.sync();
    const base = {
      config: config.name,
      method: config.training.method,
      ...details,
      ...datasetFields(raw),
      epochs,
      seed: config.seed,
      seconds: round((performance.now() - started) / 1000, 2),
      // Where --patience ended the run before its last epoch (null: it did not).
      stoppedEarly:
        stopped && !loop.done
          ? { afterEpoch: loop.model.epoch, bestEpoch: stopped.bestEpoch, patience }
          : null,
    };
    return config.task.kind === 'toy' ? toySummary(base, loop) : await classifierSummary(base, loop);
  } finally {
    await loop.engine.dispose();
  }
}

function toySummary(base: Record<string, unknown>, loop: RunLoop): TrainSummary {
  const model = loop.model;
  const config = model.config;
  if (config.task.kind !== 'toy') throw new Error('not the toy task');
  const outputs = config.network.layers.at(-1)!.size;
  const delays = model.net.denseParameters()[0]!.delays;
  return {
    ...base,
    firstSpikeTimes: model.firstSpikes(),
    quantisedFirstSpikeTimes: model.quantisedFirstSpikes(),
    targets: config.task.targetTimes,
    finalLoss: round(loop.history.at(-1)?.trainLoss ?? null, 6),
    // [input][output] delays in time steps.
    delays: Array.from({ length: config.network.inputs }, (_, i) =>
      Array.from(delays.subarray(i * outputs, (i + 1) * outputs), (d) => Number(d.toFixed(3))),
    ),
  };
}

async function classifierSummary(base: Record<string, unknown>, loop: RunLoop): Promise<TrainSummary> {
  const model = loop.model;
  const history: readonly EpochRecord[] = loop.history;
  const last = history.at(-1)!;
  const finalTest = model.evaluate(model.data.test);
  // The reported test accuracy is the best-validation model's (as the papers report it),
  // evaluated with the kernel width (sigma) it had at that epoch.
  const bestTest = await loop.evaluateBest(model.data.test);
  return {
    ...base,
    trainAccuracy: round(last.trainAccuracy),
    valAccuracy: round(last.validationAccuracy),
    testAccuracy: round(bestTest.accuracy),
    testAccuracyFinal: round(finalTest.accuracy),
    bestValidationEpoch: loop.best?.epoch ?? null,
    // Training throughput (samples/s, evaluation excluded) of the last epoch that measured it.
    trainSamplesPerSecond: round(
      history.findLast((m) => m.trainSamplesPerSecond !== undefined)?.trainSamplesPerSecond ?? null,
      1,
    ),
    trainLoss: round(last.trainLoss),
    valLoss: round(last.validationLoss),
    // Rewired runs: active synapses per layer at the end (fixed by DEEP R / RigL) of how many possible.
    ...(model.config.network.layers.some((l) => l.rewiring)
      ? {
          activeSynapses: model.activeSynapses(),
          possibleSynapses: model.net.synapses.map((s) => s.possibleSynapses),
        }
      : {}),
    samples: {
      train: model.data.train.length,
      validation: model.data.validation.length,
      test: model.data.test.length,
    },
    history: history.map((m) => ({
      epoch: m.epoch,
      trainLoss: round(m.trainLoss),
      trainAccuracy: round(m.trainAccuracy),
      valAccuracy: round(m.validationAccuracy),
      testAccuracy: round(m.testAccuracy),
      sigma: round(m.sigma, 3),
    })),
  };
}
