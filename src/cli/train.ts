import { buildTaskData } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { copyParameters, type BestParameters, type Checkpoint } from '../core/checkpoint.ts';
import type { EpochMetrics, Trainer } from '../core/trainer.ts';
import { UsageError } from './args.ts';
import { writeRunOutput, type EpochRecord } from './runOutput.ts';
import { GpuDeviceLostError, GpuUnavailableError, openDevice } from '../gpu/device.ts';
import { GpuTrainer } from '../gpu/engine/GpuTrainer.ts';
import { dawnGpu, explainMissingAdapter } from '../node/dawn.ts';
import { ParallelTrainer } from '../node/parallelTrainer.ts';

/** What the epoch loop needs from an engine: the CPU trainer that holds data and (synced) parameters, and an epoch. */
interface EpochRunner {
  trainer: Trainer;
  trainEpoch(): Promise<EpochMetrics>;
  /** Fields that describe the engine in the summary. */
  engine: Record<string, unknown>;
}

export interface TrainSummary {
  [key: string]: unknown;
}

/** Progress lines inside long epochs: at most one every 15 s (batches done, samples per second). */
function batchProgress(trainer: Trainer, log: (line: string) => void): (done: number, total: number) => void {
  const started = performance.now();
  let lastLog = started;
  const perBatch = trainer.config.training.batchSize;
  return (done, total) => {
    const now = performance.now();
    if (now - lastLog < 15_000 || done === total) return;
    lastLog = now;
    const rate = (done * perBatch) / ((now - started) / 1000);
    log(
      `  epoch ${trainer.epoch + 1}: ${done}/${total} batches (${((100 * done) / total).toFixed(0)} %, ${rate.toFixed(0)} samples/s)`,
    );
  };
}

/** Summary fields naming a loaded data set. */
function datasetFields(raw: RawDataset | null): Record<string, unknown> {
  return raw ? { dataset: raw.name, datasetSource: raw.source } : {};
}

function round(x: number | null, digits = 4): number | null {
  return x === null ? null : Number(x.toFixed(digits));
}

/**
 * Trains a config on the CPU engine, each batch split across `threads` cores (the result is the
 * one-thread result up to float summation order); progress lines go to `log` (stderr in the CLI).
 */
export async function trainExperiment(
  config: ExperimentConfig,
  epochs: number,
  threads: number,
  log: (line: string) => void,
  raw: RawDataset | null = null,
  files: RunFiles = NO_RUN_FILES,
): Promise<TrainSummary> {
  const started = performance.now();
  const data = buildTaskData(config, raw);
  // Batches of one sample (the toy) cannot be split: one thread.
  const parallel = new ParallelTrainer(config, config.training.batchSize > 1 ? threads : 1, { epochs, data });
  if (files.resume) parallel.trainer.importState(files.resume.state);
  try {
    const runner = {
      trainer: parallel.trainer,
      trainEpoch: () => parallel.trainEpoch(batchProgress(parallel.trainer, log)),
      engine: { engine: 'cpu', threads: parallel.threads, ...datasetFields(raw) },
    };
    return await runEpochs(runner, config, epochs, started, log, files);
  } finally {
    await parallel.close();
  }
}

/**
 * Trains a config on the WebGPU engine (Dawn in Node): every step runs on the GPU; after each
 * epoch the parameters are copied to the CPU trainer, which evaluates the splits. Throws with an
 * install hint when no adapter can be had.
 */
export async function trainExperimentGpu(
  config: ExperimentConfig,
  epochs: number,
  log: (line: string) => void,
  options: { rejectFallbackAdapter?: boolean } = {},
  raw: RawDataset | null = null,
): Promise<TrainSummary> {
  const started = performance.now();
  const data = buildTaskData(config, raw);
  let ctx;
  try {
    ctx = await openDevice(dawnGpu(), (trouble) => {
      // Our own destroy() at the end is not news; any other loss or error is.
      if (trouble.kind === 'lost' && trouble.reason === 'destroyed') return;
      log(`GPU ${trouble.kind}: ${trouble.message}`);
    });
  } catch (e) {
    throw explainMissingAdapter(e);
  }
  if (options.rejectFallbackAdapter && ctx.adapterInfo.isFallbackAdapter) {
    ctx.device.destroy();
    throw new GpuUnavailableError('only a software (fallback) WebGPU adapter is available');
  }
  log(
    `GPU adapter: ${[ctx.adapterInfo.vendor, ctx.adapterInfo.architecture, ctx.adapterInfo.description].filter(Boolean).join(' / ')}${ctx.adapterInfo.isFallbackAdapter ? ' (software fallback)' : ''}`,
  );
  log(`training '${config.name}' on the GPU engine: ${epochs} epochs, seed ${config.seed}`);
  const gpu = new GpuTrainer(ctx, config, { epochs, data });
  const trainer = gpu.reference;
  let onCpu = false;
  const runner: EpochRunner = {
    trainer,
    engine: { engine: 'gpu', adapter: ctx.adapterInfo, ...datasetFields(raw) },
    trainEpoch: async () => {
      if (onCpu) return trainer.trainEpoch();
      const epochStart = trainer.step;
      const epoch = trainer.beginEpoch();
      try {
        // Steps are issued without waiting for each other; the losses are collected at the end.
        const losses = epoch.batches.map((batch) => {
          epoch.sigma = trainer.currentSigma();
          return gpu.trainStep(batch).then((loss) => loss * batch.length);
        });
        for (const loss of await Promise.all(losses)) epoch.lossSum += loss;
        await gpu.checkpoint();
      } catch (e) {
        if (!(e instanceof GpuDeviceLostError)) throw e;
        // Recovery: the CPU trainer holds the parameters of the last finished epoch; redo this
        // epoch and go on there (its batches were drawn already, so the order differs from an
        // uninterrupted run).
        log(
          `delaylab: ${e.message}; continuing on the CPU engine from the end of epoch ${trainer.epoch} (Adam moments restart)`,
        );
        onCpu = true;
        runner.engine = { ...runner.engine, engine: 'cpu', gpuLostAtEpoch: trainer.epoch + 1 };
        trainer.step = epochStart;
        trainer.net.setSigma(trainer.currentSigma());
        return trainer.trainEpoch();
      }
      return trainer.endEpoch(epoch);
    },
  };
  try {
    return await runEpochs(runner, config, epochs, started, log, NO_RUN_FILES);
  } finally {
    gpu.destroy();
    ctx.device.destroy();
  }
}

