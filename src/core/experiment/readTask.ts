import { encoderProblems, type EncoderConfig } from '../data/encoders.ts';
import { ENCODERS, TASKS } from '../options.ts';
import type { ConfigPath } from './problems.ts';
import type { Json, Reader } from './reader.ts';
import type { TaskConfig } from './types.ts';

/** Reads `config.task` (at `path`) for a network of `timeSteps` steps. */
export function readTask(r: Reader, v: unknown, path: ConfigPath, timeSteps: number): TaskConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, TASKS);
  switch (kind) {
    case 'yinyang': {
      const step = (key: string): number =>
        r.num(o, key, path, { int: true, min: 0, max: Math.max(0, timeSteps - 1) });
      const task = {
        kind,
        trainSamples: r.num(o, 'trainSamples', path, { int: true, min: 1, max: 10_000_000 }),
        testSamples: r.num(o, 'testSamples', path, { int: true, min: 0, max: 10_000_000 }),
        firstStep: step('firstStep'),
        lastStep: step('lastStep'),
        biasStep: step('biasStep'),
      };
      if (task.firstStep > task.lastStep)
        r.report(path, 'cross-field', 'firstStep must not come after lastStep');
      return task;
    }
    case 'images':
      return {
        kind,
        dataset: r.str(o, 'dataset', path),
        encoder: readEncoder(r, o['encoder'], [...path, 'encoder'], timeSteps),
        trainLimit: readLimit(r, o, 'trainLimit', path),
        testLimit: readLimit(r, o, 'testLimit', path),
      };
    case 'events':
      return {
        kind,
        dataset: r.str(o, 'dataset', path),
        pool: r.num(o, 'pool', path, { int: true, min: 1, max: 65_536 }),
        trainLimit: readLimit(r, o, 'trainLimit', path),
        testLimit: readLimit(r, o, 'testLimit', path),
      };
    case 'toy':
      return {
        kind,
        inputTimes: r.numArray(o, 'inputTimes', path),
        targetTimes: r.numArray(o, 'targetTimes', path),
      };
    case 'patterns':
      return {
        kind,
        classes: r.num(o, 'classes', path, { int: true, min: 2 }),
        samplesPerClass: r.num(o, 'samplesPerClass', path, { int: true, min: 1 }),
        testSamplesPerClass: r.num(o, 'testSamplesPerClass', path, { int: true, min: 1 }),
        spikesPerPattern: r.num(o, 'spikesPerPattern', path, { int: true, min: 1 }),
        jitterSteps: r.num(o, 'jitterSteps', path, { min: 0 }),
        noiseRate: r.num(o, 'noiseRate', path, { min: 0, max: 1 }),
      };
    case 'randomSpikes':
      return {
        kind,
        samples: r.num(o, 'samples', path, { int: true, min: 1 }),
        classes: r.num(o, 'classes', path, { int: true, min: 2 }),
        rate: r.num(o, 'rate', path, { min: 0, max: 1 }),
        firstStepOnly: r.bool(o, 'firstStepOnly', path),
      };
  }
}

/** A sample limit: a whole number of samples, or null for all of them. */
function readLimit(r: Reader, o: Json, key: string, path: ConfigPath): number | null {
  return r.nullableNum(o, key, path, { int: true, min: 1 });
}

function readEncoder(r: Reader, v: unknown, path: ConfigPath, timeSteps: number): EncoderConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, ENCODERS);
  const enc: EncoderConfig =
    kind === 'threshold'
      ? { kind, threshold: r.num(o, 'threshold', path), step: r.num(o, 'step', path) }
      : kind === 'latency'
        ? {
            kind,
            firstStep: r.num(o, 'firstStep', path),
            lastStep: r.num(o, 'lastStep', path),
            cutoff: r.num(o, 'cutoff', path),
          }
        : kind === 'intensityBins'
          ? { kind, bins: r.num(o, 'bins', path) }
          : { kind, maxProbability: r.num(o, 'maxProbability', path) };
  // encoderProblems words the encoder's rules (the encoder itself checks them again when it
  // runs); they are reported at the encoder as a whole, since its messages name the field.
  for (const p of encoderProblems(enc, timeSteps)) r.report(path, p.code, p.message);
  return enc;
}
