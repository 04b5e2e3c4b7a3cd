import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets.ts';
import { describe as describeValue } from './problems.ts';
import { nearestKey, unknownKeyProblems } from './unknownKeys.ts';
import { validateExperiment } from './validate.ts';

describe('unknownKeyProblems', () => {
  it('finds nothing in any preset (every field the validator reads is kept)', () => {
    for (const [name, config] of Object.entries(PRESETS)) {
      const raw: unknown = JSON.parse(JSON.stringify(config));
      expect(unknownKeyProblems(raw, validateExperiment(raw)), name).toEqual([]);
    }
  });

  it('names each unknown key by path, with the nearest known key when it looks like a typo', () => {
    const raw = JSON.parse(JSON.stringify(PRESETS['toy'])) as Record<string, unknown>;
    const training = raw['training'] as Record<string, unknown>;
    const network = raw['network'] as Record<string, unknown>;
    training['epoch'] = 3;
    training['batchsize'] = 3;
    network['layers'] = [{ ...(network['layers'] as object[])[0], sise: 4 }];
    raw['colour'] = 'blue';
    const problems = unknownKeyProblems(raw, validateExperiment(raw));
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      [['network', 'layers', 0, 'sise'], 'unknown'],
      [['training', 'epoch'], 'unknown'],
      [['training', 'batchsize'], 'unknown'],
      [['colour'], 'unknown'],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'config.network.layers[0].sise: is not a field Delay Lab reads (did you mean "size"?)',
      'config.training.epoch: is not a field Delay Lab reads (did you mean "epochs"?)',
      'config.training.batchsize: is not a field Delay Lab reads (did you mean "batchSize"?)',
      'config.colour: is not a field Delay Lab reads',
    ]);
  });

  it('suggests only near keys', () => {
    expect(nearestKey('optimiser', ['optimizer', 'loss'])).toBe('optimizer');
    expect(nearestKey('xyz', ['optimizer', 'loss'])).toBeNull();
  });
});

describe('describe', () => {
  it('says that Infinity and NaN are not finite numbers (JSON would print null)', () => {
    expect(describeValue(JSON.parse('1e999'))).toBe('Infinity (not a finite number)');
    expect(describeValue(Number.NaN)).toBe('NaN (not a finite number)');
    expect(describeValue(3)).toBe('3');
  });
});
