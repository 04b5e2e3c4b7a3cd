import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { firstSpikeSteps } from '../core/train/losses.ts';
import {
  DEFAULT_STEPS_PER_SECOND,
  type FromWorker,
  type Progress,
  type RunInfo,
  type ToWorker,
} from './protocol.ts';

/** Optimiser steps per chunk: between chunks the session yields, so play/pause/reset respond. */
export const STEPS_PER_CHUNK = 5;
/** Progress (and with it the membrane traces) is posted at most this often while training. */
export const POST_INTERVAL_MS = 50;

export interface SessionHost {
  post(message: FromWorker, transfer: Transferable[]): void;
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
}

/**
 * The training loop behind the Worker, free of `self` so it can run anywhere: trains the `toy`
 * preset on the CPU reference engine in chunks of STEPS_PER_CHUNK steps and posts throttled
 * progress snapshots.
 */
export class TrainingSession {
  private trainer: Trainer;
  private info: RunInfo;
  private running = false;
  private stepsPerSecond: number | null = DEFAULT_STEPS_PER_SECOND;
  private cancelTimer: (() => void) | null = null;
  private pendingLosses: number[] = [];
  private lastPost = -Infinity;

  constructor(
    private readonly host: SessionHost,
    seed = 0,
  ) {
    this.trainer = TrainingSession.makeTrainer(seed);
    this.info = this.runInfo();
  }

  static makeTrainer(seed: number): Trainer {
    const config = preset('toy');
    if (!config) throw new Error('the toy preset is missing');
    config.seed = seed;
    return new Trainer(config);
  }

  handle(msg: ToWorker): void {
    try {
      switch (msg.type) {
        case 'reset':
          this.stop();
          this.trainer = TrainingSession.makeTrainer(msg.seed);
          this.info = this.runInfo();
          this.pendingLosses = [];
          this.announce();
          break;
        case 'play':
          if (this.running || this.finished) {
            this.postProgress();
            break;
          }
          this.running = true;
          this.postProgress();
          this.schedule(0);
          break;
        case 'pause':
          this.stop();
          this.postProgress();
          break;
        case 'speed':
          this.stepsPerSecond = msg.stepsPerSecond;
          break;
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** Posts the run's fixed facts and the state before any training. */
  announce(): void {
    const progress = this.progress();
    this.host.post({ type: 'reset', info: this.info, progress }, transfers(progress));
    this.lastPost = this.host.now();
  }

  private get finished(): boolean {
    return this.trainer.step >= this.trainer.totalSteps;
  }

  private stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private schedule(ms: number): void {
    this.cancelTimer = this.host.setTimer(() => this.chunk(), ms);
  }

  private chunk(): void {
    this.cancelTimer = null;
    if (!this.running) return;
    const started = this.host.now();
    try {
      for (let k = 0; k < STEPS_PER_CHUNK && !this.finished; k++) {
        this.pendingLosses.push(this.trainer.trainEpoch().trainLoss);
      }
    } catch (e) {
      this.stop();
      this.fail(e);
      return;
    }
    const now = this.host.now();
    if (this.finished) {
      this.running = false;
      this.postProgress();
      return;
    }
    if (now - this.lastPost >= POST_INTERVAL_MS) this.postProgress();
    const budget = this.stepsPerSecond === null ? 0 : (1000 * STEPS_PER_CHUNK) / this.stepsPerSecond;
    this.schedule(Math.max(0, budget - (now - started)));
  }

  private postProgress(): void {
    const progress = this.progress();
    this.host.post({ type: 'progress', progress }, transfers(progress));
    this.lastPost = this.host.now();
  }

  private fail(e: unknown): void {
    this.host.post({ type: 'error', message: e instanceof Error ? e.message : String(e) }, []);
  }

  private runInfo(): RunInfo {
    const t = this.trainer;
    const cfg = t.config;
    const layer = cfg.network.layers.at(-1)!;
    return {
      seed: cfg.seed,
      presetName: cfg.name,
      description: cfg.description,
      totalSteps: t.totalSteps,
      timeSteps: cfg.network.timeSteps,
      inputs: cfg.network.inputs,
      outputs: t.net.outputs,
      inputTimes: cfg.task.kind === 'toy' ? [...cfg.task.inputTimes] : [],
      targetTimes: cfg.task.kind === 'toy' ? [...cfg.task.targetTimes] : [],
      threshold: t.net.neurons.at(-1)!.threshold,
      maxDelay: layer.kernel.maxDelay,
    };
  }

  private progress(): Progress {
    const t = this.trainer;
    const probe = t.probe(0);
    const losses = Float64Array.from(this.pendingLosses);
    this.pendingLosses = [];
    return {
      step: t.step,
      losses,
      sigma: t.net.synapses[0]?.sigma ?? 0,
      firstSpikes: Array.from(firstSpikeSteps(probe)),
      quantisedFirstSpikes: t.quantisedFirstSpikes(0),
      membrane: Float32Array.from(probe.membrane),
      delays: Float64Array.from(t.net.synapses[0]?.delays ?? []),
      running: this.running,
      done: this.finished,
    };
  }
}

function transfers(p: Progress): Transferable[] {
  return [p.losses.buffer, p.membrane.buffer, p.delays.buffer];
}
