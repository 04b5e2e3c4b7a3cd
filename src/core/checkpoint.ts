import { decodeBundle, encodeBundle, type TypedArray } from './bundle.ts';
import { validateExperiment, ConfigError, type ExperimentConfig } from './experiment.ts';
import type { RngState } from './rng.ts';
import type { EpochRecord } from './runRecord.ts';
import {
  type AdamSnapshot,
  type LayerState,
  type StructureSnapshot,
  type Trainer,
  type TrainerState,
} from './trainer.ts';

/**
 * A training checkpoint (CLI `--out` folder, playground runs): the experiment config, the
 * trainer's resumable state, the per-epoch history and the best-validation parameters, in a
 * bundle with magic "DLCK". Bump the version when the layout changes.
 *
 * Version 2 adds the best model's kernel width (sigma) and the loss sum of an epoch the
 * checkpoint was taken in; version 1 files are still read (both then null). Version 4 adds every
 * step's loss and the last epoch's predictions on the view split, so a reopened run shows its
 * loss curve and confusion matrix again (null in older files). Version 5 adds a rewired layer's
 * structure (its mask, the synapses' signs and the rewiring generator), without which a resumed
 * run would fall back to the seed's starting mask. Version 6 stores per-synapse arrays in float32
 * where that loses nothing (a float32 run's parameters and moments) and, for a layer where few
 * synapses are nonzero (a masked or rewired one), stores its weights, Adam moments and best
 * weights only at those synapses (`<layer>.active`: the indices, ascending; `<name>.active`: the
 * values): a sparse run's checkpoint grows with its active synapses. Both are exact: an array
 * is stored compact only when it is 0 everywhere else, and in float32 only when every value is.
 * Version 7 stores a compact layer's state (see DelayLayer's synapseIndex) as it is held: its
 * delays too only at its synapses (`<layer>.delays.active`), and reads it back compact, so
 * neither writing nor reading a sparse run's checkpoint makes arrays over every possible synapse;
 * a rewired layer's best copy, taken under an earlier structure, has its own list
 * (`best.<layer>.own`). A rewired layer keeps the seed of its signs and birth delays
 * (`rewiringSeed`) instead of an array of signs; older files' signs are still read and used.
 * Version 8 adds AMSGrad's running maximum of each optimiser's second moment
 * (`<layer>.<group>.vMax`, stored as m and v are), only for runs that use AMSGrad; a file
 * without it resumes with the maximum starting again from v.
 */
export const CHECKPOINT_VERSION = 8;
const OLDEST_READABLE_VERSION = 1;
/** Version 3 added the trailing CRC-32: a checkpoint damaged after writing is refused, not resumed. */
const CHECKSUM_FROM_VERSION = 3;
const MAGIC = 'DLCK';

export interface BestParameters {
  epoch: number;
  validationAccuracy: number;
  /**
   * The Gaussian kernel std (time steps) the best model was evaluated with: evaluation depends
   * on it, and the schedule moves it on after the best epoch. Null in version 1 checkpoints (the
   * run loop then takes the schedule's value at the end of that epoch).
   */
  sigma: number | null;
  layers: LayerParameters[];
}

/**
 * One layer's weights and delays: over every possible synapse (index q = i * outputs + j), or,
 * with `synapses`, compact (entry e is synapse synapses[e]; the others are absent).
 */
export interface LayerParameters {
  weights: Float64Array;
  delays: Float64Array;
  synapses?: Int32Array;
}

/** A copy of a trainer's current weights and delays (the best-validation snapshot), compact where the layer is. */
export function copyParameters(trainer: Trainer): BestParameters['layers'] {
  return trainer.net.synapses.map((s) => ({
    weights: Float64Array.from(s.weights),
    delays: Float64Array.from(s.delays),
    // A copy: a rewired layer's list changes after every step.
    ...(s.synapseIndex ? { synapses: Int32Array.from(s.synapseIndex) } : {}),
  }));
}

/** Parameters over all `possible` synapses (a compact copy expanded, absent synapses at 0). */
export function denseParameters<T extends ArrayLike<number>>(
  p: { weights: T; delays: T; synapses?: Int32Array },
  possible: number,
): { weights: T | Float64Array; delays: T | Float64Array } {
  const index = p.synapses;
  if (!index) return { weights: p.weights, delays: p.delays };
  const weights = new Float64Array(possible);
  const delays = new Float64Array(possible);
  index.forEach((q, e) => {
    weights[q] = p.weights[e]!;
    delays[q] = p.delays[e]!;
  });
  return { weights, delays };
}

