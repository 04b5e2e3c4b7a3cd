import type { StateCreator } from 'zustand/vanilla';
import type { EpochRecord, TestReport, ViewSnapshot } from '../worker/protocol.ts';
import type { AppState } from './index.ts';

/**
 * High-frequency run data for the charts. Components must not select it: the charts read it
 * through `store.subscribe` into d3, so React does not re-render on every progress message.
 * Each field is replaced (never mutated) when it changes.
 */
export interface MetricsSlice {
  /** Loss of every optimiser step so far; index = steps done before that step. */
  stepLosses: Float64Array;
  /** One record per finished epoch. */
  history: EpochRecord[];
  /** The latest test-split report (confusion matrix, sample predictions). */
  testReport: TestReport | null;
  /** The latest view snapshot (spikes, membranes, histograms, receptive fields). */
  views: ViewSnapshot | null;
}

export const createMetricsSlice: StateCreator<AppState, [], [], MetricsSlice> = () => ({
  stepLosses: new Float64Array(0),
  history: [],
  testReport: null,
  views: null,
});

/** Losses with `more` appended (a new array; the old one stays valid for whoever holds it). */
export function appendLosses(previous: Float64Array, more: Float64Array): Float64Array {
  if (more.length === 0) return previous;
  const out = new Float64Array(previous.length + more.length);
  out.set(previous);
  out.set(more, previous.length);
  return out;
}
