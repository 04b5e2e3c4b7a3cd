import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from './index.ts';

/**
 * High-frequency run data for the charts. Components must not select it: the charts read it
 * through `store.subscribe` into d3, so React does not re-render on every progress message.
 * A new `Metrics` object (never mutated) is stored on every change.
 */
export interface Metrics {
  /** Loss of every optimiser step so far; index = steps done before that step. */
  losses: Float64Array;
  totalSteps: number;
  /** Output membrane of sample 0, [time][outputs]. */
  membrane: Float32Array;
  timeSteps: number;
  outputs: number;
  threshold: number;
  targetTimes: readonly number[];
  inputTimes: readonly number[];
  firstSpikes: readonly number[];
}

export interface MetricsSlice {
  metrics: Metrics | null;
}

export const createMetricsSlice: StateCreator<AppState, [], [], MetricsSlice> = () => ({
  metrics: null,
});

/** Losses with `more` appended (a new array; the old one stays valid for whoever holds it). */
export function appendLosses(previous: Float64Array, more: Float64Array): Float64Array {
  const out = new Float64Array(previous.length + more.length);
  out.set(previous);
  out.set(more, previous.length);
  return out;
}
