import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTaskData, gatherBatch } from '../core/data/tasks.ts';
import { buildDelayTable } from '../core/delayTable.ts';
import { mergeConfig, validateExperiment, type ExperimentConfig } from '../core/experiment.ts';
import { graphSize, NirExportError, nirGraphFromTable, type NirGraph } from '../core/nir/graph.ts';
import { simulateNir } from '../core/nir/simulate.ts';
import { preset } from '../core/presets.ts';
import { quantiseDelay } from '../core/synapses/kernels.ts';
import { Trainer } from '../core/trainer.ts';
import { builtinMnistDataset } from '../node/builtinMnist.ts';
import { NirFormatError, readNirFile, writeNirFile } from './nirFile.ts';

const PYTHON = '/usr/bin/python3';

function config(overrides: unknown): ExperimentConfig {
  return validateExperiment(mergeConfig(preset('mnist-small')!, overrides));
}

/** mnist-small on 400 built-in digits, trained for 12 steps so weights and delays have moved. */
function trainedMnist(overrides: unknown = {}): Trainer {
  const cfg = config({ task: { trainLimit: 400, testLimit: 200 }, ...(overrides as object) });
  const t = new Trainer(cfg, { precision: 'f32', data: buildTaskData(cfg, builtinMnistDataset()) });
  const batches = t.drawEpochBatches();
  for (let s = 0; s < 12; s++) t.trainStep(batches[s % batches.length]!);
  return t;
}

function graphOf(t: Trainer): NirGraph {
  return nirGraphFromTable(t.config, buildDelayTable(t.config, t.net.synapses), {
    source: 'test',
    target: 'unbounded',
  }).graph;
}

