import { confusionMatrix, neverPredictedClasses } from '../core/analysis/confusion.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import type { RunEvent } from '../core/runEvents.ts';

type EpochPredictions = NonNullable<Extract<RunEvent, { type: 'epoch' }>['predictions']>;

/**
 * Watches the epochs' predictions for classes that nothing is predicted as (recall 0: in the
 * long runs, an output neuron whose membrane had sunk thousands below threshold and never came
 * back) and words a warning when that set changes: once when it appears, once more if it
 * changes or clears, not every epoch.
 */
export function neverPredictedWatcher(
  data: SpikeDataset,
  outDir: string | null,
): (predictions: EpochPredictions, epoch: number) => string | null {
  let last = '';
  return (predictions, epoch) => {
    const labels = data.labels;
    if (!labels) return null;
    const classes = data.outputs;
    const truth = Int32Array.from(predictions.indices, (s) => labels[s]!);
    const found = neverPredictedClasses(confusionMatrix(truth, predictions.classes, classes), classes);
    const key = found.map((c) => c.class).join(',');
    if (key === last) return null;
    last = key;
    if (found.length === 0)
      return `epoch ${epoch}: every class is predicted again on the ${predictions.split} split`;
    const list = found.map((c) => `${c.class} (${c.samples.toLocaleString('en')} samples)`).join(', ');
    const readouts = outDir
      ? `\`delaylab export ${outDir} --format readouts --data ...\` lists the outputs that never spike`
      : 'train with --out and `delaylab export RUN --format readouts` to list the outputs that never spike';
    const one = found.length === 1;
    return (
      `warning: epoch ${epoch}: nothing on the ${predictions.split} split is predicted as ` +
      `class${one ? '' : 'es'} ${list}, so ${one ? 'its' : 'their'} recall is 0. ` +
      `If that lasts, ${one ? 'its output neuron' : 'their output neurons'} may have fallen silent ` +
      `(a membrane far below threshold gets no surrogate gradient to come back with): ${readouts}`
    );
  };
}
