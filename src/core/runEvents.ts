import type { Checkpoint } from './checkpoint.ts';
import type { Engine, EngineInfo, EngineLostError } from './engine.ts';
import type { EpochRecord } from './runRecord.ts';

/** What the run loop (runLoop.ts) reports, and how a front end configures it. */

export type SplitName = 'train' | 'validation' | 'test';

/** What the loop reports while it runs; front ends turn these into log lines, messages and charts. */
export type RunEvent =
  /** An optimiser step finished (in order); `step` is its 0-based index in the run. */
  | {
      type: 'step';
      step: number;
      loss: number;
      samples: number;
      epoch: number;
      batch: number;
      batches: number;
    }
  /** Part of a split has been evaluated after an epoch's training. */
  | { type: 'evaluating'; split: SplitName; done: number; total: number }
  /**
   * An epoch is closed. `predictions` are the predicted classes (-1: no output spike) of the
   * test split, or of the validation split where there is no test split (null without labels).
   */
  | {
      type: 'epoch';
      record: EpochRecord;
      predictions: { split: SplitName; indices: Int32Array; classes: Int32Array } | null;
    }
  /** A checkpoint was taken (and handed to `save`). */
  | { type: 'checkpoint'; step: number; epoch: number }
  /** The engine was lost; training goes on from the last checkpoint on the fallback engine. */
  | { type: 'fallback'; message: string; from: EngineInfo; to: EngineInfo; resumedAtStep: number };

export interface RunLoopOptions {
  /** Evaluate the splits after every epoch (the bench turns this off to time training only). */
  evaluate?: boolean;
  /** Training accuracy is measured on at most this many training samples (the first of the split). */
  trainEvalLimit?: number;
  /** The clock (ms) for wall times, budgets and the checkpoint cadence. */
  clock?: () => number;
  /** Take a checkpoint at least this often while training (ms), mid-epoch included. */
  checkpointEveryMs?: number;
  /** After an epoch, take a checkpoint unless one was taken less than this long ago (ms). */
  checkpointMinGapMs?: number;
  /** Stores a checkpoint (files, IndexedDB); the loop waits for it. */
  save?: (checkpoint: Checkpoint) => Promise<void>;
  onEvent?: (event: RunEvent) => void;
  /**
   * Builds the engine that takes over when the engine is lost (EngineLostError), from the last
   * checkpoint's state; without it the loss ends the run with that error.
   */
  fallback?: (checkpoint: Checkpoint, cause: EngineLostError) => Promise<Engine>;
  /** What a resumed run's checkpoint holds besides the engine's state. */
  resume?:
    | (Pick<Checkpoint, 'history' | 'best' | 'epochLossSum'> &
        Partial<Pick<Checkpoint, 'stepLosses' | 'viewPredictions'>>)
    | null;
  /** Name of the loaded data set the run trains on (null for generated tasks). */
  dataset?: string | null;
}
