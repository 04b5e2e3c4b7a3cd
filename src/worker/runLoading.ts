import { classNamesOf } from '../core/data/knownDatasets.ts';
import { decodeCheckpoint, type Checkpoint } from '../core/checkpoint.ts';
import { checkTrainingMemory } from '../core/memoryEstimate.ts';
import { buildTaskData, type SpikeDataset } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import type { Engine } from '../core/engine.ts';
import { taskDatasetName, type ExperimentConfig } from '../core/experiment.ts';
import { applyModel, type Model } from '../core/modelFile.ts';
import type { TrainerState } from '../core/trainer.ts';
import type { RunEntry } from '../storage/runStore.ts';
import { createEngine } from './engines.ts';
import type { SessionHost } from './host.ts';
import type { EngineChoice, EngineReport, RunInfo } from './protocol.ts';

/**
 * What a playground run may allocate (bytes): browsers cap a tab's memory at a few GB (and
 * report at most 8 GB of device memory), so half of the device's memory, at most 2 GB.
 */
const BROWSER_MEMORY_LIMIT = Math.min(
  2e9,
  0.5 *
    1e9 *
    ((globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory ?? 4),
);

/** A model file being opened as a new run: its parameters replace the seed's initialisation. */
export interface ImportedModel {
  state: TrainerState;
  name: string;
  model: Model;
}

export interface RunRequest {
  config: ExperimentConfig;
  choice: EngineChoice;
  resumeRunId: string | null;
  imported: ImportedModel | null;
  dataBaseUrl: string;
  /** Threads the CPU engine may use (the page's navigator.hardwareConcurrency). */
  cpuThreads: number;
}

/** A run ready to train: its engine, its stored entry and what its checkpoint held. */
export interface OpenedRun {
  engine: Engine;
  report: EngineReport;
  info: RunInfo;
  entry: RunEntry;
  dataset: string | null;
  /** The checkpoint bytes stored last (null for a run not stored yet). */
  storedBytes: Uint8Array | null;
  resume: Pick<Checkpoint, 'history' | 'best' | 'epochLossSum' | 'stepLosses' | 'viewPredictions'> | null;
}

/** No samples: a trainer that only holds parameters (a model file being read). */
export const EMPTY_DATA: SpikeDataset = {
  samples: 0,
  timeSteps: 1,
  inputs: 1,
  source: { kind: 'dense', spikes: new Uint8Array(0) },
  labels: null,
  targetTimes: null,
  outputs: 1,
  train: new Int32Array(0),
  validation: new Int32Array(0),
  test: new Int32Array(0),
};

/**
 * Loads a run's data and builds its engine: a stored run from its checkpoint, a model file from
 * its parameters, or a fresh run of a config. Returns null when `stillWanted` turns false on the
 * way (a newer load replaced this one); the engine built by then is released.
 */
export async function openRun(
  host: SessionHost,
  request: RunRequest,
  stillWanted: () => boolean,
  onLost: (message: string) => void,
): Promise<OpenedRun | null> {
  const post = (message: string, fraction: number | null) =>
    host.post({ type: 'loading', message, fraction }, []);
  let stored: { entry: RunEntry; checkpoint: Uint8Array } | null = null;
  if (request.resumeRunId !== null) {
    stored = await host.runs.load(request.resumeRunId);
    if (!stored) throw new Error(`the stored run '${request.resumeRunId}' no longer exists`);
  }
  const saved = stored ? decodeCheckpoint(stored.checkpoint, `run '${stored.entry.name}'`) : null;
  const config = saved?.config ?? request.config;
  // Before the data or any array: a config that cannot fit in a tab is refused with the estimate.
  checkTrainingMemory(
    config,
    { precision: 'f32', threads: request.cpuThreads },
    BROWSER_MEMORY_LIMIT,
    'a browser tab can safely hold',
  );
  const raw = await host.loadData(config, request.dataBaseUrl, post);
  if (!stillWanted()) return null;
  post('Encoding and splitting the data…', null);
  const data = buildTaskData(config, raw);
  const imported = request.imported;
  // A stored run continues on its own engine (the page's engine choice is for new runs): a CPU
  // run stays on the CPU, a GPU run takes the GPU where there still is one; a switch is said.
  const choice = stored ? resumeChoice(stored.entry.engine) : request.choice;
  const { engine, report: built } = await createEngine(
    choice,
    config,
    data,
    saved?.state ?? imported?.state ?? null,
    host.gpu,
    onLost,
    host.cpuEngine,
    request.cpuThreads,
  );
  const report = stored ? withSwitchNotice(built, stored.entry.engine) : built;
  if (!stillWanted()) {
    await engine.dispose();
    return null;
  }
  if (imported) applyModel(engine.model, imported.model);
  const now = new Date().toISOString();
  const entry: RunEntry = stored
    ? { ...stored.entry, engine: report.engine, updatedAt: now }
    : {
        id: host.newId(),
        name: imported?.name ?? `${config.name} · seed ${config.seed}`,
        config,
        engine: report.engine,
        dataset: taskDatasetName(config.task),
        createdAt: now,
        updatedAt: now,
        epoch: 0,
        step: 0,
        totalSteps: engine.model.totalSteps,
        history: [],
        status: 'paused',
        formatVersion: 1,
      };
  return {
    engine,
    report,
    info: runInfo(entry.id, config, engine, report, raw),
    entry,
    dataset: entry.dataset,
    storedBytes: stored?.checkpoint ?? null,
    resume: saved
      ? {
          history: saved.history,
          best: saved.best,
          // Version 1 checkpoints kept the partial epoch's loss in the stored entry only.
          epochLossSum: saved.epochLossSum ?? stored?.entry.epochLossSum ?? 0,
          stepLosses: saved.stepLosses,
          viewPredictions: saved.viewPredictions,
        }
      : null,
  };
}

function runInfo(
  runId: string,
  config: ExperimentConfig,
  engine: Engine,
  report: EngineReport,
  raw: RawDataset | null,
): RunInfo {
  const t = engine.model;
  const task = config.task;
  const images = raw?.train.kind === 'images' ? raw.train : null;
  const classNames = classNamesOf(raw);
  return {
    runId,
    config,
    engine: report,
    totalSteps: t.totalSteps,
    stepsPerEpoch: t.stepsPerEpoch,
    epochs: config.training.epochs,
    splits: { train: t.data.train.length, validation: t.data.validation.length, test: t.data.test.length },
    imageShape: images ? [images.rows, images.cols] : null,
    classes: t.data.labels ? t.data.outputs : null,
    classNames: classNames ? [...classNames] : null,
    readOnly: null,
    toy:
      task.kind === 'toy' ? { inputTimes: [...task.inputTimes], targetTimes: [...task.targetTimes] } : null,
  };
}

/** The engine choice that resumes a stored run where it trained: the CPU, or the GPU if one is there. */
export function resumeChoice(trainedOn: 'cpu' | 'gpu'): EngineChoice {
  return trainedOn === 'cpu' ? 'cpu' : 'auto';
}

/** The report, with a notice when a resumed run continues on another engine than it trained on. */
export function withSwitchNotice(report: EngineReport, trainedOn: 'cpu' | 'gpu'): EngineReport {
  if (report.engine === trainedOn) return report;
  const why = report.notice ? ` (${report.notice.replace(/\.$/, '')})` : '';
  return {
    ...report,
    notice: `This run trained on the ${trainedOn.toUpperCase()} engine and continues on the ${report.engine.toUpperCase()} engine${why}; from here its steps may differ slightly from an uninterrupted run.`,
  };
}
