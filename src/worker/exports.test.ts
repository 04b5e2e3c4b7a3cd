import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { readNirFile } from '../io/nirFile.ts';
import { exportFile } from './exports.ts';

describe('playground exports', () => {
  it('a NIR graph of the current parameters, as bytes named .nir', async () => {
    const config = preset('patterns')!;
    const trainer = new Trainer(config, { precision: 'f32' });
    const file = await exportFile(trainer, 'nir', null, undefined);
    expect(file.fileName).toBe(`patterns-seed${config.seed}-step0.nir`);
    expect(file.mime).toBe('application/x-hdf5');
    if (typeof file.data === 'string') throw new Error('a NIR graph is binary');
    const graph = await readNirFile(file.data, file.fileName);
    expect(graph.nodes.get('input')).toEqual({ type: 'Input', shape: [config.network.inputs] });
    expect(graph.nodes.get('layer0.neurons')?.type).toBe('LIF');
    expect(graph.nodes.get('layer1.neurons')?.type).toBe('LI');
    expect(graph.metadata['source']).toBe('playground, step 0');
  });

  it('refuses a spike-response network with the reason (the session shows it as a notice)', async () => {
    const config = structuredClone(preset('patterns')!);
    config.network.layers[0]!.neuron = structuredClone(preset('delay-only-mnist')!.network.layers[0]!.neuron);
    const trainer = new Trainer(config, { precision: 'f32' });
    await expect(exportFile(trainer, 'nir', null, undefined)).rejects.toThrow(
      /^NIR export: layer 0 uses spike-response \(SRM\) neurons/,
    );
  });
});
