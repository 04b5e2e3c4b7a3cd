import { synapseList, synapseListOf, type SynapseList } from '../../core/synapses/sparseSynapses.ts';
import { fitStorageBuffer } from '../buffers.ts';

/**
 * A masked layer's active synapses for the GPU kernels that skip absent ones (the `*_active`
 * entry points of delay_forward.wgsl and delay_backward.wgsl), packed in one u32 buffer so each
 * pass needs one binding more, not three:
 *
 *   [0]                                   K, the active synapses
 *   [1 + j], j = 0..outputs               by output neuron: offsets of output j's inputs
 *   [2 + outputs + a], a < K              their input neurons, ascending per output
 *   [2 + outputs + K + i], i = 0..inputs  by input neuron: offsets of input i's outputs
 *   [3 + outputs + K + inputs + a]        their output neurons, ascending per input
 *   [3 + outputs + inputs + 2K + a]       the synapse indices i * outputs + j, ascending
 *   [3 + outputs + inputs + 3K + a]       by output neuron: entry a's place in the by-input
 *                                         list, which is its parameter index in a compact layer
 *
 * A synapse counts as active when its mask byte is set or its weight is not 0, as on the CPU
 * (sparseSynapses.ts): a model evaluated under a later mask keeps every synapse it had.
 */
export function packActiveSynapses(
  mask: Uint8Array,
  weights: ArrayLike<number>,
  inputs: number,
  outputs: number,
): Uint32Array {
  return packSynapseList(synapseList(mask, inputs, outputs, 1, weights), inputs, outputs);
}

/** The packed lists (above) of a synapse list whose slots ascend by synapse index. */
export function packSynapseList(list: SynapseList, inputs: number, outputs: number): Uint32Array {
  const k = list.count;
  const packed = new Uint32Array(3 + outputs + inputs + 4 * k);
  packed[0] = k;
  // By output neuron: a counting sort of the by-input list keeps inputs ascending per output.
  const byOutput = 1;
  for (let s = 0; s < k; s++) packed[byOutput + 1 + list.post[s]!]!++;
  for (let j = 0; j < outputs; j++)
    packed[byOutput + j + 1] = packed[byOutput + j + 1]! + packed[byOutput + j]!;
  const outputEntries = 2 + outputs;
  const fill = packed.slice(byOutput, byOutput + outputs);
  const slotOf = 3 + outputs + inputs + 3 * k;
  for (let i = 0; i < inputs; i++)
    for (let s = list.start[i]!; s < list.start[i + 1]!; s++) {
      const a = fill[list.post[s]!]!++;
      packed[outputEntries + a] = i;
      packed[slotOf + a] = s;
    }
  const byInput = 2 + outputs + k;
  packed.set(list.start, byInput);
  packed.set(list.post.subarray(0, k), byInput + inputs + 1);
  packed.set(list.index.subarray(0, k), 3 + outputs + inputs + 2 * k);
  return packed;
}

/** The packed lists of one layer on the GPU; `update` after the mask (or the weights' zeros) change. */
export class ActiveSynapses {
  private buffer: GPUBuffer | null = null;
  /** K, the active synapses (the parameter-gradient pass's invocations). */
  count = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  update(mask: Uint8Array, weights: ArrayLike<number>, inputs: number, outputs: number): void {
    this.upload(packActiveSynapses(mask, weights, inputs, outputs));
  }

  /** A compact layer's synapses (indices q, ascending): its fixed structure. */
  updateFromIndex(index: Int32Array, inputs: number, outputs: number): void {
    this.upload(packSynapseList(synapseListOf(index, inputs, outputs), inputs, outputs));
  }

  private upload(packed: Uint32Array): void {
    this.buffer = fitStorageBuffer(
      this.device,
      this.buffer,
      `${this.label} active synapses`,
      packed.byteLength,
    );
    this.device.queue.writeBuffer(this.buffer, 0, packed);
    this.count = packed[0]!;
  }

  get lists(): GPUBuffer {
    if (!this.buffer) throw new Error('ActiveSynapses: update before the first pass');
    return this.buffer;
  }

  destroy(): void {
    this.buffer?.destroy();
  }
}
