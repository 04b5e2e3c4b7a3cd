import type { SpikeDataset } from '../data/tasks.ts';
import type { ExperimentConfig } from '../experiment.ts';
import type { Precision } from '../tensor.ts';
import { initialStructure, Trainer, type TrainerState } from '../trainer.ts';
import {
  allocateShared,
  shareMoments,
  sharedStructure,
  viewShared,
  type SharedLayerBuffers,
  type SharedMoments,
} from './sharedStorage.ts';

/**
 * What a gradient thread needs to hold a replica over shared memory (sharedReplicaHost.ts):
 * everything here is a SharedArrayBuffer or a view of one, except the config and the data, which
 * the thread gets as a structured-clone copy.
 */
export interface SharedReplicaSetup {
  config: ExperimentConfig;
  precision: Precision;
  /** The main trainer's parameters and gradient sums. */
  shared: SharedLayerBuffers[];
  /** This replica's own gradients. */
  ownGrads: SharedLayerBuffers[];
  data: SpikeDataset;
  /** Each layer's connectivity mask (drawn by the main thread's initialisation), or null. */
  masks: (Uint8Array | null)[];
  /** Each compact layer's stored synapses (the main trainer's, in shared memory), or null. */
  structure: (Int32Array | null)[];
  /** Each rewired layer's seed (RigL's dormant gradients are taken at its birth delays), or null. */
  rewiringSeeds: (number | null)[];
  /** Every replica's gradients (this one's too), for its slice of a sharded step's sum. */
  replicaGrads: SharedLayerBuffers[][];
  /** The main trainer's optimiser moments, for its slice of a sharded step; null: not sharded. */
  moments: { weights: SharedMoments | null; delays: SharedMoments | null }[] | null;
}

export interface SharedModelOptions {
  precision?: Precision;
  epochs?: number;
  scheduleSteps?: number;
  data?: SpikeDataset;
  /** A saved state (from any engine) to start from instead of the seed's initialisation. */
  state?: TrainerState | null;
  /** false: the main thread steps the optimiser alone (the same numbers; for comparisons). */
  shardUpdate?: boolean;
}

/**
 * The main trainer of a data-parallel run over `threads` threads with its parameters, gradients,
 * masks, compact structure and (where the step is split) optimiser moments in shared memory, and
 * the setup of each of its `threads - 1` replicas. Needs SharedArrayBuffer: Node, or a
 * cross-origin-isolated page.
 */
export function shareModel(
  config: ExperimentConfig,
  threads: number,
  options: SharedModelOptions = {},
): { model: Trainer; shardUpdate: boolean; setups: SharedReplicaSetup[] } {
  const { state, shardUpdate: shardWanted, ...trainerOptions } = options;
  const precision = options.precision ?? 'f32';
  // Compact layers' sizes (the seed's draw decides them) before any shared memory is made.
  const structure = sharedStructure(initialStructure(config));
  const shared = allocateShared(config, precision, structure);
  const model = new Trainer(config, {
    ...trainerOptions,
    precision,
    storage: viewShared(shared, precision),
    structure,
  });
  if (state) model.importState(state);
  // Masks in shared memory: rewiring (main thread only) changes them, and every gradient thread
  // must mask with the current ones (a copy would miss regrown synapses).
  const masks = model.net.synapses.map((s) => {
    if (!s.mask) return null;
    const mask = new Uint8Array(new SharedArrayBuffer(s.mask.length));
    mask.set(s.mask);
    s.mask = mask;
    return mask;
  });
  // Every replica's gradients, and the optimiser's moments, in shared memory: each thread sums,
  // checks and steps its slice of every tensor (shardedUpdate.ts); not with rewiring.
  const replicaGrads = Array.from({ length: threads - 1 }, () =>
    allocateShared(config, precision, structure),
  );
  const shardUpdate = shardWanted !== false && threads > 1 && model.updateSliceable;
  const moments = shardUpdate ? shareMoments(model) : null;
  const rewiringSeeds = model.rewiringSeeds();
  // Threads get the built data (a copy), not the config alone: loaded data sets cannot be rebuilt.
  const data = model.data;
  const setups = replicaGrads.map((ownGrads) => ({
    config,
    precision,
    shared,
    ownGrads,
    replicaGrads,
    moments,
    data,
    masks,
    structure,
    rewiringSeeds,
  }));
  return { model, shardUpdate, setups };
}
