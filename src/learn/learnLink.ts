import {
  clampKernelDelay,
  clampSigma,
  SIGMA_SCHEDULE,
  TEACHING_KERNELS,
  type TeachingKernel,
} from '../core/teaching/delayKernel.ts';
import { COINCIDENCE_TRAINING_STEPS } from '../core/teaching/coincidence.ts';
import { TARGET_CASES, type TargetCase } from '../core/teaching/targets.ts';
import { clampTwoSpikesDelay } from '../core/teaching/twoSpikes.ts';

/**
 * The Learn section's address: `learn.html#<page>&<setting>=<value>...`, so every page's state
 * is a link that reopens it exactly (written with replaceState as the reader moves a control).
 */

/** The pages the Learn section has, in reading order, with their titles. */
export const LEARN_PAGES = [
  { id: 'two-spikes', title: 'One neuron, two input spikes' },
  { id: 'delay-kernel', title: 'The delay kernel' },
  { id: 'targets', title: 'Learning target spike times' },
  { id: 'coincidence', title: 'Coincidence detection' },
  { id: 'delays-vs-weights', title: 'Delays vs weights' },
] as const;
export type LearnPageId = (typeof LEARN_PAGES)[number]['id'];

export interface TwoSpikesState {
  page: 'two-spikes';
  /** Delays of inputs A and B (time steps of 1 ms). */
  delays: [number, number];
}

export interface DelayKernelState {
  page: 'delay-kernel';
  kernel: TeachingKernel;
  /** Delay (time steps, 0.1 resolution). */
  delay: number;
  /** The Gaussian's width (time steps). */
  sigma: number;
}

export interface TargetsState {
  page: 'targets';
  which: TargetCase;
  /** Optimiser steps taken (the page trains that many on opening: training is deterministic). */
  step: number;
}

export interface CoincidenceState {
  page: 'coincidence';
  /** Optimiser steps taken (replayed on opening). */
  step: number;
}

/** Page 5 trains from the start each time it opens (it loads the digits first). */
export interface DelaysVsWeightsState {
  page: 'delays-vs-weights';
}

export type LearnState =
  TwoSpikesState | DelayKernelState | TargetsState | CoincidenceState | DelaysVsWeightsState;

/** Each case's whole run: the most steps a link may ask the targets page to replay. */
const MAX_TARGET_STEPS: Record<TargetCase, number> = { toy: 300, far: 4000 };

/** Where each page starts. */
export function defaultLearnState(page: LearnPageId = 'two-spikes'): LearnState {
  switch (page) {
    case 'two-spikes':
      return { page, delays: [0, 0] };
    case 'delay-kernel':
      return { page, kernel: 'gauss', delay: 7.3, sigma: SIGMA_SCHEDULE.initial / 4 };
    case 'targets':
      return { page, which: 'toy', step: 0 };
    case 'coincidence':
      return { page, step: 0 };
    case 'delays-vs-weights':
      return { page };
  }
}

/** Reads a fragment (with or without '#'); unknown pages and bad values fall back to defaults. */
export function parseLearnLink(fragment: string): LearnState {
  const parts = fragment.replace(/^#/, '').split('&').filter(Boolean);
  const known = LEARN_PAGES.find((p) => p.id === parts[0]);
  const state = defaultLearnState(known?.id);
  const values = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) values.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const number = (key: string, fallback: number): number => {
    const v = values.get(key);
    const n = v === undefined || v === '' ? NaN : Number(v);
    return Number.isFinite(n) ? n : fallback;
  };
  switch (state.page) {
    case 'two-spikes':
      return {
        ...state,
        delays: [
          clampTwoSpikesDelay(number('a', state.delays[0])),
          clampTwoSpikesDelay(number('b', state.delays[1])),
        ],
      };
    case 'delay-kernel': {
      const kernel = TEACHING_KERNELS.find((k) => k === values.get('k')) ?? state.kernel;
      return {
        ...state,
        kernel,
        delay: clampKernelDelay(number('d', state.delay)),
        sigma: clampSigma(number('s', state.sigma)),
      };
    }
    case 'targets': {
      const which = TARGET_CASES.find((c) => c === values.get('case')) ?? state.which;
      const step = Math.round(number('step', 0));
      return { ...state, which, step: Math.min(MAX_TARGET_STEPS[which], Math.max(0, step)) };
    }
    case 'coincidence':
      return {
        ...state,
        step: Math.min(COINCIDENCE_TRAINING_STEPS, Math.max(0, Math.round(number('step', 0)))),
      };
    case 'delays-vs-weights':
      return state;
  }
}

/** The fragment of a state, starting with '#'. */
export function learnLink(state: LearnState): string {
  switch (state.page) {
    case 'two-spikes':
      return `#two-spikes&a=${state.delays[0]}&b=${state.delays[1]}`;
    case 'delay-kernel':
      return `#delay-kernel&k=${state.kernel}&d=${state.delay}&s=${state.sigma}`;
    case 'targets':
      return `#targets&case=${state.which}&step=${state.step}`;
    case 'coincidence':
      return `#coincidence&step=${state.step}`;
    case 'delays-vs-weights':
      return '#delays-vs-weights';
  }
}
