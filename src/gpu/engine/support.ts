import type { ExperimentConfig } from '../../core/experiment.ts';

/** Why the GPU engine cannot train this config, or null when it can. */
export function gpuUnsupportedReason(config: ExperimentConfig): string | null {
  // EventProp's WGSL kernels (its time-stepped variant) are not written yet: the CPU engine trains it.
  if (config.training.method !== 'bptt')
    return 'the GPU engine trains with BPTT only; EventProp runs on the CPU engine';
  return null;
}
