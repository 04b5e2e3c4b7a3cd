import type { ExperimentConfig } from '../experiment/types.ts';
import type { OptionValue, SIGMA_SCHEDULES } from '../options.ts';

/**
 * Schedules as pure functions of the optimiser step (0-based) and the total number of steps.
 */
export type LrSchedule =
  | { kind: 'constant' }
  /** Cosine annealing from lr down to lr * minFactor over the whole run. */
  | { kind: 'cosine'; minFactor: number }
  /**
   * One-cycle (as PyTorch's OneCycleLR with cosine annealing): warm up from lr / divFactor to lr
   * over `warmupFraction` of the run, then anneal to lr / (divFactor * finalDivFactor).
   */
  | { kind: 'oneCycle'; warmupFraction: number; divFactor: number; finalDivFactor: number };

export function learningRate(base: number, schedule: LrSchedule, step: number, totalSteps: number): number {
  const total = Math.max(1, totalSteps);
  const p = Math.min(1, Math.max(0, step / total));
  const cosineBetween = (from: number, to: number, x: number): number =>
    to + ((from - to) * (1 + Math.cos(Math.PI * x))) / 2;
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'cosine':
      return cosineBetween(base, base * schedule.minFactor, p);
    case 'oneCycle': {
      const initial = base / schedule.divFactor;
      const final = initial / schedule.finalDivFactor;
      const w = schedule.warmupFraction;
      if (p < w) return cosineBetween(initial, base, p / w);
      return cosineBetween(base, final, w >= 1 ? 1 : (p - w) / (1 - w));
    }
  }
}

/**
 * Standard deviation (time steps) of the DCLS Gaussian kernels. 'multiplicative' is DCLS's
 * schedule: sigma0 times a constant factor per step, reaching `final` after `fraction` of the
 * run and staying there; 'linear' interpolates instead; 'constant' keeps sigma0.
 * `initial: null` means maxDelay / 2 (DCLS's default).
 */
export interface SigmaSchedule {
  kind: OptionValue<typeof SIGMA_SCHEDULES>;
  initial: number | null;
  final: number;
  fraction: number;
}

export function sigmaAt(schedule: SigmaSchedule, maxDelay: number, step: number, totalSteps: number): number {
  const s0 = schedule.initial ?? maxDelay / 2;
  if (schedule.kind === 'constant') return s0;
  const span = Math.max(1, schedule.fraction * totalSteps);
  const p = Math.min(1, step / span);
  if (schedule.kind === 'linear') return s0 + (schedule.final - s0) * p;
  return s0 * Math.pow(schedule.final / s0, p);
}

/**
 * Whether the kernel width sigma changes what trains: some layer has a Gaussian (DCLS) kernel, or
 * the hardware mode with the Gaussian backward, under BPTT (EventProp's delays have no kernel).
 */
export function sigmaMatters(config: ExperimentConfig): boolean {
  return (
    config.training.method === 'bptt' &&
    config.network.layers.some(
      (l) =>
        l.kernel.mode === 'gauss' || (l.kernel.mode === 'hardware' && l.kernel.hardwareBackward === 'gauss'),
    )
  );
}
