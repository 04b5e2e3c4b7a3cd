import {
  EVENTPROP_LOSSES,
  EVENTPROP_SIMULATIONS,
  LOSSES,
  TRACE_KERNELS,
  LR_SCHEDULES,
  READOUTS,
  SIGMA_SCHEDULES,
  TRAINING_METHODS,
} from '../options.ts';
import type { LossConfig } from '../train/losses.ts';
import type { LrSchedule } from '../train/schedules.ts';
import { ConfigError, configProblem, describe, type ConfigPath } from './problems.ts';
import { readLayer } from './readLayer.ts';
import { readTask } from './readTask.ts';
import { Reader } from './reader.ts';
import {
  EXPERIMENT_VERSION,
  taskClasses,
  type EventPropConfig,
  type EventPropLoss,
  type ExperimentConfig,
  type OptimizerGroup,
} from './types.ts';

/**
 * Checks an untrusted object and returns a typed config, or throws ConfigError listing every
 * problem (each with its path into the config and a code, see problems.ts).
 */
export function validateExperiment(value: unknown): ExperimentConfig {
  const r = new Reader();
  const o = r.obj(value, []);
  if (o['version'] !== EXPERIMENT_VERSION) {
    const v = o['version'];
    const hint = typeof v === 'number' && v > EXPERIMENT_VERSION ? ' (made by a newer Delay Lab)' : '';
    // Nothing else is checked: another version's fields may mean other things.
    throw new ConfigError([
      ...r.problems,
      configProblem(['version'], 'version', `expected ${EXPERIMENT_VERSION}, got ${describe(v)}${hint}`),
    ]);
  }
  const netPath = ['network'];
  const net = r.obj(o['network'], netPath);
  const timeSteps = r.num(net, 'timeSteps', netPath, { int: true, min: 1, max: 100_000 });
  const layersRaw = net['layers'];
  if (!Array.isArray(layersRaw) || layersRaw.length === 0) {
    const code = layersRaw === undefined ? 'required' : Array.isArray(layersRaw) ? 'range' : 'type';
    r.report([...netPath, 'layers'], code, 'expected a non-empty array');
  }
  const layers = (Array.isArray(layersRaw) ? layersRaw : []).map((l, i) =>
    readLayer(r, l, [...netPath, 'layers', i], timeSteps),
  );
  layers.forEach((layer, i) => {
    const inputs = net['inputs'];
    if (typeof inputs !== 'number') return; // reported with the network below
    const fanIn = i === 0 ? inputs : layers[i - 1]!.size;
    const init = layer.delayInit;
    if (init.kind === 'values' && init.values.length !== fanIn * layer.size)
      r.report(
        [...netPath, 'layers', i, 'delayInit', 'values'],
        'cross-field',
        `expected one delay per synapse, ${fanIn} x ${layer.size} = ${fanIn * layer.size}, got ${init.values.length}`,
      );
  });
  const optPath = ['optimizer'];
  const opt = r.obj(o['optimizer'], optPath);
  const group = (key: 'weights' | 'delays'): OptimizerGroup => {
    const path = [...optPath, key];
    const g = r.obj(opt[key], path);
    return {
      lr: r.num(g, 'lr', path, { min: 0 }),
      schedule: readLrSchedule(r, g['schedule'], [...path, 'schedule']),
    };
  };
  const sigPath = ['sigma'];
  const sig = r.obj(o['sigma'], sigPath);
  const trPath = ['training'];
  const tr = r.obj(o['training'], trPath);
  const readout = o['readout'] === null ? null : r.oneOf(o, 'readout', [], READOUTS);
  const config: ExperimentConfig = {
    version: EXPERIMENT_VERSION,
    name: r.str(o, 'name', []),
    description: r.str(o, 'description', []),
    seed: r.num(o, 'seed', [], { int: true, min: 0, max: 0xffffffff }),
    task: readTask(r, o['task'], ['task'], timeSteps),
    network: {
      inputs: r.num(net, 'inputs', netPath, { int: true, min: 1, max: 1_000_000 }),
      timeSteps,
      dtMs: r.num(net, 'dtMs', netPath, { gt: 0 }),
      layers,
    },
    loss: readLoss(r, o['loss'], ['loss']),
    readout,
    optimizer: {
      weights: group('weights'),
      delays: group('delays'),
      beta1: r.num(opt, 'beta1', optPath, { min: 0, max: 0.999999 }),
      beta2: r.num(opt, 'beta2', optPath, { min: 0, max: 0.999999999 }),
      epsilon: r.num(opt, 'epsilon', optPath, { gt: 0 }),
      // Added after version 1 shipped: absent = plain Adam.
      ...(opt['amsgrad'] === undefined ? {} : { amsgrad: r.bool(opt, 'amsgrad', optPath) }),
    },
    sigma: {
      kind: r.oneOf(sig, 'kind', sigPath, SIGMA_SCHEDULES),
      initial: r.nullableNum(sig, 'initial', sigPath, { gt: 0 }),
      final: r.num(sig, 'final', sigPath, { gt: 0 }),
      fraction: r.num(sig, 'fraction', sigPath, { gt: 0, max: 1 }),
    },
    training: {
      epochs: r.num(tr, 'epochs', trPath, { int: true, min: 1, max: 1_000_000 }),
      batchSize: r.num(tr, 'batchSize', trPath, { int: true, min: 1, max: 65_536 }),
      validationFraction: r.num(tr, 'validationFraction', trPath, { min: 0, max: 0.9 }),
      // Added after version 1 shipped: absent = BPTT, the only method there was.
      method: tr['method'] === undefined ? 'bptt' : r.oneOf(tr, 'method', trPath, TRAINING_METHODS),
    },
    eventprop:
      o['eventprop'] === undefined || o['eventprop'] === null
        ? null
        : readEventProp(r, o['eventprop'], ['eventprop']),
  };
  checkTaskFitsNetwork(r, config);
  checkEventProp(r, config);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Problems between fields that are each fine: the task against the network and the loss. */
function checkTaskFitsNetwork(r: Reader, config: ExperimentConfig): void {
  const { task, loss } = config;
  const { inputs, timeSteps, layers } = config.network;
  if (task.kind === 'toy') {
    if (task.inputTimes.length !== inputs) {
      r.report(
        ['task', 'inputTimes'],
        'cross-field',
        `needs one time per input (${inputs}), got ${task.inputTimes.length}`,
      );
    }
    const outputs = layers.at(-1)?.size ?? 0;
    if (task.targetTimes.length !== outputs) {
      r.report(
        ['task', 'targetTimes'],
        'cross-field',
        `needs one time per output (${outputs}), got ${task.targetTimes.length}`,
      );
    }
    for (const t of [...task.inputTimes, ...task.targetTimes]) {
      if (!Number.isInteger(t) || t < 0 || t >= timeSteps)
        r.report(['task'], 'range', `time ${t} is not a step in [0, ${timeSteps - 1}]`);
    }
  } else {
    const classes = taskClasses(task);
    if (classes !== null && layers.length > 0 && layers.at(-1)!.size !== classes) {
      r.report(
        ['network', 'layers', layers.length - 1, 'size'],
        'cross-field',
        `must equal the task's ${classes} classes`,
      );
    }
    if (task.kind === 'yinyang' && inputs !== 5) {
      r.report(
        ['network', 'inputs'],
        'cross-field',
        `the yinyang task has 5 inputs (x, y, 1-x, 1-y, bias), got ${inputs}`,
      );
    }
  }
  if (loss.kind === 'firstSpikeTime' && task.kind !== 'toy') {
    r.report(['loss', 'kind'], 'cross-field', 'firstSpikeTime needs a task with target spike times (toy)');
  }
  if (loss.kind !== 'firstSpikeTime' && task.kind === 'toy' && loss.kind !== 'spikeTime') {
    r.report(
      ['loss', 'kind'],
      'cross-field',
      `${loss.kind} needs class labels; the toy task has target spike times`,
    );
  }
}

function readLrSchedule(r: Reader, v: unknown, path: ConfigPath): LrSchedule {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, LR_SCHEDULES);
  switch (kind) {
    case 'constant':
      return { kind };
    case 'cosine':
      return { kind, minFactor: r.num(o, 'minFactor', path, { min: 0, max: 1 }) };
    case 'oneCycle':
      return {
        kind,
        warmupFraction: r.num(o, 'warmupFraction', path, { min: 0, max: 1 }),
        divFactor: r.num(o, 'divFactor', path, { gt: 0 }),
        finalDivFactor: r.num(o, 'finalDivFactor', path, { gt: 0 }),
      };
  }
}

