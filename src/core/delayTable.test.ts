import { describe, expect, it } from 'vitest';
import { gatherBatch } from './data/tasks.ts';
import {
  buildDelayTable,
  delayTableCsv,
  delayTableCurrent,
  delayTableJson,
  DelayTableFormatError,
  parseDelayTable,
  type DelayTable,
} from './delayTable.ts';
import type { ExperimentConfig } from './experiment.ts';
import { makeNeurons } from './network.ts';
import { preset } from './presets.ts';
import { Rng } from './rng.ts';
import { ringBufferCurrent } from './synapses/ringBuffer.ts';
import { firstSpikeSteps } from './train/losses.ts';
import { Trainer } from './trainer.ts';

function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let q = 0; q < a.length; q++) expect(Object.is(a[q], b[q]), `${what}[${q}]`).toBe(true);
}

/** Patterns (20-32-3, Td 15, gauss) after a few epochs, with the given rounding in every layer. */
function trainedPatterns(rounding: 'floor' | 'nearest'): Trainer {
  const config = preset('patterns')!;
  for (const layer of config.network.layers) layer.kernel.rounding = rounding;
  const trainer = new Trainer(config);
  // Three epochs of training steps (no evaluation is needed here).
  for (let e = 0; e < 3; e++) for (const batch of trainer.drawEpochBatches()) trainer.trainStep(batch);
  return trainer;
}

/**
 * First output spikes of one sample run through the table alone: table currents feeding fresh
 * neurons, layer by layer, as an engine that knows only the table and the neuron model would.
 */
function tableFirstSpikes(table: DelayTable, config: ExperimentConfig, input: ArrayLike<number>): number[] {
  const { timeSteps: T, dtMs, layers } = config.network;
  let spikes: ArrayLike<number> = input;
  let threshold = 1;
  for (const [l, layer] of table.layers.entries()) {
    const neurons = makeNeurons(layer.size, layers[l]!.neuron, dtMs, 'f64', 'heaviside');
    const rec = neurons.forward(delayTableCurrent(layer, spikes, T), 1, T);
    spikes = rec.spikes;
    threshold = neurons.threshold;
  }
  const outputs = table.layers.at(-1)!.size;
  // firstSpikeSteps reads only the spikes; the membrane is not needed.
  const record = { membrane: new Float64Array(0), spikes, batch: 1, timeSteps: T, outputs, threshold };
  return Array.from(firstSpikeSteps(record));
}

