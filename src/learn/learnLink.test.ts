import { describe, expect, it } from 'vitest';
import { TEACHING_KERNELS } from '../core/teaching/delayKernel.ts';
import { TWO_SPIKES_MAX_DELAY } from '../core/teaching/twoSpikes.ts';
import { learnLink, parseLearnLink, type LearnState } from './learnLink.ts';

describe('Learn page links', () => {
  it('round-trip every delay pair of page 1', () => {
    for (let a = 0; a < TWO_SPIKES_MAX_DELAY; a += 3)
      for (let b = 0; b < TWO_SPIKES_MAX_DELAY; b += 4) {
        const state = { page: 'two-spikes' as const, delays: [a, b] as [number, number] };
        expect(parseLearnLink(learnLink(state))).toEqual(state);
        expect(learnLink(state)).toBe(`#two-spikes&a=${a}&b=${b}`);
      }
  });

  it('round-trip page 2 for every kernel, delay and sigma the page offers', () => {
    for (const kernel of TEACHING_KERNELS)
      for (const delay of [0, 0.1, 7.3, 12.5, 19])
        for (const sigma of [0.3, 0.5, 1.25, 8]) {
          const state: LearnState = { page: 'delay-kernel', kernel, delay, sigma };
          expect(parseLearnLink(learnLink(state))).toEqual(state);
        }
  });

  it('round-trip page 3 for both cases and any step of their runs', () => {
    for (const which of ['toy', 'far'] as const)
      for (const step of which === 'toy' ? [0, 1, 299, 300] : [0, 1, 299, 4000]) {
        const state: LearnState = { page: 'targets', which, step };
        expect(parseLearnLink(learnLink(state))).toEqual(state);
      }
    // Each case's step is clamped to its own run (toy: 300 steps, far: 4,000).
    expect(parseLearnLink('#targets&case=near&step=1e9')).toEqual({
      page: 'targets',
      which: 'toy',
      step: 300,
    });
    expect(parseLearnLink('#targets&case=far&step=1e9')).toEqual({
      page: 'targets',
      which: 'far',
      step: 4000,
    });
  });

  it('round-trip page 4 at any step, clamped to its run', () => {
    for (const step of [0, 1, 200])
      expect(parseLearnLink(learnLink({ page: 'coincidence', step }))).toEqual({ page: 'coincidence', step });
    expect(parseLearnLink('#coincidence&step=-5')).toEqual({ page: 'coincidence', step: 0 });
    expect(parseLearnLink('#coincidence&step=9999')).toEqual({ page: 'coincidence', step: 200 });
  });

  it('open a hand-edited link as close as it can: clamped, rounded, defaults for what is missing', () => {
    expect(parseLearnLink('#two-spikes&a=99&b=-3')).toEqual({
      page: 'two-spikes',
      delays: [TWO_SPIKES_MAX_DELAY - 1, 0],
    });
    expect(parseLearnLink('two-spikes&a=4.6')).toEqual({ page: 'two-spikes', delays: [5, 0] });
    expect(parseLearnLink('#two-spikes&a=x&b=')).toEqual({ page: 'two-spikes', delays: [0, 0] });
    expect(parseLearnLink('#no-such-page&a=3')).toEqual({ page: 'two-spikes', delays: [3, 0] });
    expect(parseLearnLink('')).toEqual({ page: 'two-spikes', delays: [0, 0] });
    expect(parseLearnLink('#delay-kernel&k=cubic&d=30&s=0.01')).toEqual({
      page: 'delay-kernel',
      kernel: 'gauss',
      delay: 19,
      sigma: 0.3,
    });
  });
});
