import { afterEach, describe, expect, it, vi } from 'vitest';
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
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails with the given error exactly when the limit runs out, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    let failed: unknown = null;
    const waited = withinStallLimit(new Promise(() => undefined), 1_000, () => new Error('silent')).catch(
      (e: unknown) => (failed = e),
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(failed).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await waited;
    expect(failed).toEqual(new Error('silent'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts a limit of minutes in 1 s ticks', async () => {
    vi.useFakeTimers();
    let failed = false;
    const waited = withinStallLimit(new Promise(() => undefined), 120_000, () => new Error('silent')).catch(
      () => (failed = true),
    );
    await vi.advanceTimersByTimeAsync(119_999);
    expect(failed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waited;
    expect(failed).toBe(true);
  });

  it('resolves when the answer comes within the limit, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const waited = withinStallLimit(after(300), 1_000, () => new Error('silent'));
    await vi.advanceTimersByTimeAsync(300);
    await expect(waited).resolves.toBe('answered');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not count time the thread could not run: an answer due during a pause is read first', async () => {
    // Real timers. The answer becomes due 150 ms in, past the 100 ms limit by the clock, but
    // the thread is blocked for 300 ms: on waking the pause counts as one tick of five, and the
    // answer is handled before the rest.
    const waited = withinStallLimit(after(150), 100, () => new Error('silent'));
    blockFor(300);
    await expect(waited).resolves.toBe('answered');
  });
});
