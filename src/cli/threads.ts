import type { ExperimentConfig } from '../core/experiment.ts';

/**
 * Threads for the CPU engine: --threads, capped at the machine's cores (more only adds memory and
 * contention: 64 threads on 2 cores took 2 GB and a 15x slower epoch), else 2 for networks of 100k+
 * synapses (below that the threads' messaging costs more than splitting the batch saves).
 */
export function threadsFor(
  config: ExperimentConfig,
  requested: number | undefined,
  cores: number,
  warn: (s: string) => void,
): number {
  if (requested !== undefined) {
    if (requested <= cores) return requested;
    warn(`--threads ${requested}: this machine has ${cores} cores; using ${cores} threads`);
    return cores;
  }
  let synapses = 0;
  let fanIn = config.network.inputs;
  for (const l of config.network.layers) {
    synapses += fanIn * l.size;
    fanIn = l.size;
  }
  return Math.min(cores, synapses >= 100_000 ? 2 : 1);
}
