import type { StateCreator } from 'zustand/vanilla';
import {
  DEFAULT_STEPS_PER_SECOND,
  type FieldComparison,
  type FromWorker,
  type Progress,
  type RunInfo,
} from '../worker/protocol.ts';
import { appendLosses } from './metricsSlice.ts';
import type { AppState } from './index.ts';

export type RunStatus = 'starting' | 'loading' | 'ready' | 'running' | 'paused' | 'done' | 'error';

/** The run as the controls and the summary show it (updated at most ~20 times a second). */
export interface RunView {
  info: RunInfo | null;
  status: RunStatus;
  step: number;
  epoch: number;
  /** Loss of the latest step; null before the first step. */
  loss: number | null;
  sigma: number;
  samplesPerSecond: number | null;
  /** What the worker does besides stepping (evaluating…), or the loading message. */
  activity: string | null;
  /** How far that work is, in [0, 1]; null when unknown. */
  activityFraction: number | null;
  /** Loading progress in [0, 1], null when unknown. */
  loadingFraction: number | null;
  /** Step of the latest stored checkpoint (null before the first save). */
  savedStep: number | null;
  error: string | null;
  /** Non-fatal problems (storage full, …), newest last. */
  notices: string[];
  /** Test accuracy of the latest on-demand evaluation (model import check). */
  evaluated: { step: number; accuracy: number | null; loss: number } | null;
  /** The latest trained-vs-untrained receptive-field comparison (asked for with a button). */
  fieldComparison: FieldComparison | null;
}

export interface RunSlice {
  run: RunView;
  /** Optimiser steps per second asked of the worker; null = flat out. */
  stepsPerSecond: number | null;
  setStepsPerSecond: (value: number | null) => void;
  /** Applies one message from the training worker. */
  receive: (message: FromWorker) => void;
  fail: (message: string) => void;
  dismissNotice: (index: number) => void;
}

export const initialRun: RunView = {
  info: null,
  status: 'starting',
  step: 0,
  epoch: 0,
  loss: null,
  sigma: 0,
  samplesPerSecond: null,
  activity: null,
  activityFraction: null,
  loadingFraction: null,
  savedStep: null,
  error: null,
  notices: [],
  evaluated: null,
  fieldComparison: null,
};

function statusOf(p: Progress): RunStatus {
  if (p.done) return 'done';
  if (p.running) return 'running';
  return p.step === 0 ? 'ready' : 'paused';
}

function withProgress(run: RunView, p: Progress): RunView {
  return {
    ...run,
    status: statusOf(p),
    step: p.step,
    epoch: p.epoch,
    loss: p.losses.length > 0 ? p.losses[p.losses.length - 1]! : run.loss,
    sigma: p.sigma,
    samplesPerSecond: p.samplesPerSecond ?? run.samplesPerSecond,
    activity: p.activity,
    activityFraction: p.activityFraction,
    loadingFraction: null,
    // Training again (e.g. a reopened run): an earlier error no longer describes the run.
    error: p.running ? null : run.error,
  };
}

/** Parses a whole-number field: an integer in [min, max], or null. */
export function parseWhole(text: string, min = 0, max = 0xffffffff): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n >= min && n <= max ? n : null;
}

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = (set, get) => ({
  run: initialRun,
  stepsPerSecond: DEFAULT_STEPS_PER_SECOND,
  setStepsPerSecond: (stepsPerSecond) => set({ stepsPerSecond }),
  receive: (message) => {
    const state = get();
    switch (message.type) {
      case 'loading':
        set({
          run: {
            ...state.run,
            status: 'loading',
            activity: message.message,
            loadingFraction: message.fraction,
            error: null,
            // The rate was the previous run's.
            samplesPerSecond: null,
          },
        });
        break;
      case 'ready': {
        const { info, progress, history } = message;
        set({
          // The settings show (and Copy link shares) the experiment of the run that opened: an
          // imported model's or a resumed run's, not the one the editor held before.
          experiment: info.config,
          configProblems: [],
          run: withProgress({ ...initialRun, info, notices: state.run.notices }, progress),
          stepLosses: progress.losses,
          history,
          testReport: null,
          views: null,
        });
        break;
      }
      case 'progress':
        if (!state.run.info) return;
        set({
          run: withProgress(state.run, message.progress),
          stepLosses: appendLosses(state.stepLosses, message.progress.losses),
        });
        break;
      case 'epoch':
        set({ history: [...state.history, message.record] });
        break;
      case 'views':
        set({ views: message.views });
        break;
      case 'test':
        set({ testReport: message.report });
        break;
      case 'saved':
        set({ run: { ...state.run, savedStep: message.step } });
        break;
      case 'notice':
        set({ run: { ...state.run, notices: [...state.run.notices, message.message] } });
        break;
      case 'evaluated':
        set({
          run: {
            ...state.run,
            evaluated: { step: message.step, accuracy: message.accuracy, loss: message.loss },
          },
        });
        break;
      case 'fieldComparison':
        set({ run: { ...state.run, fieldComparison: message.comparison } });
        break;
      case 'export':
        // Handled by the client (a download); nothing to keep.
        break;
      case 'error':
        state.fail(message.message);
        break;
    }
  },
  fail: (error) =>
    set((s) => ({
      // A run that failed to open replaced the previous one (the worker let it go): nothing of
      // it is shown any more, only this failure. A run that failed while training keeps its numbers.
      run:
        s.run.status === 'loading' || s.run.status === 'starting'
          ? { ...initialRun, status: 'error', error }
          : { ...s.run, status: 'error', error, activity: null },
    })),
  dismissNotice: (index) =>
    set((s) => ({ run: { ...s.run, notices: s.run.notices.filter((_, i) => i !== index) } })),
});