export interface Checkpoint {
  config: ExperimentConfig;
  /** Name of the loaded data set it trained on (null for generated tasks). */
  dataset: string | null;
  state: TrainerState;
  history: EpochRecord[];
  best: BestParameters | null;
  /**
   * Sum over the steps already trained in the epoch under way of (mean batch loss x batch size);
   * 0 between epochs, null where unknown (version 1).
   */
  epochLossSum: number | null;
  /** Mean batch loss of every step trained so far, from step 0 (null before version 4). */
  stepLosses: Float32Array | null;
  /**
   * The last closed epoch's predicted classes (-1: no output spike) on the split the views show,
   * in that split's order (null before version 4 or before the first epoch).
   */
  viewPredictions: { epoch: number; classes: Int32Array } | null;
}

interface LayerHeader {
  adamWeightsStep: number | null;
  adamDelaysStep: number | null;
  /** A rewired layer's generator state (its mask and signs are arrays); absent before version 5. */
  rewiringRng?: RngState | null;
  /** A rewired layer's seed of signs and birth delays (version 7; before, signs were an array). */
  rewiringSeed?: number | null;
}

/**
 * Per-synapse arrays of one layer into `arrays`: each in float32 when that is exact, and those
 * in `compactable` (zero at absent synapses: weights, moments, best weights) only at the layer's
 * nonzero synapses when they are at most half of them.
 */
function putSynapseArrays(
  arrays: Record<string, TypedArray>,
  layer: number,
  dense: Record<string, ArrayLike<number>>,
  compactable: Record<string, ArrayLike<number>>,
): void {
  const all = Object.values(compactable);
  const n = all[0]?.length ?? 0;
  const nonzero: number[] = [];
  // -0 counts as a value (ternary initialisation makes some): it must come back as -0.
  for (let q = 0; q < n; q++) if (all.some((a) => a[q] !== 0 || Object.is(a[q], -0))) nonzero.push(q);
  const compact = all.length > 0 && nonzero.length <= n / 2;
  if (compact) arrays[`${layer}.active`] = Uint32Array.from(nonzero);
  for (const [name, values] of Object.entries(dense)) arrays[name] = narrowest(values);
  for (const [name, values] of Object.entries(compactable))
    if (compact) arrays[`${name}.active`] = narrowest(nonzero.map((q) => values[q]!));
    else arrays[name] = narrowest(values);
}

/**
 * The delays of a saved layer's existing synapses: a compact layer's own, a rewired one's under
 * its mask, a fixed-mask dense one's where the weight is not 0 (its mask is not saved; a weight
 * of exactly 0 is rare but hides an existing synapse too), or every synapse's.
 */
export function existingDelays(layer: LayerState, connectivity: number): Float64Array {
  if (layer.synapses || connectivity >= 1) return layer.delays;
  const mask = layer.structure?.mask;
  return layer.delays.filter((_, q) => (mask ? mask[q] !== 0 : layer.weights[q] !== 0));
}

/** Possible synapses of layer i of a config (inputs x outputs). */
export function possibleOf(config: ExperimentConfig, i: number): number {
  const layers = config.network.layers;
  return (i === 0 ? config.network.inputs : layers[i - 1]!.size) * layers[i]!.size;
}

/**
 * A best-validation copy of a compact layer, compact: as it is when compact (over the layer's
 * synapses, or over its own: a rewired layer's best model had other synapses), else (a dense
 * copy, from an older checkpoint) over its nonzero weights.
 */
function compactBestOf(best: LayerParameters, layer: Int32Array): LayerParameters & { synapses: Int32Array } {
  if (best.synapses) return { ...best, synapses: best.synapses };
  const kept: number[] = [];
  best.weights.forEach((w, q) => (w !== 0 || Object.is(w, -0)) && kept.push(q));
  // Within the layer's synapses (a fixed layer's always are): stored at those.
  const inLayer = new Set(layer);
  const synapses = kept.every((q) => inLayer.has(q)) ? layer : Int32Array.from(kept);
  return {
    weights: Float64Array.from(synapses, (q) => best.weights[q]!),
    delays: Float64Array.from(synapses, (q) => best.delays[q]!),
    synapses,
  };
}

