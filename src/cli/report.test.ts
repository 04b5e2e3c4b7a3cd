import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { metricsCsv, type EpochRecord } from './runOutput.ts';
import {
  curveMarkdown,
  experimentKey,
  groupBySeed,
  parseEpochSelection,
  reportMarkdown,
  summariseRun,
  type RunRow,
} from './report.ts';
import { UsageError } from './args.ts';

function epoch(
  n: number,
  train: number,
  val: number | null,
  test: number,
  seconds = 10,
  rate?: number,
): EpochRecord {
  return {
    ...(rate === undefined ? {} : { trainSamplesPerSecond: rate }),
    epoch: n,
    trainLoss: 1,
    trainAccuracy: train,
    validationLoss: val === null ? null : 1,
    validationAccuracy: val,
    testLoss: 1,
    testAccuracy: test,
    sigma: 0.5,
    ms: seconds * 1000,
  };
}

const run = (seed: number, configKey = 'A') => ({
  config: 'delay-only-fashion',
  configKey,
  seed,
  dataset: 'fashion-mnist',
});

/** A report row that must exist (the run has epochs). */
function rowOf(...args: Parameters<typeof summariseRun>): RunRow {
  const row = summariseRun(...args);
  if (!row) throw new Error('no row');
  return row;
}

describe('run report', () => {
  it("reports the best-validation epoch's test accuracy (the earliest on a tie) and the last epoch's gap", () => {
    const row = rowOf('runs/a', run(0), [
      epoch(1, 0.7, 0.6, 0.61),
      epoch(2, 0.8, 0.75, 0.74),
      epoch(3, 0.85, 0.75, 0.76),
      epoch(4, 0.9, 0.7, 0.7),
    ]);
    expect(row).toMatchObject({
      epochs: 4,
      bestEpoch: 2,
      testAccuracy: 0.74,
      testFrom: 'best-validation',
      trainAccuracy: 0.9,
    });
    expect(row.gap).toBeCloseTo(0.2, 12);
  });

  it("without a validation split, reports the last epoch's test accuracy and says so", () => {
    const row = rowOf('runs/toy', run(0), [epoch(1, 0.5, null, 0.4), epoch(2, 0.6, null, 0.55)]);
    expect(row).toMatchObject({ bestEpoch: null, testAccuracy: 0.55, testFrom: 'last-epoch', gap: null });
    expect(reportMarkdown([row])).toContain('| 55.0 (last) ');
  });

  it('takes median times, so an epoch that sat paused does not skew them; rates only where recorded', () => {
    const row = rowOf('d', run(0), [
      epoch(1, 0.5, 0.5, 0.5, 300),
      epoch(2, 0.5, 0.5, 0.5, 3000),
      epoch(3, 0.5, 0.5, 0.5, 320),
    ]);
    expect(row.secondsPerEpoch).toBe(320);
    expect(row.trainSamplesPerSecond).toBeNull();
    const rates = rowOf('d', run(0), [
      epoch(1, 0.5, 0.5, 0.5, 300),
      epoch(2, 0.5, 0.5, 0.5, 300, 150),
      epoch(3, 0.5, 0.5, 0.5, 300, 10),
      epoch(4, 0.5, 0.5, 0.5, 300, 200),
    ]);
    expect(rates.trainSamplesPerSecond).toBe(150);
  });

  it('has no row for a run without a finished epoch', () => {
    expect(summariseRun('runs/empty', run(0), [])).toBeNull();
  });

  it('averages over seeds per experiment and data set, with the sample standard deviation', () => {
    const rows = [
      rowOf('a', run(0), [epoch(1, 0.8, 0.78, 0.8)]),
      rowOf('b', run(1), [epoch(1, 0.82, 0.79, 0.84)]),
      rowOf('c', { ...run(0), dataset: 'mnist-10k' }, [epoch(1, 0.9, 0.88, 0.87)]),
      // Same name, different experiment (e.g. a config file with other limits): not a seed of the first.
      rowOf('d', run(2, 'B'), [epoch(1, 0.5, 0.5, 0.5)]),
    ];
    const groups = groupBySeed(rows);
    expect(groups.map((g) => g.seeds)).toEqual([[0, 1], [0], [2]]);
    expect(groups[0]).toMatchObject({ epochs: [1, 1], dataset: 'fashion-mnist', n: 2 });
    expect(groups[0]!.testMean).toBeCloseTo(0.82, 12);
    expect(groups[0]!.testStd).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(groups[0]!.gapMean).toBeCloseTo(0.025, 12);
    expect(groups[1]).toMatchObject({ testStd: null, n: 1 });

    const [perRun, perConfig] = reportMarkdown(rows).split('\n\n');
    const runLines = perRun!.split('\n');
    expect(runLines[0]).toMatch(
      /^\| config +\| data +\| seed \| epochs \| train % \| val % \| test % \(best val, epoch\) +\| train - val gap \| s \/ epoch \| train samples\/s \|$/,
    );
    expect(runLines).toHaveLength(2 + rows.length);
    expect(runLines[2]).toMatch(/\| 80\.0 \(1\) +\| 2\.0 +\| 10 +\| – +\|$/);
    // The per-experiment table follows because one experiment has two seeds.
    expect(perConfig!.split('\n')[2]).toMatch(/\| 0, 1 +\| 1 +\| 82\.0 ± 2\.8 \(2\) +\| 2\.5 +\|$/);
    expect(reportMarkdown(rows.slice(0, 1))).not.toContain('±');
  });

  it('keys experiments by config without seed and length', () => {
    const a = preset('delay-only-fashion')!;
    const b = { ...preset('delay-only-fashion')!, seed: 5, training: { ...a.training, epochs: 7 } };
    expect(experimentKey(b)).toBe(experimentKey(a));
    const c = preset('delay-only-fashion')!;
    c.task = { ...c.task, trainLimit: 300 } as typeof c.task;
    expect(experimentKey(c)).not.toBe(experimentKey(a));
  });
});

