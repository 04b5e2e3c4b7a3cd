import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import { BIN, run, tempFile } from './testUtils.ts';

describe('delaylab train with rewiring (DEEP R / RigL)', () => {
  for (const threads of ['1', '2']) {
    it(`yinyang-rewired on ${threads} thread(s): the active-synapse count ends where it started, and the run resumes`, () => {
      const config = preset('yinyang-rewired')!;
      if (config.task.kind === 'yinyang') {
        config.task.trainSamples = 600;
        config.task.testSamples = 200;
      }
      const file = tempFile('rewired.json', JSON.stringify(config));
      const dir = mkdtempSync(join(tmpdir(), 'delaylab-rewired-'));
      const r = run(BIN, [
        'train',
        '--config',
        file,
        '--epochs',
        '3',
        '--threads',
        threads,
        '--out',
        dir,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { activeSynapses: number[]; possibleSynapses: number[] };
      expect(out.possibleSynapses).toEqual([320, 192]);
      // Connectivity 0.25: exactly a quarter of each layer's synapses, and rewiring keeps that count.
      expect(out.activeSynapses).toEqual([80, 48]);
      const resumed = run(BIN, ['train', '--resume', dir, '--epochs', '4', '--json']);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((JSON.parse(resumed.stdout) as { activeSynapses: number[] }).activeSynapses).toEqual([80, 48]);
    });
  }

  it('refuses rewiring on a dense layer, naming the field', () => {
    const config = preset('yinyang-rewired')!;
    config.network.layers[0]!.connectivity = 1;
    const r = run(BIN, ['train', '--config', tempFile('dense.json', JSON.stringify(config))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layers\[0\]\.connectivity.*must be below 1/);
  });
});
