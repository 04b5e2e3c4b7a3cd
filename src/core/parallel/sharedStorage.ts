import type { ExperimentConfig } from '../experiment.ts';
import type { LayerStorage } from '../synapses/delayLayer.ts';
import type { Precision, RealArray } from '../tensor.ts';
import type { AdamMoments } from '../train/adam.ts';
import type { LayerMoments } from '../train/shardedUpdate.ts';
import type { Trainer } from '../trainer.ts';

/** SharedArrayBuffers behind one replica's layer arrays; transferable to a worker thread. */
export interface SharedLayerBuffers {
  weights: SharedArrayBuffer;
  delays: SharedArrayBuffer;
  gradWeights: SharedArrayBuffer;
  gradDelays: SharedArrayBuffer;
  /** A compact RigL layer's dormant gradients, one per possible synapse; else null. */
  dormantGradWeights: SharedArrayBuffer | null;
}

/**
 * Shared arrays for each layer's parameters and gradients: one value per stored synapse (the
 * `structure`'s entries where a layer is compact, else every possible synapse).
 */
export function allocateShared(
  config: ExperimentConfig,
  precision: Precision,
  structure: (Int32Array | null)[],
): SharedLayerBuffers[] {
  const bytes = precision === 'f64' ? 8 : 4;
  let fanIn = config.network.inputs;
  return config.network.layers.map((layer, l) => {
    const size = (structure[l]?.length ?? fanIn * layer.size) * bytes;
    const dormant = structure[l] && layer.rewiring?.regrowth === 'gradient' ? fanIn * layer.size * bytes : 0;
    fanIn = layer.size;
    return {
      weights: new SharedArrayBuffer(size),
      delays: new SharedArrayBuffer(size),
      gradWeights: new SharedArrayBuffer(size),
      gradDelays: new SharedArrayBuffer(size),
      dormantGradWeights: dormant > 0 ? new SharedArrayBuffer(dormant) : null,
    };
  });
}

export function viewShared(buffers: SharedLayerBuffers[], precision: Precision): LayerStorage[] {
  const view = (b: SharedArrayBuffer): RealArray =>
    precision === 'f64' ? new Float64Array(b) : new Float32Array(b);
  return buffers.map((b) => ({
    weights: view(b.weights),
    delays: view(b.delays),
    gradWeights: view(b.gradWeights),
    gradDelays: view(b.gradDelays),
    ...(b.dormantGradWeights ? { dormantGradWeights: view(b.dormantGradWeights) } : {}),
  }));
}

/**
 * Each compact layer's synapse list in shared memory: rewiring (main thread) rewrites a rewired
 * layer's in place, and the gradient threads must read the current one.
 */
export function sharedStructure(structure: (Int32Array | null)[]): (Int32Array | null)[] {
  return structure.map((index) => {
    if (!index) return null;
    const shared = new Int32Array(new SharedArrayBuffer(Math.max(4, index.byteLength)), 0, index.length);
    shared.set(index);
    return shared;
  });
}

/** One optimiser's moments in shared memory (views of them: see momentViews), with its index list. */
export interface SharedMoments {
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  vMax: SharedArrayBuffer | null;
  indices: Int32Array | null;
}

/** Moves the trainer's optimiser moments into shared memory; returns them per layer and tensor. */
export function shareMoments(
  model: Trainer,
): { weights: SharedMoments | null; delays: SharedMoments | null }[] {
  const moments = model.shareMoments(
    (length) => new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * length)), 0, length),
  );
  const buffers = (a: AdamMoments | null): SharedMoments | null =>
    a && {
      m: a.m.buffer as SharedArrayBuffer,
      v: a.v.buffer as SharedArrayBuffer,
      vMax: a.vMax ? (a.vMax.buffer as SharedArrayBuffer) : null,
      indices: a.indices,
    };
  return moments.map((l) => ({ weights: buffers(l.weights), delays: buffers(l.delays) }));
}

/** A worker thread's views of shared moments (the same arrays the main trainer steps). */
export function momentViews(
  shared: { weights: SharedMoments | null; delays: SharedMoments | null }[],
): LayerMoments[] {
  const views = (s: SharedMoments | null): AdamMoments | null =>
    s && {
      m: new Float64Array(s.m),
      v: new Float64Array(s.v),
      vMax: s.vMax ? new Float64Array(s.vMax) : null,
      indices: s.indices,
    };
  return shared.map((l) => ({ weights: views(l.weights), delays: views(l.delays) }));
}
