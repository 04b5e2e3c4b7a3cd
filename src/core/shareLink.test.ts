import { describe, expect, it } from 'vitest';
import { validateExperiment, type ExperimentConfig } from './experiment.ts';
import { PRESETS, preset } from './presets.ts';
import { Rng } from './rng.ts';
import { randomEdit } from './shareLink/randomEdits.ts';
import { unflattenSettings } from './shareLink/readable.ts';
import {
  COMPACT_LINK_VERSION,
  decodeShareLink,
  DEFAULT_PRESET,
  encodeShareLink,
  LINK_VERSION,
} from './shareLink.ts';

/** Base64url of a JSON value, as a hand-written link would carry it (no padding). */
function settingsOf(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** A hand-made link over a preset, unchecked (empty check part). */
function handLink(base: string, settings: unknown): string {
  return `#x=${COMPACT_LINK_VERSION}.${base}..${settingsOf(settings)}`;
}

/** The settings of a link, decoded: the readable pairs as an object, or the compact JSON. */
function settingsIn(link: string): unknown {
  if (link.startsWith(`#x=${LINK_VERSION}.`)) {
    const pairs = link
      .split('&')
      .slice(1)
      .filter((p) => !p.startsWith('c=') && !p.startsWith('engine='));
    return unflattenSettings(pairs).change;
  }
  const part = link.split('.')[3];
  if (part === undefined) return {};
  const text = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
}

function expectOpensExactly(config: ExperimentConfig): string {
  const link = encodeShareLink(config);
  const decoded = decodeShareLink(link);
  expect(decoded.ignored).toEqual([]);
  expect(decoded.config).toEqual(config);
  return link;
}

/** The default experiment, opened with exactly one message matching `pattern`. */
function expectDefault(text: string, pattern: RegExp): void {
  const decoded = decodeShareLink(text);
  expect(decoded.base).toBe(DEFAULT_PRESET);
  expect(decoded.config).toEqual(PRESETS[DEFAULT_PRESET]);
  expect(decoded.ignored).toHaveLength(1);
  expect(decoded.ignored[0]).toMatch(pattern);
  expect(decoded.ignored[0]).toMatch(/opened the default experiment$/);
}

describe('share links round trip', () => {
  it.each(Object.keys(PRESETS))('%s opens exactly from a short link', (name) => {
    const link = expectOpensExactly(preset(name)!);
    expect(link.length).toBeLessThan(80);
    expect(link).toMatch(new RegExp(`^#x=${LINK_VERSION}\\.${name}&c=[0-9a-z]+$`));
    expect(decodeShareLink(link).base).toBe(name);
  });

  it('a link with only the seed changed carries just the seed, readably', () => {
    const toy = preset('toy')!;
    toy.seed = 7;
    const link = expectOpensExactly(toy);
    expect(link).toMatch(/^#x=2\.toy&seed=7&c=[0-9a-z]+$/);
    expect(settingsIn(link)).toEqual({ seed: 7 });
  });

  it('one changed field of a list (a hidden layer size, a kernel) is one short setting', () => {
    const patterns = preset('patterns')!;
    patterns.network.layers[0]!.size = 64;
    const link = expectOpensExactly(patterns);
    expect(link).toMatch(/^#x=2\.patterns&network\.layers\.0\.size=64&c=[0-9a-z]+$/);
    const mnist = preset('mnist-small')!;
    mnist.network.layers[0]!.kernel.mode = 'gauss';
    const kernelLink = expectOpensExactly(mnist);
    expect(kernelLink).toMatch(/&network\.layers\.0\.kernel\.mode=gauss&/);
    expect(`https://lab.example/${kernelLink}`.length).toBeLessThan(200);
  });

  it('names the engine when asked, and a long change goes in the compact form', () => {
    const toy = preset('toy')!;
    const link = encodeShareLink(toy, undefined, 'gpu');
    expect(link).toMatch(/^#x=2\.toy&engine=gpu&c=/);
    expect(decodeShareLink(link)).toEqual({ config: toy, ignored: [], base: 'toy', engine: 'gpu' });
    const big = preset('patterns')!;
    big.description = 'x'.repeat(700);
    const compact = expectOpensExactly(big);
    expect(compact).toMatch(/^#x=1\.patterns\.[0-9a-z]+\.[A-Za-z0-9_-]+$/);
  });

  it('edited configs open exactly, carrying only what differs', () => {
    const toy = preset('toy')!;
    toy.seed = 4_000_000_000;
    toy.task = { kind: 'toy', inputTimes: [5, 15, 25], targetTimes: [40, 60] };
    toy.optimizer.delays.lr = 0.125;
    toy.description = 'Ünïcode — 延迟 ✓';
    const link = expectOpensExactly(toy);
    const toyCarried = settingsIn(link) as Record<string, unknown>;
    expect(Object.keys(toyCarried).sort()).toEqual(['description', 'optimizer', 'seed', 'task']);
    expect(toyCarried['description']).toBe(toy.description);
    expect(toyCarried['seed']).toBe(4_000_000_000);
    expect(toyCarried['optimizer']).toEqual({ delays: { lr: 0.125 } });

    // Objects of another kind are given whole; a list of the preset's length, element by element.
    const patterns = preset('patterns')!;
    patterns.sigma = { kind: 'constant', initial: 1.5, final: 0.5, fraction: 1 };
    patterns.loss = { kind: 'spikeCount', trueRate: 0.3, falseRate: 0.02 };
    patterns.readout = 'count';
    patterns.network.layers[0]!.size = 48;
    patterns.optimizer.weights.schedule = {
      kind: 'oneCycle',
      warmupFraction: 0.2,
      divFactor: 10,
      finalDivFactor: 100,
    };
    patterns.optimizer.amsgrad = true;
    const patternsLink = expectOpensExactly(patterns);
    const carried = settingsIn(patternsLink) as Record<string, unknown>;
    expect(carried['sigma']).toEqual(patterns.sigma);
    expect(carried['optimizer']).toMatchObject({ amsgrad: true });
    expect(carried['network']).toEqual({ layers: { '0': { size: 48 } } });

    const authors = preset('delay-only-fashion-authors-code')!;
    if (authors.loss.kind === 'spikeTime') authors.loss.targetSteps = null;
    if (authors.task.kind === 'images') authors.task.trainLimit = 300;
    expectOpensExactly(authors);
    // Back to plain Adam from a preset with AMSGrad.
    authors.optimizer.amsgrad = false;
    expectOpensExactly(authors);
  });

  it('a config whose name is no preset starts from the preset giving the shortest link', () => {
    const mine = preset('yinyang')!;
    mine.name = 'my yin-yang run';
    mine.training.epochs = 3;
    const link = expectOpensExactly(mine);
    expect(decodeShareLink(link).base).toBe('yinyang');
    expect(settingsIn(link)).toEqual({ name: 'my yin-yang run', training: { epochs: 3 } });

    // A task switched to another kind: the link starts from whichever preset is closest.
    const switched = preset('patterns')!;
    switched.name = 'patterns on yin-yang';
    switched.task = {
      kind: 'yinyang',
      trainSamples: 500,
      testSamples: 100,
      firstStep: 0,
      lastStep: 20,
      biasStep: 10,
    };
    switched.network.inputs = 5;
    expectOpensExactly(switched);
  });

  it('a full URL: encoding drops the old query and fragment; decoding finds x among other parameters', () => {
    const toy = preset('toy')!;
    toy.seed = 7;
    const url = encodeShareLink(toy, 'https://lab.example/delay/?tab=chart&x=old#x=1.toy..e30');
    expect(url).toBe(`https://lab.example/delay/${encodeShareLink(toy)}`);
    expect(decodeShareLink(url)).toEqual({ config: toy, ignored: [], base: 'toy', engine: null });
    const fragment = encodeShareLink(toy).slice(1);
    for (const text of [
      fragment,
      `  ${url}\n`,
      `https://lab.example/delay/?x=ignored&tab=2#view=chart&${fragment}&panel=3`,
    ]) {
      expect(decodeShareLink(text).config).toEqual(toy);
      expect(decodeShareLink(text).ignored).toEqual([]);
    }
  });
});

describe('share links that cannot open as made', () => {
  it('a link from a newer Delay Lab opens the default experiment and says so', () => {
    expectDefault('#x=3.toy.abc.e30', /^the link was made by a newer Delay Lab \(link version 3\)/);
    expectDefault('https://lab.example/#x=12.someFuturePreset.q.zzz', /newer Delay Lab \(link version 12\)/);
  });

  it('junk opens the default experiment with a message, never an exception', () => {
    const junk: unknown[] = [
      42,
      null,
      undefined,
      {},
      ['#x=1.toy.'],
      '',
      '#',
      '#x=',
      'hello world',
      '%E0%A4%A',
    ];
    for (const text of junk) {
      const decoded = decodeShareLink(text as string);
      expect(decoded.base).toBe(DEFAULT_PRESET);
      expect(decoded.config).toEqual(PRESETS[DEFAULT_PRESET]);
      expect(decoded.ignored).toHaveLength(1);
    }
    expectDefault('#x=abc.toy..e30', /version 'abc' is not a Delay Lab link version/);
    expectDefault('#x=1.toy', /the link is damaged/);
    expectDefault('#x=1.nosuch..e30', /preset this Delay Lab does not have \('nosuch'\)/);
    expectDefault('#x=1.constructor.', /does not have \('constructor'\)/);
    expectDefault('#x=1.toy..$$$$', /damaged or cut off \(not base64url\)/);
    expectDefault(`#x=1.toy..${settingsOf([1, 2])}`, /settings are a list, not a set of named settings/);
    expectDefault(`#x=1.toy..${settingsOf(7)}`, /settings are a number/);
    expectDefault(`#x=1.toy..${settingsOf(null)}`, /settings are null/);
  });

  it('every cut-off copy of a link opens a valid experiment; none opens a changed one silently', () => {
    const patterns = preset('patterns')!;
    patterns.seed = 11;
    if (patterns.task.kind === 'patterns') patterns.task.samplesPerClass = 40;
    const link = encodeShareLink(patterns);
    for (let cut = 0; cut < link.length; cut++) {
      const decoded = decodeShareLink(link.slice(0, cut));
      expect(() => validateExperiment(decoded.config)).not.toThrow();
      // The check ends the link: a copy cut anywhere says it may not be the experiment shared.
      expect(decoded.ignored.length, link.slice(0, cut)).toBeGreaterThan(0);
    }
    expect(decodeShareLink(link).ignored).toEqual([]);
    // The compact form (version 1) cut inside its settings.
    const compact = `#x=1.patterns.${link.split('&c=')[1]}.${settingsOf({ seed: 11 })}`;
    expectDefault(compact.slice(0, -3), /settings are damaged or cut off/);
  });

  it('a hand-edited link applies its valid fields and lists each dropped one with the reason', () => {
    const decoded = decodeShareLink(
      handLink('toy', {
        seed: 9,
        network: { timeSteps: -4, wires: 3 },
        training: { epochs: 'many', batchSize: 2 },
        colour: 'blue',
        // `kind` only switches objects that have one: here it is an unknown key like any other.
        optimizer: { kind: 'adamw' },
      }),
    );
    const expected = preset('toy')!;
    expected.seed = 9;
    expected.training.batchSize = 2;
    expect(decoded.config).toEqual(expected);
    expect(decoded.base).toBe('toy');
    expect(decoded.ignored).toEqual([
      "config.network.timeSteps: must be >= 1, got -4; ignored the link's value and kept the 'toy' preset's value",
      "config.training.epochs: expected a finite number, got \"many\"; ignored the link's value and kept the 'toy' preset's value",
      'config.network.wires: not a setting this Delay Lab knows; ignored',
      'config.colour: not a setting this Delay Lab knows; ignored',
      'config.optimizer.kind: not a setting this Delay Lab knows; ignored',
    ]);
  });

  it('fields that are fine alone but clash with the rest: the clashing link field is dropped', () => {
    // 20 steps cannot hold the toy's targets (38, 55) or its 50-step delays.
    const decoded = decodeShareLink(handLink('toy', { seed: 3, network: { timeSteps: 20 } }));
    expect(decoded.config.network.timeSteps).toBe(100);
    expect(decoded.config.seed).toBe(3);
    expect(decoded.ignored).toHaveLength(1);
    expect(decoded.ignored[0]).toMatch(/^config\.network\.timeSteps: ignored, it conflicts with the rest/);

    // Four classes on a three-output network: the class count goes, the rest stays.
    const four = decodeShareLink(handLink('patterns', { task: { classes: 4, jitterSteps: 2 } }));
    expect(four.config.task).toMatchObject({ classes: 3, jitterSteps: 2 });
    expect(four.ignored).toEqual([
      expect.stringMatching(/^config\.task\.classes: ignored, it conflicts .*4 classes/),
    ]);

    // A link field that is named by a problem but is not its cause stays (maxDelay 30 fits 100 steps).
    const both = decodeShareLink(
      handLink('toy', {
        network: {
          timeSteps: 20,
          layers: [
            {
              ...PRESETS['toy']!.network.layers[0]!,
              kernel: { ...PRESETS['toy']!.network.layers[0]!.kernel, maxDelay: 30 },
            },
          ],
        },
      }),
    );
    expect(both.config.network.layers[0]!.kernel.maxDelay).toBe(30);
    expect(both.config.network.timeSteps).toBe(100);
  });

  it('an object of another kind with a bad field is dropped whole, with one message', () => {
    const decoded = decodeShareLink(handLink('toy', { seed: 5, task: { kind: 'patterns', classes: -1 } }));
    expect(decoded.config).toEqual({ ...preset('toy')!, seed: 5 });
    expect(decoded.ignored).toHaveLength(1);
    expect(decoded.ignored[0]).toMatch(
      /^config\.task\.classes: must be >= 2.*ignored the link's config\.task/,
    );
  });

  it('a "__proto__" key neither pollutes nor passes', () => {
    const payload = btoa('{"__proto__":{"seed":3},"seed":5}').replace(/=+$/, '');
    const decoded = decodeShareLink(`#x=1.toy..${payload}`);
    expect(decoded.config.seed).toBe(5);
    expect(Object.getPrototypeOf(decoded.config)).toBe(Object.prototype);
    expect(decoded.ignored).toEqual(['config.__proto__: not a setting this Delay Lab knows; ignored']);
  });

  it('a pathologically deep link opens the default with a message instead of throwing', () => {
    const deep = `#x=2.toy&${Array.from({ length: 2000 }, () => 'a').join('.')}=1&c=x`;
    const decoded = decodeShareLink(deep);
    expect(() => validateExperiment(decoded.config)).not.toThrow();
    expect(decoded.ignored.join(' ')).toMatch(/not a setting this Delay Lab knows/);
    let nested: unknown = 1;
    for (let k = 0; k < 3000; k++) nested = { a: nested };
    expect(decodeShareLink(handLink('toy', nested)).ignored).toEqual([
      expect.stringMatching(/nested deeper than any setting/),
    ]);
    // Inherited names are just unknown settings.
    expect(decodeShareLink('#x=2.toy&toString.x=1&c=x').ignored.join(' ')).toMatch(/toString/);
  });

  it('a link whose check does not match (preset or defaults changed since) opens with a warning', () => {
    const toy = preset('toy')!;
    toy.seed = 7;
    const link = encodeShareLink(toy);
    const tampered = link.replace(/&c=[0-9a-z]+$/, '&c=zzzz');
    const decoded = decodeShareLink(tampered);
    expect(decoded.config).toEqual(toy);
    expect(decoded.ignored).toEqual([expect.stringMatching(/differs from the one shared/)]);
    // Edited by hand (seed 7 -> 8): opens, and says it is not the experiment shared.
    const edited = decodeShareLink(link.replace('seed=7', 'seed=8'));
    expect(edited.config.seed).toBe(8);
    expect(edited.ignored).toEqual([expect.stringMatching(/the link was edited/)]);
  });

  it('random damage to a link always yields a valid config, listing what it dropped', () => {
    const rng = new Rng(1);
    const junkValues: unknown[] = [-1, 0, 1e9, 0.5, 'x', true, null, [], [1, 'a'], {}, { kind: 'nope' }];
    const fieldsOf = (o: unknown, path: string[] = []): string[][] =>
      typeof o === 'object' && o !== null && !Array.isArray(o)
        ? Object.entries(o).flatMap(([k, v]) => [[...path, k], ...fieldsOf(v, [...path, k])])
        : [];
    for (const name of ['toy', 'patterns', 'shd', 'delay-only-mnist-authors-code']) {
      const fields = fieldsOf(PRESETS[name]);
      for (let trial = 0; trial < 40; trial++) {
        const change = randomEdit(fields, junkValues, rng);
        const decoded = decodeShareLink(handLink(name, change));
        expect(() => validateExperiment(decoded.config), JSON.stringify(change)).not.toThrow();
        expect(decoded.base).toBe(name);
        for (const line of decoded.ignored)
          expect(line).toMatch(/^(config[.[:]|the link's settings could not)/);
      }
    }
  });
});
