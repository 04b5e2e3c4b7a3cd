import type { Trainer } from '../core/trainer.ts';
import { viewSplit } from './views.ts';

/** A user's "evaluate now" runs in slices of this many samples, yielding between them. */
export const EVAL_SLICE = 256;

/**
 * Loss, accuracy and predicted classes of the split the views show, with the model's current
 * parameters, in slices: `onSlice` reports progress before each, and `yieldBetween` lets other
 * work run after each and answers whether to go on. Null for an empty split or when stopped.
 */
export async function evaluateViewSplit(
  model: Trainer,
  onSlice: (done: number, total: number) => void,
  yieldBetween: () => Promise<boolean>,
): Promise<{ loss: number; accuracy: number | null; predictions: Int32Array } | null> {
  const split = viewSplit(model.data);
  if (split.length === 0) return null;
  const predictions = new Int32Array(split.length);
  let loss = 0;
  let correct = 0;
  for (let k = 0; k < split.length; k += EVAL_SLICE) {
    onSlice(k, split.length);
    const slice = split.subarray(k, k + EVAL_SLICE);
    const r = model.evaluate(slice, predictions.subarray(k, k + slice.length));
    loss += r.loss * slice.length;
    correct += (r.accuracy ?? 0) * slice.length;
    if (!(await yieldBetween())) return null;
  }
  const n = split.length;
  return { loss: loss / n, accuracy: model.data.labels ? correct / n : null, predictions };
}
