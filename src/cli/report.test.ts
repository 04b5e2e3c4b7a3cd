import { describe, expect, it } from 'vitest';
import type { EpochRecord } from './runOutput.ts';
import { groupBySeed, reportMarkdown, summariseRun } from './report.ts';

function epoch(
  n: number,
  train: number,
  val: number,
  test: number,
  seconds = 10,
  rate?: number,
): EpochRecord {
  return {
    ...(rate === undefined ? {} : { trainSamplesPerSecond: rate }),
    epoch: n,
    trainLoss: 1,
    trainAccuracy: train,
    validationLoss: 1,
    validationAccuracy: val,
    testLoss: 1,
    testAccuracy: test,
    sigma: 0.5,
    ms: seconds * 1000,
  };
}

const run = (seed: number) => ({ config: 'delay-only-fashion', seed, dataset: 'fashion-mnist' });

describe('run report', () => {
  it("reports the best-validation epoch's test accuracy (the earliest on a tie) and the last epoch's gap", () => {
    const row = summariseRun('runs/a', run(0), [
      epoch(1, 0.7, 0.6, 0.61),
      epoch(2, 0.8, 0.75, 0.74),
      epoch(3, 0.85, 0.75, 0.76),
      epoch(4, 0.9, 0.7, 0.7),
    ]);
    expect(row).toMatchObject({ epochs: 4, bestEpoch: 2, bestTestAccuracy: 0.74, trainAccuracy: 0.9 });
    expect(row.gap).toBeCloseTo(0.2, 12);
  });

  it('takes the median epoch time, so an epoch that sat paused does not skew it', () => {
    const row = summariseRun('d', run(0), [
      epoch(1, 0.5, 0.5, 0.5, 300),
      epoch(2, 0.5, 0.5, 0.5, 3000),
      epoch(3, 0.5, 0.5, 0.5, 320),
    ]);
    expect(row.secondsPerEpoch).toBe(320);
    expect(row.trainSamplesPerSecond).toBeNull();
    // Throughput: the median over the epochs that recorded it (older ones did not).
    const rates = summariseRun('d', run(0), [
      epoch(1, 0.5, 0.5, 0.5, 300),
      epoch(2, 0.5, 0.5, 0.5, 300, 150),
      epoch(3, 0.5, 0.5, 0.5, 300, 10),
      epoch(4, 0.5, 0.5, 0.5, 300, 200),
    ]);
    expect(rates.trainSamplesPerSecond).toBe(150);
  });

  it('refuses a run without a finished epoch', () => {
    expect(() => summariseRun('runs/empty', run(0), [])).toThrow(
      /runs\/empty: the run has no finished epoch/,
    );
  });

  it('averages over seeds per config and data set, with the sample standard deviation', () => {
    const rows = [
      summariseRun('a', run(0), [epoch(1, 0.8, 0.78, 0.8)]),
      summariseRun('b', run(1), [epoch(1, 0.82, 0.79, 0.84)]),
      summariseRun('c', { ...run(0), dataset: 'mnist-10k' }, [epoch(1, 0.9, 0.88, 0.87)]),
    ];
    const groups = groupBySeed(rows);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({ seeds: [0, 1], epochs: [1, 1], dataset: 'fashion-mnist' });
    expect(groups[0]!.bestTestMean).toBeCloseTo(0.82, 12);
    expect(groups[0]!.bestTestStd).toBeCloseTo(Math.sqrt(0.0008), 12);
    expect(groups[0]!.gapMean).toBeCloseTo(0.025, 12);
    expect(groups[1]).toMatchObject({ seeds: [0], bestTestStd: null });

    const md = reportMarkdown(rows).split('\n');
    expect(md[0]).toMatch(
      /^\| config +\| data +\| seed \| epochs \| train % \| val % \| test % \(best val, epoch\)/,
    );
    expect(md[2]).toContain('| 80.0 (1) ');
    // The per-config table follows because one config has two seeds.
    expect(md).toContain(md.find((l) => l.includes('82.0 ± 2.8')));
    expect(reportMarkdown(rows.slice(0, 1))).not.toContain('±');
  });
});
