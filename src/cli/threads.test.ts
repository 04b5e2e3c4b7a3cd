import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { threadsFor } from './threads.ts';

describe('threadsFor', () => {
  it('caps --threads at the core count, saying so', () => {
    const said: string[] = [];
    expect(threadsFor(preset('toy')!, 64, 2, (s) => said.push(s))).toBe(2);
    expect(said).toEqual(['--threads 64: this machine has 2 cores; using 2 threads']);
    expect(threadsFor(preset('toy')!, 2, 2, (s) => said.push(s))).toBe(2);
    expect(said).toHaveLength(1);
  });

  it('defaults to 2 threads for 100k+ synapses, 1 below, never more than the cores', () => {
    const quiet = (): void => undefined;
    expect(threadsFor(preset('mnist-bench')!, undefined, 16, quiet)).toBe(2);
    expect(threadsFor(preset('toy')!, undefined, 16, quiet)).toBe(1);
    expect(threadsFor(preset('mnist-bench')!, undefined, 1, quiet)).toBe(1);
  });
});
