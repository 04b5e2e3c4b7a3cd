import { describe, expect, it } from 'vitest';
import { decodeShareLink, encodeShareLink } from '../shareLink.ts';
import { CoincidenceRun, coincidenceConfig, COINCIDENCE_TRAINING_STEPS, patternStep } from './coincidence.ts';

describe('Learn page 4: coincidence detection', () => {
  it('P and its reversed twin are the same spikes in opposite orders', () => {
    expect([0, 1, 2, 3].map((i) => patternStep(i, false))).toEqual([5, 11, 17, 23]);
    expect([0, 1, 2, 3].map((i) => patternStep(i, true))).toEqual([23, 17, 11, 5]);
  });

  it('learning only delays, the neuron comes to fire for P and stays silent for its reversed twin', () => {
    const run = new CoincidenceRun();
    const start = run.snapshot();
    // With equal starting delays both patterns look alike to the neuron: neither fires.
    expect(start.now[0].spikes).toEqual([]);
    expect(start.now[1].spikes).toEqual([]);
    expect(start.now[0].peak).toBeCloseTo(start.now[1].peak, 12);
    run.advance(COINCIDENCE_TRAINING_STEPS);
    const end = run.snapshot();
    expect(run.done).toBe(true);
    expect(end.now[0].spikes.length).toBeGreaterThan(0);
    expect(end.now[1].spikes).toEqual([]);
    // P's four arrivals now fall within a few steps of each other; the reversed twin's spread over more than 15.
    const span = (a: number[]): number => Math.max(...a) - Math.min(...a);
    expect(span(end.now[0].arrivals)).toBeLessThan(4);
    expect(span(end.now[1].arrivals)).toBeGreaterThan(15);
    expect(end.before).toEqual(start.now);
    expect(end.losses.at(-1)!).toBeLessThan(end.losses[0]!);
  });

  it('is deterministic, and its network opens in the playground', () => {
    const a = new CoincidenceRun();
    const b = new CoincidenceRun();
    a.advance(30);
    for (let k = 0; k < 30; k++) b.advance();
    expect(a.snapshot()).toEqual(b.snapshot());
    const config = coincidenceConfig();
    const opened = decodeShareLink(encodeShareLink(config));
    expect(opened.ignored).toEqual([]);
    expect(opened.config).toEqual(config);
  });
});
