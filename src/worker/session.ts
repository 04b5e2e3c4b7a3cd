import {
  copyParameters,
  decodeCheckpoint,
  encodeCheckpoint,
  type BestParameters,
} from '../core/checkpoint.ts';
import { buildTaskData } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import { taskDatasetName, type ExperimentConfig } from '../core/experiment.ts';
import type { RngState } from '../core/rng.ts';
import { Trainer, type EpochInProgress, type TrainerState } from '../core/trainer.ts';
import { applyModel, decodeModel, encodeModel, modelFromTrainer, type Model } from '../core/modelFile.ts';
import { delayTableCsv, delayTableJson } from '../core/delayTable.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import type { RunEntry } from '../storage/runStore.ts';
import type { LoadProgress } from './dataSource.ts';
import { createEngine, type StepEngine } from './engines.ts';
import {
  DEFAULT_STEPS_PER_SECOND,
  type EngineChoice,
  type EpochRecord,
  type ExportKind,
  type FromWorker,
  type Progress,
  type RunInfo,
  type ToWorker,
  type ViewSelection,
  type ViewSnapshot,
} from './protocol.ts';
import { computeViews, testReport, viewSplit } from './views.ts';

/** Steps per chunk when the speed is limited; between chunks the session yields to messages. */
export const STEPS_PER_CHUNK = 5;
/** Flat out on the CPU, a chunk runs steps for about this long (ms) before yielding. */
export const CPU_CHUNK_MS = 40;
/** Flat out on the GPU, a chunk issues this many steps back to back, then awaits their losses. */
export const GPU_STEPS_PER_CHUNK = 8;
/** Progress is posted at most this often while training (ms). */
export const POST_INTERVAL_MS = 50;
/** The live views are recomputed at most this often while training (ms). */
export const VIEWS_INTERVAL_MS = 500;
/** A running run stores a checkpoint at least this often (ms), besides every epoch end and pause. */
export const SAVE_INTERVAL_MS = 10_000;
/** Epoch ends store a checkpoint unless one was stored less than this long ago (ms). */
export const EPOCH_SAVE_MIN_MS = 1000;
/** Training accuracy is measured on at most this many training samples (the first of the split). */
export const TRAIN_EVAL_LIMIT = 4000;
/** Evaluation runs in slices of this many samples, yielding between them. */
const EVAL_SLICE = 256;

/** Where runs are stored (IndexedDB in the browser; a map in tests). */
export interface RunPersistence {
  load(id: string): Promise<{ entry: RunEntry; checkpoint: Uint8Array } | null>;
  saveProgress(entry: RunEntry, checkpoint: Uint8Array): Promise<unknown>;
}

export interface SessionHost {
  post(message: FromWorker, transfer: Transferable[]): void;
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  loadData(
    config: ExperimentConfig,
    dataBaseUrl: string,
    onProgress: LoadProgress,
  ): Promise<RawDataset | null>;
  runs: RunPersistence;
  gpu: Pick<GPU, 'requestAdapter'> | undefined;
  newId(): string;
}

/** A loaded run: its engine, the epoch in progress, and what its checkpoint holds. */
interface LoadedRun {
  info: RunInfo;
  engine: StepEngine;
  entry: RunEntry;
  history: EpochRecord[];
  best: BestParameters | null;
  /** The epoch being trained, or null between epochs. */
  epoch: (EpochInProgress & { cursor: number; orderBefore: RngState }) | null;
  /** Batch order before the current epoch began (what a mid-epoch checkpoint stores). */
  orderBefore: RngState;
  /** The checkpoint stored last (an error marks the run next to it, never over it). */
  lastCheckpoint: Uint8Array | null;
}

