import type { SpikeDataset } from '../core/data/tasks.ts';
import type { ReplicaRequest } from '../core/dataParallel.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { CpuKernels } from '../wasm/install.ts';

/** Training Worker -> gradient Worker. */
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
  /**
   * Gradients of a part of a batch on these parameters (float32 copies, transferred) and each
   * layer's current connectivity mask (null when dense): rewiring changes masks between steps.
   */
  | ({
      type: 'step';
      parameters: {
        weights: Float32Array;
        delays: Float32Array;
        mask: Uint8Array | null;
        /** A compact rewired layer's current synapses (rewiring rewrites them); else null. */
        synapses: Int32Array | null;
      }[];
    } & ReplicaRequest);

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
  | { type: 'error'; message: string };
