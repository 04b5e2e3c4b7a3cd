import type { DelayRounding } from './kernels.ts';
import { quantiseDelay } from './kernels.ts';

/**
 * Event-driven delivery of spikes through integer synaptic delays with a ring buffer per
 * postsynaptic neuron, the way an inference engine or neuromorphic hardware runs a trained
 * network: a spike emitted at step t by input i is written into slot (t + q(d_ij)) mod Td of
 * neuron j's buffer, and at step t each neuron reads and clears slot t mod Td. Memory is
 * O(Td * outputs) for the buffers. One sample; layouts `[time][neuron]`.
 */
export function ringBufferCurrent(
  spikes: ArrayLike<number>,
  timeSteps: number,
  inputs: number,
  outputs: number,
  weights: ArrayLike<number>,
  delays: ArrayLike<number>,
  maxDelay: number,
  rounding: DelayRounding,
): Float64Array {
  const ring = new Float64Array(maxDelay * outputs);
  const current = new Float64Array(timeSteps * outputs);
  for (let t = 0; t < timeSteps; t++) {
    for (let i = 0; i < inputs; i++) {
      const s = spikes[t * inputs + i]!;
      if (s === 0) continue;
      for (let j = 0; j < outputs; j++) {
        const q = i * outputs + j;
        const slot = (t + quantiseDelay(delays[q]!, rounding, maxDelay)) % maxDelay;
        ring[slot * outputs + j]! += s * weights[q]!;
      }
    }
    const slot = (t % maxDelay) * outputs;
    for (let j = 0; j < outputs; j++) {
      current[t * outputs + j] = ring[slot + j]!;
      ring[slot + j] = 0;
    }
  }
  return current;
}
