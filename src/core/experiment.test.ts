import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EXPERIMENT_VERSION,
  formatConfigPath,
  mergeConfig,
  validateExperiment,
  type ConfigPath,
  type ConfigProblem,
  type ConfigProblemCode,
} from './experiment.ts';
import { preset, PRESETS } from './presets.ts';
import { Trainer } from './trainer.ts';

/** A mutable JSON copy of a preset, as a file or a share link would deliver it. */
function raw(name = 'patterns'): Record<string, unknown> {
  return JSON.parse(JSON.stringify(PRESETS[name])) as Record<string, unknown>;
}

/** Walks a dotted / indexed path ("network.layers[0].kernel") into a raw config. */
function at(obj: Record<string, unknown>, path: string): Record<string, unknown> {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(part)!;
    cur = (cur as Record<string, unknown>)[m[1]!];
    if (m[2] !== undefined) cur = (cur as unknown[])[Number(m[2])];
  }
  return cur as Record<string, unknown>;
}

/** The problems a config is rejected with (fails the test if it is accepted). */
function problems(value: unknown): readonly ConfigProblem[] {
  try {
    validateExperiment(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).name).toBe('ConfigError');
    return (e as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

/** Expects a problem whose path reads `path` (`config.network.layers[0].size`), its message matching `pattern`. */
function expectProblem(value: unknown, path: string, pattern?: RegExp, code?: ConfigProblemCode): void {
  const list = problems(value);
  const hit = list.find((p) => formatConfigPath(p.path) === path);
  expect(hit, `no problem at ${path} in:\n${list.map((p) => p.message).join('\n')}`).toBeDefined();
  if (pattern) expect(hit!.message).toMatch(pattern);
  if (code) expect(hit!.code).toBe(code);
}

describe('presets', () => {
  it.each(Object.keys(PRESETS))('%s validates and survives a JSON round trip unchanged', (name) => {
    const p = PRESETS[name]!;
    expect(p.version).toBe(EXPERIMENT_VERSION);
    expect(p.name).toBe(name);
    const v = validateExperiment(JSON.parse(JSON.stringify(p)));
    expect(v).toEqual(p);
  });

  it('has the documented presets', () => {
    expect(Object.keys(PRESETS).sort()).toEqual([
      'delay-only-fashion',
      'delay-only-fashion-authors-code',
      'delay-only-fashion-ternary',
      'delay-only-fashion-ternary-authors-code',
      'delay-only-mnist',
      'delay-only-mnist-authors-code',
      'eventprop-shd',
      'eventprop-yinyang',
      'eventprop-yinyang-fixed-delays',
      'mnist-bench',
      'mnist-small',
      'patterns',
      'shd',
      'shd-bench',
      'toy',
      'toy-far',
      'weights-only-fashion',
      'weights-only-fashion-authors-code',
      'yinyang',
      'yinyang-fine',
      'yinyang-rewired',
    ]);
    const toy = PRESETS['toy']!;
    expect(toy.task).toEqual({ kind: 'toy', inputTimes: [10, 20, 30], targetTimes: [38, 55] });
    expect(toy.network.layers[0]!.trainWeights).toBe(false);
    expect(toy.network.layers[0]!.trainDelays).toBe(true);
  });

  it('toy-far reaches the report’s far target (step 900) within its 300 steps and stays there', () => {
    const t = new Trainer(preset('toy-far')!, { precision: 'f64' });
    let reached: number | null = null;
    for (let s = 0; s < t.totalSteps; s++) {
      t.trainStep([0]);
      if (t.firstSpikes(0)[0] !== 900) reached = null;
      else reached ??= s + 1;
    }
    expect(reached).not.toBeNull();
    expect(reached!).toBeLessThan(250);
  });

  it('preset() returns a deep copy, and undefined for an unknown name', () => {
    const a = preset('toy')!;
    a.network.layers[0]!.size = 99;
    a.task = { kind: 'toy', inputTimes: [], targetTimes: [] };
    expect(PRESETS['toy']!.network.layers[0]!.size).toBe(2);
    expect(preset('toy')!.network.layers[0]!.size).toBe(2);
    expect(preset('no-such-preset')).toBeUndefined();
  });
});

describe('validateExperiment rejects bad configs with the offending path', () => {
  it('a wrong version, a missing version and a newer version', () => {
    const old = raw();
    old['version'] = 0;
    expectProblem(old, 'config.version', /expected 1, got 0/);
    const none = raw();
    delete none['version'];
    expectProblem(none, 'config.version', /got nothing/);
    const newer = raw();
    newer['version'] = 2;
    expectProblem(newer, 'config.version', /newer Delay Lab/);
    const str = raw();
    str['version'] = '1';
    expectProblem(str, 'config.version');
  });

  it('not an object at all', () => {
    for (const v of [null, 42, 'toy', [], undefined]) expect(problems(v).length).toBeGreaterThan(0);
  });

  it('a negative or fractional layer size', () => {
    const c = raw();
    at(c, 'network.layers[0]')['size'] = -3;
    expectProblem(c, 'config.network.layers[0].size', />= 1/);
    const f = raw();
    at(f, 'network.layers[0]')['size'] = 2.5;
    expectProblem(f, 'config.network.layers[0].size', /integer/);
  });

  it('an unknown kernel mode', () => {
    const c = raw();
    at(c, 'network.layers[1].kernel')['mode'] = 'cubic';
    expectProblem(c, 'config.network.layers[1].kernel.mode', /gauss, lerp, round, hardware.*"cubic"/);
  });

  it('maxDelay larger than timeSteps', () => {
    const c = raw();
    at(c, 'network.layers[0].kernel')['maxDelay'] = 41;
    expectProblem(c, 'config.network.layers[0].kernel.maxDelay', /<= 40/);
  });

  it('delayInit outside [0, Td - 1]', () => {
    const hi = raw();
    at(hi, 'network.layers[0].delayInit')['high'] = 15; // Td = 15
    expectProblem(hi, 'config.network.layers[0].delayInit', /\[0, kernel.maxDelay - 1 = 14\]/);
    const lo = raw();
    at(lo, 'network.layers[1].delayInit')['low'] = -0.5;
    expectProblem(lo, 'config.network.layers[1].delayInit');
    const toy = raw('toy');
    at(toy, 'network.layers[0].delayInit')['value'] = 50; // Td = 50
    expectProblem(toy, 'config.network.layers[0].delayInit');
  });

  it('the alpha refractory kernel needs detached resets', () => {
    const c = raw('delay-only-mnist-authors-code');
    at(c, 'network.layers[0].neuron')['detachReset'] = false;
    expectProblem(c, 'config.network.layers[0].neuron.refractoryKernel', /needs detachReset: true/);
  });

  it('per-synapse delays: one per synapse, each in [0, Td - 1], numbers only', () => {
    const ok = raw('toy'); // 3 inputs x 2 outputs, Td = 50
    at(ok, 'network.layers[0]')['delayInit'] = { kind: 'values', values: [0, 1, 2, 3, 4, 49] };
    expect(validateExperiment(ok).network.layers[0]!.delayInit).toEqual({
      kind: 'values',
      values: [0, 1, 2, 3, 4, 49],
    });
    const short = raw('toy');
    at(short, 'network.layers[0]')['delayInit'] = { kind: 'values', values: [0, 1, 2] };
    expectProblem(
      short,
      'config.network.layers[0].delayInit.values',
      /one delay per synapse, 3 x 2 = 6, got 3/,
    );
    const far = raw('toy');
    at(far, 'network.layers[0]')['delayInit'] = { kind: 'values', values: [0, 1, 2, 3, 4, 50] };
    expectProblem(far, 'config.network.layers[0].delayInit', /\[0, kernel.maxDelay - 1 = 49\]/);
    const text = raw('toy');
    at(text, 'network.layers[0]')['delayInit'] = { kind: 'values', values: [0, 1, 2, 3, 4, 'x'] };
    expectProblem(text, 'config.network.layers[0].delayInit.values', /array of numbers/);
  });

  it('missing fields', () => {
    const seed = raw();
    delete seed['seed'];
    expectProblem(seed, 'config.seed', /got nothing/);
    const net = raw();
    delete net['network'];
    expectProblem(net, 'config.network', /expected an object/);
    const kernel = raw();
    delete at(kernel, 'network.layers[0]')['kernel'];
    expectProblem(kernel, 'config.network.layers[0].kernel', /expected an object/);
    expectProblem(kernel, 'config.network.layers[0].kernel.mode');
    const alpha = raw();
    delete at(alpha, 'network.layers[1].neuron.surrogate')['alpha'];
    expectProblem(alpha, 'config.network.layers[1].neuron.surrogate.alpha');
    const lr = raw();
    delete at(lr, 'optimizer.delays')['lr'];
    expectProblem(lr, 'config.optimizer.delays.lr');
    const readout = raw();
    delete readout['readout'];
    expectProblem(readout, 'config.readout');
    const layers = raw();
    at(layers, 'network')['layers'] = [];
    expectProblem(layers, 'config.network.layers', /non-empty/);
  });

  it('toy inputTimes and targetTimes of the wrong length, and times outside the window', () => {
    const c = raw('toy');
    at(c, 'task')['inputTimes'] = [10, 20];
    expectProblem(c, 'config.task.inputTimes', /one time per input \(3\), got 2/);
    const t = raw('toy');
    at(t, 'task')['targetTimes'] = [38];
    expectProblem(t, 'config.task.targetTimes', /one time per output \(2\), got 1/);
    const w = raw('toy');
    at(w, 'task')['targetTimes'] = [38, 100];
    expectProblem(w, 'config.task', /time 100 is not a step/);
  });

  it('a string instead of a number, and non-finite numbers', () => {
    const c = raw();
    c['seed'] = '0';
    expectProblem(c, 'config.seed', /finite number, got "0"/);
    const ts = raw();
    at(ts, 'network')['dtMs'] = 'fast';
    expectProblem(ts, 'config.network.dtMs');
    const inf = raw();
    at(inf, 'optimizer.weights')['lr'] = Infinity; // e.g. a hand-built object
    expectProblem(inf, 'config.optimizer.weights.lr');
    const arr = raw('toy');
    at(arr, 'task')['inputTimes'] = [10, '20', 30];
    expectProblem(arr, 'config.task.inputTimes', /array of numbers/);
  });

  it('out-of-range values elsewhere', () => {
    const cases: [string, string, unknown, string][] = [
      ['network.layers[0].neuron', 'threshold', 0, 'config.network.layers[0].neuron.threshold'],
      ['network.layers[0].neuron', 'tauMs', -1, 'config.network.layers[0].neuron.tauMs'],
      ['network.layers[0].neuron', 'reset', 'partial', 'config.network.layers[0].neuron.reset'],
      [
        'network.layers[0].neuron.surrogate',
        'kind',
        'relu',
        'config.network.layers[0].neuron.surrogate.kind',
      ],
      ['network.layers[0]', 'connectivity', 0, 'config.network.layers[0].connectivity'],
      ['network.layers[0]', 'connectivity', 1.5, 'config.network.layers[0].connectivity'],
      ['network.layers[0]', 'trainWeights', 'yes', 'config.network.layers[0].trainWeights'],
      ['network.layers[0].kernel', 'rounding', 'ceil', 'config.network.layers[0].kernel.rounding'],
      ['training', 'batchSize', 0, 'config.training.batchSize'],
      ['training', 'validationFraction', 0.95, 'config.training.validationFraction'],
      ['sigma', 'final', 0, 'config.sigma.final'],
      ['sigma', 'fraction', 1.5, 'config.sigma.fraction'],
      ['optimizer', 'beta1', 1, 'config.optimizer.beta1'],
      ['optimizer.weights.schedule', 'minFactor', 2, 'config.optimizer.weights.schedule.minFactor'],
      ['task', 'noiseRate', -0.1, 'config.task.noiseRate'],
      ['task', 'classes', 1, 'config.task.classes'],
    ];
    for (const [objPath, key, value, problemPath] of cases) {
      const c = raw();
      at(c, objPath)[key] = value;
      expectProblem(c, problemPath);
    }
    const seed = raw();
    seed['seed'] = 2 ** 32;
    expectProblem(seed, 'config.seed');
  });

  it('an output layer that does not match the classes, and a loss that does not fit the task', () => {
    const c = raw();
    at(c, 'network.layers[1]')['size'] = 4;
    expectProblem(c, 'config.network.layers[1].size', /the task's 3 classes/);
    const l = raw();
    l['loss'] = { kind: 'firstSpikeTime', timeScale: 1, silentMargin: 1 };
    expectProblem(l, 'config.loss.kind', /toy/);
    const toy = raw('toy');
    toy['loss'] = { kind: 'ceSumMembrane' };
    expectProblem(toy, 'config.loss.kind', /class labels/);
    const toySpikeTime = raw('toy');
    toySpikeTime['loss'] = { kind: 'spikeTime', traceTauSteps: 2, targetSteps: null };
    expect(validateExperiment(toySpikeTime).loss).toEqual({
      kind: 'spikeTime',
      traceTauSteps: 2,
      targetSteps: null,
    });
  });

  it('checks the data tasks: encoders, limits, Yin-Yang steps and inputs', () => {
    for (const name of ['mnist-small', 'yinyang']) expect(validateExperiment(raw(name)).name).toBe(name);
    const enc = raw('mnist-small');
    at(enc, 'task.encoder')['threshold'] = 300;
    expectProblem(enc, 'config.task.encoder', /threshold must be in \[0, 255\)/);
    const step = raw('mnist-small');
    at(step, 'task.encoder')['step'] = 10; // 10 steps: 0..9
    expectProblem(step, 'config.task.encoder', /step must be an integer step in \[0, 9\]/);
    const kind = raw('mnist-small');
    at(kind, 'task')['encoder'] = { kind: 'morse' };
    expectProblem(kind, 'config.task.encoder.kind', /threshold, latency, rate/);
    const limit = raw('mnist-small');
    at(limit, 'task')['trainLimit'] = 0;
    expectProblem(limit, 'config.task.trainLimit', />= 1/);
    const latency = raw('mnist-small');
    at(latency, 'task')['encoder'] = { kind: 'latency', firstStep: 5, lastStep: 2, cutoff: 0 };
    expectProblem(latency, 'config.task.encoder', /must not come after lastStep/);
    const yy = raw('yinyang');
    at(yy, 'task')['lastStep'] = 40; // 40 steps: 0..39
    expectProblem(yy, 'config.task.lastStep', /<= 39/);
    const yyInputs = raw('yinyang');
    at(yyInputs, 'network')['inputs'] = 4;
    expectProblem(yyInputs, 'config.network.inputs', /5 inputs/);
    const ev = raw('mnist-small');
    ev['task'] = { kind: 'events', dataset: 'shd', pool: 0, trainLimit: null, testLimit: null };
    expectProblem(ev, 'config.task.pool', />= 1/);
  });

  it('reports every problem at once', () => {
    const c = raw();
    c['seed'] = -1;
    at(c, 'training')['epochs'] = 0;
    at(c, 'network.layers[0].kernel')['mode'] = 'bogus';
    const list = problems(c);
    expect(list.map((p) => p.path)).toEqual([
      ['network', 'layers', 0, 'kernel', 'mode'],
      ['seed'],
      ['training', 'epochs'],
    ]);
    // The error's message stays readable: a heading, then one problem a line.
    expect(() => validateExperiment(c)).toThrow(
      [
        'invalid experiment config:',
        '  config.network.layers[0].kernel.mode: expected one of gauss, lerp, round, hardware, got "bogus"',
        '  config.seed: must be >= 0, got -1',
        '  config.training.epochs: must be >= 1, got 0',
      ].join('\n'),
    );
  });

  it('accepts a config with a null readout or an explicit one, and an SRM layer', () => {
    const c = raw();
    c['readout'] = 'count';
    expect(validateExperiment(c).readout).toBe('count');
    const s = raw();
    at(s, 'network.layers[0]')['neuron'] = {
      model: 'srm',
      tauSynMs: 2,
      tauRefMs: 2,
      threshold: 1,
      refractoryScale: 2,
      spiking: true,
      surrogate: { kind: 'slayerExp', alpha: 2 },
      detachReset: true,
    };
    expect(validateExperiment(s).network.layers[0]!.neuron.model).toBe('srm');
  });
});

describe('config problems are data', () => {
  /** Broken copies of presets: one or several fields each, of every kind of problem. */
  function brokenConfigs(): Record<string, unknown>[] {
    const edits: [string, (c: Record<string, unknown>) => void][] = [
      ['patterns', (c) => delete c['seed']],
      ['patterns', (c) => (c['network'] = 'big')],
      ['patterns', (c) => (at(c, 'network.layers[0]')['size'] = 2.5)],
      ['patterns', (c) => (at(c, 'network.layers[1].kernel')['mode'] = 'cubic')],
      ['patterns', (c) => (at(c, 'network.layers[0].delayInit')['high'] = 99)],
      ['patterns', (c) => (at(c, 'network.layers[0].delayInit')['low'] = 14.5)],
      ['patterns', (c) => (at(c, 'network')['layers'] = [])],
      ['patterns', (c) => (at(c, 'network')['layers'] = [{}, null])],
      ['patterns', (c) => (c['task'] = { kind: 'toy', inputTimes: [1, 'x'], targetTimes: [999] })],
      ['patterns', (c) => (c['loss'] = { kind: 'firstSpikeTime', timeScale: -1 })],
      ['patterns', (c) => (at(c, 'optimizer.weights')['schedule'] = { kind: 'oneCycle' })],
      ['toy', (c) => (at(c, 'task')['targetTimes'] = [38, 100, 7.5])],
      ['mnist-small', (c) => (at(c, 'task.encoder')['step'] = 99)],
      ['yinyang', (c) => (at(c, 'task')['firstStep'] = 30)],
      ['yinyang', (c) => (at(c, 'network')['inputs'] = 4)],
    ];
    return edits.map(([name, edit]) => {
      const c = raw(name);
      edit(c);
      return c;
    });
  }

  /** Whether `path` leads into `value`: every step but the last exists (the last may be missing). */
  function leadsInto(value: unknown, path: ConfigPath): boolean {
    let cur = value;
    for (const key of path.slice(0, -1)) {
      if (typeof cur !== 'object' || cur === null) return false;
      cur = (cur as Record<string | number, unknown>)[key];
    }
    return path.length === 0 || (typeof cur === 'object' && cur !== null);
  }

  const CODES: ConfigProblemCode[] = [
    'version',
    'required',
    'type',
    'enum',
    'integer',
    'range',
    'cross-field',
    'dataset',
    'unchecked',
  ];

  it('every problem has a path into the config, a known code, and a message that starts with the path', () => {
    const seen = new Set<ConfigProblemCode>();
    for (const c of brokenConfigs()) {
      for (const p of problems(c)) {
        // A field under a missing or mistyped object is not in the config, but then that object
        // has a problem of its own, which explains it.
        const explained = problems(c).some(
          (q) => q.path.length < p.path.length && q.path.every((key, i) => key === p.path[i]),
        );
        expect(leadsInto(c, p.path) || explained, `${p.message} (path ${JSON.stringify(p.path)})`).toBe(true);
        expect(CODES).toContain(p.code);
        expect(p.message.startsWith(`${formatConfigPath(p.path)}: `), p.message).toBe(true);
        seen.add(p.code);
      }
    }
    // The broken configs above cover every code the validator itself gives.
    expect([...seen].sort()).toEqual(['cross-field', 'enum', 'integer', 'range', 'required', 'type']);
  });

  it('codes say what kind of problem it is', () => {
    const missing = raw();
    delete at(missing, 'optimizer.delays')['lr'];
    expectProblem(missing, 'config.optimizer.delays.lr', /got nothing/, 'required');
    const wrongType = raw();
    at(wrongType, 'network')['dtMs'] = 'fast';
    expectProblem(wrongType, 'config.network.dtMs', /finite number/, 'type');
    const choice = raw();
    at(choice, 'network.layers[0].neuron.surrogate')['kind'] = 'relu';
    expectProblem(choice, 'config.network.layers[0].neuron.surrogate.kind', /arctan, fastSigmoid/, 'enum');
    const whole = raw();
    at(whole, 'training')['batchSize'] = 1.5;
    expectProblem(whole, 'config.training.batchSize', /integer/, 'integer');
    const bound = raw();
    at(bound, 'network.layers[0].kernel')['maxDelay'] = 41;
    expectProblem(bound, 'config.network.layers[0].kernel.maxDelay', /<= 40/, 'range');
    const clash = raw();
    at(clash, 'network.layers[1]')['size'] = 4;
    expectProblem(clash, 'config.network.layers[1].size', /3 classes/, 'cross-field');
    const version = raw();
    version['version'] = 2;
    expect(problems(version)).toEqual([
      {
        path: ['version'],
        code: 'version',
        message: 'config.version: expected 1, got 2 (made by a newer Delay Lab)',
      },
    ]);
  });

  it('the delay range rule: initial delays in [0, Td - 1]', () => {
    const edge = raw();
    at(edge, 'network.layers[0].delayInit')['high'] = 14; // Td = 15: the last tap is fine
    expect(() => validateExperiment(edge)).not.toThrow();
    const past = raw();
    at(past, 'network.layers[0].delayInit')['high'] = 14.01;
    expectProblem(past, 'config.network.layers[0].delayInit', /\[0, kernel.maxDelay - 1 = 14\]/, 'range');
  });
});

describe('mergeConfig', () => {
  it('merges objects deeply and replaces arrays and values', () => {
    const base = { a: 1, b: { c: 2, d: [1, 2, 3], e: { f: 'x' } }, g: [{ h: 1 }] };
    const merged = mergeConfig(base, { b: { c: 5, d: [9] }, g: [{ i: 2 }], z: true });
    expect(merged).toEqual({ a: 1, b: { c: 5, d: [9], e: { f: 'x' } }, g: [{ i: 2 }], z: true });
    // The base is not modified.
    expect(base.b.c).toBe(2);
    expect(base.b.d).toEqual([1, 2, 3]);
  });

  it('keeps the base for undefined overrides and lets null or scalars replace objects', () => {
    expect(mergeConfig({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(mergeConfig({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
    expect(mergeConfig({ a: { b: 1 } }, { a: 3 })).toEqual({ a: 3 });
    expect(mergeConfig(3, { a: 1 })).toEqual({ a: 1 });
    expect(mergeConfig({ a: 1 }, { a: undefined })).toEqual({ a: 1 });
  });

  it('an override of a preset validates and changes only what it names', () => {
    const merged = mergeConfig(PRESETS['patterns'], { training: { epochs: 3 }, seed: 7 });
    const v = validateExperiment(merged);
    expect(v.training.epochs).toBe(3);
    expect(v.training.batchSize).toBe(PRESETS['patterns']!.training.batchSize);
    expect(v.seed).toBe(7);
    expect(v.network).toEqual(PRESETS['patterns']!.network);
  });
});

describe('preset lookup', () => {
  it('finds only real presets, not Object.prototype members', () => {
    expect(preset('constructor')).toBeUndefined();
    expect(preset('toString')).toBeUndefined();
    expect(preset('toy')?.name).toBe('toy');
  });
});
