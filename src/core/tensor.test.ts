import { describe, expect, it } from 'vitest';
import { allFinite, allocReal, copyReal, eventsByNeuron, eventsByRow, maxAbs, sum } from './tensor.ts';

describe('eventsByNeuron', () => {
  it('groups the non-zero entries of a [batch][time][neuron] tensor by neuron (CSC)', () => {
    // batch 2, time 3, neurons 3; neuron 2 never fires. Rows r = b * 3 + t.
    // prettier-ignore
    const dense = [
      1, 0, 0,    // b0 t0
      0, 0.5, 0,  // b0 t1
      2, 0, 0,    // b0 t2
      0, 0, 0,    // b1 t0
      -1, 3, 0,   // b1 t1
      0, 0, 0,    // b1 t2
    ];
    const ev = eventsByNeuron(dense, 2, 3, 3);
    expect(Array.from(ev.start)).toEqual([0, 3, 5, 5]);
    expect(Array.from(ev.batchTime)).toEqual([0, 2, 4, 1, 4]);
    expect(Array.from(ev.value)).toEqual([1, 2, -1, 0.5, 3]);
  });

  it('accepts typed arrays and keeps events of a neuron in (batch, time) order', () => {
    const dense = new Float32Array(2 * 4 * 2);
    dense[(1 * 4 + 3) * 2 + 1] = 1; // b1 t3 n1
    dense[(0 * 4 + 1) * 2 + 1] = 0.25; // b0 t1 n1
    dense[(1 * 4 + 0) * 2 + 1] = 1; // b1 t0 n1
    const ev = eventsByNeuron(dense, 2, 4, 2);
    expect(Array.from(ev.start)).toEqual([0, 0, 3]);
    expect(Array.from(ev.batchTime)).toEqual([1, 4, 7]);
    expect(Array.from(ev.value)).toEqual([0.25, 1, 1]);
  });

  it('handles an all-zero tensor', () => {
    const ev = eventsByNeuron(new Float64Array(12), 1, 4, 3);
    expect(Array.from(ev.start)).toEqual([0, 0, 0, 0]);
    expect(ev.batchTime.length).toBe(0);
    expect(ev.value.length).toBe(0);
  });
});

describe('eventsByRow', () => {
  it('groups the non-zero entries of a [rows][neuron] tensor by row (CSR)', () => {
    // prettier-ignore
    const dense = [
      1, 0, 0,    // r0
      0, 0.5, 0,  // r1
      0, 0, 0,    // r2
      -1, 3, 2,   // r3
    ];
    const ev = eventsByRow(dense, 4, 3);
    expect(Array.from(ev.start)).toEqual([0, 1, 2, 2, 5]);
    expect(Array.from(ev.neuron)).toEqual([0, 1, 0, 1, 2]);
    expect(Array.from(ev.value)).toEqual([1, 0.5, -1, 3, 2]);
  });

  it('holds the same events as eventsByNeuron', () => {
    const dense = new Float64Array(2 * 5 * 4);
    for (let q = 0; q < dense.length; q++) if ((q * 7) % 5 === 1) dense[q] = q / 3;
    const byRow = eventsByRow(dense, 10, 4);
    const byNeuron = eventsByNeuron(dense, 2, 5, 4);
    const fromRows: string[] = [];
    for (let r = 0; r < 10; r++) {
      for (let e = byRow.start[r]!; e < byRow.start[r + 1]!; e++)
        fromRows.push(`${r},${byRow.neuron[e]},${byRow.value[e]}`);
    }
    const fromNeurons: string[] = [];
    for (let i = 0; i < 4; i++) {
      for (let e = byNeuron.start[i]!; e < byNeuron.start[i + 1]!; e++) {
        fromNeurons.push(`${byNeuron.batchTime[e]},${i},${byNeuron.value[e]}`);
      }
    }
    expect(fromRows.length).toBeGreaterThan(5);
    expect([...fromRows].sort()).toEqual([...fromNeurons].sort());
  });
});

describe('typed-array helpers', () => {
  it('allocReal and copyReal honour the precision', () => {
    expect(allocReal('f64', 3)).toBeInstanceOf(Float64Array);
    expect(allocReal('f32', 3)).toBeInstanceOf(Float32Array);
    expect(allocReal('f32', 5).length).toBe(5);
    const c = copyReal('f64', [1.5, -2, 1e-300]);
    expect(c).toBeInstanceOf(Float64Array);
    expect(Array.from(c)).toEqual([1.5, -2, 1e-300]);
    const f = copyReal('f32', [0.1]);
    expect(f[0]).toBe(Math.fround(0.1));
  });

  it('maxAbs, sum and allFinite', () => {
    expect(maxAbs([1, -3, 2])).toBe(3);
    expect(maxAbs([])).toBe(0);
    expect(sum([1, 2, 3.5])).toBe(6.5);
    expect(sum(new Float32Array([0.5, 0.25]))).toBe(0.75);
    expect(allFinite([1, 2, 3])).toBe(true);
    expect(allFinite([1, NaN])).toBe(false);
    expect(allFinite([Infinity])).toBe(false);
    expect(allFinite([-Infinity, 0])).toBe(false);
    expect(allFinite([])).toBe(true);
    expect(allFinite([Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324])).toBe(true);
  });

  it('allFinite finds a non-finite value in any of its four running sums and in the tail', () => {
    for (let length = 1; length <= 11; length++) {
      for (let at = 0; at < length; at++) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const values = new Float32Array(length).fill(1.5);
          values[at] = bad;
          expect(allFinite(values), `${bad} at ${at} of ${length}`).toBe(false);
        }
      }
      expect(allFinite(new Float64Array(length).fill(-2)), `${length} finite`).toBe(true);
    }
  });
});
