import { describe, expect, it } from 'vitest';
import { Trainer } from '../trainer.ts';
import { decodeShareLink, encodeShareLink } from '../shareLink.ts';
import {
  delayKernelConfig,
  delayKernelResponse,
  KERNEL_INPUT_STEP,
  TEACHING_KERNELS,
} from './delayKernel.ts';

describe('Learn page 2: the delay kernel', () => {
  it('the current is the kernel shifted to the input spike, and the kernel carries the whole spike', () => {
    for (const kernel of TEACHING_KERNELS) {
      for (const [delay, sigma] of [
        [7.3, 2],
        [0, 1],
        [19, 0.5],
        [12.5, 8],
      ] as const) {
        const r = delayKernelResponse({ kernel, delay, sigma });
        r.current.forEach((c, t) => {
          const n = t - KERNEL_INPUT_STEP;
          expect(c).toBeCloseTo(n >= 0 && n < r.taps.length ? r.taps[n]! : 0, 12);
        });
        expect(r.taps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
  });

  it('a ring buffer holds the spike on one tap, lerp splits it around the delay, a Gaussian spreads it', () => {
    const round = delayKernelResponse({ kernel: 'round', delay: 7.3, sigma: 2 });
    expect(round.taps[7]).toBe(1);
    expect(round.spread).toBe(1);
    const lerp = delayKernelResponse({ kernel: 'lerp', delay: 7.3, sigma: 2 });
    expect(lerp.taps[7]).toBeCloseTo(0.7, 12);
    expect(lerp.taps[8]).toBeCloseTo(0.3, 12);
    expect(lerp.mean).toBeCloseTo(7.3, 12);
    const wide = delayKernelResponse({ kernel: 'gauss', delay: 9.5, sigma: 3 });
    expect(wide.mean).toBeCloseTo(9.5, 6);
    expect(wide.spread).toBeGreaterThan(10);
    // Shrinking sigma narrows the bell to the taps around the delay.
    const narrow = delayKernelResponse({ kernel: 'gauss', delay: 9.5, sigma: 0.3 });
    expect(narrow.spread).toBe(2);
  });

  it('is a whole playground experiment whose link opens the same synapse', () => {
    const config = delayKernelConfig({ kernel: 'gauss', delay: 7.3, sigma: 2 });
    const opened = decodeShareLink(encodeShareLink(config));
    expect(opened.ignored).toEqual([]);
    const trainer = new Trainer(opened.config, { precision: 'f64' });
    expect(trainer.net.synapses[0]!.delays[0]).toBeCloseTo(7.3, 12);
    expect(trainer.currentSigma()).toBe(2);
  });
});