describe('delay table', () => {
  for (const rounding of ['floor', 'nearest'] as const) {
    it(`gives the ring buffer's current bit for bit, layer by layer (patterns, ${rounding})`, () => {
      const trainer = trainedPatterns(rounding);
      const config = trainer.config;
      const table = buildDelayTable(config, trainer.net.synapses);
      expect(table.timeStepMs).toBe(config.network.dtMs);
      const T = config.network.timeSteps;
      const rng = new Rng(7);
      table.layers.forEach((layer, l) => {
        const syn = trainer.net.synapses[l]!;
        // Inputs: real samples for layer 0; for every layer random spike trains, so the
        // comparison does not depend on how much the (briefly trained) hidden layer fires.
        const inputs: ArrayLike<number>[] = Array.from({ length: 6 }, () =>
          Float64Array.from({ length: T * layer.fanIn }, () => (rng.bernoulli(0.15) ? 1 : 0)),
        );
        if (l === 0) {
          for (const s of Array.from(trainer.data.test).slice(0, 6))
            inputs.push(gatherBatch(trainer.data, [s]));
        }
        for (const [k, spikes] of inputs.entries()) {
          const { fanIn, size, maxDelay } = layer;
          const expected = ringBufferCurrent(
            spikes,
            T,
            fanIn,
            size,
            syn.weights,
            syn.delays,
            maxDelay,
            rounding,
          );
          const current = delayTableCurrent(layer, spikes, T);
          expectIdentical(current, expected, `layer ${l} input ${k} current`);
          expect(current.some((c) => c !== 0)).toBe(true);
        }
      });
    });

    it(`runs the trained toy as Trainer.quantisedFirstSpikes does (${rounding})`, () => {
      const config = preset('toy')!;
      config.network.layers[0]!.kernel.rounding = rounding;
      const trainer = new Trainer(config, { precision: 'f64' });
      for (let k = 0; k < 150; k++) trainer.trainStep([0]);
      const table = buildDelayTable(config, trainer.net.synapses);
      const viaTable = tableFirstSpikes(table, config, gatherBatch(trainer.data, [0]));
      expect(viaTable).toEqual(trainer.quantisedFirstSpikes(0));
      expect(viaTable.every((t) => t >= 0)).toBe(true); // both outputs fire
    });
  }

  it('rounds each layer as its kernel says and clamps to [0, maxDelay - 1]', () => {
    const config = preset('toy')!; // 3 inputs -> 2 outputs, Td 50
    const delays = [-0.3, 0.5, 1.5, 2.4999, 48.6, 60];
    const weights = [1, -2, 0.1, 0, 3.25, -0];
    config.network.layers[0]!.kernel.rounding = 'floor';
    const floor = buildDelayTable(config, [{ weights, delays }]).layers[0]!;
    config.network.layers[0]!.kernel.rounding = 'nearest';
    const nearest = buildDelayTable(config, [{ weights, delays }]).layers[0]!;
    // Synapse pre -> post is at pre * 2 + post; rows are posts.
    expect(floor.delays).toEqual([
      [0, 1, 48],
      [0, 2, 49],
    ]);
    expect(nearest.delays).toEqual([
      [0, 2, 49],
      [1, 2, 49],
    ]);
    expect(nearest.weights).toEqual([
      [1, 0.1, 3.25],
      [-2, 0, -0],
    ]);
    expect([nearest.fanIn, nearest.size, nearest.maxDelay, nearest.rounding]).toEqual([3, 2, 50, 'nearest']);
    expect(() => buildDelayTable(config, [{ weights, delays: delays.slice(1) }])).toThrow(
      /layer 0: the config has 3 x 2 = 6 synapses, got 6 weights and 5 delays/,
    );
  });

  it('round-trips through JSON and CSV exactly', () => {
    const trainer = trainedPatterns('nearest');
    const config = trainer.config;
    const table = buildDelayTable(config, trainer.net.synapses);
    const json = delayTableJson(config, trainer.net.synapses);
    expect(parseDelayTable(json, 'table.json')).toEqual(table);
    expect(JSON.parse(json)).toMatchObject({ format: 'delaylab-delay-table', version: 1, timeStepMs: 1 });
    // One matrix row per line keeps the file readable: 32 + 3 rows of delays and of weights.
    expect(json.split('\n').filter((line) => line.trimStart().startsWith('[')).length).toBe(2 * (32 + 3));

    const csv = delayTableCsv(config, trainer.net.synapses);
    const [header, ...rows] = csv.trimEnd().split('\n');
    expect(header).toBe('layer,post,pre,delay_steps,weight');
    expect(rows).toHaveLength(20 * 32 + 32 * 3);
    for (const row of rows) {
      const [l, post, pre, delay, weight] = row.split(',').map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const layer = table.layers[l]!;
      expect(delay).toBe(layer.delays[post]![pre]);
      expect(weight).toBe(layer.weights[post]![pre]); // exact: shortest round-trip decimals
    }
  });

  it('can leave synapses with weight 0 out of the CSV', () => {
    const config = preset('toy')!;
    const csv = delayTableCsv(config, [{ weights: [1, 0, 0, 2, 0, 3], delays: [1, 2, 3, 4, 5, 6] }], {
      omitZeroWeights: true,
    });
    expect(csv).toBe('layer,post,pre,delay_steps,weight\n0,0,0,1,1\n0,1,1,4,2\n0,1,2,6,3\n');
  });

  it('refuses damaged or foreign table files, naming them', () => {
    const config = preset('toy')!;
    const json = delayTableJson(config, [{ weights: [1, 2, 3, 4, 5, 6], delays: [1, 2, 3, 4, 5, 6] }]);
    const edit = (
      change: (f: { version: unknown; format: unknown; layers: { delays: unknown[][] }[] }) => void,
    ) => {
      const file = JSON.parse(json) as {
        version: unknown;
        format: unknown;
        layers: { delays: unknown[][] }[];
      };
      change(file);
      return JSON.stringify(file);
    };
    expect(() => parseDelayTable('nope', 't.json')).toThrow(DelayTableFormatError);
    expect(() => parseDelayTable('nope', 't.json')).toThrow(
      /^t\.json: is not a delay table: it is not valid JSON/,
    );
    expect(() =>
      parseDelayTable(
        edit((f) => (f.format = 'delaylab-model')),
        't.json',
      ),
    ).toThrow(/"format" is "delaylab-model", expected "delaylab-delay-table"/);
    expect(() =>
      parseDelayTable(
        edit((f) => (f.version = 3)),
        't.json',
      ),
    ).toThrow(/t\.json: was made by a newer Delay Lab \(delay table version 3/);
    expect(() =>
      parseDelayTable(
        edit((f) => (f.layers[0]!.delays[1]![2] = 2.5)),
        't.json',
      ),
    ).toThrow(/layers\[0\]\.delays\[1\]\[2\]: expected an integer number of steps in \[0, 49\], got 2\.5/);
    expect(() =>
      parseDelayTable(
        edit((f) => (f.layers[0]!.delays[0]![0] = 50)),
        't.json',
      ),
    ).toThrow(/expected an integer number of steps in \[0, 49\], got 50/);
    expect(() =>
      parseDelayTable(
        edit((f) => f.layers[0]!.delays.pop()),
        't.json',
      ),
    ).toThrow(/layers\[0\]\.delays: expected 2 rows/);
  });
});
