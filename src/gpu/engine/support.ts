import type { ExperimentConfig } from '../../core/experiment.ts';

/** Why the GPU engine cannot train this config, or null when it can. */
export function gpuUnsupportedReason(config: ExperimentConfig): string | null {
  // Fixed connectivity masks train on the GPU; a mask that changes every step does not yet.
  if (config.network.layers.some((l) => l.rewiring))
    return 'the GPU engine does not rewire synapses (DEEP R / RigL) yet; rewired networks train on the CPU engine';
  // EventProp's WGSL kernels (its time-stepped variant) are not written yet: the CPU engine trains it.
  if (config.training.method !== 'bptt')
    return 'the GPU engine trains with BPTT only; EventProp runs on the CPU engine';
  return null;
}
