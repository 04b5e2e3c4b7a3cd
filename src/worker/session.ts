import type { ExperimentConfig } from '../core/experiment.ts';
import { RunLoop, type RunEvent } from '../core/runLoop.ts';
import { decodeModel, applyModel, type Model } from '../core/modelFile.ts';
import { Trainer } from '../core/trainer.ts';
import { compareFields } from './fieldComparison.ts';
import { exportFile } from './exports.ts';
import type { SessionHost } from './host.ts';
import {
  DEFAULT_STEPS_PER_SECOND,
  type EngineChoice,
  type ExportKind,
  type Progress,
  type RunInfo,
  type ToWorker,
  type ViewSelection,
  type ViewSnapshot,
} from './protocol.ts';
import { EMPTY_DATA, openRun, type ImportedModel } from './runLoading.ts';
import { RunStorage } from './runStorage.ts';
import { evaluateViewSplit } from './evaluation.ts';
import { computeViews, testReport } from './views.ts';

export type { SessionHost } from './host.ts';
export type { RunPersistence } from './runStorage.ts';

/** Steps per chunk when the speed is limited; between chunks the session yields to messages. */
export const STEPS_PER_CHUNK = 5;
/** A chunk runs steps (or evaluation slices) for about this long (ms) before yielding. */
export const CHUNK_MS = 40;
/** Flat out on the GPU, a chunk issues at most this many steps back to back, then awaits their losses. */
export const GPU_STEPS_PER_CHUNK = 8;
/** Progress is posted at most this often while training (ms). */
export const POST_INTERVAL_MS = 50;
/** The live views are recomputed at most this often while training (ms). */
export const VIEWS_INTERVAL_MS = 500;
/** A running run stores a checkpoint at least this often (ms), besides every epoch end and pause. */
export const SAVE_INTERVAL_MS = 5_000;
/** Epoch ends store a checkpoint unless one was stored less than this long ago (ms). */
export const EPOCH_SAVE_MIN_MS = 1000;
/** Training accuracy is measured on at most this many training samples (the first of the split). */
export const TRAIN_EVAL_LIMIT = 4000;

/** A loaded run: what it is, the loop that trains it and where it is stored. */
interface LoadedRun {
  info: RunInfo;
  loop: RunLoop;
  storage: RunStorage;
  /** Releases the run's cross-tab lock; null when another tab holds it (the run is read-only here). */
  releaseLock: (() => void) | null;
}

/** Why a run another tab holds is shown read-only here. */
export const READ_ONLY_REASON =
  "This run is open in another tab of Delay Lab, so here it is read-only: two tabs training it would overwrite each other's saved progress. Train it in that tab, or close it there and open the run again here.";

const yieldTo = (host: SessionHost): Promise<void> =>
  new Promise((resolve) => {
    host.setTimer(resolve, 0);
  });

function messageOf(m: unknown): string {
  return m instanceof Error ? m.message : String(m);
}

