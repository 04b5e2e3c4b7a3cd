/**
 * Messages between the page and the training Worker. Plain, structured-clone-friendly data only;
 * typed arrays travel as copies the sender no longer uses (so they can be transferred).
 */

/** Default pace: the toy trains in ~0.1 s flat out, so it is slowed down enough to watch it learn. */
export const DEFAULT_STEPS_PER_SECOND = 120;

/** Page -> worker. */
export type ToWorker =
  /** Build a fresh trainer for the toy preset with this seed; training stops. */
  | { type: 'reset'; seed: number }
  | { type: 'play' }
  | { type: 'pause' }
  /** Optimiser steps per second; null = as fast as the CPU allows. */
  | { type: 'speed'; stepsPerSecond: number | null };

/** What does not change during a run (sent after every reset). */
export interface RunInfo {
  seed: number;
  presetName: string;
  description: string;
  totalSteps: number;
  timeSteps: number;
  inputs: number;
  outputs: number;
  /** Steps at which the inputs spike (toy task). */
  inputTimes: number[];
  /** Target first-spike steps of the outputs. */
  targetTimes: number[];
  threshold: number;
  /** Delay range [0, maxDelay - 1] in time steps. */
  maxDelay: number;
}

/** A snapshot of the run, posted at most every ~50 ms while training, and on every state change. */
export interface Progress {
  /** Optimiser steps done (0 .. totalSteps). */
  step: number;
  /** Loss of every step since the previous progress message (index 0 is step `step - losses.length`). */
  losses: Float64Array;
  /** Sigma (time steps) of the Gaussian delay kernels for the next step. */
  sigma: number;
  /** First spike step of each output with the training kernels; -1 = silent. */
  firstSpikes: number[];
  /** First spike step of each output with integer delays (ring buffer, as inference runs). */
  quantisedFirstSpikes: number[];
  /** Output membrane of sample 0: [time][outputs] (the batch dimension of 1 dropped). */
  membrane: Float32Array;
  /** Delays [input][output] in time steps. */
  delays: Float64Array;
  running: boolean;
  done: boolean;
}

/** Worker -> page. */
export type FromWorker =
  | { type: 'reset'; info: RunInfo; progress: Progress }
  | { type: 'progress'; progress: Progress }
  | { type: 'error'; message: string };
