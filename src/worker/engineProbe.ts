import type { Engine } from '../core/engine.ts';

/** Steps timed per engine, after one warm-up step (which compiles the GPU's pipelines). */
export const PROBE_STEPS = 3;
/**
 * A warm-up step slower than this (ms) is the measurement: a big network on a slow engine would
 * otherwise hold up the run's start by several of its steps.
 */
const SLOW_STEP_MS = 1500;
/** The CPU is taken only when it is faster by at least this factor: timings on a busy machine wobble. */
const CPU_MARGIN = 1.2;

/**
 * Mean time of one optimiser step (ms) of an engine on one batch, over PROBE_STEPS steps after a
 * warm-up step (or the warm-up step's time, when it was already slow); the engine is a throwaway
 * (it trained on that batch) and is disposed of.
 */
export async function timeSteps(
  engine: Engine,
  batch: readonly number[],
  now: () => number,
): Promise<number> {
  try {
    const warmupStart = now();
    await engine.step(batch);
    await engine.sync();
    const warmup = now() - warmupStart;
    if (warmup > SLOW_STEP_MS) return warmup;
    const start = now();
    for (let k = 0; k < PROBE_STEPS; k++) await engine.step(batch);
    // A GPU step's promise can settle before its work is done: sync waits for all of it.
    await engine.sync();
    return (now() - start) / PROBE_STEPS;
  } finally {
    await engine.dispose();
  }
}

const ms = (x: number): string => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** The engine auto takes from the two timings, and why, in words for the page. */
export function probeVerdict(
  gpuMsPerStep: number,
  cpuMsPerStep: number,
): { engine: 'gpu' | 'cpu'; reason: string } {
  const measured = `${ms(gpuMsPerStep)} ms per step on the GPU against ${ms(cpuMsPerStep)} ms on the CPU (measured on this run's first batch)`;
  return cpuMsPerStep * CPU_MARGIN < gpuMsPerStep
    ? { engine: 'cpu', reason: `Auto chose the CPU engine: ${measured}.` }
    : { engine: 'gpu', reason: `Auto chose the GPU engine: ${measured}.` };
}
