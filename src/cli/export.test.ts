import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTaskData, gatherBatch } from '../core/data/tasks.ts';
import { simulateNir } from '../core/nir/simulate.ts';
import { readNirFile } from '../io/nirFile.ts';
import { parseDelayTable } from '../core/delayTable.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { applyModel, decodeModel, encodeModel, modelFromTrainer } from '../core/modelFile.ts';
import { preset } from '../core/presets.ts';
import { setParameters } from '../core/runLoop.ts';
import { quantiseDelay } from '../core/synapses/kernels.ts';
import type { Readout } from '../core/train/losses.ts';
import { Trainer } from '../core/trainer.ts';
import { builtinMnistDataset } from '../node/builtinMnist.ts';
import { readCheckpoint } from './runOutput.ts';
import { BIN, run, tempFile } from './testUtils.ts';

const SMALL_MNIST = JSON.stringify({
  extends: 'mnist-small',
  task: { trainLimit: 600, testLimit: 300 },
  training: { epochs: 2 },
});

/** A short mnist-small run folder, its report line's test accuracy and its checkpoint. */
function trainedRun(): { dir: string; testAccuracy: number } {
  const dir = mkdtempSync(join(tmpdir(), 'delaylab-export-'));
  const r = run(BIN, ['train', '--config', tempFile('small.json', SMALL_MNIST), '--out', dir, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return { dir, testAccuracy: (JSON.parse(r.stdout) as { testAccuracy: number }).testAccuracy };
}

/** Test accuracy of `config` with the run's best parameters and kernel width, evaluated here. */
function evaluateWith(config: ExperimentConfig, dir: string): number {
  const c = readCheckpoint(dir);
  const t = new Trainer(config, { precision: 'f32', data: buildTaskData(config, builtinMnistDataset()) });
  setParameters(t, c.best!.layers);
  t.net.setSigma(c.best!.sigma!);
  return t.evaluate(t.data.test).accuracy!;
}

describe('delaylab export', () => {
  const { dir, testAccuracy } = trainedRun();

  it('writes the model file of the best-validation model, which re-loads to the same test accuracy', () => {
    const file = join(dir, 'best.model.json');
    const r = run(BIN, ['export', dir, '--format', 'model', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote the best-validation model \(epoch \d\)/);
    const model = decodeModel(readFileSync(file, 'utf8'), file);
    const t = new Trainer(model.config, {
      precision: 'f32',
      data: buildTaskData(model.config, builtinMnistDataset()),
    });
    applyModel(t, model);
    expect(t.evaluate(t.data.test).accuracy).toBe(testAccuracy);
    // And from the model file on, the same table as from the run folder.
    const [fromFile, fromRun] = [join(dir, 'a.csv'), join(dir, 'b.csv')];
    expect(run(BIN, ['export', file, '--format', 'delays-csv', '--out', fromFile]).code).toBe(0);
    expect(run(BIN, ['export', dir, '--format', 'delays-csv', '--out', fromRun]).code).toBe(0);
    expect(readFileSync(fromFile, 'utf8')).toBe(readFileSync(fromRun, 'utf8'));
  });

  it('writes the quantised delay table: every synapse at its rounded delay', () => {
    // To a file: the table of 100,000 synapses is more than spawnSync buffers from stdout.
    const file = join(dir, 'table.json');
    const r = run(BIN, ['export', dir, '--format', 'delays-json', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const table = parseDelayTable(readFileSync(file, 'utf8'), file);
    const best = readCheckpoint(dir).best!;
    const config = readCheckpoint(dir).config;
    expect(table.layers).toHaveLength(2);
    const first = table.layers[0]!;
    const { size, kernel } = config.network.layers[0]!;
    expect([first.fanIn, first.size, first.maxDelay]).toEqual([784, size, kernel.maxDelay]);
    for (let pre = 0; pre < 784; pre += 37)
      for (let post = 0; post < size; post += 11)
        expect(first.delays[post]![pre]).toBe(
          quantiseDelay(best.layers[0]!.delays[pre * size + post]!, kernel.rounding, kernel.maxDelay),
        );
  });

  it('reports the rounding gap; each accuracy equals a separate evaluation with that kernel', () => {
    const r = run(BIN, ['export', dir, '--format', 'gap', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      rows: { kernel: string; accuracy: number }[];
      edges: { atZero: number; atMax: number }[];
    };
    const config = readCheckpoint(dir).config;
    const withKernel = (mode: 'round', rounding: 'nearest' | 'floor'): ExperimentConfig => ({
      ...config,
      network: {
        ...config.network,
        layers: config.network.layers.map((l) => ({ ...l, kernel: { ...l.kernel, mode, rounding } })),
      },
    });
    expect(report.rows.map((x) => x.kernel)).toEqual([
      'lerp (as trained)',
      'lerp (linear interpolation)',
      'ring buffer, nearest step',
      'ring buffer, floor',
    ]);
    expect(report.rows[0]!.accuracy).toBe(testAccuracy);
    expect(report.rows[2]!.accuracy).toBe(evaluateWith(withKernel('round', 'nearest'), dir));
    expect(report.rows[3]!.accuracy).toBe(evaluateWith(withKernel('round', 'floor'), dir));
    for (const e of report.edges) {
      expect(e.atZero).toBeGreaterThanOrEqual(0);
      expect(e.atZero + e.atMax).toBeLessThanOrEqual(1);
    }
    const text = run(BIN, ['export', dir, '--format', 'gap']);
    expect(text.stdout).toMatch(/\| ring buffer, floor \| \d+\.\d\d \|/);
  });

  it('reports the readouts; each accuracy equals a separate evaluation read that way', () => {
    type Report = {
      testSamples: number;
      rows: { readout: Readout; accuracy: number; own: boolean }[];
      firstStepTies: number | null;
      silent: number | null;
      recallByClass: (number | null)[];
      neverSpiking: number[] | null;
    };
    /** Recall by class, weighted by each class's test samples, is the run's own accuracy. */
    const expectRecallsMatch = (report: Report, config: ExperimentConfig): void => {
      const data = buildTaskData(config, builtinMnistDataset());
      const perClass = new Array<number>(10).fill(0);
      for (const s of data.test) perClass[data.labels![s]!]!++;
      expect(report.recallByClass).toHaveLength(10);
      const weighted = report.recallByClass.reduce<number>((sum, r, c) => sum + (r ?? 0) * perClass[c]!, 0);
      expect(weighted / data.test.length).toBeCloseTo(report.rows.find((x) => x.own)!.accuracy, 12);
      report.recallByClass.forEach((r, c) => expect(r === null, `class ${c}`).toBe(perClass[c] === 0));
    };
    const readouts = (folder: string): Report => {
      const r = run(BIN, ['export', folder, '--format', 'readouts', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Report;
    };
    // mnist-small's outputs are a non-spiking readout: its membrane is all there is to read.
    const membrane = readouts(dir);
    expect(membrane.rows).toEqual([
      { readout: 'logits', label: 'membrane', accuracy: testAccuracy, own: true },
    ]);
    expect([membrane.firstStepTies, membrane.silent, membrane.neverSpiking]).toEqual([null, null, null]);
    expectRecallsMatch(membrane, readCheckpoint(dir).config);

    // The delay-only authors'-code network spikes: every readout applies.
    const spiking = mkdtempSync(join(tmpdir(), 'delaylab-readouts-'));
    const config = JSON.stringify({
      extends: 'delay-only-mnist-authors-code',
      task: { trainLimit: 400, testLimit: 300 },
      training: { epochs: 1 },
    });
    const trained = run(BIN, [
      'train',
      '--config',
      tempFile('spiking.json', config),
      '--out',
      spiking,
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const report = readouts(spiking);
    expect(report.testSamples).toBe(300);
    expect(report.rows.map((x) => x.readout)).toEqual(['logits', 'count', 'firstSpike', 'firstSpikeOrCount']);
    const saved = readCheckpoint(spiking).config;
    for (const row of report.rows)
      expect(row.accuracy, row.readout).toBe(evaluateWith({ ...saved, readout: row.readout }, spiking));
    expect(report.rows.filter((x) => x.own).map((x) => x.readout)).toEqual(['firstSpikeOrCount']);
    expect(report.rows.find((x) => x.own)!.accuracy).toBe(
      (JSON.parse(trained.stdout) as { testAccuracy: number }).testAccuracy,
    );
    expect(report.firstStepTies).toBeGreaterThan(0);
    expect(report.firstStepTies! + report.silent!).toBeLessThanOrEqual(1);
    expectRecallsMatch(report, saved);
    // One epoch on 400 digits leaves some outputs silent; silence one that spikes (all its
    // incoming weights at -100) and the report names it too.
    const spikingOutput = [...Array(10).keys()].find((j) => !report.neverSpiking!.includes(j))!;
    expect(spikingOutput).toBeDefined();
    const best = readCheckpoint(spiking).best!;
    const silenced = best.layers.map((l) => ({
      weights: Float64Array.from(l.weights),
      delays: Float64Array.from(l.delays),
    }));
    for (let i = 0; i < silenced[1]!.weights.length; i += 10) silenced[1]!.weights[i + spikingOutput] = -100;
    const muted = new Trainer(saved, { precision: 'f32', data: buildTaskData(saved, builtinMnistDataset()) });
    setParameters(muted, silenced);
    muted.net.setSigma(best.sigma!);
    const mutedFile = tempFile(
      'muted.model.json',
      encodeModel(modelFromTrainer(muted, { dataset: readCheckpoint(spiking).dataset })),
    );
    const mutedReport = readouts(mutedFile);
    expect(mutedReport.neverSpiking).toEqual([...report.neverSpiking!, spikingOutput].sort((a, b) => a - b));
    expect(run(BIN, ['export', mutedFile, '--format', 'readouts']).stdout).toMatch(
      new RegExp(`Outputs? [\\d, ]*\\b${spikingOutput}\\b[\\d, ]* spikes? on no test sample: a dead output`),
    );
    // An EventProp network has its loss's readout only: refused, with the reason.
    const eventprop = new Trainer(preset('eventprop-yinyang')!);
    const file = tempFile(
      'eventprop.model.json',
      encodeModel(modelFromTrainer(eventprop, { dataset: null })),
    );
    const refused = run(BIN, ['export', file, '--format', 'readouts']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/an EventProp run is read by its loss only/);
    const text = run(BIN, ['export', spiking, '--format', 'readouts']).stdout;
    expect(text).toMatch(
      /\| first spike, ties by all spikes \(firstSpikeOrCount\), the run’s \| \d+\.\d\d \|/,
    );
    expect(text).toMatch(/\d+\.\d % of test samples have two or more outputs spiking first at the same step/);
    expect(text).toMatch(/Recall by class \(firstSpikeOrCount\), %: 0: \d+\.\d, 1: /);
  });

  it('fits a delay table to a hardware target: clamps what it cannot hold, or refuses with --excess reject', () => {
    const far = mkdtempSync(join(tmpdir(), 'delaylab-far-'));
    expect(run(BIN, ['train', '--config', 'toy-far', '--epochs', '300', '--out', far]).code).toBe(0);
    const file = join(far, 'loihi.csv');
    const r = run(BIN, ['export', far, '--format', 'delays-csv', '--target', 'loihi2', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 delays clamped to loihi2's largest \(62 steps\)/);
    expect(readFileSync(file, 'utf8')).toMatch(/^0,0,0,62,25\n/m);
    const refused = run(BIN, [
      'export',
      far,
      '--format',
      'delays-json',
      '--target',
      'loihi2',
      '--excess',
      'reject',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/1 delays exceed loihi2's largest, 62 steps/);
    // The mnist-small run's delays (Td 10) fit SpiNNaker's 16 slots: nothing clamped.
    const fits = run(BIN, [
      'export',
      dir,
      '--format',
      'delays-csv',
      '--target',
      'spinnaker',
      '--out',
      join(dir, 's.csv'),
    ]);
    expect(fits.code, fits.stderr).toBe(0);
    expect(fits.stderr).not.toMatch(/clamped/);
    expect(run(BIN, ['export', far, '--format', 'model', '--target', 'loihi2']).stderr).toMatch(
      /--target applies to delay tables/,
    );
  });

  it('writes a NIR graph of the best-validation model that runs to the spikes of ring-buffer inference', async () => {
    const file = join(dir, 'model.nir');
    const r = run(BIN, ['export', dir, '--format', 'nir', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote the best-validation model \(epoch \d\) as a NIR graph/);
    expect(r.stderr).toMatch(/layer 0: \d+ delay branches \(\d+-\d+ steps\)/);
    expect(r.stderr).toMatch(/\d+ nodes, \d+ edges; \d+ stored weights for \d+ synapses \(\d+\.\dx\)/);
    const graph = await readNirFile(readFileSync(file), file);
    const c = readCheckpoint(dir);
    const t = new Trainer(c.config, {
      precision: 'f32',
      data: buildTaskData(c.config, builtinMnistDataset()),
    });
    setParameters(t, c.best!.layers);
    const { timeSteps } = c.config.network;
    for (const sample of Array.from(t.data.test).slice(0, 10)) {
      const reference = t.ringBufferRecords(sample);
      const trace = simulateNir(
        graph,
        gatherBatch(t.data, [sample]),
        timeSteps,
        graph.metadata['dt'] as number,
      );
      expect(Array.from(trace.outputs.get('layer0.neurons')!)).toEqual(Array.from(reference[0]!.spikes));
      const readout = trace.outputs.get('output')!;
      reference[1]!.membrane.forEach((v, i) => expect(readout[i]).toBeCloseTo(v, 9));
    }
    const json = run(BIN, ['export', dir, '--format', 'nir', '--out', file, '--json']);
    const summary = JSON.parse(json.stdout) as { nodes: number; synapses: number; bytes: number };
    expect(summary.nodes).toBe(graph.nodes.size);
    expect(summary.bytes).toBe(readFileSync(file).length);
    expect(run(BIN, ['export', dir, '--format', 'nir']).stderr).toMatch(/give --out <file.nir>/);
  });

  it('refuses a NIR export of spike-response neurons, saying what to export instead', () => {
    const model = join(dir, 'srm.model.json');
    const srm = mkdtempSync(join(tmpdir(), 'delaylab-srm-'));
    const config = tempFile(
      'srm.json',
      JSON.stringify({
        extends: 'delay-only-mnist',
        task: { trainLimit: 100, testLimit: 50 },
        training: { epochs: 1 },
      }),
    );
    expect(run(BIN, ['train', '--config', config, '--out', srm]).code).toBe(0);
    const r = run(BIN, ['export', srm, '--format', 'nir', '--out', model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NIR has no spike-response model.*--format delays-json/);
  });

  it('exports the delay table and NIR graph of a run on loaded data without --data (quantised delays need no schedule)', async () => {
    const fashion = mkdtempSync(join(tmpdir(), 'delaylab-fashion-'));
    const config = tempFile(
      'fashion.json',
      JSON.stringify({
        extends: 'mnist-small',
        task: { trainLimit: 200, testLimit: 100 },
        training: { epochs: 1 },
      }),
    );
    const trained = run(BIN, [
      'train',
      '--config',
      config,
      '--data',
      '/usr/share/datasets/fashion-mnist',
      '--out',
      fashion,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const c = readCheckpoint(fashion);
    expect(c.dataset).toBe('fashion-mnist');
    const file = join(fashion, 'last.csv');
    const r = run(BIN, ['export', fashion, '--format', 'delays-csv', '--parameters', 'final', '--out', file]);
    expect(r.code, r.stderr).toBe(0);
    const { size, kernel } = c.config.network.layers[0]!;
    const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    const [layer, post, pre, delay] = rows[1234]!.split(',').map(Number);
    expect(layer).toBe(0);
    expect(delay).toBe(
      quantiseDelay(c.state.layers[0]!.delays[pre! * size + post!]!, kernel.rounding, kernel.maxDelay),
    );
    const nir = run(BIN, [
      'export',
      fashion,
      '--format',
      'nir',
      '--parameters',
      'final',
      '--out',
      join(fashion, 'm.nir'),
    ]);
    expect(nir.code, nir.stderr).toBe(0);
    // A model file still needs the data: its kernel width comes from the schedules.
    expect(run(BIN, ['export', fashion, '--format', 'model', '--parameters', 'final']).stderr).toMatch(
      /--data/,
    );
  });

  it('refuses a bad format, a missing source and extra arguments with exit 2', () => {
    expect(run(BIN, ['export', dir, '--format', 'onnx']).stderr).toMatch(
      /--format must be model, delays-json, delays-csv, nir, gap/,
    );
    expect(run(BIN, ['export', join(dir, 'missing.json'), '--format', 'model']).code).toBe(2);
    expect(run(BIN, ['export', dir, dir, '--format', 'model']).stderr).toMatch(/one run folder/);
  });
});
