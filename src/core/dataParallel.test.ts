import { describe, expect, it } from 'vitest';
import { withinStallLimit } from './dataParallel.ts';

const after = (ms: number): Promise<string> =>
  new Promise((resolve) => setTimeout(() => resolve('answered'), ms));

/** Blocks this thread for `ms`, as a suspended process (SIGSTOP) or a long synchronous task would. */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: no timer or message is handled meanwhile.
  }
}

describe('withinStallLimit (how long a silent replica is waited for)', () => {
  it('fails with the given error once the limit passes without an answer', async () => {
    await expect(withinStallLimit(after(400), 100, () => new Error('silent'))).rejects.toThrow('silent');
  });

  it('resolves when the answer comes within the limit', async () => {
    await expect(withinStallLimit(after(20), 500, () => new Error('silent'))).resolves.toBeUndefined();
  });

  it('does not count time the thread could not run: an answer due during a pause is read first', async () => {
    // The answer becomes due 150 ms in, past the 100 ms limit by the clock, but the thread is
    // blocked for 300 ms: on waking it handles the answer before the limit's remaining ticks.
    const waited = withinStallLimit(after(150), 100, () => new Error('silent'));
    blockFor(300);
    await expect(waited).resolves.toBeUndefined();
  });
});
