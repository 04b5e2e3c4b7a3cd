import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Trainer } from '../core/trainer.ts';
import { readCheckpoint } from './runOutput.ts';
import { BIN, killAfterFirstCheckpoint, run, tempFile } from './testUtils.ts';

interface Summary {
  testAccuracy: number;
  bestValidationEpoch: number | null;
  engine: string;
  history: { epoch: number; sigma: number; valAccuracy: number }[];
}

/**
 * A Yin-Yang run short enough for a test (600 points, 6 epochs) whose Gaussian kernel width
 * shrinks over the whole run, so every epoch but the last evaluates with a wider kernel than
 * the final one.
 */
function shrinkingSigmaYinYang(seed: number): string {
  return tempFile(
    `yinyang-${seed}.json`,
    JSON.stringify({
      extends: 'yinyang',
      seed,
      task: {
        kind: 'yinyang',
        trainSamples: 600,
        testSamples: 300,
        firstStep: 0,
        lastStep: 20,
        biasStep: 10,
      },
      training: { epochs: 6, batchSize: 32, validationFraction: 0.2 },
      sigma: { kind: 'multiplicative', initial: null, final: 0.5, fraction: 1 },
    }),
  );
}

describe('delaylab train through the run loop', () => {
  it("train --json's test accuracy is report's best-validation one, also when sigma moved on after the best epoch", () => {
    // The first seed (from 2 on) whose best validation epoch is before the last one.
    let found = false;
    for (let seed = 2; seed < 8 && !found; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'delaylab-best-'));
      const trained = run(BIN, ['train', '--config', shrinkingSigmaYinYang(seed), '--out', dir, '--json']);
      expect(trained.code, trained.stderr).toBe(0);
      const summary = JSON.parse(trained.stdout) as Summary;
      const reported = run(BIN, ['report', dir, '--json']);
      expect(reported.code, reported.stderr).toBe(0);
      const row = (JSON.parse(reported.stdout) as { runs: { testAccuracy: number; bestEpoch: number }[] })
        .runs[0]!;
      // For every run folder the two agree.
      expect(row.bestEpoch).toBe(summary.bestValidationEpoch);
      expect(summary.testAccuracy).toBe(Number(row.testAccuracy.toFixed(4)));
      const best = summary.bestValidationEpoch!;
      if (best < 6) {
        found = true;
        // The best epoch was evaluated with a wider kernel than the final one.
        expect(summary.history[best - 1]!.sigma).toBeGreaterThan(summary.history[5]!.sigma);
      }
    }
    expect(found, 'no seed had its best validation epoch before the last').toBe(true);
  });

  it('warns on stderr when a class is never predicted on the test split (patterns, seed 0: after epoch 1)', () => {
    const trained = run(BIN, ['train', '--config', 'patterns', '--epochs', '2']);
    expect(trained.code, trained.stderr).toBe(0);
    // Deterministic for the seed: one epoch in, class 1's output wins no test sample (of 30).
    expect(trained.stderr).toMatch(
      /epoch 1\/2 .*\nwarning: epoch 1: nothing on the test split is predicted as class 1 \(30 samples\), so its recall is 0/,
    );
  });

  it('--patience stops once validation accuracy has not improved for that many epochs; a resumed run keeps to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-patience-'));
    const first = run(BIN, [
      'train',
      '--config',
      'patterns',
      '--epochs',
      '40',
      '--patience',
      '2',
      '--out',
      dir,
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Summary & {
      stoppedEarly: { afterEpoch: number; bestEpoch: number; patience: number } | null;
    };
    const stop = summary.stoppedEarly!;
    expect(stop.patience).toBe(2);
    expect(stop.afterEpoch - stop.bestEpoch).toBe(2);
    expect(stop.afterEpoch).toBeLessThan(40);
    expect(summary.history).toHaveLength(stop.afterEpoch);
    const best = summary.history[stop.bestEpoch - 1]!.valAccuracy;
    for (const r of summary.history.slice(stop.bestEpoch)) expect(r.valAccuracy).toBeLessThanOrEqual(best);
    expect(first.stderr).toMatch(
      /stopping after epoch \d+: validation accuracy has not improved for 2 epochs/,
    );
    // Resumed with the same patience: nothing to train, the same summary's stop.
    const again = run(BIN, ['train', '--resume', dir, '--patience', '2', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /--patience 2: validation accuracy has not improved for 2 epochs .*nothing to train/,
    );
    expect((JSON.parse(again.stdout) as Summary).history).toHaveLength(stop.afterEpoch);
    // With more patience it trains on from the checkpoint.
    const longer = run(BIN, ['train', '--resume', dir, '--patience', '3', '--json']);
    expect(longer.code, longer.stderr).toBe(0);
    expect((JSON.parse(longer.stdout) as Summary).history.length).toBeGreaterThan(stop.afterEpoch);
    // Without a validation split there is nothing to watch.
    const noSplit = tempFile(
      'no-split.json',
      JSON.stringify({ extends: 'patterns', training: { validationFraction: 0 } }),
    );
    const refused = run(BIN, ['train', '--config', noSplit, '--patience', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--patience watches validation accuracy/);
  });

  it('--train-eval N: training accuracy from the first N training samples, those equal a separate evaluation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-train-eval-'));
    const r = run(BIN, ['train', '--config', 'patterns', '--epochs', '1', '--train-eval', '7', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const c = readCheckpoint(dir);
    const t = new Trainer(c.config);
    t.importState(c.state);
    const on7 = t.evaluate(t.data.train.subarray(0, 7)).accuracy!;
    expect(c.history[0]!.trainAccuracy).toBe(on7);
    // Not the whole split's accuracy (the seed's run differs on the two), which it would otherwise be.
    expect(t.evaluate(t.data.train).accuracy).not.toBe(on7);
    const refused = run(BIN, ['train', '--config', 'patterns', '--train-eval', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--train-eval/);
  });

  it('--engine gpu exits non-zero with the GPU message when a kernel dispatch is refused', () => {
    const r = run(BIN, ['train', '--config', 'toy', '--engine', 'gpu', '--epochs', '5', '--json'], {
      DELAYLAB_GPU_FAULT: 'invalid-dispatch',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/delaylab: GPU validation error at step 0: .*/);
    expect(r.stderr).toMatch(/DispatchWorkgroups\(65536/);
    // It stopped at the first error: no epoch was reported as trained.
    expect(r.stderr).not.toMatch(/epoch 1\/5/);
    // A misspelt fault is refused rather than ignored.
    const bad = run(BIN, ['train', '--config', 'toy', '--engine', 'gpu'], { DELAYLAB_GPU_FAULT: 'nope' });
    expect(bad.code).toBe(2);
  });

  it('--out and --resume work on the GPU engine: a run killed part way ends where an uninterrupted one does', async () => {
    const slow = tempFile(
      'slow.json',
      JSON.stringify({ extends: 'patterns', task: { samplesPerClass: 100 }, training: { epochs: 4 } }),
    );
    const straight = run(BIN, ['train', '--config', slow, '--engine', 'gpu', '--json']);
    expect(straight.code, straight.stderr).toBe(0);
    const part = mkdtempSync(join(tmpdir(), 'delaylab-gpu-run-'));
    const killedAt = await killAfterFirstCheckpoint(
      ['train', '--config', slow, '--engine', 'gpu', '--out', part],
      join(part, 'metrics.json'),
    );
    expect(killedAt).toBeLessThan(4);
    const resumed = run(BIN, ['train', '--resume', part, '--engine', 'gpu', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after epoch \d+ of 4/);
    const a = JSON.parse(straight.stdout) as Summary & Record<string, unknown>;
    const b = JSON.parse(resumed.stdout) as Summary & Record<string, unknown>;
    expect(b.engine).toBe('gpu');
    // The checkpoint holds the GPU's Adam moments: the resumed run is the same run.
    for (const key of ['trainLoss', 'trainAccuracy', 'valAccuracy', 'testAccuracy', 'history'])
      expect(b[key], key).toEqual(a[key]);
  });
});