/** A compact layer's state (and best copy) as held: every array at its synapses only (version 7). */
function putCompactLayer(
  arrays: Record<string, TypedArray>,
  i: number,
  l: LayerState & { synapses: Int32Array },
  best: (LayerParameters & { synapses: Int32Array }) | null,
): LayerHeader {
  arrays[`${i}.active`] = Uint32Array.from(l.synapses);
  const put = (
    name: string,
    values: ArrayLike<number>,
    count = l.synapses.length,
    suffix = 'active',
  ): void => {
    if (values.length !== count)
      throw new RangeError(`checkpoint: ${name} holds ${values.length} values for ${count} synapses`);
    arrays[`${name}.${suffix}`] = narrowest(values);
  };
  put(`${i}.weights`, l.weights);
  put(`${i}.delays`, l.delays);
  for (const [group, a] of [
    ['adamWeights', l.adamWeights],
    ['adamDelays', l.adamDelays],
  ] as const) {
    if (!a) continue;
    put(`${i}.${group}.m`, a.m);
    put(`${i}.${group}.v`, a.v);
    if (a.vMax) put(`${i}.${group}.vMax`, a.vMax);
  }
  if (best) {
    const same =
      best.synapses.length === l.synapses.length && best.synapses.every((q, e) => q === l.synapses[e]);
    if (same) {
      put(`best.${i}.weights`, best.weights);
      put(`best.${i}.delays`, best.delays);
    } else {
      // Its own synapses (`best.<layer>.own`), then its values at those.
      const n = best.synapses.length;
      arrays[`best.${i}.own`] = Uint32Array.from(best.synapses);
      put(`best.${i}.weights`, best.weights, n, 'own');
      put(`best.${i}.delays`, best.delays, n, 'own');
    }
  }
  return {
    adamWeightsStep: l.adamWeights?.step ?? null,
    adamDelaysStep: l.adamDelays?.step ?? null,
    rewiringRng: l.structure?.rng ?? null,
    rewiringSeed: l.structure?.seed ?? null,
  };
}

/** Float32 when every value is one (exactly), else float64. */
function narrowest(values: ArrayLike<number>): Float32Array | Float64Array {
  const f32 = Float32Array.from(values);
  for (let q = 0; q < f32.length; q++)
    if (f32[q] !== values[q] && !(Number.isNaN(f32[q]) && Number.isNaN(values[q])))
      return Float64Array.from(values);
  return f32;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: Record<string, TypedArray> = {};
  const layers: LayerHeader[] = c.state.layers.map((given, i) => {
    if (given.synapses) {
      const best = c.best ? compactBestOf(c.best.layers[i]!, given.synapses) : null;
      return putCompactLayer(arrays, i, { ...given, synapses: given.synapses }, best);
    }
    const l = given;
    const compactable: Record<string, ArrayLike<number>> = { [`${i}.weights`]: l.weights };
    for (const [group, a] of [
      ['adamWeights', l.adamWeights],
      ['adamDelays', l.adamDelays],
    ] as const) {
      if (!a) continue;
      compactable[`${i}.${group}.m`] = a.m;
      compactable[`${i}.${group}.v`] = a.v;
      if (a.vMax) compactable[`${i}.${group}.vMax`] = a.vMax;
    }
    const saved = c.best?.layers[i];
    const best = saved ? denseParameters(saved, l.weights.length) : null;
    if (best) compactable[`best.${i}.weights`] = best.weights;
    const dense: Record<string, ArrayLike<number>> = { [`${i}.delays`]: l.delays };
    if (best) dense[`best.${i}.delays`] = best.delays;
    putSynapseArrays(arrays, i, dense, compactable);
    if (l.structure?.mask) arrays[`${i}.mask`] = l.structure.mask;
    // Signs of a run from a format 5-6 checkpoint, as 0 / 2 (sign + 1): the bundle holds unsigned arrays.
    if (l.structure?.signs) arrays[`${i}.signs`] = Uint8Array.from(l.structure.signs, (x) => x + 1);
    return {
      adamWeightsStep: l.adamWeights?.step ?? null,
      adamDelaysStep: l.adamDelays?.step ?? null,
      rewiringRng: l.structure?.rng ?? null,
      rewiringSeed: l.structure?.seed ?? null,
    };
  });
  if (c.stepLosses) arrays['stepLosses'] = c.stepLosses;
  // Stored as class + 1 (0: no output spike), which fits the bundle's unsigned arrays.
  if (c.viewPredictions)
    arrays['viewPredictions'] = Uint32Array.from(c.viewPredictions.classes, (k) => k + 1);
  return encodeBundle(
    MAGIC,
    CHECKPOINT_VERSION,
    {
      config: c.config,
      dataset: c.dataset,
      step: c.state.step,
      epoch: c.state.epoch,
      order: c.state.order,
      layers,
      history: c.history,
      best: c.best
        ? { epoch: c.best.epoch, validationAccuracy: c.best.validationAccuracy, sigma: c.best.sigma }
        : null,
      epochLossSum: c.epochLossSum,
      stepLosses: c.stepLosses !== null,
      viewPredictionsEpoch: c.viewPredictions?.epoch ?? null,
    },
    arrays,
  );
}

