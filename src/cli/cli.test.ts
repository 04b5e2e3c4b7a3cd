import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('./delaylab.js', import.meta.url));
const BENCH = fileURLToPath(new URL('../../bench/bench.js', import.meta.url));

function run(bin: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'delaylab-')), name);
  writeFileSync(path, text);
  return path;
}

describe('delaylab command', () => {
  it('lists the presets', () => {
    const r = run(BIN, ['presets', '--json']);
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['toy', 'patterns', 'mnist-bench', 'shd-bench']));
  });

  it('trains the toy from a non-default seed to its targets, delays only', () => {
    const r = run(BIN, ['train', '--config', 'toy', '--seed', '5', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('epoch 300/300');
    const out = JSON.parse(r.stdout) as {
      config: string;
      engine: string;
      seed: number;
      firstSpikeTimes: number[];
      targets: number[];
      delays: number[][];
    };
    expect(out).toMatchObject({ config: 'toy', engine: 'cpu', seed: 5, targets: [38, 55] });
    out.firstSpikeTimes.forEach((t, j) => expect(Math.abs(t - out.targets[j]!)).toBeLessThanOrEqual(1));
    expect(out.delays).toHaveLength(3);
    expect(out.delays.flat().some((d) => Math.abs(d - 2) > 5)).toBe(true);
  });

  it('accepts a config file that extends a preset, and reports classifier accuracies', () => {
    const file = tempFile('patterns.json', JSON.stringify({ extends: 'patterns', training: { epochs: 2 } }));
    const r = run(BIN, ['train', '--config', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['trainAccuracy', 'valAccuracy', 'testAccuracy'])
      expect(typeof out[key]).toBe('number');
    expect(out['epochs']).toBe(2);
  });

  it('exits with 2 and one clear message for an unknown preset', () => {
    const r = run(BIN, ['train', '--config', 'toyy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown preset 'toyy'.*toy/);
    expect(r.stdout).toBe('');
  });

  it('exits with 2 naming the bad fields of an invalid config file', () => {
    const file = tempFile(
      'bad.json',
      JSON.stringify({ extends: 'toy', training: { epochs: -3, batchSize: 'many' } }),
    );
    const r = run(BIN, ['train', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config.training.epochs');
    expect(r.stderr).toContain('config.training.batchSize');
  });

  it('exits with 2 for unreadable or non-JSON files and unknown options', () => {
    expect(run(BIN, ['train', '--config', '/nonexistent/x.json']).stderr).toContain(
      'cannot read config file',
    );
    const notJson = tempFile('x.json', '{ nope');
    const r = run(BIN, ['train', '--config', notJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    const r2 = run(BIN, ['train', '--config', 'toy', '--epoch', '3']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('unknown option --epoch');
  });

  it('trains the toy on the GPU engine (Dawn; SwiftShader here) to the same targets', () => {
    const r = run(BIN, ['train', '--config', 'toy', '--engine', 'gpu', '--seed', '2', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('GPU adapter:');
    const out = JSON.parse(r.stdout) as {
      engine: string;
      adapter: { vendor: string };
      firstSpikeTimes: number[];
    };
    expect(out.engine).toBe('gpu');
    expect(typeof out.adapter.vendor).toBe('string');
    out.firstSpikeTimes.forEach((t, j) => expect(Math.abs(t - [38, 55][j]!)).toBeLessThanOrEqual(1));
  });

  it('--engine auto says why it did not take the GPU and trains on the CPU', () => {
    const r = run(BIN, ['train', '--config', 'toy', '--engine', 'auto', '--epochs', '5', '--json']);
    expect(r.code).toBe(0);
    // Here the only adapter is SwiftShader (software); on a machine with a GPU auto would take it.
    expect(r.stderr).toMatch(/engine auto: .*using the CPU engine/);
    expect((JSON.parse(r.stdout) as { engine: string }).engine).toBe('cpu');
  });

  it('gradcheck --json reports every case below 1e-4', () => {
    const r = run(BIN, ['gradcheck', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      cases: { neuron: string; kernel: string; loss: string; param: string; maxRelError: number }[];
      maxRelError: number;
    };
    expect(report.cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(report.cases.map((c) => c.kernel))).toEqual(
      new Set(['gauss', 'lerp', 'round', 'hardware-gauss', 'hardware-lerp']),
    );
    expect(
      report.cases
        .filter((c) => c.param === 'delays')
        .every((c) => c.kernel === 'gauss' || c.kernel === 'lerp'),
    ).toBe(true);
    expect(report.maxRelError).toBeLessThan(1e-4);
  });
});

describe('npm run bench', () => {
  it('--engine gpu runs through Dawn and reports the adapter (SwiftShader here: not a speed figure)', () => {
    const r = run(BENCH, ['--engine', 'gpu', '--config', 'mnist', '--batch', '2', '--steps', '1', '--json']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    expect(line['engine']).toBe('gpu');
    expect(line).toHaveProperty('adapter');
    for (const key of ['samplesPerSecond', 'msPerStep', 'peakRssMb', 'layerMemory'])
      expect(line).toHaveProperty(key);
  });

  it('prints one JSON line per case with the documented fields (a smoke run, no timing asserted)', () => {
    const r = run(BENCH, ['--config', 'mnist', '--batch', '4', '--steps', '1', '--json']);
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    for (const key of ['engine', 'config', 'batch', 'samplesPerSecond', 'msPerStep', 'peakRssMb'])
      expect(line).toHaveProperty(key);
    expect(line['config']).toBe('mnist');
    const memory = line['layerMemory'] as {
      parameterBytes: number;
      materialisedKernelAndGradBytes: number;
    }[];
    expect(memory[0]!.parameterBytes).toBeLessThan(memory[0]!.materialisedKernelAndGradBytes);
  });
});
