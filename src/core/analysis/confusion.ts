/**
 * Confusion matrices of a classifier that may stay silent (no output spike).
 *
 * Layout: `classes` rows (true class) of `classes + 1` columns: columns 0 .. classes - 1 are the
 * predicted class, column `classes` counts the samples of that class with no prediction (-1).
 */

/** The prediction of a sample on which no output neuron spiked. */
export const SILENT = -1;

/** Columns per row: one per class plus the silent column. */
export function confusionStride(classes: number): number {
  return classes + 1;
}

/**
 * Counts (true class, prediction) pairs: matrix[t * (classes + 1) + p], with p = classes for a
 * silent prediction (-1). Labels and predictions must be integers in range; anything else is a
 * bug upstream and throws.
 */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes: number,
): Uint32Array {
  if (!Number.isInteger(classes) || classes < 1)
    throw new RangeError(`confusionMatrix: classes must be >= 1, got ${classes}`);
  if (labels.length !== predictions.length)
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  const stride = confusionStride(classes);
  const matrix = new Uint32Array(classes * stride);
  for (let n = 0; n < labels.length; n++) {
    const label = labels[n]!;
    const predicted = predictions[n]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new RangeError(`confusionMatrix: label ${label} of sample ${n} is not in [0, ${classes})`);
    if (predicted !== SILENT && (!Number.isInteger(predicted) || predicted < 0 || predicted >= classes))
      throw new RangeError(
        `confusionMatrix: prediction ${predicted} of sample ${n} is not -1 or in [0, ${classes})`,
      );
    matrix[label * stride + (predicted === SILENT ? classes : predicted)]!++;
  }
  return matrix;
}

/** Silent samples per true class (the matrix's last column). */
export function silentCounts(matrix: ArrayLike<number>, classes: number): number[] {
  const stride = confusionStride(classes);
  return Array.from({ length: classes }, (_, t) => matrix[t * stride + classes] ?? 0);
}

/** Fraction (0..1) of all samples, silent ones included, on the diagonal; 0 for no samples. */
export function accuracyFromConfusion(matrix: ArrayLike<number>, classes: number): number {
  const stride = confusionStride(classes);
  if (matrix.length !== classes * stride)
    throw new RangeError(
      `accuracyFromConfusion: matrix has ${matrix.length} cells, expected ${classes * stride}`,
    );
  let total = 0;
  let correct = 0;
  for (let t = 0; t < classes; t++) {
    for (let p = 0; p < stride; p++) total += matrix[t * stride + p]!;
    correct += matrix[t * stride + t]!;
  }
  return total > 0 ? correct / total : 0;
}

/** A class that has samples but that no sample was predicted as. */
export interface NeverPredictedClass {
  class: number;
  /** Samples of that class in the matrix (all of them missed). */
  samples: number;
}

/**
 * Classes that no sample was predicted as although the split holds samples of them: their
 * recall is 0. A sign of an output neuron that has stopped spiking (its membrane far below
 * threshold, where the surrogate gradient vanishes and training cannot bring it back), or one
 * that always loses the readout to another.
 */
export function neverPredictedClasses(matrix: ArrayLike<number>, classes: number): NeverPredictedClass[] {
  const stride = confusionStride(classes);
  if (matrix.length !== classes * stride)
    throw new RangeError(
      `neverPredictedClasses: matrix has ${matrix.length} cells, expected ${classes * stride}`,
    );
  const found: NeverPredictedClass[] = [];
  for (let p = 0; p < classes; p++) {
    let predictedAs = 0;
    for (let t = 0; t < classes; t++) predictedAs += matrix[t * stride + p]!;
    let samples = 0;
    for (let q = 0; q < stride; q++) samples += matrix[p * stride + q]!;
    if (predictedAs === 0 && samples > 0) found.push({ class: p, samples });
  }
  return found;
}
