import {
  DELAY_INITS,
  DELAY_ROUNDINGS,
  HARDWARE_BACKWARDS,
  LAYER_STORAGES,
  KERNEL_MODES,
  LIF_RESETS,
  NEURON_MODELS,
  REFRACTORY_KERNELS,
  REGROWTHS,
  SURROGATES,
  WEIGHT_INITS,
} from '../options.ts';
import type { SurrogateConfig } from '../neurons/surrogates.ts';
import type { RewiringConfig } from '../structure/rewiring.ts';
import { delayRange, type DelayKernelConfig } from '../synapses/kernels.ts';
import type { ConfigPath } from './problems.ts';
import type { Reader } from './reader.ts';
import type { DelayInit, LayerConfig, NeuronConfig, WeightInit } from './types.ts';

/** Reads one layer of `config.network.layers` (at `path`), for a network of `timeSteps` steps. */
export function readLayer(r: Reader, v: unknown, path: ConfigPath, timeSteps: number): LayerConfig {
  const o = r.obj(v, path);
  const kernel = readKernel(r, o['kernel'], [...path, 'kernel'], timeSteps);
  const delayInitPath = [...path, 'delayInit'];
  const delayInit = readDelayInit(r, o['delayInit'], delayInitPath);
  const layer: LayerConfig = {
    size: r.num(o, 'size', path, { int: true, min: 1, max: 1_000_000 }),
    neuron: readNeuron(r, o['neuron'], [...path, 'neuron']),
    kernel,
    trainWeights: r.bool(o, 'trainWeights', path),
    trainDelays: r.bool(o, 'trainDelays', path),
    weightInit: readWeightInit(r, o['weightInit'], [...path, 'weightInit']),
    delayInit,
    connectivity: r.num(o, 'connectivity', path, { gt: 0, max: 1 }),
    rewiring:
      o['rewiring'] === undefined || o['rewiring'] === null
        ? null
        : readRewiring(r, o['rewiring'], [...path, 'rewiring']),
    ...(o['storage'] === undefined ? {} : { storage: r.oneOf(o, 'storage', path, LAYER_STORAGES) }),
  };
  if (layer.rewiring && layer.connectivity >= 1)
    r.report(
      [...path, 'connectivity'],
      'cross-field',
      'rewiring keeps a fixed share of synapses active: it must be below 1',
    );
  // After the layer's own fields, as problems have always been listed in this order (the
  // share-link decoder reports what it drops in the order it finds it).
  if (delayInit.kind === 'uniform' && delayInit.low > delayInit.high) {
    r.report(delayInitPath, 'cross-field', `low (${delayInit.low}) must not exceed high (${delayInit.high})`);
  }
  const range = delayRange(kernel.maxDelay);
  const values =
    delayInit.kind === 'uniform'
      ? [delayInit.low, delayInit.high]
      : delayInit.kind === 'values'
        ? delayInit.values
        : [delayInit.value];
  if (values.some((d) => d < range.min || d > range.max)) {
    r.report(delayInitPath, 'range', `delays must lie in [${range.min}, kernel.maxDelay - 1 = ${range.max}]`);
  }
  return layer;
}

function readRewiring(r: Reader, v: unknown, path: ConfigPath): RewiringConfig {
  const o = r.obj(v, path);
  return {
    regrowth: r.oneOf(o, 'regrowth', path, REGROWTHS),
    dale: r.bool(o, 'dale', path),
    l1: r.num(o, 'l1', path, { min: 0 }),
    temperature: r.num(o, 'temperature', path, { min: 0 }),
  };
}

function readKernel(r: Reader, v: unknown, path: ConfigPath, timeSteps: number): DelayKernelConfig {
  const k = r.obj(v, path);
  return {
    mode: r.oneOf(k, 'mode', path, KERNEL_MODES),
    maxDelay: r.num(k, 'maxDelay', path, { int: true, min: 1, max: Math.max(1, timeSteps) }),
    rounding: r.oneOf(k, 'rounding', path, DELAY_ROUNDINGS),
    hardwareBackward: r.oneOf(k, 'hardwareBackward', path, HARDWARE_BACKWARDS),
  };
}

function readDelayInit(r: Reader, v: unknown, path: ConfigPath): DelayInit {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, DELAY_INITS);
  if (kind === 'constant') return { kind, value: r.num(o, 'value', path) };
  if (kind === 'values') return { kind, values: r.numArray(o, 'values', path) };
  return { kind, low: r.num(o, 'low', path), high: r.num(o, 'high', path) };
}

function readWeightInit(r: Reader, v: unknown, path: ConfigPath): WeightInit {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, WEIGHT_INITS);
  if (kind === 'uniform') {
    const init = { kind, low: r.num(o, 'low', path), high: r.num(o, 'high', path) };
    if (init.low > init.high)
      r.report(path, 'cross-field', `low (${init.low}) must not exceed high (${init.high})`);
    return init;
  }
  if (kind === 'constant') return { kind, value: r.num(o, 'value', path) };
  return {
    kind,
    mean: r.num(o, 'mean', path),
    std: r.num(o, 'std', path, { min: 0 }),
    scale: r.num(o, 'scale', path),
  };
}

function readSurrogate(r: Reader, v: unknown, path: ConfigPath): SurrogateConfig {
  const o = r.obj(v, path);
  return { kind: r.oneOf(o, 'kind', path, SURROGATES), alpha: r.num(o, 'alpha', path, { gt: 0 }) };
}

function readNeuron(r: Reader, v: unknown, path: ConfigPath): NeuronConfig {
  const o = r.obj(v, path);
  const model = r.oneOf(o, 'model', path, NEURON_MODELS);
  const common = {
    threshold: r.num(o, 'threshold', path, { gt: 0 }),
    spiking: r.bool(o, 'spiking', path),
    surrogate: readSurrogate(r, o['surrogate'], [...path, 'surrogate']),
    detachReset: r.bool(o, 'detachReset', path),
  };
  if (model === 'lif') {
    return {
      model,
      tauMs: r.num(o, 'tauMs', path, { gt: 0 }),
      reset: r.oneOf(o, 'reset', path, LIF_RESETS),
      ...common,
    };
  }
  if (o['refractoryKernel'] === 'alpha' && o['detachReset'] === false)
    r.report(
      [...path, 'refractoryKernel'],
      'cross-field',
      'the alpha refractory kernel needs detachReset: true (its response to the own spikes is not backpropagated)',
    );
  return {
    model,
    tauSynMs: r.num(o, 'tauSynMs', path, { gt: 0 }),
    tauRefMs: r.num(o, 'tauRefMs', path, { gt: 0 }),
    refractoryScale: r.num(o, 'refractoryScale', path, { min: 0 }),
    ...(o['refractoryKernel'] === undefined
      ? {}
      : { refractoryKernel: r.oneOf(o, 'refractoryKernel', path, REFRACTORY_KERNELS) }),
    ...common,
  };
}
