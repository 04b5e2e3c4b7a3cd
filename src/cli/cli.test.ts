// Why this file is over 400 lines: end-to-end tests of the `delaylab` command, one per command
// and flag family, sharing its data fixtures (run-loop specific tests are in trainLoop.test.ts).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '../core/data/idx.ts';
import { preset } from '../core/presets.ts';
import { encodeShareLink } from '../core/shareLink.ts';
import { BENCH, BIN, killAfterFirstCheckpoint, run, tempFile, writeTinyShd } from './testUtils.ts';

/** mnist-small with smaller layers (arrays replace whole in `extends` files, so give both layers). */
function mnistSmallWith(opts: { outputs: number; hidden: number }): unknown {
  const p = preset('mnist-small')!;
  p.network.layers[0]!.size = opts.hidden;
  p.network.layers[1]!.size = opts.outputs;
  if (p.task.kind === 'images') {
    p.task.trainLimit = 600;
    p.task.testLimit = 300;
  }
  return p;
}

let mnistSmallFile: string | null = null;
/** A config file: mnist-small on 600 training / 300 test digits, 32 hidden neurons. */
function mnistSmallConfigFile(): string {
  return (mnistSmallFile ??= tempFile(
    'mnist-small.json',
    JSON.stringify(mnistSmallWith({ outputs: 10, hidden: 32 })),
  ));
}

