import type { SrmConfig } from '../neurons/srm.ts';

/**
 * The Learn pages' neuron: SLAYER's spike response model with threshold 1 (membranes read in
 * threshold units), synaptic kernel `tauSynMs` (its response peaks that long after a spike
 * arrives), refractory time constant 5 ms, detached resets.
 */
export function teachingSrm(tauSynMs: number): SrmConfig {
  return {
    model: 'srm',
    tauSynMs,
    tauRefMs: 5,
    threshold: 1,
    refractoryScale: 2,
    spiking: true,
    surrogate: { kind: 'slayerExp', alpha: 0.1 },
    detachReset: true,
  };
}
