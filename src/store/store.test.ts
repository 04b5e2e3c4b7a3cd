import { describe, expect, it } from 'vitest';
import type { Progress, RunInfo } from '../worker/protocol.ts';
import { createAppStore, parseSeed } from './index.ts';

const info: RunInfo = {
  seed: 0,
  presetName: 'toy',
  description: 'toy',
  totalSteps: 300,
  timeSteps: 100,
  inputs: 3,
  outputs: 2,
  inputTimes: [10, 20, 30],
  targetTimes: [38, 55],
  threshold: 1,
  maxDelay: 50,
};

function progress(step: number, losses: number[], running: boolean): Progress {
  return {
    step,
    losses: Float64Array.from(losses),
    sigma: 8,
    firstSpikes: [-1, -1],
    quantisedFirstSpikes: [-1, -1],
    membrane: new Float32Array(200),
    delays: new Float64Array(6).fill(2),
    running,
    done: step >= 300,
  };
}

describe('app store', () => {
  it('applies worker messages: status, latest loss and the appended loss history', () => {
    const store = createAppStore();
    expect(store.getState().run.status).toBe('starting');
    store.getState().receive({ type: 'reset', info, progress: progress(0, [], false) });
    expect(store.getState().run.status).toBe('ready');
    expect(store.getState().run.loss).toBeNull();

    store.getState().receive({ type: 'progress', progress: progress(5, [1, 0.9, 0.8, 0.7, 0.6], true) });
    store.getState().receive({ type: 'progress', progress: progress(5, [], false) });
    let s = store.getState();
    expect(s.run.status).toBe('paused');
    expect(s.run.loss).toBe(0.6);
    expect(Array.from(s.metrics!.losses)).toEqual([1, 0.9, 0.8, 0.7, 0.6]);

    store.getState().receive({ type: 'progress', progress: progress(300, [0.5], false) });
    s = store.getState();
    expect(s.run.status).toBe('done');
    expect(s.metrics!.losses.length).toBe(6);

    store.getState().receive({ type: 'error', message: 'boom' });
    expect(store.getState().run.status).toBe('error');
    expect(store.getState().run.error).toBe('boom');

    store.getState().receive({ type: 'reset', info, progress: progress(0, [], false) });
    expect(store.getState().metrics!.losses.length).toBe(0);
    expect(store.getState().run.error).toBeNull();
  });

  it('parses seeds as whole numbers in [0, 2^32 - 1]', () => {
    expect(parseSeed('0')).toBe(0);
    expect(parseSeed(' 42 ')).toBe(42);
    expect(parseSeed('4294967295')).toBe(4294967295);
    expect(parseSeed('4294967296')).toBeNull();
    expect(parseSeed('-1')).toBeNull();
    expect(parseSeed('1.5')).toBeNull();
    expect(parseSeed('')).toBeNull();
  });
});
