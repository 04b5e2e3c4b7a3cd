import { describe, expect, it } from 'vitest';
import type { Engine } from '../core/engine.ts';
import { PROBE_STEPS, probeVerdict, timeSteps } from './engineProbe.ts';

/** An engine whose steps take `stepMs` on a fake clock (the first, warm-up, step `warmupMs`). */
function fakeEngine(clock: { t: number }, stepMs: number, warmupMs: number) {
  const calls = { steps: 0, disposed: false };
  const engine = {
    step: () => {
      clock.t += calls.steps === 0 ? warmupMs : stepMs;
      calls.steps++;
      return Promise.resolve(0.5);
    },
    sync: () => Promise.resolve(),
    dispose: () => {
      calls.disposed = true;
      return Promise.resolve();
    },
  } as unknown as Engine;
  return { engine, calls };
}

describe('the auto engine probe', () => {
  it('times the steps after a warm-up step, and disposes of the throwaway engine', async () => {
    const clock = { t: 0 };
    const { engine, calls } = fakeEngine(clock, 12, 900);
    expect(await timeSteps(engine, [0, 1], () => clock.t)).toBe(12);
    expect(calls.steps).toBe(PROBE_STEPS + 1);
    expect(calls.disposed).toBe(true);
  });

  it('stops at a slow warm-up step: it is the measurement', async () => {
    const clock = { t: 0 };
    const { engine, calls } = fakeEngine(clock, 2000, 2500);
    expect(await timeSteps(engine, [0], () => clock.t)).toBe(2500);
    expect(calls.steps).toBe(1);
    expect(calls.disposed).toBe(true);
  });

  it('disposes of the engine when a step fails', async () => {
    let disposed = false;
    const failing = {
      step: () => Promise.reject(new Error('device lost')),
      sync: () => Promise.resolve(),
      dispose: () => {
        disposed = true;
        return Promise.resolve();
      },
    } as unknown as Engine;
    await expect(timeSteps(failing, [0], () => 0)).rejects.toThrow('device lost');
    expect(disposed).toBe(true);
  });

  it('takes the GPU unless the CPU is clearly faster, and says what it measured', () => {
    expect(probeVerdict(5, 40)).toEqual({
      engine: 'gpu',
      reason:
        "Auto chose the GPU engine: 5.0 ms per step on the GPU against 40 ms on the CPU (measured on this run's first batch).",
    });
    expect(probeVerdict(30, 4).engine).toBe('cpu');
    expect(probeVerdict(30, 4).reason).toMatch(
      /^Auto chose the CPU engine: 30 ms per step on the GPU against 4\.0 ms/,
    );
    // Within the margin the GPU keeps it (a busy machine's timings wobble).
    expect(probeVerdict(11, 10).engine).toBe('gpu');
  });
});