describe('per-epoch report', () => {
  const curves = [
    {
      dir: 'a',
      config: 'delay-only-fashion',
      configKey: 'A',
      seed: 0,
      epochs: [1, 2, 3].map((e) => ({ epoch: e, validationAccuracy: 0.5, testAccuracy: 0.7 + e / 100 })),
    },
    {
      dir: 'b',
      config: 'delay-only-fashion',
      configKey: 'A',
      seed: 1,
      epochs: [1, 2].map((e) => ({ epoch: e, validationAccuracy: 0.5, testAccuracy: 0.6 + e / 100 })),
    },
  ];

  it('shows each run’s test accuracy at the chosen epochs, – where a run had not reached one', () => {
    const lines = curveMarkdown(curves, [1, 3]).split('\n');
    expect(lines[0]).toMatch(/^\| config +\| seed \| ep 1 \| ep 3 \|$/);
    expect(lines[2]).toMatch(/\| 0 +\| 71\.0 \| 73\.0 \|$/);
    expect(lines[3]).toMatch(/\| 1 +\| 61\.0 \| – +\|$/);
    expect(curveMarkdown(curves, 'all').split('\n')[0]).toMatch(/\| ep 1 \| ep 2 \| ep 3 \|$/);
  });

  it('tells apart runs of one config name with other settings by a tag of their settings', () => {
    const changed = { ...curves[1]!, configKey: 'B' };
    const [a, b] = curveMarkdown([curves[0]!, changed], [1]).split('\n').slice(2);
    expect(a).toMatch(/^\| `delay-only-fashion` #[0-9a-f]{6} \| 0 /);
    expect(b).toMatch(/^\| `delay-only-fashion` #[0-9a-f]{6} \| 1 /);
    expect(a!.slice(0, 32)).not.toBe(b!.slice(0, 32));
    const rows = [
      rowOf('a', run(0, 'A'), [epoch(1, 0.8, 0.78, 0.8)]),
      rowOf('b', run(1, 'B'), [epoch(1, 0.8, 0.7, 0.7)]),
    ];
    const [perRun] = reportMarkdown(rows).split('\n\n');
    expect(perRun!.split('\n')[2]).toMatch(/^\| `delay-only-fashion` #[0-9a-f]{6} \|/);
    // One setting per name: the name alone.
    expect(curveMarkdown(curves, [1]).split('\n')[2]).toMatch(/^\| `delay-only-fashion` +\| 0 /);
  });

  it("reads 'all' or a comma list, sorted and without repeats; refuses anything else", () => {
    expect(parseEpochSelection('all')).toBe('all');
    expect(parseEpochSelection('8, 1,4,4')).toEqual([1, 4, 8]);
    for (const bad of ['', '0', '1,x', '2.5', 'every'])
      expect(() => parseEpochSelection(bad), bad).toThrow(UsageError);
  });
});

describe('metrics CSV', () => {
  it('leaves the throughput cell empty for epochs recorded before it existed', () => {
    const csv = metricsCsv([epoch(1, 0.5, 0.5, 0.5, 300), epoch(2, 0.5, 0.5, 0.5, 300, 123.456789)]).split(
      '\n',
    );
    expect(csv[0]!.endsWith(',ms,trainSamplesPerSecond')).toBe(true);
    expect(csv[1]!.endsWith(',300000,')).toBe(true);
    expect(csv[2]!.endsWith(',300000,123.457')).toBe(true);
  });
});