/**
 * Why this file is over 400 lines: the session is the Worker's one event loop; commands, time
 * slices, loading and saving all read and write the same run, busy flag and load generation.
 * Loading, storing, exports, evaluation and views live in their own modules beside it.
 *
 * The playground's training session behind the Worker, free of `self` so it runs anywhere: it
 * answers the page's commands (load, play, pause, step, speed, select, evaluate, export) and runs
 * the run loop (core/runLoop.ts) in time slices, yielding between them so every command is
 * answered within a chunk. Loading lives in runLoading.ts, storing in runStorage.ts, the views in
 * views.ts.
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
  private activity: string | null = null;
  private activityFraction: number | null = null;
  private rate: { samples: number; ms: number } = { samples: 0, ms: 0 };
  /** Bumped by every load: work of an older load stops when it sees a newer generation. */
  private generation = 0;
  private gpuLost: string | null = null;
  /** Play arrived while a run was loading (a reloaded page resuming a running run). */
  private playAfterLoad = false;
  /** Base URL of the built-in data assets, from the page. */
  private dataBaseUrl = '';
  /** Threads the CPU engine may use, from the page. */
  private cpuThreads = 1;

  constructor(private readonly host: SessionHost) {}

  handle(msg: ToWorker): void {
    switch (msg.type) {
      case 'load':
        this.dataBaseUrl = msg.dataBaseUrl;
        this.cpuThreads = msg.cpuThreads;
        void this.load(msg.config, msg.engine, msg.resumeRunId, null);
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
        if (this.refusedReadOnly()) break;
        this.running = true;
        this.postProgress();
        this.schedule(0);
        break;
      case 'pause':
        // A play queued behind a load (a reloaded page resuming a running run) is cancelled too.
        this.playAfterLoad = false;
        if (!this.running) break;
        this.stop();
        this.postProgress();
        // After the chunk under way (which may be closing an epoch), so the checkpoint is whole;
        // then the page hears the step the run really stopped at (the chunk trained on after the
        // progress posted above).
        this.whenIdle(async () => {
          if (!this.finished) await this.saveNow();
          this.postProgress();
        });
        break;
      case 'step':
        if (!this.run || this.running || this.finished || this.refusedReadOnly()) break;
        // Served after whatever is under way (e.g. the views of a run that just became ready).
        this.whenIdle(async () => {
          if (this.running || this.finished) return;
          await this.advance({ maxSteps: 1 });
          await this.postViews();
          this.postProgress();
          await this.saveNow();
        });
        break;
      case 'speed':
        this.stepsPerSecond = msg.stepsPerSecond;
        break;
      case 'importModel':
        this.dataBaseUrl = msg.dataBaseUrl;
        this.cpuThreads = msg.cpuThreads;
        void this.importModel(msg.text, msg.fileName, msg.engine);
        break;
      case 'evaluate':
        this.whenIdleSoft(() => this.evaluateNow());
        break;
      case 'save': {
        // The page is going away (pagehide): store what trained since the last checkpoint, if
        // anything did and this tab holds the run; the browser may or may not let it finish.
        const run = this.run;
        if (!run || run.info.readOnly !== null) break;
        this.whenIdle(async () => {
          if (run === this.run && run.loop.model.step > run.storage.entry.step) await this.saveNow();
        });
        break;
      }
      case 'export':
        this.whenIdleSoft(() => this.exportParameters(msg.what));
        break;
      case 'compareFields':
        if (!this.run) break;
        this.whenIdleSoft(() => this.compareFieldsNow());
        break;
      case 'select':
        this.selection = msg.selection;
        if (!this.running) this.whenIdle(() => this.postViews());
        break;
    }
  }

  /** True (and says why) when the run is another tab's: it is not trained here. */
  private refusedReadOnly(): boolean {
    const reason = this.run?.info.readOnly ?? null;
    if (reason === null) return false;
    this.host.post({ type: 'notice', message: reason }, []);
    return true;
  }

  private get finished(): boolean {
    return this.run !== null && this.run.loop.done;
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
   * Runs `work` once nothing else is under way (a chunk, a load), so a request made mid-chunk is
   * served after it rather than dropped. Needs a loaded run.
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
    imported: ImportedModel | null,
  ): Promise<void> {
    this.stop();
    this.playAfterLoad = false;
    const generation = ++this.generation;
    const previous = this.run;
    this.run = null;
    this.gpuLost = null;
    this.pendingLosses = [];
    this.rate = { samples: 0, ms: 0 };
    this.activity = null;
    this.busy = true;
    try {
      previous?.releaseLock?.();
      await previous?.loop.engine.dispose();
      const opened = await openRun(
        this.host,
        { config, choice, resumeRunId, imported, dataBaseUrl: this.dataBaseUrl, cpuThreads: this.cpuThreads },
        () => generation === this.generation,
        (m) => {
          this.gpuLost = m;
        },
      );
      if (!opened) return;
      const releaseLock = await this.host.lockRun(opened.entry.id);
      if (generation !== this.generation) {
        releaseLock?.();
        await opened.engine.dispose();
        return;
      }
      if (!releaseLock) opened.info.readOnly = READ_ONLY_REASON;
      const isCurrent = () => generation === this.generation;
      const storage = new RunStorage(
        opened.entry,
        opened.storedBytes,
        this.host.runs,
        (m) => this.host.post(m, []),
        isCurrent,
      );
      const loop: RunLoop = new RunLoop(opened.engine, {
        clock: () => this.host.now(),
        trainEvalLimit: TRAIN_EVAL_LIMIT,
        checkpointEveryMs: SAVE_INTERVAL_MS,
        checkpointMinGapMs: EPOCH_SAVE_MIN_MS,
        dataset: opened.dataset,
        resume: opened.resume,
        save: (checkpoint) =>
          storage.store(checkpoint, loop.done ? 'done' : this.running ? 'running' : 'paused'),
        onEvent: (event) => {
          if (isCurrent()) this.onRunEvent(event);
        },
      });
      this.run = { info: opened.info, loop, storage, releaseLock };
      this.selection = { sample: 0, hiddenNeuron: 0, outputNeuron: 0 };
      // A reopened run shows its whole loss curve, and the last epoch's confusion matrix.
      this.pendingLosses = Array.from(loop.stepLosses);
      this.host.post(
        { type: 'ready', info: opened.info, history: [...loop.history], progress: this.progress() },
        [],
      );
      const predictions = loop.lastEpochPredictions;
      const report = predictions ? testReport(loop.model, predictions.classes, predictions.epoch) : null;
      if (report) this.host.post({ type: 'test', report }, []);
      // A fresh run is stored once it has trained (a page opened and left alone stores nothing);
      // an imported model is stored at once, as its own run.
      if (imported) await this.saveNow();
      if (!releaseLock) this.host.post({ type: 'notice', message: READ_ONLY_REASON }, []);
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

  /** What the loop reports, turned into messages for the page. */
  private onRunEvent(event: RunEvent): void {
    const run = this.run;
    if (!run) return;
    switch (event.type) {
      case 'step':
        this.pendingLosses.push(event.loss);
        break;
      case 'evaluating':
        this.activity = `evaluating the ${event.split === 'train' ? 'training' : event.split} split (${event.done}/${event.total})`;
        this.activityFraction = event.total > 0 ? event.done / event.total : null;
        if (this.host.now() - this.lastPost >= POST_INTERVAL_MS * 4) this.postProgress();
        break;
      case 'epoch': {
        this.activity = null;
        this.host.post({ type: 'epoch', record: event.record }, []);
        const report = event.predictions
          ? testReport(run.loop.model, event.predictions.classes, event.record.epoch)
          : null;
        if (report) this.host.post({ type: 'test', report }, []);
        break;
      }
      case 'checkpoint':
      case 'fallback':
        break;
    }
  }

  /** Evaluates the view split with the current parameters (e.g. to check an imported model). */
  private async evaluateNow(): Promise<void> {
    const run = this.run!;
    const generation = this.generation;
    await run.loop.engine.sync();
    const model = run.loop.model;
    const result = await evaluateViewSplit(
      model,
      (done, total) => {
        this.activity = `evaluating the test split (${done}/${total})`;
        this.activityFraction = total > 0 ? done / total : null;
        if (this.host.now() - this.lastPost >= POST_INTERVAL_MS * 4) this.postProgress();
      },
      () => yieldTo(this.host).then(() => generation === this.generation),
    );
    this.activity = null;
    // Nothing to evaluate, or a newer load replaced this run.
    if (!result) return;
    this.host.post({ type: 'evaluated', step: model.step, accuracy: result.accuracy, loss: result.loss }, []);
    const report = testReport(model, result.predictions, model.epoch);
    if (report) this.host.post({ type: 'test', report }, []);
    this.postProgress();
  }

  /** Every output's receptive-field Moran's I, trained vs untrained (fieldComparison.ts), with progress. */
  private async compareFieldsNow(): Promise<void> {
    const run = this.run!;
    await run.loop.engine.sync();
    const comparison = compareFields(run.loop.model, (done, total) => {
      this.activity = `comparing receptive fields with the untrained network (${done}/${total})`;
      this.activityFraction = done / total;
      if (this.host.now() - this.lastPost >= POST_INTERVAL_MS) this.postProgress();
    });
    this.activity = null;
    this.activityFraction = null;
    this.host.post({ type: 'fieldComparison', comparison }, []);
    this.postProgress();
  }

  private async exportParameters(what: ExportKind): Promise<void> {
    const run = this.run!;
    await run.loop.engine.sync();
    const file = await exportFile(run.loop.model, what, run.storage.entry.dataset, run.loop.history.at(-1));
    this.host.post(file, typeof file.data === 'string' ? [] : [file.data.buffer]);
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
      const gpu = this.run!.loop.engine.info.kind === 'gpu';
      const limited = this.stepsPerSecond !== null;
      stepsDone = await this.advance({
        maxSteps: limited ? STEPS_PER_CHUNK : gpu ? GPU_STEPS_PER_CHUNK : Infinity,
        maxMs: CHUNK_MS,
      });
      const now = this.host.now();
      if (now - this.lastPost >= POST_INTERVAL_MS) this.postProgress();
      if (now - this.lastViews >= VIEWS_INTERVAL_MS) await this.postViews();
      // The last epoch may have been closed here even if pause arrived meanwhile: the run is done.
      if (this.finished && generation === this.generation) {
        this.running = false;
        this.postProgress();
        await this.postViews();
        await this.saveNow();
      }
    });
    if (generation !== this.generation || !this.running || this.finished) return;
    const spent = this.host.now() - started;
    const budget = this.stepsPerSecond === null ? 0 : (1000 * stepsDone) / this.stepsPerSecond;
    this.schedule(Math.max(0, budget - spent));
  }

  /** One slice of the run loop; measures the training rate of the steps it took. */
  private async advance(budget: { maxSteps: number; maxMs?: number }): Promise<number> {
    const run = this.run!;
    if (this.gpuLost) throw new Error(this.gpuLost);
    const started = this.host.now();
    const steps = await run.loop.advance(budget);
    // Samples per second over the slice (the last batch of an epoch may be smaller: close enough).
    if (steps > 0)
      this.rate = { samples: steps * run.info.config.training.batchSize, ms: this.host.now() - started };
    return steps;
  }

  /** Takes and stores a checkpoint now; a lost GPU that cannot give its parameters back keeps the stored one. */
  private async saveNow(): Promise<void> {
    const run = this.run;
    if (!run) return;
    try {
      await run.loop.checkpoint();
    } catch (e) {
      run.storage.notTaken(e);
    }
  }

  private async postViews(): Promise<void> {
    const run = this.run;
    if (!run) return;
    await run.loop.engine.sync();
    const views: ViewSnapshot = computeViews(run.loop.model, this.selection);
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
    this.run?.storage.markError();
  }

  private progress(): Progress {
    const loop = this.run!.loop;
    const model = loop.model;
    const losses = Float64Array.from(this.pendingLosses);
    this.pendingLosses = [];
    return {
      step: model.step,
      epoch: model.epoch,
      losses,
      sigma: model.currentSigma(),
      samplesPerSecond: this.rate.ms > 0 ? (1000 * this.rate.samples) / this.rate.ms : null,
      activity: this.activity,
      activityFraction: this.activity === null ? null : this.activityFraction,
      running: this.running,
      done: this.finished,
    };
  }
}