function readLoss(r: Reader, v: unknown, path: ConfigPath): LossConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, LOSSES);
  switch (kind) {
    case 'ceSumMembrane':
    case 'ceMaxMembrane':
      return { kind };
    case 'spikeCount':
      return {
        kind,
        trueRate: r.num(o, 'trueRate', path, { min: 0, max: 1 }),
        falseRate: r.num(o, 'falseRate', path, { min: 0, max: 1 }),
      };
    case 'spikeTime': {
      const traceTauSteps = r.num(o, 'traceTauSteps', path, { min: 0 });
      const traceKernel =
        o['traceKernel'] === undefined ? undefined : r.oneOf(o, 'traceKernel', path, TRACE_KERNELS);
      if (traceKernel === 'alpha' && !(traceTauSteps > 0))
        r.report([...path, 'traceTauSteps'], 'cross-field', 'the alpha kernel needs a time constant above 0');
      return {
        kind,
        traceTauSteps,
        ...(traceKernel === undefined ? {} : { traceKernel }),
        // Added after version 1 shipped: absent (older files, links, checkpoints) = every step.
        targetSteps:
          o['targetSteps'] === null || o['targetSteps'] === undefined
            ? null
            : r.num(o, 'targetSteps', path, { int: true, min: 1 }),
      };
    }
    case 'firstSpikeTime':
      return {
        kind,
        timeScale: r.num(o, 'timeScale', path, { gt: 0 }),
        silentMargin: r.num(o, 'silentMargin', path, { gt: 0 }),
      };
  }
}

