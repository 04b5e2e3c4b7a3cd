/**
 * The voltage loss of EventProp's SHD networks over a non-spiking readout: cross-entropy over the
 * readout neurons' mean membrane potential, m_j = (integral of V_j over the trial) / duration,
 *
 *   L = -log( e^(m_y) / sum_k e^(m_k) ),
 *
 * and its gradient with respect to each integral (what eventPropBackward's `readout` takes):
 * dL/d(integral_j) = (softmax_j - [j = y]) / duration.
 */
export function meanMembraneLoss(
  integrals: readonly number[],
  label: number,
  duration: number,
): { loss: number; integralGrads: Float64Array; predicted: number } {
  const means = integrals.map((x) => x / duration);
  const top = Math.max(...means);
  const e = means.map((m) => Math.exp(m - top));
  const total = e.reduce((a, b) => a + b, 0);
  const prob = e.map((x) => x / total);
  const integralGrads = Float64Array.from(prob, (pk, k) => (pk - (k === label ? 1 : 0)) / duration);
  return { loss: -Math.log(prob[label]!), integralGrads, predicted: means.indexOf(top) };
}

/**
 * The max-over-time voltage loss: cross-entropy over each readout neuron's highest membrane
 * potential in the trial, L = -log( e^(max_y) / sum_k e^(max_k) ), and dL/d(max_j)
 * (what eventPropBackward's `readout.maxGrads` takes).
 */
export function maxMembraneLoss(
  maxima: readonly number[],
  label: number,
): { loss: number; maxGrads: Float64Array; predicted: number } {
  const top = Math.max(...maxima);
  const e = maxima.map((m) => Math.exp(m - top));
  const total = e.reduce((a, b) => a + b, 0);
  const prob = e.map((x) => x / total);
  const maxGrads = Float64Array.from(prob, (pk, k) => pk - (k === label ? 1 : 0));
  return { loss: -Math.log(prob[label]!), maxGrads, predicted: maxima.indexOf(top) };
}
