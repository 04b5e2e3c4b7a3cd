import { describe, expect, it } from 'vitest';
import { TWO_SPIKES_MAX_DELAY } from '../core/teaching/twoSpikes.ts';
import { learnLink, parseLearnLink } from './learnLink.ts';

describe('Learn page links', () => {
  it('round-trip every delay pair of page 1', () => {
    for (let a = 0; a < TWO_SPIKES_MAX_DELAY; a += 3)
      for (let b = 0; b < TWO_SPIKES_MAX_DELAY; b += 4) {
        const state = { page: 'two-spikes' as const, delays: [a, b] as [number, number] };
        expect(parseLearnLink(learnLink(state))).toEqual(state);
        expect(learnLink(state)).toBe(`#two-spikes&a=${a}&b=${b}`);
      }
  });

  it('open a hand-edited link as close as it can: clamped, rounded, defaults for what is missing', () => {
    expect(parseLearnLink('#two-spikes&a=99&b=-3').delays).toEqual([TWO_SPIKES_MAX_DELAY - 1, 0]);
    expect(parseLearnLink('two-spikes&a=4.6').delays).toEqual([5, 0]);
    expect(parseLearnLink('#two-spikes&a=x&b=').delays).toEqual([0, 0]);
    expect(parseLearnLink('#no-such-page&a=3')).toEqual({ page: 'two-spikes', delays: [3, 0] });
    expect(parseLearnLink('')).toEqual({ page: 'two-spikes', delays: [0, 0] });
  });
});
