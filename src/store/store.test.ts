import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import type { EpochRecord, Progress, RunInfo } from '../worker/protocol.ts';
import { createAppStore, parseWhole } from './index.ts';

const config = preset('toy')!;
const info: RunInfo = {
  runId: 'r1',
  config,
  engine: { engine: 'cpu', description: 'CPU', notice: null },
  readOnly: null,
  totalSteps: 300,
  stepsPerEpoch: 1,
  epochs: 300,
  splits: { train: 1, validation: 0, test: 0 },
  imageShape: null,
  classes: null,
  classNames: null,
  toy: { inputTimes: [10, 20, 30], targetTimes: [38, 55] },
};

function progress(step: number, losses: number[], running: boolean): Progress {
  return {
    step,
    epoch: step,
    losses: Float64Array.from(losses),
    sigma: 8,
    samplesPerSecond: null,
    activity: null,
    activityFraction: null,
    running,
    done: step >= 300,
  };
}

describe('app store', () => {
  it('a run that opens sets the experiment shown and shared (an imported model brings its own)', () => {
    const store = createAppStore();
    store.getState().setExperiment(preset('patterns')!);
    const imported = { ...info, config: { ...preset('yinyang')!, description: 'from a model file' } };
    store
      .getState()
      .receive({ type: 'ready', info: imported, history: [], progress: progress(0, [], false) });
    expect(store.getState().experiment.name).toBe('yinyang');
    expect(store.getState().experiment.description).toBe('from a model file');
  });

  it('ready, progress and epoch messages build the run view and the metrics', () => {
    const store = createAppStore();
    store.getState().receive({ type: 'ready', info, history: [], progress: progress(0, [], false) });
    expect(store.getState().run.status).toBe('ready');
    store.getState().receive({ type: 'progress', progress: progress(2, [0.5, 0.25], true) });
    store.getState().receive({ type: 'progress', progress: progress(3, [0.125], true) });
    const s = store.getState();
    expect(s.run.status).toBe('running');
    expect(s.run.loss).toBe(0.125);
    expect(Array.from(s.stepLosses)).toEqual([0.5, 0.25, 0.125]);
    const record = { epoch: 1, trainLoss: 1, testAccuracy: null } as EpochRecord;
    s.receive({ type: 'epoch', record });
    expect(store.getState().history).toEqual([record]);
    // A new run (ready) clears the previous run's metrics.
    store.getState().receive({ type: 'ready', info, history: [], progress: progress(0, [], false) });
    expect(store.getState().stepLosses).toHaveLength(0);
    expect(store.getState().history).toHaveLength(0);
  });

  it('an error keeps the last view and shows the message; notices pile up and can be dismissed', () => {
    const store = createAppStore();
    store.getState().receive({ type: 'ready', info, history: [], progress: progress(5, [], false) });
    store.getState().receive({ type: 'notice', message: 'storage full' });
    store.getState().receive({ type: 'error', message: 'diverged' });
    const s = store.getState();
    expect(s.run.status).toBe('error');
    expect(s.run.error).toBe('diverged');
    expect(s.run.step).toBe(5);
    expect(s.run.notices).toEqual(['storage full']);
    s.dismissNotice(0);
    expect(store.getState().run.notices).toEqual([]);
  });

  it('an edit that breaks the config is refused and explained; a good one applies', () => {
    const store = createAppStore();
    const before = store.getState().experiment;
    expect(store.getState().editExperiment((d) => void (d.network.timeSteps = -1))).toBe(false);
    expect(store.getState().experiment).toBe(before);
    expect(store.getState().configProblems).toContainEqual(
      expect.objectContaining({ path: ['network', 'timeSteps'], code: 'range' }),
    );
    expect(store.getState().editExperiment((d) => void (d.seed = 9))).toBe(true);
    expect(store.getState().experiment.seed).toBe(9);
    expect(store.getState().configProblems).toEqual([]);
  });

  it('parseWhole accepts whole numbers in range only', () => {
    expect(parseWhole('42')).toBe(42);
    expect(parseWhole(' 7 ')).toBe(7);
    expect(parseWhole('-1')).toBeNull();
    expect(parseWhole('1.5')).toBeNull();
    expect(parseWhole('4294967296')).toBeNull();
    expect(parseWhole('5', 10)).toBeNull();
  });
});