describe('delaylab command', () => {
  it('lists the presets', () => {
    const r = run(BIN, ['presets', '--json']);
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['toy', 'patterns', 'yinyang', 'mnist-small', 'mnist-bench', 'shd-bench']),
    );
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

  it('trains mnist-small on the built-in digits and reports accuracies on the kept-apart test part', () => {
    const r = run(BIN, ['train', '--config', mnistSmallConfigFile(), '--epochs', '2', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('loading the built-in mnist-10k digits');
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['dataset']).toBe('mnist-10k');
    expect(out['samples']).toEqual({ train: 480, validation: 120, test: 300 });
    // 10 classes: chance is 10 %; two short epochs on 480 digits already do far better.
    expect(out['testAccuracy'] as number).toBeGreaterThan(0.4);
  });

  it('--data reads IDX files from a folder; a bad --data gives exit 2 with the file and problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-data-'));
    const gz = (dims: number[], data: Uint8Array): Buffer => gzipSync(encodeIdx(dims, data));
    // Two classes a network can tell apart: class 0 lights the top half, class 1 the bottom.
    const images = (n: number): Uint8Array =>
      Uint8Array.from({ length: n * 784 }, (_, q) =>
        (Math.floor(q / 784) % 2 === 0) === q % 784 < 392 ? 255 : 0,
      );
    const labels = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, s) => s % 2);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gz([100, 28, 28], images(100)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gz([100], labels(100)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gz([40, 28, 28], images(40)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gz([40], labels(40)));
    const two = tempFile('two.json', JSON.stringify(mnistSmallWith({ outputs: 2, hidden: 16 })));
    const r = run(BIN, ['train', '--config', two, '--data', dir, '--epochs', '3', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['samples']).toEqual({ train: 80, validation: 20, test: 40 });
    expect(out['testAccuracy'] as number).toBeGreaterThan(0.9);
    // Ten-class preset on two-class data: the mismatch is named.
    const wrong = run(BIN, ['train', '--config', 'mnist-small', '--data', dir, '--epochs', '1']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/10 outputs, but data set '.*' has 2 classes/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gz([40], labels(40)).subarray(0, 20));
    const cut = run(BIN, ['train', '--config', two, '--data', dir]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/t10k-labels-idx1-ubyte\.gz: corrupt or truncated gzip/);
    expect(run(BIN, ['train', '--config', 'toy', '--data', dir]).stderr).toMatch(/generates its own data/);
  });

  it('--data reads SHD-layout HDF5 files (written here with h5py) and trains an events task', () => {
    const dir = writeTinyShd();
    const config = preset('shd')!;
    config.network.timeSteps = 20;
    config.network.layers = config.network.layers.slice(1);
    config.network.layers[0]!.size = 16;
    config.network.layers[1]!.size = 2;
    config.network.layers.forEach((l) => {
      l.kernel.maxDelay = 5;
      l.delayInit = { kind: 'uniform', low: 0, high: 4 };
    });
    // The first layer now takes the 140 pooled inputs: Kaiming bound for a fan-in of 140.
    // Gain 15: these toy samples hold 40 events each (real SHD samples hold thousands).
    const bound = 15 * Math.sqrt(6 / 140);
    config.network.layers[0]!.weightInit = { kind: 'uniform', low: -bound, high: bound };
    config.training.batchSize = 8;
    config.optimizer.weights = { lr: 0.01, schedule: { kind: 'constant' } };
    const file = tempFile('shd-small.json', JSON.stringify(config));
    const r = run(BIN, ['train', '--config', file, '--data', dir, '--epochs', '6', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/parsed shd_train\.h5 \(\d+ ms\)/);
    expect(r.stderr).toMatch(/training part: 60 samples, 700 channels, 2 classes/);
    // HDF5 files are read one at a time: the second is read after the first is parsed.
    expect(r.stderr).toMatch(
      /read \S+shd_test\.h5[^]*parsed shd_test\.h5[^]*read \S+shd_train\.h5[^]*parsed shd_train\.h5/,
    );
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['samples']).toEqual({ train: 48, validation: 12, test: 20 });
    // The classes differ in channels and time: the trained network separates the test part.
    expect(out['testAccuracyFinal'] as number).toBeGreaterThanOrEqual(0.95);
  });

  it("trains on the Fashion-MNIST files of Debian's dataset-fashion-mnist package", () => {
    const fashion = '/usr/share/datasets/fashion-mnist';
    expect(existsSync(fashion), `${fashion} is missing: apt-get install -y dataset-fashion-mnist`).toBe(true);
    const r = run(BIN, [
      'train',
      '--config',
      mnistSmallConfigFile(),
      '--data',
      fashion,
      '--epochs',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out['dataset']).toBe('fashion-mnist');
    expect(out['samples']).toEqual({ train: 480, validation: 120, test: 300 });
    expect(out['testAccuracy'] as number).toBeGreaterThan(0.3);
  });

  it('--out checkpoints every epoch with CSV / JSON metrics; --resume continues to the same result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-run-'));
    const first = run(BIN, ['train', '--config', 'patterns', '--epochs', '4', '--out', dir, '--json']);
    expect(first.code).toBe(0);
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'epoch,trainLoss,trainAccuracy,validationLoss,validationAccuracy,testLoss,testAccuracy,sigma,ms,trainSamplesPerSecond',
    );
    expect(csv).toHaveLength(5);
    // Training throughput, evaluation excluded: a positive rate on every row.
    for (const line of csv.slice(1)) expect(Number(line.split(',').at(-1))).toBeGreaterThan(0);
    const rows = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as {
      epoch: number;
      testAccuracy: number;
    }[];
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => r.testAccuracy >= 0 && r.testAccuracy <= 1)).toBe(true);

    // A run killed part way and resumed ends exactly where an uninterrupted run ends.
    const slow = tempFile(
      'slow.json',
      JSON.stringify({ extends: 'patterns', task: { samplesPerClass: 300 }, training: { epochs: 5 } }),
    );
    const straight = run(BIN, ['train', '--config', slow, '--json']);
    expect(straight.code).toBe(0);
    const part = mkdtempSync(join(tmpdir(), 'delaylab-run-'));
    const killedAt = await killAfterFirstCheckpoint(
      ['train', '--config', slow, '--out', part],
      join(part, 'metrics.json'),
    );
    expect(killedAt).toBeLessThan(5);
    const resumed = run(BIN, ['train', '--resume', part, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    // The checkpoint is written before the metrics files: it may be one epoch ahead of them.
    const from = Number(/resuming after epoch (\d+) of 5/.exec(resumed.stderr)?.[1]);
    expect(from === killedAt || from === killedAt + 1).toBe(true);
    const a = JSON.parse(straight.stdout) as Record<string, unknown>;
    const b = JSON.parse(resumed.stdout) as Record<string, unknown>;
    for (const key of ['trainLoss', 'trainAccuracy', 'valAccuracy', 'testAccuracy', 'history'])
      expect(b[key]).toEqual(a[key]);
    expect(readFileSync(join(part, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(6);
    // Resuming with a config, or a missing folder, is refused with a message.
    expect(run(BIN, ['train', '--resume', part, '--config', 'patterns']).stderr).toMatch(
      /leave out --config/,
    );
    expect(run(BIN, ['train', '--resume', '/nope']).stderr).toMatch(/cannot read \/nope\/checkpoint\.dlck/);
  });

  it('the delay-only presets run end to end on a few hundred samples (Fashion-MNIST from Debian)', () => {
    for (const [name, data] of [
      ['delay-only-mnist', null],
      ['delay-only-fashion', '/usr/share/datasets/fashion-mnist'],
      ['delay-only-fashion-ternary', '/usr/share/datasets/fashion-mnist'],
      ['weights-only-fashion', '/usr/share/datasets/fashion-mnist'],
      ['delay-only-mnist-authors-code', null],
      ['delay-only-fashion-authors-code', '/usr/share/datasets/fashion-mnist'],
      ['delay-only-fashion-ternary-authors-code', '/usr/share/datasets/fashion-mnist'],
      ['weights-only-fashion-authors-code', '/usr/share/datasets/fashion-mnist'],
    ] as const) {
      const file = tempFile(
        `${name}.json`,
        JSON.stringify({ extends: name, task: { trainLimit: 300, testLimit: 100 } }),
      );
      const r = run(BIN, [
        'train',
        '--config',
        file,
        '--epochs',
        '1',
        ...(data ? ['--data', data] : []),
        '--json',
      ]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out['config']).toBe(name);
      expect(out['samples']).toEqual({ train: 240, validation: 60, test: 100 });
      expect(typeof out['testAccuracy']).toBe('number');
      expect(out['trainSamplesPerSecond'] as number).toBeGreaterThan(0);
    }
  });

  it('report tabulates run folders and averages seeds; a folder that is not a run is named', () => {
    const trained = [0, 1].map((seed) => {
      const dir = mkdtempSync(join(tmpdir(), 'delaylab-report-'));
      const r = run(BIN, [
        'train',
        '--config',
        'patterns',
        '--epochs',
        '2',
        '--seed',
        String(seed),
        '--out',
        dir,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      return { dir, summary: JSON.parse(r.stdout) as { testAccuracy: number; bestValidationEpoch: number } };
    });
    const dirs = trained.map((t) => t.dir);
    const r = run(BIN, ['report', ...dirs, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      runs: { config: string; seed: number; epochs: number; bestEpoch: number; testAccuracy: number }[];
      configs: { config: string; seeds: number[]; n: number }[];
    };
    // The same best-validation model's test accuracy as train reported (it rounds to 4 digits).
    report.runs.forEach((row, k) => {
      expect(row).toMatchObject({ config: 'patterns', seed: k, epochs: 2 });
      expect(row.bestEpoch).toBe(trained[k]!.summary.bestValidationEpoch);
      expect(row.testAccuracy).toBeCloseTo(trained[k]!.summary.testAccuracy, 4);
    });
    expect(report.configs).toEqual([expect.objectContaining({ config: 'patterns', seeds: [0, 1], n: 2 })]);
    expect(run(BIN, ['report', ...dirs]).stdout).toMatch(/\| `patterns` +\| generated \| 0, 1 +\| 2 /);
    // Per epoch: each run's test accuracy at every epoch, the history's own numbers.
    const curves = run(BIN, ['report', ...dirs, '--per-epoch', 'all', '--json']);
    expect(curves.code, curves.stderr).toBe(0);
    const perEpoch = (JSON.parse(curves.stdout) as { runs: { seed: number; epochs: { epoch: number }[] }[] })
      .runs;
    expect(perEpoch.map((c) => [c.seed, c.epochs.map((e) => e.epoch)])).toEqual([
      [0, [1, 2]],
      [1, [1, 2]],
    ]);
    expect(run(BIN, ['report', ...dirs, '--per-epoch', '2']).stdout).toMatch(
      /^\| config +\| seed \| ep 2 \|\n.*\n\| `patterns` \| 0 +\| \d+\.\d \|/,
    );
    expect(run(BIN, ['report', ...dirs, '--per-epoch', 'x']).stderr).toMatch(/--per-epoch must be 'all'/);

    const notARun = mkdtempSync(join(tmpdir(), 'delaylab-report-'));
    const bad = run(BIN, ['report', notARun]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`report: cannot read ${join(notARun, 'checkpoint.dlck')}`);
    expect(run(BIN, ['report']).stderr).toMatch(/report needs one or more run folders/);
    expect(run(BIN, ['presets', 'extra']).stderr).toMatch(/unexpected argument 'extra'/);
    expect(run(BIN, ['reprot', dirs[0]!]).stderr).toMatch(/unknown command 'reprot'/);
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

  it('refuses unknown keys of a config file (with the nearest known one), an infinite lr, and --out on a file', () => {
    const typo = tempFile('typo.json', JSON.stringify({ extends: 'toy', training: { epoch: 3 } }));
    const r = run(BIN, ['train', '--config', typo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'config.training.epoch: is not a field Delay Lab reads (did you mean "epochs"?)',
    );
    const huge = tempFile('lr.json', '{"extends": "toy", "optimizer": {"delays": {"lr": 1e999}}}');
    expect(run(BIN, ['train', '--config', huge]).stderr).toContain(
      'config.optimizer.delays.lr: expected a finite number, got Infinity (not a finite number)',
    );
    const file = tempFile('not-a-folder', 'x');
    const out = run(BIN, ['train', '--config', 'toy', '--epochs', '1', '--out', file]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`--out ${file}: is a file, not a folder`);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a config too large for this machine with its memory estimate, before loading data', () => {
    const huge = preset('mnist-small')!;
    huge.network.layers[0]!.size = 1_000_000;
    const r = run(BIN, ['train', '--config', tempFile('huge.json', JSON.stringify(huge))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /this config needs about \d+\.\d GB to train .* more than the .* GB \(80 % of this machine's memory\)/,
    );
    expect(r.stderr).not.toContain('loading');
  });

  it('an unexpected error prints one line and where its full trace was written, never the trace', () => {
    const r = run(BIN, ['presets'], { DELAYLAB_CLI_FAULT: 'internal-error' });
    expect(r.code).toBe(70);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !/XDG_RUNTIME_DIR/.test(l));
    expect(lines).toHaveLength(1);
    const match =
      /^delaylab: unexpected error: deliberate internal error \(the full trace is in (\S+)\)$/.exec(
        lines[0]!,
      );
    expect(match).not.toBeNull();
    expect(readFileSync(match![1]!, 'utf8')).toMatch(/TypeError: deliberate internal error\n\s+at /);
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
      cases: {
        method: string;
        neuron: string;
        kernel: string;
        loss: string;
        param: string;
        maxRelError: number;
      }[];
      maxRelError: number;
    };
    const bptt = report.cases.filter((c) => c.method === 'bptt');
    expect(bptt.length).toBeGreaterThanOrEqual(150);
    expect(new Set(bptt.map((c) => c.kernel))).toEqual(
      new Set(['gauss', 'lerp', 'round', 'hardware-gauss', 'hardware-lerp']),
    );
    expect(
      bptt.filter((c) => c.param === 'delays').every((c) => c.kernel === 'gauss' || c.kernel === 'lerp'),
    ).toBe(true);
    // EventProp's exact gradients: weights and delays of two networks, each with a spike-time loss
    // and losses on a readout's V integral and maximum, far below 1e-6.
    const eventprop = report.cases.filter((c) => c.method === 'eventprop');
    expect(eventprop).toHaveLength(12);
    expect(new Set(eventprop.map((c) => `${c.kernel} ${c.loss} ${c.param}`)).size).toBe(12);
    expect(Math.max(...eventprop.map((c) => c.maxRelError))).toBeLessThan(1e-6);
    expect(report.cases).toHaveLength(bptt.length + eventprop.length);
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
    // The whole-run figure: five points of the sigma schedule, sigma falling along the run.
    const points = line['wholeRunPoints'] as { fraction: number; sigma: number; msPerStep: number }[];
    expect(points.map((p) => p.fraction)).toEqual([0.1, 0.3, 0.5, 0.7, 0.9]);
    expect(points[4]!.sigma).toBeLessThan(points[0]!.sigma);
    expect(line['wholeRunSamplesPerSecond']).toBeGreaterThan(0);
    expect(line['secondsPer60kEpoch']).toBeGreaterThan(0);
    const memory = line['layerMemory'] as {
      parameterBytes: number;
      materialisedKernelAndGradBytes: number;
    }[];
    expect(memory[0]!.parameterBytes).toBeLessThan(memory[0]!.materialisedKernelAndGradBytes);
  });
});

describe('delaylab train --config <share link>', () => {
  /** The summary without its wall-clock time, the one field two identical runs differ in. */
  /** The summary without its timings (wall time, throughput), which differ between runs. */
  function summaryOf(stdout: string): Record<string, unknown> {
    const { seconds, trainSamplesPerSecond, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
    expect(typeof seconds).toBe('number');
    expect(trainSamplesPerSecond === undefined || typeof trainSamplesPerSecond === 'number').toBe(true);
    return rest;
  }

  it('trains the same as the same config from a JSON file (a URL and a bare fragment)', () => {
    const toy = preset('toy')!;
    toy.name = 'shared toy';
    toy.seed = 7;
    toy.task = { kind: 'toy', inputTimes: [5, 15, 25], targetTimes: [40, 60] };
    toy.optimizer.delays.lr = 0.3;
    const patterns = preset('patterns')!;
    patterns.seed = 3;
    if (patterns.task.kind === 'patterns') patterns.task.samplesPerClass = 30;
    for (const [config, link] of [
      [toy, encodeShareLink(toy, 'https://delaylab.example/?tab=run')],
      [patterns, encodeShareLink(patterns)],
    ] as const) {
      const file = tempFile('shared.json', JSON.stringify(config));
      const fromFile = run(BIN, ['train', '--config', file, '--epochs', '1', '--json']);
      const fromLink = run(BIN, ['train', '--config', link, '--epochs', '1', '--json']);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromLink.code, fromLink.stderr).toBe(0);
      expect(summaryOf(fromLink.stdout)).toEqual(summaryOf(fromFile.stdout));
      expect(summaryOf(fromLink.stdout)).toMatchObject({ config: config.name, seed: config.seed, epochs: 1 });
    }
  });

  it('exits with 2 listing what a bad link would have dropped, instead of training something else', () => {
    const settings = Buffer.from(JSON.stringify({ seed: 2, network: { timeSteps: -4 } })).toString(
      'base64url',
    );
    const bad = run(BIN, ['train', '--config', `#x=1.toy..${settings}`, '--epochs', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('the share link cannot be reproduced exactly');
    expect(bad.stderr).toContain('config.network.timeSteps: must be >= 1, got -4');

    const newer = run(BIN, ['train', '--config', 'https://delaylab.example/#x=3.toy.abc.e30']);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(/made by a newer Delay Lab \(link version 3\)/);

    // Cut inside its check (the readable form's last part): not the experiment shared.
    const cut = run(BIN, ['train', '--config', encodeShareLink({ ...preset('toy')!, seed: 7 }).slice(0, -2)]);
    expect(cut.code).toBe(2);
    expect(cut.stderr).toMatch(/differs from the one shared/);
    // Cut before its check: says it may be cut off.
    const short = run(BIN, [
      'train',
      '--config',
      encodeShareLink({ ...preset('toy')!, seed: 7 }).split('&c=')[0]!,
    ]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/no check .* may be cut off/);
  });
});
