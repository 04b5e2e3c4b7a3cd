/**
 * The first-spike-time loss of the EventProp papers (Wunderlich & Pehle 2021, Yin-Yang):
 * cross-entropy over the output neurons' first spike times, the earliest meaning most likely,
 *
 *   L = -log( e^(-t_y / tau0) / sum_k e^(-t_k / tau0) ) + alpha (e^(t_y / tau1) - 1),
 *
 * where y is the label; the second term pulls the right neuron's spike earlier. An output that
 * did not spike counts as spiking at the end of the trial (`duration`) and gets no gradient: there
 * is no spike time to move (EventProp's gradients flow only through spikes).
 */
export interface FirstSpikeLossParams {
  /** Softness of the softmax over spike times (ms). */
  tau0: number;
  /** Time constant of the regulariser (ms). */
  tau1: number;
  /** Weight of the regulariser. */
  alpha: number;
}

export const FIRST_SPIKE_LOSS: FirstSpikeLossParams = { tau0: 0.5, tau1: 6.4, alpha: 3e-3 };

/** The loss and dL/dt of each output's first spike (0 where it has none). */
export function firstSpikeLoss(
  firstTimes: readonly (number | null)[],
  label: number,
  duration: number,
  p: FirstSpikeLossParams = FIRST_SPIKE_LOSS,
): { loss: number; grads: Float64Array } {
  const t = firstTimes.map((x) => x ?? duration);
  // Softmax of -t / tau0, shifted by the earliest for stability.
  const earliest = Math.min(...t);
  const e = t.map((x) => Math.exp(-(x - earliest) / p.tau0));
  const total = e.reduce((a, b) => a + b, 0);
  const prob = e.map((x) => x / total);
  const ty = t[label]!;
  const loss = -Math.log(prob[label]!) + p.alpha * (Math.exp(ty / p.tau1) - 1);
  const grads = new Float64Array(t.length);
  for (let k = 0; k < t.length; k++) {
    if (firstTimes[k] === null) continue;
    // d(-log softmax_y)/dt_k = (1[k = y] - prob_k) / tau0.
    grads[k] = ((k === label ? 1 : 0) - prob[k]!) / p.tau0;
    if (k === label) grads[k]! += (p.alpha / p.tau1) * Math.exp(ty / p.tau1);
  }
  return { loss, grads };
}

/** The predicted class: the output that spiked first (-1 when none spiked). */
export function firstSpikeClass(firstTimes: readonly (number | null)[]): number {
  let best = -1;
  firstTimes.forEach((t, k) => {
    if (t !== null && (best < 0 || t < firstTimes[best]!)) best = k;
  });
  return best;
}
