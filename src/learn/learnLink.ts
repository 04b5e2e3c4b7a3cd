import { clampTwoSpikesDelay } from '../core/teaching/twoSpikes.ts';

/**
 * The Learn section's address: `learn.html#<page>&<setting>=<value>...`, so every page's state
 * is a link that reopens it exactly (written with replaceState as the reader moves a slider).
 */

/** The pages the Learn section has, in reading order. */
export const LEARN_PAGES = ['two-spikes'] as const;
export type LearnPageId = (typeof LEARN_PAGES)[number];

export interface TwoSpikesState {
  page: 'two-spikes';
  /** Delays of inputs A and B (time steps of 1 ms). */
  delays: [number, number];
}

export type LearnState = TwoSpikesState;

/** Where each page starts: the two spikes 10 ms apart, neither delayed. */
export function defaultLearnState(page: LearnPageId = 'two-spikes'): LearnState {
  switch (page) {
    case 'two-spikes':
      return { page, delays: [0, 0] };
  }
}

/** Reads a fragment (with or without '#'); unknown pages and bad values fall back to defaults. */
export function parseLearnLink(fragment: string): LearnState {
  const parts = fragment.replace(/^#/, '').split('&').filter(Boolean);
  const page = (LEARN_PAGES as readonly string[]).includes(parts[0] ?? '')
    ? (parts[0] as LearnPageId)
    : LEARN_PAGES[0];
  const values = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) values.set(p.slice(0, eq), p.slice(eq + 1));
  }
  const state = defaultLearnState(page);
  const number = (key: string, fallback: number): number => {
    const v = values.get(key);
    const n = v === undefined || v === '' ? NaN : Number(v);
    return Number.isFinite(n) ? n : fallback;
  };
  state.delays = [
    clampTwoSpikesDelay(number('a', state.delays[0])),
    clampTwoSpikesDelay(number('b', state.delays[1])),
  ];
  return state;
}

/** The fragment of a state, starting with '#'. */
export function learnLink(state: LearnState): string {
  return `#${state.page}&a=${state.delays[0]}&b=${state.delays[1]}`;
}