/** No samples: a trainer that only holds parameters (a model file being read). */
const EMPTY_DATA: SpikeDataset = {
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

const yieldTo = (host: SessionHost): Promise<void> =>
  new Promise((resolve) => {
    host.setTimer(resolve, 0);
  });

function messageOf(m: unknown): string {
  return m instanceof Error ? m.message : String(m);
}

/**
 * The training loop behind the Worker, free of `self` so it runs anywhere: loads a config's data,
 * trains it on the chosen engine in chunks (yielding between them so play, pause, step and
 * select respond), evaluates after every epoch, stores checkpoints, and posts throttled progress
 * and view snapshots.
 */
export class TrainingSession {
  private run: LoadedRun | null = null;
  private running = false;
  /** A chunk, an evaluation or a load is under way (commands wait for it to yield). */
  private busy = false;
  private stepsPerSecond: number | null = DEFAULT_STEPS_PER_SECOND;
  private selection: ViewSelection = { sample: 0, hiddenNeuron: 0, outputNeuron: 0 };
  private cancelTimer: (() => void) | null = null;
  private pendingLosses: number[] = [];
  private lastPost = -Infinity;
  private lastViews = -Infinity;
  private lastSave = -Infinity;
  private activity: string | null = null;
  private rate: { samples: number; ms: number } = { samples: 0, ms: 0 };
  /** Bumped by every load: work of an older load stops when it sees a newer generation. */
  private generation = 0;
  private gpuLost: string | null = null;
  /** Play arrived while a run was loading (a reloaded page resuming a running run). */
  private playAfterLoad = false;
  /** The save in progress (saves are chained so a pause and an interval save never interleave). */
  private saving: Promise<void> = Promise.resolve();
  /** The last epoch is being evaluated: the run is not done until its record is posted. */
  private closingEpoch = false;
  /** Base URL of the built-in data assets, from the page. */
  private dataBaseUrl = '';

  constructor(private readonly host: SessionHost) {}

  handle(msg: ToWorker): void {
    switch (msg.type) {
      case 'load':
        this.dataBaseUrl = msg.dataBaseUrl;
        void this.load(msg.config, msg.engine, msg.resumeRunId);
        break;
      case 'play':
        if (!this.run && this.busy) {
          this.playAfterLoad = true;
          break;
        }
        if (!this.run || this.running || this.finished) {
          this.postProgress();
          break;
        }
        this.running = true;
        this.lastSave = this.host.now();
        this.postProgress();
        this.schedule(0);
        break;
      case 'pause':
        // A play queued behind a load (a reloaded page resuming a running run) is cancelled too.
        this.playAfterLoad = false;
        if (!this.running) break;
        this.stop();
        this.postProgress();
        // After the chunk under way (which may be closing an epoch), so the checkpoint is whole.
        this.whenIdle(async () => {
          if (!this.finished) await this.save('paused');
        });
        break;
      case 'step':
        if (!this.run || this.running || this.finished) break;
        // Served after whatever is under way (e.g. the views of a run that just became ready).
        this.whenIdle(async () => {
          if (this.running || this.finished) return;
          await this.trainSteps(1);
          await this.postViews();
          this.postProgress();
          await this.save('paused');
        });
        break;
      case 'speed':
        this.stepsPerSecond = msg.stepsPerSecond;
        break;
      case 'importModel':
        this.dataBaseUrl = msg.dataBaseUrl;
        void this.importModel(msg.text, msg.fileName, msg.engine);
        break;
      case 'evaluate':
        this.whenIdleSoft(() => this.evaluateNow());
        break;
      case 'export':
        this.whenIdleSoft(() => this.exportParameters(msg.what));
        break;
      case 'select':
        this.selection = msg.selection;
        if (!this.running) this.whenIdle(() => this.postViews());
        break;
    }
  }

  private get finished(): boolean {
    const r = this.run;
    return r !== null && r.engine.trainer.step >= r.info.totalSteps && r.epoch === null && !this.closingEpoch;
  }

  private stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private schedule(ms: number): void {
    this.cancelTimer = this.host.setTimer(() => void this.chunk(), ms);
  }

  /**
   * Runs `work` once nothing else is under way (a chunk, an epoch's evaluation, a load), so a
   * request made mid-chunk is served after it rather than dropped. Needs a loaded run.
   */
  private whenIdle(work: () => Promise<void>): void {
    const generation = this.generation;
    const attempt = (): void => {
      if (generation !== this.generation || !this.run) return;
      if (this.busy) {
        this.host.setTimer(attempt, 20);
        return;
      }
      void this.guard(work);
    };
    attempt();
  }

  /** Runs one piece of async work at a time; failures end training with a message. */
  private async guard(work: () => Promise<void>): Promise<void> {
    const generation = this.generation;
    this.busy = true;
    try {
      await work();
    } catch (e) {
      // Work of a run that has since been replaced ends quietly: it must not stop the new one.
      if (generation === this.generation) {
        this.stop();
        this.fail(e);
      }
    } finally {
      // A newer load owns `busy` now (and clears it itself).
      if (generation === this.generation) this.busy = false;
    }
  }

  /** Like whenIdle, for requests whose failure is worth a notice but must not end the run. */
  private whenIdleSoft(work: () => Promise<void>): void {
    this.whenIdle(async () => {
      try {
        await work();
      } catch (e) {
        this.host.post({ type: 'notice', message: messageOf(e) }, []);
      }
    });
  }

  private async load(
    config: ExperimentConfig,
    choice: EngineChoice,
    resumeRunId: string | null,
    imported: { state: TrainerState; name: string; model: Model } | null = null,
  ): Promise<void> {
    this.stop();
    this.playAfterLoad = false;
    const generation = ++this.generation;
    this.run?.engine.dispose();
    this.run = null;
    this.gpuLost = null;
    this.pendingLosses = [];
    this.busy = true;
    try {
      let resume: { entry: RunEntry; checkpoint: Uint8Array } | null = null;
      if (resumeRunId !== null) {
        resume = await this.host.runs.load(resumeRunId);
        if (!resume) throw new Error(`the stored run '${resumeRunId}' no longer exists`);
      }
      const saved = resume ? decodeCheckpoint(resume.checkpoint, `run '${resume.entry.name}'`) : null;
      const cfg = saved?.config ?? config;
      const raw = await this.host.loadData(cfg, this.dataBaseUrl, (message, fraction) =>
        this.host.post({ type: 'loading', message, fraction }, []),
      );
      if (generation !== this.generation) return;
      this.host.post({ type: 'loading', message: 'Encoding and splitting the data…', fraction: null }, []);
      const data = buildTaskData(cfg, raw);
      const engine = await createEngine(
        choice,
        cfg,
        data,
        saved?.state ?? imported?.state ?? null,
        this.host.gpu,
        (m) => {
          this.gpuLost = m;
        },
      );
      if (generation !== this.generation) {
        engine.dispose();
        return;
      }
      const trainer = engine.trainer;
      if (imported) applyModel(trainer, imported.model);
      const now = new Date().toISOString();
      const entry: RunEntry = resume
        ? { ...resume.entry, engine: engine.report.engine, updatedAt: now }
        : {
            id: this.host.newId(),
            name: imported?.name ?? `${cfg.name} · seed ${cfg.seed}`,
            config: cfg,
            engine: engine.report.engine,
            dataset: taskDatasetName(cfg.task),
            createdAt: now,
            updatedAt: now,
            epoch: 0,
            step: 0,
            totalSteps: trainer.totalSteps,
            history: [],
            status: 'paused',
            formatVersion: 1,
          };
      const info = this.runInfo(entry.id, cfg, engine, raw);
      const run: LoadedRun = {
        info,
        engine,
        entry,
        history: (saved?.history as EpochRecord[] | undefined) ?? [],
        best: saved?.best ?? null,
        epoch: null,
        orderBefore: trainer.batchOrderState(),
        lastCheckpoint: resume?.checkpoint ?? null,
      };
      // A checkpoint taken mid-epoch stores the batch order from before that epoch: draw the
      // same batches again and skip the ones already trained.
      const into = trainer.step - trainer.epoch * trainer.stepsPerEpoch;
      if (into > 0) {
        const orderBefore = trainer.batchOrderState();
        run.epoch = { ...trainer.beginEpoch(), started: this.host.now(), cursor: into, orderBefore };
        run.epoch.lossSum = resume?.entry.epochLossSum ?? 0;
      }
      this.run = run;
      this.selection = { sample: 0, hiddenNeuron: 0, outputNeuron: 0 };
      this.host.post({ type: 'ready', info, history: run.history, progress: this.progress() }, []);
      // A fresh run is stored once it has trained (a page opened and left alone stores nothing);
      // an imported model is stored at once, as its own run.
      if (imported) await this.save('paused');
      await this.postViews();
    } catch (e) {
      if (generation === this.generation) this.fail(e);
    } finally {
      if (generation === this.generation) {
        this.busy = false;
        if (this.playAfterLoad && this.run) this.handle({ type: 'play' });
        this.playAfterLoad = false;
      }
    }
  }

  /**
   * Starts a new stored run from a model file: its config, with the file's parameters in place of
   * the seed's initialisation (training, if continued, starts at step 0 with fresh Adam moments).
   */
  private async importModel(text: string, fileName: string, choice: EngineChoice): Promise<void> {
    let model: Model;
    try {
      model = decodeModel(text, fileName);
    } catch (e) {
      // A bad file changes nothing: the current run stays loaded.
      this.host.post({ type: 'notice', message: messageOf(e) }, []);
      return;
    }
    const cpu = new Trainer(model.config, { data: { ...EMPTY_DATA } });
    applyModel(cpu, model);
    const state = cpu.exportState();
    // The CPU engine, so that views and evaluation use the model's saved kernel width (sigma)
    // rather than the schedule's value at step 0 (the GPU engine takes sigma from the schedule).
    if (choice !== 'cpu') {
      this.host.post(
        {
          type: 'notice',
          message: `${fileName}: imported models open on the CPU engine, with their saved kernel width σ = ${model.layers[0]?.sigma ?? 0}.`,
        },
        [],
      );
    }
    await this.load(model.config, 'cpu', null, { state, name: `${fileName} (imported)`, model });
  }

  /** Evaluates the view split with the current parameters (e.g. to check an imported model). */
  private async evaluateNow(): Promise<void> {
    const run = this.run!;
    await run.engine.sync();
    const trainer = run.engine.trainer;
    const split = viewSplit(trainer.data);
    const predictions = new Int32Array(split.length);
    const r = await this.evaluate(trainer, split, 'the test split', predictions);
    if (!r) return;
    this.host.post({ type: 'evaluated', step: trainer.step, accuracy: r.accuracy, loss: r.loss }, []);
    const report = testReport(trainer, predictions, trainer.epoch);
    if (report) this.host.post({ type: 'test', report }, []);
    this.postProgress();
  }

  private async exportParameters(what: ExportKind): Promise<void> {
    const run = this.run!;
    await run.engine.sync();
    const trainer = run.engine.trainer;
    const base = `${run.info.config.name}-seed${run.info.config.seed}-step${trainer.step}`;
    const synapses = trainer.net.synapses;
    if (what === 'model') {
      const last = run.history.at(-1);
      const model = modelFromTrainer(trainer, {
        dataset: run.entry.dataset,
        ...(last ? { metrics: last } : {}),
      });
      this.host.post(
        {
          type: 'export',
          what,
          fileName: `${base}.model.json`,
          mime: 'application/json',
          text: encodeModel(model),
        },
        [],
      );
    } else if (what === 'delayTableJson') {
      const text = delayTableJson(run.info.config, synapses);
      this.host.post(
        { type: 'export', what, fileName: `${base}.delays.json`, mime: 'application/json', text },
        [],
      );
    } else {
      const text = delayTableCsv(run.info.config, synapses);
      this.host.post({ type: 'export', what, fileName: `${base}.delays.csv`, mime: 'text/csv', text }, []);
    }
  }

  private runInfo(
    runId: string,
    config: ExperimentConfig,
    engine: StepEngine,
    raw: RawDataset | null,
  ): RunInfo {
    const t = engine.trainer;
    const task = config.task;
    const images = raw?.train.kind === 'images' ? raw.train : null;
    return {
      runId,
      config,
      engine: engine.report,
      totalSteps: t.totalSteps,
      stepsPerEpoch: t.stepsPerEpoch,
      epochs: config.training.epochs,
      splits: { train: t.data.train.length, validation: t.data.validation.length, test: t.data.test.length },
      imageShape: images ? [images.rows, images.cols] : null,
      classes: t.data.labels ? t.data.outputs : null,
      classNames: null,
      toy:
        task.kind === 'toy' ? { inputTimes: [...task.inputTimes], targetTimes: [...task.targetTimes] } : null,
    };
  }

  private async chunk(): Promise<void> {
    this.cancelTimer = null;
    if (!this.running || !this.run) return;
    if (this.busy) {
      this.schedule(10);
      return;
    }
    const started = this.host.now();
    const generation = this.generation;
    let stepsDone = 0;
    await this.guard(async () => {
      const gpu = this.run!.engine.report.engine === 'gpu';
      const limited = this.stepsPerSecond !== null;
      // At least one step per chunk; the CPU yields after CPU_CHUNK_MS so pause stays responsive.
      stepsDone = await this.trainSteps(
        limited ? STEPS_PER_CHUNK : gpu ? GPU_STEPS_PER_CHUNK : Infinity,
        gpu ? Infinity : CPU_CHUNK_MS,
      );
      const now = this.host.now();
      if (now - this.lastPost >= POST_INTERVAL_MS) this.postProgress();
      if (now - this.lastViews >= VIEWS_INTERVAL_MS) await this.postViews();
      if (now - this.lastSave >= SAVE_INTERVAL_MS) await this.save('running');
      // The last epoch may have been closed here even if pause arrived meanwhile: the run is done.
      if (this.finished && generation === this.generation) {
        this.running = false;
        this.postProgress();
        await this.postViews();
        await this.save('done');
      }
    });
    if (generation !== this.generation || !this.running || this.finished) return;
    const spent = this.host.now() - started;
    const budget = this.stepsPerSecond === null ? 0 : (1000 * stepsDone) / this.stepsPerSecond;
    this.schedule(Math.max(0, budget - spent));
  }

  /** Trains up to `maxSteps` steps or for about `maxMs`, closing epochs as they end. */
  private async trainSteps(maxSteps: number, maxMs = Infinity): Promise<number> {
    const run = this.run!;
    const trainer = run.engine.trainer;
    const started = this.host.now();
    const pending: Promise<number>[] = [];
    let samples = 0;
    let steps = 0;
    // An epoch whose batches all ran but that was never closed (stored between its last step
    // and its evaluation) is closed before anything else.
    if (run.epoch && run.epoch.cursor >= run.epoch.batches.length) {
      await this.finishEpoch();
      return 0;
    }
    while (steps < maxSteps && this.host.now() - started < maxMs && trainer.step < run.info.totalSteps) {
      if (this.gpuLost) throw new Error(this.gpuLost);
      if (!run.epoch) {
        run.orderBefore = trainer.batchOrderState();
        run.epoch = {
          ...trainer.beginEpoch(),
          started: this.host.now(),
          cursor: 0,
          orderBefore: run.orderBefore,
        };
      }
      const epoch = run.epoch;
      const batch = epoch.batches[epoch.cursor++]!;
      epoch.sigma = trainer.currentSigma();
      pending.push(
        run.engine.step(batch).then((loss) => {
          if (!Number.isFinite(loss))
            throw new Error(
              `training diverged at step ${trainer.step}: the loss is ${loss}; the last stored checkpoint is unchanged`,
            );
          epoch.lossSum += loss * batch.length;
          return loss;
        }),
      );
      samples += batch.length;
      steps++;
      if (epoch.cursor === epoch.batches.length) {
        this.pendingLosses.push(...(await Promise.all(pending.splice(0))));
        await this.finishEpoch();
        break;
      }
    }
    this.pendingLosses.push(...(await Promise.all(pending)));
    const ms = this.host.now() - started;
    this.rate = { samples, ms };
    return steps;
  }

  /** Evaluates a split in slices, yielding between them; fills `predictions` when given. */
  private async evaluate(
    trainer: Trainer,
    indices: Int32Array,
    what: string,
    predictions?: Int32Array,
  ): Promise<{ loss: number; accuracy: number | null } | null> {
    if (indices.length === 0) return null;
    const generation = this.generation;
    let loss = 0;
    let correct = 0;
    for (let k = 0; k < indices.length; k += EVAL_SLICE) {
      this.activity = `evaluating ${what} (${k}/${indices.length})`;
      if (this.host.now() - this.lastPost >= POST_INTERVAL_MS * 4) this.postProgress();
      const slice = indices.subarray(k, k + EVAL_SLICE);
      const part = predictions?.subarray(k, k + slice.length);
      const r = trainer.evaluate(slice, part);
      loss += r.loss * slice.length;
      correct += (r.accuracy ?? 0) * slice.length;
      await yieldTo(this.host);
      // A newer load replaced this run: stop here (guard drops the error quietly).
      if (generation !== this.generation) throw new Error('superseded');
    }
    this.activity = null;
    const n = indices.length;
    return { loss: loss / n, accuracy: trainer.data.labels ? correct / n : null };
  }

  private async finishEpoch(): Promise<void> {
    const run = this.run!;
    const epoch = run.epoch!;
    this.closingEpoch = true;
    try {
      await this.closeEpoch(run, epoch);
    } finally {
      this.closingEpoch = false;
    }
  }

  private async closeEpoch(run: LoadedRun, epoch: NonNullable<LoadedRun['epoch']>): Promise<void> {
    const trainer = run.engine.trainer;
    await run.engine.sync();
    trainer.epoch++;
    // From here on the epoch is closed: a checkpoint taken while it is evaluated resumes at the next one.
    run.epoch = null;
    run.orderBefore = trainer.batchOrderState();
    const data = trainer.data;
    const viewIndices = viewSplit(data);
    const predictions = new Int32Array(viewIndices.length);
    const train = data.labels
      ? await this.evaluate(trainer, data.train.subarray(0, TRAIN_EVAL_LIMIT), 'the training split')
      : null;
    const validation = await this.evaluate(
      trainer,
      data.validation,
      'the validation split',
      viewIndices === data.validation ? predictions : undefined,
    );
    const test = await this.evaluate(
      trainer,
      data.test,
      'the test split',
      viewIndices === data.test ? predictions : undefined,
    );
    const record: EpochRecord = {
      epoch: trainer.epoch,
      trainLoss: epoch.lossSum / epoch.samples,
      trainAccuracy: train?.accuracy ?? null,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      sigma: epoch.sigma,
      ms: this.host.now() - epoch.started,
      testLoss: test?.loss ?? null,
      testAccuracy: test?.accuracy ?? null,
    };
    run.history.push(record);
    if (
      record.validationAccuracy !== null &&
      (run.best === null || record.validationAccuracy > run.best.validationAccuracy)
    ) {
      run.best = {
        epoch: record.epoch,
        validationAccuracy: record.validationAccuracy,
        layers: copyParameters(trainer),
      };
    }
    this.host.post({ type: 'epoch', record }, []);
    if (data.labels && (viewIndices === data.test || viewIndices === data.validation)) {
      const report = testReport(trainer, predictions, record.epoch);
      if (report) this.host.post({ type: 'test', report }, []);
    }
    // Tiny epochs (the toy's single sample) would otherwise write to storage many times a second.
    if (this.host.now() - this.lastSave >= EPOCH_SAVE_MIN_MS)
      await this.save(this.running ? 'running' : 'paused');
  }

  /** Stores the run's checkpoint; a refused write (full storage) is a notice, not the end of the run. */
  /** Stores the run's checkpoint; saves run one after another, never interleaved. */
  private save(status: RunEntry['status']): Promise<void> {
    const run = this.run;
    if (!run) return Promise.resolve();
    this.lastSave = this.host.now();
    const next = this.saving.then(() => this.writeCheckpoint(run, status));
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async writeCheckpoint(run: LoadedRun, status: RunEntry['status']): Promise<void> {
    const generation = this.generation;
    const trainer = run.engine.trainer;
    let state: TrainerState;
    try {
      state = await run.engine.exportState();
    } catch (e) {
      // A lost GPU cannot give its parameters back: the last stored checkpoint stays as it is.
      this.host.post(
        {
          type: 'notice',
          message: `Not saved (the last checkpoint, step ${run.entry.step}, is kept): ${messageOf(e)}`,
        },
        [],
      );
      return;
    }
    // Mid-epoch, resume redraws this epoch's batches from the order before it.
    const checkpointState = run.epoch ? { ...state, order: run.epoch.orderBefore } : state;
    const bytes = encodeCheckpoint({
      config: run.info.config,
      dataset: run.entry.dataset,
      state: checkpointState,
      history: run.history,
      best: run.best,
    });
    run.entry = {
      ...run.entry,
      updatedAt: new Date().toISOString(),
      epoch: trainer.epoch,
      step: trainer.step,
      history: run.history,
      status,
      epochLossSum: run.epoch?.lossSum ?? 0,
    };
    try {
      await this.host.runs.saveProgress(run.entry, bytes);
      run.lastCheckpoint = bytes;
      if (generation === this.generation)
        this.host.post({ type: 'saved', runId: run.entry.id, step: trainer.step }, []);
    } catch (e) {
      this.host.post({ type: 'notice', message: `The run could not be saved: ${messageOf(e)}` }, []);
    }
  }

  private async postViews(): Promise<void> {
    const run = this.run;
    if (!run) return;
    await run.engine.sync();
    const views: ViewSnapshot = computeViews(run.engine.trainer, this.selection);
    this.lastViews = this.host.now();
    const transfer: Transferable[] = views.layers.flatMap((l) =>
      l.membrane ? [l.spikes.buffer, l.membrane.buffer] : [l.spikes.buffer],
    );
    if (views.outputField) transfer.push(views.outputField.grid.buffer);
    this.host.post({ type: 'views', views }, transfer);
  }

  private postProgress(): void {
    if (!this.run) return;
    const progress = this.progress();
    this.host.post({ type: 'progress', progress }, [progress.losses.buffer]);
    this.lastPost = this.host.now();
  }

  /**
   * Reports an error that ended training. The stored checkpoint keeps the last good parameters
   * (the live ones may be diverged or gone with a lost GPU): only the run's status is updated,
   * next to the bytes stored last.
   */
  private fail(e: unknown): void {
    this.host.post({ type: 'error', message: messageOf(e) }, []);
    const run = this.run;
    if (run?.lastCheckpoint) {
      const bytes = run.lastCheckpoint;
      const entry = { ...run.entry, status: 'error' as const, updatedAt: new Date().toISOString() };
      this.saving = this.saving
        .then(() => this.host.runs.saveProgress(entry, bytes).then(() => undefined))
        .catch(() => undefined);
    }
  }

  private progress(): Progress {
    const run = this.run!;
    const t = run.engine.trainer;
    const losses = Float64Array.from(this.pendingLosses);
    this.pendingLosses = [];
    return {
      step: t.step,
      epoch: t.epoch,
      losses,
      sigma: t.currentSigma(),
      samplesPerSecond: this.rate.ms > 0 ? (1000 * this.rate.samples) / this.rate.ms : null,
      activity: this.activity,
      running: this.running,
      done: this.finished,
    };
  }
}