/** Where a run writes its checkpoint and metrics, and the checkpoint it resumes from. */
export interface RunFiles {
  out: string | null;
  resume: Checkpoint | null;
  dataset: string | null;
}

export const NO_RUN_FILES: RunFiles = { out: null, resume: null, dataset: null };

async function runEpochs(
  runner: EpochRunner,
  config: ExperimentConfig,
  epochs: number,
  started: number,
  log: (line: string) => void,
  files: RunFiles,
): Promise<TrainSummary> {
  const trainer = runner.trainer;
  const history: EpochRecord[] = files.resume ? [...(files.resume.history as EpochRecord[])] : [];
  const isToy = config.task.kind === 'toy';
  const every = isToy ? Math.max(1, Math.floor(epochs / 10)) : 1;
  let best: BestParameters | null = files.resume?.best ?? null;
  if (files.resume) log(`resuming after epoch ${trainer.epoch} of ${epochs}`);
  while (trainer.epoch < epochs) {
    const metrics = await runner.trainEpoch();
    const test = trainer.data.test.length > 0 ? trainer.evaluate(trainer.data.test) : null;
    const m: EpochRecord = { ...metrics, testLoss: test?.loss ?? null, testAccuracy: test?.accuracy ?? null };
    history.push(m);
    if (m.validationAccuracy !== null && (best === null || m.validationAccuracy > best.validationAccuracy)) {
      best = { validationAccuracy: m.validationAccuracy, epoch: m.epoch, layers: copyParameters(trainer) };
    }
    if (files.out) {
      writeRunOutput(
        files.out,
        { config, dataset: files.dataset, state: trainer.exportState(), history, best },
        history,
      );
    }
    if (m.epoch % every === 0 || m.epoch === epochs) {
      const acc = m.trainAccuracy === null ? '' : ` train acc ${(100 * m.trainAccuracy).toFixed(1)}%`;
      const val = m.validationAccuracy === null ? '' : ` val acc ${(100 * m.validationAccuracy).toFixed(1)}%`;
      const tst = m.testAccuracy === null ? '' : ` test acc ${(100 * m.testAccuracy).toFixed(1)}%`;
      const spikes = isToy ? ` first spikes [${trainer.firstSpikes().join(', ')}]` : '';
      log(
        `epoch ${m.epoch}/${epochs}  loss ${m.trainLoss.toPrecision(4)}${acc}${val}${tst}  sigma ${m.sigma.toFixed(2)}${spikes}  (${m.ms.toFixed(0)} ms)`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const base = {
    config: config.name,
    ...runner.engine,
    epochs,
    seed: config.seed,
    seconds: round(seconds, 2),
  };
  if (config.task.kind === 'toy') {
    const outputs = config.network.layers.at(-1)!.size;
    const delays = trainer.net.synapses[0]!.delays;
    return {
      ...base,
      firstSpikeTimes: trainer.firstSpikes(),
      quantisedFirstSpikeTimes: trainer.quantisedFirstSpikes(),
      targets: config.task.targetTimes,
      finalLoss: round(history.at(-1)?.trainLoss ?? null, 6),
      // [input][output] delays in time steps.
      delays: Array.from({ length: config.network.inputs }, (_, i) =>
        Array.from(delays.subarray(i * outputs, (i + 1) * outputs), (d) => Number(d.toFixed(3))),
      ),
    };
  }
  const last = history.at(-1);
  if (!last) throw new UsageError(`the run had already trained all ${epochs} epochs: nothing to do`);
  const finalTest = trainer.evaluate(trainer.data.test);
  let bestTest = finalTest;
  if (best) {
    // The reported test accuracy is the best-validation model's (as the papers report it).
    best.layers.forEach((p, l) => {
      trainer.net.synapses[l]!.weights.set(p.weights);
      trainer.net.synapses[l]!.delays.set(p.delays);
    });
    bestTest = trainer.evaluate(trainer.data.test);
  }
  return {
    ...base,
    trainAccuracy: round(last.trainAccuracy),
    valAccuracy: round(last.validationAccuracy),
    testAccuracy: round(bestTest.accuracy),
    testAccuracyFinal: round(finalTest.accuracy),
    bestValidationEpoch: best?.epoch ?? null,
    // Training throughput (samples/s, evaluation excluded) of the last epoch that measured it.
    trainSamplesPerSecond: round(
      history.findLast((m) => m.trainSamplesPerSecond !== undefined)?.trainSamplesPerSecond ?? null,
      1,
    ),
    trainLoss: round(last.trainLoss),
    valLoss: round(last.validationLoss),
    samples: {
      train: trainer.data.train.length,
      validation: trainer.data.validation.length,
      test: trainer.data.test.length,
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