/** Parses a checkpoint; a corrupt or foreign file throws DataFormatError naming `file`. */
export function decodeCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  const { header, array, fail, version, typeOf } = decodeBundle(
    bytes,
    MAGIC,
    CHECKPOINT_VERSION,
    file,
    'a Delay Lab checkpoint',
    OLDEST_READABLE_VERSION,
    CHECKSUM_FROM_VERSION,
  );
  let config: ExperimentConfig;
  try {
    config = validateExperiment(header['config']);
  } catch (e) {
    if (e instanceof ConfigError)
      return fail(`holds an invalid config: ${e.problems.map((p) => p.message).join('; ')}`);
    throw e;
  }
  const rngState = (v: unknown, what: string): RngState => {
    const state = v as RngState | undefined;
    return state && Array.isArray(state.words) && state.words.length === 4
      ? state
      : fail(`has a bad ${what}`);
  };
  const int = (v: unknown, what: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`has a bad ${what}`);
  const layersHeader = header['layers'];
  if (!Array.isArray(layersHeader) || layersHeader.length !== config.network.layers.length) {
    return fail('has layers that do not match its config');
  }
  let fanIn = config.network.inputs;
  const sizes = config.network.layers.map((l) => {
    const n = fanIn * l.size;
    fanIn = l.size;
    return n;
  });
  // A per-synapse array as float64: stored dense (float32 or float64), or (version 6) only at
  // the layer's listed synapses, 0 elsewhere.
  const synapses = (layer: number, name: string, n: number): Float64Array => {
    const type = typeOf(name);
    if (type === 'f32') return Float64Array.from(array(name, type, n));
    const compactType = typeOf(`${name}.active`);
    // Dense float64 (every version), or the usual failure: the array is missing or of a bad type.
    if (compactType !== 'f32' && compactType !== 'f64') return array(name, 'f64', n);
    const active = array(`${layer}.active`, 'u32', null, `layer ${layer} active-synapse`);
    const values = array(`${name}.active`, compactType, active.length);
    const out = new Float64Array(n);
    let previous = -1;
    active.forEach((q, k) => {
      if (q <= previous || q >= n) fail(`has a bad active-synapse list in layer ${layer}`);
      previous = q;
      out[q] = values[k]!;
    });
    return out;
  };
  // Version 7: a compact layer, every array at its synapses only, read back compact.
  const compactSynapses = (i: number): Int32Array | null => {
    if (version < 7 || typeOf(`${i}.delays.active`) === null) return null;
    const active = array(`${i}.active`, 'u32', null, `layer ${i} active-synapse`);
    let previous = -1;
    for (const q of active) {
      if (q <= previous || q >= sizes[i]!) fail(`has a bad active-synapse list in layer ${i}`);
      previous = q;
    }
    return Int32Array.from(active);
  };
  const compact = sizes.map((_, i) => compactSynapses(i));
  /** Layer i's array `name`: compact at its synapses (version 7), or over every synapse. */
  const values = (i: number, name: string): Float64Array => {
    const index = compact[i];
    if (!index) return synapses(i, name, sizes[i]!);
    const type = typeOf(`${name}.active`);
    if (type !== 'f32' && type !== 'f64') return fail(`has no ${name} of layer ${i}'s synapses`);
    return Float64Array.from(array(`${name}.active`, type, index.length));
  };
  const adam = (i: number, group: string, step: unknown): AdamSnapshot | null =>
    step === null
      ? null
      : {
          step: int(step, `layer ${i} ${group} step`),
          m: values(i, `${i}.${group}.m`),
          v: values(i, `${i}.${group}.v`),
          // Version 8, AMSGrad runs only: stored dense or at the layer's synapses, as m is.
          ...(version >= 8 && (typeOf(`${i}.${group}.vMax`) ?? typeOf(`${i}.${group}.vMax.active`)) !== null
            ? { vMax: values(i, `${i}.${group}.vMax`) }
            : {}),
        };
  const withSynapses = (i: number): { synapses?: Int32Array } => {
    const index = compact[i];
    return index ? { synapses: index } : {};
  };
  // A rewired layer's structure: its mask (dense storage; a compact layer's synapses are its
  // active list), and its seed (version 7) or stored signs (versions 5-6).
  const structureOf = (i: number, h: LayerHeader): StructureSnapshot => {
    const seed = h.rewiringSeed;
    if (seed !== undefined && seed !== null && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
      fail(`has a bad rewiring seed in layer ${i}`);
    return {
      ...(typeOf(`${i}.mask`) !== null ? { mask: array(`${i}.mask`, 'u8', sizes[i]!) } : {}),
      ...(seed !== undefined && seed !== null ? { seed } : {}),
      ...(typeOf(`${i}.signs`) !== null
        ? {
            signs: Int8Array.from(array(`${i}.signs`, 'u8', sizes[i]!), (x) =>
              x === 0 || x === 2 ? x - 1 : fail(`has a bad sign in layer ${i}`),
            ),
          }
        : {}),
      rng: rngState(h.rewiringRng, `layer ${i} rewiring state`),
    };
  };
  const layers = (layersHeader as LayerHeader[]).map((h, i): LayerState => ({
    ...withSynapses(i),
    weights: values(i, `${i}.weights`),
    delays: values(i, `${i}.delays`),
    adamWeights: adam(i, 'adamWeights', h.adamWeightsStep),
    adamDelays: adam(i, 'adamDelays', h.adamDelaysStep),
    structure: version >= 5 && h.rewiringRng ? structureOf(i, h) : null,
  }));
  const order = rngState(header['order'], 'batch-order state');
  const history = header['history'];
  if (!Array.isArray(history)) return fail('has no history');
  const bestHeader = header['best'] as { epoch: number; validationAccuracy: number; sigma?: unknown } | null;
  const finiteOrNull = (v: unknown, what: string): number | null =>
    v === undefined || v === null
      ? null
      : typeof v === 'number' && Number.isFinite(v)
        ? v
        : fail(`has a bad ${what}`);
  // A compact layer's best copy over its own synapses (version 7: a rewired layer's best model).
  const bestLayer = (i: number): LayerParameters => {
    if (version < 7 || typeOf(`best.${i}.own`) === null)
      return {
        ...withSynapses(i),
        weights: values(i, `best.${i}.weights`),
        delays: values(i, `best.${i}.delays`),
      };
    const own = array(`best.${i}.own`, 'u32', null, `layer ${i} best-model synapse`);
    let previous = -1;
    for (const q of own) {
      if (q <= previous || q >= sizes[i]!) fail(`has a bad best-model synapse list in layer ${i}`);
      previous = q;
    }
    const read = (name: string): Float64Array => {
      const type = typeOf(`${name}.own`);
      if (type !== 'f32' && type !== 'f64') return fail(`has no ${name} of its own synapses`);
      return Float64Array.from(array(`${name}.own`, type, own.length));
    };
    return {
      synapses: Int32Array.from(own),
      weights: read(`best.${i}.weights`),
      delays: read(`best.${i}.delays`),
    };
  };
  const best: BestParameters | null = bestHeader
    ? {
        epoch: int(bestHeader.epoch, 'best epoch'),
        validationAccuracy: Number(bestHeader.validationAccuracy),
        sigma: finiteOrNull(bestHeader.sigma, 'best-model sigma'),
        layers: sizes.map((_, i) => bestLayer(i)),
      }
    : null;
  const dataset = header['dataset'];
  const step = int(header['step'], 'step');
  const stepLosses =
    version >= 4 && header['stepLosses'] === true ? array('stepLosses', 'f32', step, 'step-loss') : null;
  const predictionsEpoch = version >= 4 ? header['viewPredictionsEpoch'] : null;
  const viewPredictions =
    predictionsEpoch === null || predictionsEpoch === undefined
      ? null
      : {
          epoch: int(predictionsEpoch, 'predictions epoch'),
          classes: Int32Array.from(array('viewPredictions', 'u32', null, 'predictions'), (k) => k - 1),
        };
  return {
    config,
    dataset: typeof dataset === 'string' ? dataset : null,
    state: { step, epoch: int(header['epoch'], 'epoch'), order, layers },
    history: history as EpochRecord[],
    best,
    epochLossSum: finiteOrNull(header['epochLossSum'], 'epoch loss sum'),
    stepLosses,
    viewPredictions,
  };
}