describe('NIR export: per-delay branches', () => {
  const t = trainedMnist();
  const { graph, branches } = nirGraphFromTable(t.config, buildDelayTable(t.config, t.net.synapses));

  it('puts each synapse in exactly the branch of its quantised delay, once', () => {
    const { inputs } = t.config.network;
    let fanIn = inputs;
    t.config.network.layers.forEach((cfg, l) => {
      const { weights, delays } = t.net.synapses[l]!;
      const distinct = new Set<number>();
      let misplaced = 0;
      for (let pre = 0; pre < fanIn; pre++) {
        for (let post = 0; post < cfg.size; post++) {
          const q = pre * cfg.size + post;
          const k = quantiseDelay(delays[q]!, cfg.kernel.rounding, cfg.kernel.maxDelay);
          if (weights[q] !== 0) distinct.add(k);
          let found = 0;
          for (const d of branches[l]!.delays) {
            const node = graph.nodes.get(`layer${l}.delay${d}.linear`)!;
            if (node.type !== 'Linear') throw new Error('not a Linear');
            const w = node.weight.data[post * fanIn + pre]!;
            if (d === k ? w !== weights[q] : w !== 0) misplaced++;
            if (w !== 0) found++;
          }
          if (found !== (weights[q] === 0 ? 0 : 1)) misplaced++;
        }
      }
      expect(misplaced).toBe(0);
      expect(branches[l]!.delays).toEqual([...distinct].sort((a, b) => a - b));
      fanIn = cfg.size;
    });
    // mnist-small's delays span the whole ring buffer (Td 10): ten branches per layer.
    expect(branches.map((b) => b.delays.length)).toEqual([10, 10]);
  });

  it('wires input -> Linear -> Delay -> neurons -> output, with the neurons as NIR LIF and LI nodes', () => {
    expect(graph.nodes.get('input')).toEqual({ type: 'Input', shape: [784] });
    expect(graph.nodes.get('output')).toEqual({ type: 'Output', shape: [10] });
    const hidden = graph.nodes.get('layer0.neurons')!;
    expect(hidden.type).toBe('LIF');
    if (hidden.type === 'LIF') {
      const lif = t.config.network.layers[0]!.neuron;
      if (lif.model !== 'lif') throw new Error('a LIF layer');
      // Within a few ulps of tau in seconds, chosen so dt / tau in seconds is the engine's dt / tau.
      expect(hidden.tau.data[0]).toBeCloseTo(lif.tauMs / 1000, 15);
      expect(0.001 / hidden.tau.data[0]!).toBe(t.config.network.dtMs / lif.tauMs);
      // Just below the threshold: NIR's v > v_threshold is then the engine's u >= threshold.
      expect(hidden.v_threshold.data[5]).toBeLessThan(lif.threshold);
      expect(hidden.v_threshold.data[5]).toBeGreaterThan(lif.threshold - 1e-15);
      expect(Array.from(hidden.r.data).every((r) => r === 1)).toBe(true);
      expect(Array.from(hidden.v_reset.data).every((v) => v === 0)).toBe(true);
    }
    expect(graph.nodes.get('layer1.neurons')!.type).toBe('LI');
    const delay3 = graph.nodes.get('layer0.delay3')!;
    expect(delay3.type === 'Delay' && Array.from(delay3.delay.data)).toEqual(new Array(128).fill(0.003));
    expect(graph.edges).toContainEqual(['input', 'layer0.delay3.linear']);
    expect(graph.edges).toContainEqual(['layer0.delay3.linear', 'layer0.delay3']);
    expect(graph.edges).toContainEqual(['layer0.delay3', 'layer0.neurons']);
    expect(graph.edges).toContainEqual(['layer0.delay0.linear', 'layer0.neurons']);
    expect(graph.nodes.has('layer0.delay0')).toBe(false);
    expect(graph.edges).toContainEqual(['layer1.neurons', 'output']);
    const size = graphSize(graph);
    // 2 x 10 Linear, 2 x 9 Delay, 2 neuron nodes, input, output.
    expect(size.nodes).toBe(20 + 18 + 2 + 2);
    expect(size.storedWeights).toBe(10 * (784 * 128 + 128 * 10));
    expect(size.synapses).toBe(Array.from(t.net.synapses[0]!.weights).filter((w) => w !== 0).length + 1280);
    expect(size.expansion).toBeCloseTo(size.storedWeights / size.synapses, 12);
  });

  it('refuses networks NIR cannot express, saying why', () => {
    const srm = preset('delay-only-mnist')!;
    const srmTable = buildDelayTable(
      srm,
      new Trainer(srm, { precision: 'f32', data: buildTaskData(srm, builtinMnistDataset()) }).net.synapses,
    );
    expect(() => nirGraphFromTable(srm, srmTable)).toThrow(NirExportError);
    expect(() => nirGraphFromTable(srm, srmTable)).toThrow(/spike-response \(SRM\).*delays-json/);
    const table = buildDelayTable(t.config, t.net.synapses);
    const refused = (edit: (c: ExperimentConfig) => void): string => {
      const c = structuredClone(t.config);
      edit(c);
      try {
        nirGraphFromTable(c, table);
        return 'exported';
      } catch (e) {
        return e instanceof NirExportError ? e.message : String(e);
      }
    };
    const hidden = (c: ExperimentConfig) => c.network.layers[0]!.neuron;
    expect(
      refused((c) => {
        const n = hidden(c);
        if (n.model === 'lif') n.reset = 'soft';
      }),
    ).toMatch(/layer 0 resets by subtraction/);
    expect(refused((c) => (hidden(c).spiking = false))).toMatch(/layer 0 is a non-spiking hidden layer/);
    expect(refused((c) => (c.training.method = 'eventprop'))).toMatch(/trains with EventProp/);
    // A spiking output read by its membrane (mnist-small's cross-entropy on summed membranes).
    expect(refused((c) => (c.network.layers[1]!.neuron.spiking = true))).toMatch(
      /output layer spikes but its class is read from its membrane \(loss ceSumMembrane\)/,
    );
  });

  it('a membrane landing exactly on the threshold spikes in the graph as in the engine', () => {
    // toy: 3 inputs -> 2 LIF outputs (tau 2 ms here, dt 1 ms). Input 0 alone, weight 2, no delay:
    // u = 0 + (1/2)(2 - 0) = 1 = threshold at its arrival, which the engine counts as a spike.
    const c = structuredClone(preset('toy')!);
    const n = c.network.layers[0]!.neuron;
    if (n.model !== 'lif') throw new Error('toy is LIF');
    n.tauMs = 2;
    n.threshold = 1;
    const toy = new Trainer(c, { precision: 'f64' });
    const syn = toy.net.synapses[0]!;
    syn.weights.fill(0);
    syn.delays.fill(0);
    syn.weights[0] = 2; // input 0 -> output 0
    const reference = toy.ringBufferRecords(0);
    const graph = nirGraphFromTable(c, buildDelayTable(c, toy.net.synapses)).graph;
    const trace = simulateNir(graph, gatherBatch(toy.data, [0]), c.network.timeSteps, 0.001);
    const spikes = Array.from(reference[0]!.spikes);
    expect(spikes.filter((v) => v === 1)).toHaveLength(1);
    expect(reference[0]!.membrane[spikes.indexOf(1)]).toBe(1);
    expect(Array.from(trace.outputs.get('layer0.neurons')!)).toEqual(spikes);
  });
});

