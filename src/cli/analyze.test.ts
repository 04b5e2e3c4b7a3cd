import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { BIN, run, tempFile } from './testUtils.ts';

describe('delaylab analyze', () => {
  it("reports each output field's Moran's I trained and untrained, pooled over seeds, with the U test", () => {
    const dirs = [1, 2].map((seed) => {
      const dir = mkdtempSync(join(tmpdir(), `delaylab-analyze-${seed}-`));
      const r = run(BIN, [
        'train',
        '--config',
        'patterns',
        '--epochs',
        '3',
        '--seed',
        String(seed),
        '--out',
        dir,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return dir;
    });
    const r = run(BIN, ['analyze', ...dirs, '--permutations', '100', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/analyze \S+: 'patterns' seed 1, 3 output fields x 100 row orders/);
    const result = JSON.parse(r.stdout) as {
      permutations: number;
      runs: { seed: number; trained: number[]; untrained: number[] }[];
      pooled: {
        trained: { values: number[] };
        untrained: { values: number[] };
        test: { u: number; p: number };
      };
    };
    expect(result.permutations).toBe(100);
    expect(result.runs.map((x) => x.seed)).toEqual([1, 2]);
    for (const x of result.runs) {
      expect(x.trained).toHaveLength(3);
      // Moran's I lies in [-1, 1] for these fields, and training changed them.
      for (const v of [...x.trained, ...x.untrained]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(x.trained).not.toEqual(x.untrained);
    }
    expect(result.pooled.trained.values).toHaveLength(6);
    expect(result.pooled.test.u).toBeGreaterThanOrEqual(0);
    expect(result.pooled.test.u).toBeLessThanOrEqual(36);
    expect(result.pooled.test.p).toBeGreaterThan(0);
    expect(result.pooled.test.p).toBeLessThanOrEqual(1);
    const markdown = run(BIN, ['analyze', dirs[0]!, '--permutations', '20']);
    expect(markdown.stdout).toMatch(
      /\| run \| config \| seed \| epochs \| outputs \| mean I trained \| mean I untrained \|/,
    );
    expect(markdown.stdout).toMatch(/Mann-Whitney U = [\d.]+ \(of 9\), two-sided p = /);
  });

  it('refuses a network without exactly one hidden layer, and a folder that is not a run', () => {
    const deep = preset('patterns')!;
    deep.network.layers = [deep.network.layers[0]!, { ...deep.network.layers[0]! }, deep.network.layers[1]!];
    deep.training.epochs = 1;
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-analyze-deep-'));
    expect(
      run(BIN, ['train', '--config', tempFile('deep.json', JSON.stringify(deep)), '--out', dir]).code,
    ).toBe(0);
    const r = run(BIN, ['analyze', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/one hidden layer .* 3 layers/);
    const empty = run(BIN, ['analyze', mkdtempSync(join(tmpdir(), 'delaylab-empty-'))]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/analyze: cannot read .*checkpoint\.dlck/);
    expect(run(BIN, ['analyze']).stderr).toMatch(/needs one or more run folders/);
  });
});