function readEventProp(r: Reader, v: unknown, path: ConfigPath): EventPropConfig {
  const o = r.obj(v, path);
  return {
    tauSynMs: r.num(o, 'tauSynMs', path, { gt: 0 }),
    simulation: r.oneOf(o, 'simulation', path, EVENTPROP_SIMULATIONS),
    loss: readEventPropLoss(r, o['loss'], [...path, 'loss']),
  };
}

function readEventPropLoss(r: Reader, v: unknown, path: ConfigPath): EventPropLoss {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, EVENTPROP_LOSSES);
  switch (kind) {
    case 'firstSpike':
      return {
        kind,
        tau0Ms: r.num(o, 'tau0Ms', path, { gt: 0 }),
        tau1Ms: r.num(o, 'tau1Ms', path, { gt: 0 }),
        alpha: r.num(o, 'alpha', path, { min: 0 }),
        // Absent (configs written before it existed) = no push.
        silentPush: o['silentPush'] === undefined ? 0 : r.num(o, 'silentPush', path, { min: 0 }),
      };
    case 'voltageSum':
    case 'voltageMax':
      return { kind };
  }
}

/**
 * What EventProp's model needs of the network: LIF neurons reset to 0 (the adjoint's jump
 * assumes it), a synaptic time constant apart from each membrane's, spiking hidden layers, and a
 * last layer that spikes for the first-spike loss and is a non-spiking readout for the voltage
 * losses; a task with class labels.
 */
function checkEventProp(r: Reader, config: ExperimentConfig): void {
  if (config.training.method !== 'eventprop') return;
  const ep = config.eventprop;
  if (!ep) {
    r.report(
      ['eventprop'],
      'required',
      "training.method 'eventprop' needs an eventprop section (tauSynMs, simulation, loss)",
    );
    return;
  }
  const layers = config.network.layers;
  layers.forEach((layer, l) => {
    const path = ['network', 'layers', l, 'neuron'];
    const n = layer.neuron;
    if (n.model !== 'lif') {
      r.report(
        [...path, 'model'],
        'cross-field',
        "EventProp's neuron is LIF with a synaptic current; got srm",
      );
      return;
    }
    // One set of neuron constants for the whole network (the exact solver's parameters).
    const first = layers[0]!.neuron;
    if (first.model === 'lif' && l > 0) {
      if (n.tauMs !== first.tauMs)
        r.report(
          [...path, 'tauMs'],
          'cross-field',
          `EventProp needs every layer's tauMs equal to layer 0's (${first.tauMs} ms)`,
        );
      if (n.threshold !== first.threshold)
        r.report(
          [...path, 'threshold'],
          'cross-field',
          `EventProp needs every layer's threshold equal to layer 0's (${first.threshold})`,
        );
    }
    if (n.reset !== 'hard')
      r.report(
        [...path, 'reset'],
        'cross-field',
        'EventProp resets the membrane to 0 after a spike: use hard',
      );
    if (Math.abs(n.tauMs - ep.tauSynMs) < 1e-9 * n.tauMs)
      r.report(
        ['eventprop', 'tauSynMs'],
        'cross-field',
        `must differ from layer ${l}'s tauMs (${n.tauMs} ms)`,
      );
    const last = l === layers.length - 1;
    const readout = ep.loss.kind !== 'firstSpike';
    if (!last && !n.spiking)
      r.report([...path, 'spiking'], 'cross-field', 'hidden layers must spike (EventProp passes spikes on)');
    if (last && n.spiking === readout)
      r.report(
        [...path, 'spiking'],
        'cross-field',
        readout
          ? `the ${ep.loss.kind} loss reads a non-spiking readout: set spiking to false`
          : 'the firstSpike loss reads output spikes: set spiking to true',
      );
  });
  if (config.task.kind === 'toy')
    r.report(
      ['task', 'kind'],
      'cross-field',
      "EventProp's losses need class labels; the toy task has target spike times",
    );
}
