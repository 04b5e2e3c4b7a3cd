import type { SpikeDataset } from '../core/data/tasks.ts';
import type { ReplicaRequest } from '../core/dataParallel.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { SharedReplicaSetup } from '../core/parallel/sharedModel.ts';
import type { GradientReply, GradientRequest } from '../core/parallel/sharedReplicaHost.ts';
import type { CpuKernels } from '../wasm/install.ts';

/**
 * One layer's parameters as the training Worker holds them when it asks (float32 copies,
 * transferred), with its current connectivity mask (null when dense): rewiring changes masks
 * and a compact layer's synapses between steps.
 */
export interface ReplicaParameters {
  weights: Float32Array;
  delays: Float32Array;
  mask: Uint8Array | null;
  /** A compact rewired layer's current synapses (rewiring rewrites them); else null. */
  synapses: Int32Array | null;
}

/**
 * Training Worker -> gradient Worker. The first message sets the Worker up: `init` for a replica
 * that is sent the parameters with every request (ToReplica from then on), `init-shared` for one
 * over shared memory in a cross-origin-isolated page (GradientRequest from then on).
 */
export type ToGradientWorker =
  ToReplica | { type: 'init-shared'; setup: SharedReplicaSetup; kernels: CpuKernels } | GradientRequest;

/** Gradient Worker -> training Worker (GradientReply: a shared-memory replica's answers). */
export type FromGradientWorker = FromReplica | GradientReply;

/** Training Worker -> gradient Worker holding a replica that is sent the parameters. */
export type ToReplica =
  | {
      type: 'init';
      config: ExperimentConfig;
      data: SpikeDataset;
      kernels: CpuKernels;
      /** Per layer, a compact layer's stored synapses (the training Worker's), or null. */
      structure: (Int32Array | null)[];
      /** Per layer, a rewired layer's seed (RigL ranks dormant synapses at its birth delays), or null. */
      rewiringSeeds: (number | null)[];
    }
  /** Gradients of a part of a batch on these parameters. */
  | ({ type: 'step'; parameters: ReplicaParameters[] } & ReplicaRequest)
  /** Forward passes on a share of a split (an evaluation) on these parameters, at this sigma. */
  | {
      type: 'evaluate';
      parameters: ReplicaParameters[];
      indices: number[];
      sigma: number;
      /** Also answer each sample's predicted class (-1: no output spike). */
      predictions: boolean;
    };

/** Gradient Worker -> training Worker. */
export type FromReplica =
  | { type: 'ready' }
  | {
      type: 'gradients';
      loss: number;
      grads: {
        gradWeights: Float32Array;
        gradDelays: Float32Array;
        dormantGradWeights: Float32Array | null;
      }[];
    }
  /** Sums over the share, so the parts add up exactly as one pass would count them. */
  | { type: 'evaluation'; lossSum: number; correct: number; predictions: Int32Array | null }
  | { type: 'error'; message: string };
