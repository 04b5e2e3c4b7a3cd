import { describe, expect, it, vi } from 'vitest';
import { PRESETS } from './presets.ts';
import { Rng } from './rng.ts';
import { randomEdit } from './shareLink/randomEdits.ts';
import { COMPACT_LINK_VERSION, decodeShareLink } from './shareLink.ts';
import type * as Validate from './experiment/validate.ts';

/**
 * The share-link decoder acts on config problems by their path and code only: with every
 * validator message reworded (and no path left in the text), it opens the same experiments.
 */
const rewording = vi.hoisted(() => ({ on: false }));

vi.mock('./experiment/validate.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Validate>();
  const { ConfigError } = await import('./experiment/problems.ts');
  return {
    validateExperiment: (value: unknown) => {
      try {
        return real.validateExperiment(value);
      } catch (e) {
        if (!rewording.on || !(e instanceof ConfigError)) throw e;
        throw new ConfigError(
          e.problems.map((p, i) => ({ ...p, message: `reworded problem ${i} (${p.code})` })),
        );
      }
    },
  };
});

function handLink(base: string, settings: unknown): string {
  return `#x=${COMPACT_LINK_VERSION}.${base}..${Buffer.from(JSON.stringify(settings)).toString('base64url')}`;
}

function decodeBothWays(
  link: string,
): [ReturnType<typeof decodeShareLink>, ReturnType<typeof decodeShareLink>] {
  rewording.on = false;
  const plain = decodeShareLink(link);
  rewording.on = true;
  try {
    return [plain, decodeShareLink(link)];
  } finally {
    rewording.on = false;
  }
}

describe('share links go by problem paths, not messages', () => {
  it('a hand-edited link opens the same with reworded messages, and says what it dropped in the new words', () => {
    const link = handLink('toy', {
      seed: 9,
      network: { timeSteps: -4, wires: 3 },
      training: { epochs: 'many', batchSize: 2 },
    });
    const [plain, reworded] = decodeBothWays(link);
    expect(reworded.config).toEqual(plain.config);
    expect(plain.ignored[0]).toMatch(/^config\.network\.timeSteps: must be >= 1/);
    expect(reworded.ignored).toEqual([
      expect.stringMatching(
        /^reworded problem \d+ \(range\); ignored the link's value and kept the 'toy' preset's value$/,
      ),
      expect.stringMatching(
        /^reworded problem \d+ \(type\); ignored the link's value and kept the 'toy' preset's value$/,
      ),
      'config.network.wires: not a setting this Delay Lab knows; ignored',
    ]);
  });

  it('clashing fields and objects of another kind are dropped the same way', () => {
    const toyLayer = PRESETS['toy']!.network.layers[0]!;
    const links = [
      handLink('toy', { seed: 3, network: { timeSteps: 20 } }),
      handLink('patterns', { task: { classes: 4, jitterSteps: 2 } }),
      handLink('toy', {
        network: { timeSteps: 20, layers: [{ ...toyLayer, kernel: { ...toyLayer.kernel, maxDelay: 30 } }] },
      }),
      handLink('toy', { seed: 5, task: { kind: 'patterns', classes: -1 } }),
    ];
    for (const link of links) {
      const [plain, reworded] = decodeBothWays(link);
      expect(reworded.config).toEqual(plain.config);
      expect(reworded.base).toBe(plain.base);
      expect(reworded.ignored).toHaveLength(plain.ignored.length);
    }
  });

  it('randomly damaged links open the same experiments whatever the messages say', () => {
    const rng = new Rng(7);
    const junk: unknown[] = [-1, 0, 2.5, 1e9, 'x', true, null, [], {}, { kind: 'nope' }];
    for (const name of ['toy', 'patterns', 'yinyang', 'mnist-small']) {
      const preset = PRESETS[name]!;
      const fields: string[][] = [];
      const walk = (o: unknown, path: string[]): void => {
        if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
        for (const [k, v] of Object.entries(o)) {
          fields.push([...path, k]);
          walk(v, [...path, k]);
        }
      };
      walk(preset, []);
      for (let trial = 0; trial < 25; trial++) {
        const change = randomEdit(fields, junk, rng);
        const [plain, reworded] = decodeBothWays(handLink(name, change));
        expect(reworded.config, JSON.stringify(change)).toEqual(plain.config);
        expect(reworded.ignored).toHaveLength(plain.ignored.length);
      }
    }
  });
});
