/**
 * One epoch of a run as every front end records it: the CLI's metrics files, the playground's
 * learning curves and stored runs, `delaylab report`. Accuracies are fractions (0..1); null where
 * the run has no such split (or no labels).
 */
export interface EpochRecord {
  /** 1-based number of the epoch this record closes. */
  epoch: number;
  /** Mean loss over the epoch's training steps. */
  trainLoss: number;
  trainAccuracy: number | null;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Gaussian kernel std (time steps) used by the epoch's last step. */
  sigma: number;
  /** Wall time of the epoch (ms), training and evaluation. */
  ms: number;
  /**
   * Training throughput: samples per second over the epoch's training steps, evaluation
   * excluded. Absent where it could not be measured (records written before it existed).
   */
  trainSamplesPerSecond?: number;
}

/**
 * How long validation accuracy has gone without improving: the best epoch (the first to reach
 * the highest accuracy, as the run loop keeps its best model) and the epochs after it. Null
 * before any epoch with a validation accuracy.
 */
export function epochsSinceBest(
  history: readonly EpochRecord[],
): { bestEpoch: number; since: number } | null {
  let best: EpochRecord | null = null;
  for (const r of history)
    if (r.validationAccuracy !== null && (best === null || r.validationAccuracy > best.validationAccuracy!))
      best = r;
  if (!best) return null;
  return { bestEpoch: best.epoch, since: history.at(-1)!.epoch - best.epoch };
}
