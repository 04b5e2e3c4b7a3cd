import { describe, expect, it } from 'vitest';
import { buildDelayTable } from './delayTable.ts';
import { fitDelayTable, hardwareWarnings, targetMaxDelay } from './hardware.ts';
import { preset } from './presets.ts';

describe('hardware targets', () => {
  it('name the delays each chip holds', () => {
    expect(targetMaxDelay('unbounded')).toBeNull();
    expect(targetMaxDelay('loihi2')).toBe(62);
    expect(targetMaxDelay('spinnaker')).toBe(15);
  });

  it('warn for each layer whose Td - 1 is beyond the target, and only then', () => {
    const shd = preset('shd')!; // Td 25 in every layer
    expect(hardwareWarnings(shd, 'loihi2')).toEqual([]);
    const spinnaker = hardwareWarnings(shd, 'spinnaker');
    expect(spinnaker).toHaveLength(3);
    expect(spinnaker[0]).toMatch(
      /layer 0: delays reach Td - 1 = 24 steps \(240 ms\), SpiNNaker holds 0 to 15.*Td to 16/,
    );
    expect(hardwareWarnings(preset('toy-far')!, 'loihi2')[0]).toMatch(/Td - 1 = 999 steps/);
    expect(hardwareWarnings(preset('toy-far')!, 'unbounded')).toEqual([]);
  });

  it('clamp a delay table to the target, counting what they clamped', () => {
    const config = preset('toy')!; // 3 x 2 synapses, Td 50
    const delays = Float64Array.from([0, 14, 15, 16, 49, 3]);
    const table = buildDelayTable(config, [{ weights: new Float64Array(6).fill(1), delays }]);
    const fitted = fitDelayTable(table, 'spinnaker');
    expect(fitted.clamped).toEqual([2]);
    // [post][pre]: post 0 holds synapses 0, 2, 4 (delays 0, 15, 49); post 1 holds 1, 3, 5.
    expect(fitted.table.layers[0]!.delays).toEqual([
      [0, 15, 15],
      [14, 15, 3],
    ]);
    expect(fitted.table.layers[0]!.maxDelay).toBe(16);
    expect(fitDelayTable(table, 'unbounded').table).toBe(table);
    // Absent synapses (weight 0) are clamped too but not counted: they carry no spike.
    const sparse = buildDelayTable(config, [{ weights: Float64Array.from([1, 1, 1, 0, 1, 1]), delays }]);
    expect(fitDelayTable(sparse, 'spinnaker').clamped).toEqual([1]);
  });
});
