import type { ForwardRecord } from '../network.ts';
import type { ForwardPass } from './exactLif.ts';

/**
 * What each training method must hold per sample between its forward and backward passes,
 * counted from a real pass (the bench reports both on the same network and data):
 *
 * - BPTT keeps every step of every layer: the input spikes and, per layer, the input current,
 *   the membrane and the spikes, time steps x neurons each (activationBytes).
 * - EventProp keeps spikes: per input spike its time and neuron (8 + 4 bytes), per layer spike
 *   its time, neuron and the synaptic current at it (8 + 4 + 8 bytes), plus one neuron's arrival
 *   list at a time (time, jump, presynaptic neuron and spike: 8 + 8 + 4 + 4 bytes each), the
 *   largest of which is counted (eventStateBytes).
 *
 * Both count the numbers a compact implementation stores, not the JavaScript engine's object
 * overheads (the bench's peak RSS shows those), nor either method's transient scratch: BPTT's
 * temporaries within a layer's pass, EventProp's while it sorts a list (20 bytes per arrival,
 * reused for every list of the thread). Each pass also keeps its layers' input spikes as
 * columns (SpikeColumns: the 12 bytes per spike counted above) next to the Spike objects.
 */
export function activationBytes(rec: ForwardRecord, input: { byteLength: number }): number {
  let bytes = input.byteLength;
  for (const layer of rec.layers)
    bytes += layer.current.byteLength + layer.neurons.membrane.byteLength + layer.neurons.spikes.byteLength;
  return bytes / rec.batch;
}

export function eventStateBytes(pass: ForwardPass): number {
  let bytes = 12 * pass.input.length;
  let largestArrivals = 0;
  let previous = pass.input.length;
  for (const layer of pass.layers) {
    bytes += 20 * layer.spikes.length;
    // Every neuron of a layer receives each presynaptic spike once.
    largestArrivals = Math.max(largestArrivals, previous);
    previous = layer.spikes.length;
  }
  return bytes + 24 * largestArrivals;
}
