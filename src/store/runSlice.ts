import type { StateCreator } from 'zustand/vanilla';
import {
  DEFAULT_STEPS_PER_SECOND,
  type FromWorker,
  type Progress,
  type RunInfo,
} from '../worker/protocol.ts';
import { appendLosses, type Metrics } from './metricsSlice.ts';
import type { AppState } from './index.ts';

export type RunStatus = 'starting' | 'ready' | 'running' | 'paused' | 'done' | 'error';

/** The run as the controls and the summary show it (updated at most ~20 times a second). */
export interface RunView {
  info: RunInfo | null;
  status: RunStatus;
  step: number;
  /** Loss of the latest step; null before the first step. */
  loss: number | null;
  sigma: number;
  firstSpikes: readonly number[];
  quantisedFirstSpikes: readonly number[];
  /** [input][output] delays, time steps. */
  delays: readonly number[];
  error: string | null;
}

export interface RunSlice {
  run: RunView;
  /** Optimiser steps per second asked of the worker; null = flat out. */
  stepsPerSecond: number | null;
  /** The seed typed into the Reset field (applied on Reset). */
  seedInput: string;
  setSeedInput: (text: string) => void;
  setStepsPerSecond: (value: number | null) => void;
  /** Applies one message from the training worker. */
  receive: (message: FromWorker) => void;
  fail: (message: string) => void;
}

const initialRun: RunView = {
  info: null,
  status: 'starting',
  step: 0,
  loss: null,
  sigma: 0,
  firstSpikes: [],
  quantisedFirstSpikes: [],
  delays: [],
  error: null,
};

function statusOf(p: Progress): RunStatus {
  if (p.done) return 'done';
  if (p.running) return 'running';
  return p.step === 0 ? 'ready' : 'paused';
}

function viewOf(info: RunInfo, p: Progress, previousLoss: number | null): RunView {
  return {
    info,
    status: statusOf(p),
    step: p.step,
    loss: p.losses.length > 0 ? p.losses[p.losses.length - 1]! : previousLoss,
    sigma: p.sigma,
    firstSpikes: p.firstSpikes,
    quantisedFirstSpikes: p.quantisedFirstSpikes,
    delays: Array.from(p.delays),
    error: null,
  };
}

function metricsOf(info: RunInfo, p: Progress, losses: Float64Array): Metrics {
  return {
    losses,
    totalSteps: info.totalSteps,
    membrane: p.membrane,
    timeSteps: info.timeSteps,
    outputs: info.outputs,
    threshold: info.threshold,
    targetTimes: info.targetTimes,
    inputTimes: info.inputTimes,
    firstSpikes: p.firstSpikes,
  };
}

/** Parses the seed field: an integer in [0, 2^32 - 1], or null. */
export function parseSeed(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n <= 0xffffffff ? n : null;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = (set, get) => ({
  run: initialRun,
  stepsPerSecond: DEFAULT_STEPS_PER_SECOND,
  seedInput: '0',
  setSeedInput: (seedInput) => set({ seedInput }),
  setStepsPerSecond: (stepsPerSecond) => set({ stepsPerSecond }),
  receive: (message) => {
    const state = get();
    switch (message.type) {
      case 'reset': {
        const { info, progress } = message;
        set({
          run: viewOf(info, progress, null),
          metrics: metricsOf(info, progress, progress.losses),
        });
        break;
      }
      case 'progress': {
        const info = state.run.info;
        if (!info) return;
        const p = message.progress;
        const losses = appendLosses(state.metrics?.losses ?? new Float64Array(0), p.losses);
        set({ run: viewOf(info, p, state.run.loss), metrics: metricsOf(info, p, losses) });
        break;
      }
      case 'error':
        state.fail(message.message);
        break;
    }
  },
  fail: (error) => set((s) => ({ run: { ...s.run, status: 'error', error } })),
});