describe('NIR files', () => {
  const t = trainedMnist();
  const graph = graphOf(t);

  it('read back to the same graph', async () => {
    const bytes = await writeNirFile(graph);
    const back = await readNirFile(bytes, 'model.nir');
    expect([...back.nodes.keys()].sort()).toEqual([...graph.nodes.keys()].sort());
    for (const [name, node] of graph.nodes) expect(back.nodes.get(name), name).toEqual(node);
    expect(back.edges).toEqual(graph.edges);
    expect(back.metadata).toEqual(graph.metadata);
    expect(back.metadata['dt']).toBe(0.001);
  });

  it('run to the same spikes as ring-buffer inference of the trained network', async () => {
    const back = await readNirFile(await writeNirFile(graph), 'model.nir');
    const { timeSteps: T, inputs } = t.config.network;
    let hiddenSpikes = 0;
    for (const sample of Array.from(t.data.test).slice(0, 40)) {
      const reference = t.ringBufferRecords(sample);
      const input = gatherBatch(t.data, [sample]);
      expect(input.length).toBe(T * inputs);
      const trace = simulateNir(back, input, T, back.metadata['dt'] as number);
      expect(Array.from(trace.outputs.get('layer0.neurons')!)).toEqual(Array.from(reference[0]!.spikes));
      hiddenSpikes += Array.from(reference[0]!.spikes).reduce((a, b) => a + b, 0);
      const readout = trace.outputs.get('output')!;
      const membrane = reference[1]!.membrane;
      for (let i = 0; i < membrane.length; i++) expect(readout[i]).toBeCloseTo(membrane[i]!, 9);
    }
    // The comparison means something only if the hidden layer spikes.
    expect(hiddenSpikes).toBeGreaterThan(100);
  });

  it('hold what the NIR reference library reads (checked with h5py, as nir.read does)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-nir-'));
    const file = join(dir, 'model.nir');
    writeFileSync(file, await writeNirFile(graph));
    const script = `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
g = f['node']
out = {'version': f['version'][()].decode(), 'type': g['type'][()].decode(),
       'edges': [[a.decode('utf8'), b.decode('utf8')] for a, b in g['edges'][()]], 'nodes': {}}
for name, n in g['nodes'].items():
    entry = {'type': n['type'][()].decode()}
    for key in n.keys():
        if key != 'type':
            entry[key] = [str(n[key].dtype), list(n[key].shape)]
    out['nodes'][name] = entry
out['dt'] = float(g['metadata']['dt'][()])
out['w'] = float(g['nodes']['layer0.delay3.linear']['weight'][()].sum())
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as {
      version: string;
      type: string;
      edges: string[][];
      nodes: Record<string, Record<string, unknown>>;
      dt: number;
      w: number;
    };
    expect(seen.version).toBe('1.0.7');
    expect(seen.type).toBe('NIRGraph');
    expect(seen.edges).toEqual(graph.edges);
    expect(seen.dt).toBe(0.001);
    expect(seen.nodes['input']).toEqual({ type: 'Input', shape: ['int64', [1]] });
    expect(seen.nodes['layer0.delay3.linear']).toEqual({ type: 'Linear', weight: ['float32', [128, 784]] });
    expect(seen.nodes['layer0.delay3']).toEqual({ type: 'Delay', delay: ['float64', [128]] });
    expect(seen.nodes['layer0.neurons']).toEqual({
      type: 'LIF',
      tau: ['float64', [128]],
      r: ['float64', [128]],
      v_leak: ['float64', [128]],
      v_threshold: ['float64', [128]],
      v_reset: ['float64', [128]],
    });
    expect(seen.nodes['layer1.neurons']!['type']).toBe('LI');
    const linear = graph.nodes.get('layer0.delay3.linear')!;
    const sum = linear.type === 'Linear' ? linear.weight.data.reduce((a, b) => a + b, 0) : NaN;
    expect(seen.w).toBeCloseTo(sum, 3);
  });

  it('from another tool (an h5py file laid out as nir.write does) read and run as NIR defines them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-nir-'));
    const file = join(dir, 'lif.nir');
    // One input -> Affine (w 2, b 0) -> LIF (tau 5 ms, r 1, threshold 1.5): with dt 1 ms the
    // membrane after a constant input 1 rises as v <- v + 0.2 (2 - v): 0.4, 0.72, 0.976, 1.1808,
    // 1.34464, 1.475712, 1.5805696 > 1.5 -> a spike at step 6, then v_reset 0.
    const script = `
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w') as f:
    f.create_dataset('version', data='1.0.7', dtype=h5py.string_dtype())
    g = f.create_group('node')
    g.create_dataset('type', data='NIRGraph', dtype=h5py.string_dtype())
    g.create_dataset('edges', data=np.array([['input', 'fc'], ['fc', 'lif'], ['lif', 'output']], dtype=object), dtype=h5py.string_dtype())
    n = g.create_group('nodes')
    i = n.create_group('input'); i.create_dataset('type', data='Input', dtype=h5py.string_dtype()); i.create_dataset('shape', data=np.array([1]))
    a = n.create_group('fc'); a.create_dataset('type', data='Affine', dtype=h5py.string_dtype())
    a.create_dataset('weight', data=np.array([[2.0]], dtype=np.float32)); a.create_dataset('bias', data=np.array([0.0], dtype=np.float32))
    l = n.create_group('lif'); l.create_dataset('type', data='LIF', dtype=h5py.string_dtype())
    for k, v in [('tau', 0.005), ('r', 1.0), ('v_leak', 0.0), ('v_threshold', 1.5)]:
        l.create_dataset(k, data=np.array([v]))
    o = n.create_group('output'); o.create_dataset('type', data='Output', dtype=h5py.string_dtype()); o.create_dataset('shape', data=np.array([1]))
`;
    const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const back = await readNirFile(readFileSync(file), 'lif.nir');
    const lif = back.nodes.get('lif')!;
    expect(lif.type === 'LIF' && Array.from(lif.v_reset.data)).toEqual([0]); // absent: zeros, as NIR reads it
    const trace = simulateNir(back, new Float64Array(9).fill(1), 9, 0.001);
    expect(Array.from(trace.outputs.get('output')!)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('refuse what is not a NIR graph with a message naming the file', async () => {
    await expect(readNirFile(new TextEncoder().encode('{"not": "hdf5"}'), 'x.nir')).rejects.toThrow(
      new NirFormatError('x.nir', 'is not a NIR file (not HDF5: no HDF5 signature)'),
    );
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-nir-'));
    const file = join(dir, 'other.h5');
    const r = spawnSync(PYTHON, [
      '-c',
      "import h5py,sys; h5py.File(sys.argv[1],'w').create_dataset('labels', data=[1,2])",
      file,
    ]);
    expect(r.status).toBe(0);
    await expect(readNirFile(readFileSync(file), 'other.h5')).rejects.toThrow(
      /other.h5: is not a NIR file \(no "node" group\)/,
    );
    const bytes = await writeNirFile(graph);
    await expect(readNirFile(bytes.slice(0, bytes.length >> 1), 'cut.nir')).rejects.toThrow(/cut.nir: /);
  });
});
