import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import {
  ArrivalLists,
  arrivalTimes,
  firstCrossing,
  onGrid,
  membraneAt,
  membraneSlopeAt,
  readoutIntegral,
  simulateNetwork,
  simulateNeuron,
  spikeColumns,
  transposed,
  withByOutput,
  type ExactLayer,
  type ExactLifParams,
  type Spike,
} from './exactLif.ts';

const P: ExactLifParams = { tauMem: 20, tauSyn: 5, threshold: 1 };

/** The same neuron on a fine time grid (explicit Euler, dt ms): spike times within O(dt). */
function eulerSpikes(
  p: ExactLifParams,
  arrivals: { time: number; jump: number }[],
  duration: number,
  dt: number,
): number[] {
  const spikes: number[] = [];
  let v = 0;
  let i = 0;
  let k = 0;
  for (let step = 0; step * dt < duration; step++) {
    const t = step * dt;
    while (k < arrivals.length && arrivals[k]!.time <= t) i += arrivals[k++]!.jump;
    const dv = (dt * (-v + i)) / p.tauMem;
    const di = (-dt * i) / p.tauSyn;
    v += dv;
    i += di;
    if (v >= p.threshold) {
      spikes.push(t + dt);
      v = 0;
    }
  }
  return spikes;
}

describe('exact event-driven LIF with exponential synaptic current', () => {
  it('the closed form solves tau_mem dV/dt = -V + I with I decaying with tau_syn', () => {
    for (const [v0, i0] of [
      [0.3, 2],
      [-0.5, -1],
      [0.9, 0],
    ] as const) {
      for (const s of [0, 0.7, 3, 12.5]) {
        const h = 1e-6;
        const numeric = (membraneAt(P, v0, i0, s + h) - membraneAt(P, v0, i0, s - h)) / (2 * h);
        expect(membraneSlopeAt(P, v0, i0, s)).toBeCloseTo(numeric, 7);
      }
      expect(membraneAt(P, v0, i0, 0)).toBeCloseTo(v0, 14);
    }
  });

  it('finds the threshold crossing to machine precision, and none when V stays below', () => {
    // A jump of 10 peaks at V of about 1.57 (9.2 ms later); one of 3 only at 0.47.
    const s = firstCrossing(P, 0, 10, 50)!;
    expect(s).toBeGreaterThan(0);
    expect(Math.abs(membraneAt(P, 0, 10, s) - P.threshold)).toBeLessThan(1e-12);
    expect(membraneAt(P, 0, 10, s * (1 - 1e-9))).toBeLessThan(P.threshold);
    // A current too weak to reach threshold (its peak stays below), and a negative one.
    expect(firstCrossing(P, 0, 3, 100)).toBeNull();
    expect(firstCrossing(P, 0.5, -2, 100)).toBeNull();
    // The crossing lies beyond the interval: none inside it.
    expect(firstCrossing(P, 0, 10, s * 0.5)).toBeNull();
  });

  it('matches a fine-grid simulation of the same neuron (random inputs, several spikes)', () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 5; trial++) {
      const arrivals = Array.from({ length: 30 }, () => ({
        time: 40 * rng.uniform(),
        jump: rng.normal(0.8, 0.6),
      })).sort((a, b) => a.time - b.time);
      const exact = simulateNeuron(P, arrivalTimes(arrivals), 50).spikes;
      const grid = eulerSpikes(P, arrivals, 50, 1e-4);
      expect(exact.length, `trial ${trial}`).toBe(grid.length);
      expect(exact.length, `trial ${trial}: the comparison needs spikes`).toBeGreaterThan(1);
      exact.forEach((t, k) => expect(Math.abs(t - grid[k]!), `trial ${trial} spike ${k}`).toBeLessThan(2e-3));
    }
  });

  it("a delay moves a synapse's arrivals by exactly that much: the spike moves with it", () => {
    const layer = (delay: number): ExactLayer => ({ inputs: 1, outputs: 1, weights: [10], delays: [delay] });
    const input: Spike[] = [{ time: 2, neuron: 0 }];
    const early = simulateNetwork(P, [layer(1)], input, 60)[1]!;
    const late = simulateNetwork(P, [layer(3.25)], input, 60)[1]!;
    expect(early).toHaveLength(1);
    expect(late[0]!.time - early[0]!.time).toBeCloseTo(2.25, 12);
  });

  it("a non-spiking readout's integral of V matches a fine-grid sum", () => {
    const rng = new Rng(4);
    const arrivals = Array.from({ length: 12 }, () => ({
      time: 30 * rng.uniform(),
      jump: rng.normal(1, 2),
    })).sort((a, b) => a.time - b.time);
    const dt = 1e-4;
    let v = 0;
    let i = 0;
    let k = 0;
    let sum = 0;
    for (let step = 0; step * dt < 40; step++) {
      while (k < arrivals.length && arrivals[k]!.time <= step * dt) i += arrivals[k++]!.jump;
      sum += v * dt;
      v += (dt * (-v + i)) / P.tauMem;
      i -= (dt * i) / P.tauSyn;
    }
    expect(Math.abs(readoutIntegral(P, arrivalTimes(arrivals), 40) - sum)).toBeLessThan(
      1e-3 * Math.max(1, Math.abs(sum)),
    );
  });

  it('skips only searches that find nothing: the same spikes as searching every interval, even for nearly equal time constants', () => {
    // The reference: the crossing searched for in every interval between arrivals.
    const searchingEvery = (p: ExactLifParams, list: { time: number; jump: number }[], duration: number) => {
      const spikes: number[] = [];
      let t = 0;
      let v = 0;
      let current = 0;
      let k = 0;
      while (t < duration) {
        const next = k < list.length ? Math.min(list[k]!.time, duration) : duration;
        for (;;) {
          const s = firstCrossing(p, v, current, next - t);
          if (s === null || t + s > next || s <= 0) break;
          spikes.push(t + s);
          t += s;
          current *= Math.exp(-s / p.tauSyn);
          v = 0;
        }
        v = membraneAt(p, v, current, next - t);
        current *= Math.exp(-(next - t) / p.tauSyn);
        t = next;
        if (k >= list.length) break;
        while (k < list.length && list[k]!.time <= t) current += list[k++]!.jump;
      }
      return spikes;
    };
    const rng = new Rng(21);
    let spikes = 0;
    for (const ratio of [1 + 1e-11, 1 + 1e-6, 0.25, 4]) {
      const p = { tauMem: 10, tauSyn: 10 * ratio, threshold: 1 };
      for (let trial = 0; trial < 60; trial++) {
        const list = Array.from({ length: 30 }, () => ({
          time: 40 * rng.uniform(),
          jump: (rng.uniform() - 0.35) * (0.2 + (trial % 4)),
        })).sort((a, b) => a.time - b.time);
        const want = searchingEvery(p, list, 50);
        spikes += want.length;
        expect(simulateNeuron(p, arrivalTimes(list), 50).spikes, `ratio ${ratio}, trial ${trial}`).toEqual(
          want,
        );
      }
    }
    expect(spikes).toBeGreaterThan(200);
  });

  it('refuses time constants the closed form cannot take', () => {
    expect(() => simulateNetwork({ ...P, tauSyn: 20 }, [], [], 10)).toThrow(
      /tauSyn \(20 ms\) must differ from tauMem/,
    );
    expect(() => simulateNetwork({ ...P, threshold: 0 }, [], [], 10)).toThrow(/must be positive/);
  });

  it('runs a feed-forward network layer by layer, spikes sorted by time', () => {
    const rng = new Rng(9);
    const layers: ExactLayer[] = [
      {
        inputs: 5,
        outputs: 8,
        weights: Array.from({ length: 40 }, () => rng.normal(4, 2)),
        delays: Array.from({ length: 40 }, () => 5 * rng.uniform()),
      },
      {
        inputs: 8,
        outputs: 3,
        weights: Array.from({ length: 24 }, () => rng.normal(4, 2)),
        delays: Array.from({ length: 24 }, () => 5 * rng.uniform()),
      },
    ];
    const input: Spike[] = Array.from({ length: 5 }, (_, i) => ({ time: 10 * rng.uniform(), neuron: i }));
    const out = simulateNetwork(P, layers, input, 80);
    expect(out).toHaveLength(3);
    expect(out[1]!.length).toBeGreaterThan(0);
    expect(out[2]!.length).toBeGreaterThan(0);
    for (const spikes of out)
      for (let k = 1; k < spikes.length; k++)
        expect(spikes[k]!.time).toBeGreaterThanOrEqual(spikes[k - 1]!.time);
    // A second layer spike always follows some first-layer spike by at least the smallest delay.
    expect(out[2]![0]!.time).toBeGreaterThan(out[1]![0]!.time);
  });
});

describe('arrival lists', () => {
  /** The arrivals at neuron j by the definition: every input spike, shifted, sorted by (time, spike). */
  function naiveArrivals(layer: ExactLayer, input: Spike[], j: number, gridDt: number | null) {
    return input
      .map((s, spike) => {
        const q = s.neuron * layer.outputs + j;
        const shifted = s.time + layer.delays[q]!;
        return {
          time: gridDt !== null ? onGrid(shifted, gridDt) : shifted,
          jump: layer.weights[q]!,
          from: s.neuron,
          spike,
        };
      })
      .sort((a, b) => a.time - b.time || a.spike - b.spike);
  }

  it('hold every input spike once, sorted by time then by spike, from either parameter layout, as their arrays are reused', () => {
    const rng = new Rng(4);
    const lists = new ArrivalLists();
    // Sizes below and above the bucket sort's cut-over, growing and shrinking (the arrays are
    // reused, so a short list after a long one must not show the long one's tail); integer delays
    // and a grid make many equal times.
    for (const [spikes, inputs, integer, grid] of [
      [300, 40, false, false],
      [7, 5, false, false],
      [500, 30, true, false],
      [40, 12, false, true],
      [0, 3, false, false],
      [1, 3, true, false],
    ] as const) {
      const outputs = 6;
      const layer: ExactLayer = {
        inputs,
        outputs,
        weights: Array.from({ length: inputs * outputs }, () => rng.normal(0, 1)),
        delays: Array.from({ length: inputs * outputs }, () =>
          integer ? Math.floor(10 * rng.uniform()) : 10 * rng.uniform(),
        ),
      };
      const input = Array.from({ length: spikes }, () => ({
        time: integer ? Math.floor(20 * rng.uniform()) : 20 * rng.uniform(),
        neuron: Math.floor(inputs * rng.uniform()),
      })).sort((a, b) => a.time - b.time || a.neuron - b.neuron);
      const gridDt = grid ? 0.5 : null;
      for (const prepared of [layer, withByOutput(layer)]) {
        for (let j = 0; j < outputs; j++) {
          const got = lists.build(prepared, spikeColumns(input), j, gridDt);
          const label = `${spikes} spikes, neuron ${j}, ${prepared.byOutput ? 'by output' : '[inputs][outputs]'}`;
          expect(got.count, label).toBe(spikes);
          expect(got.time.length, label).toBe(spikes);
          const want = naiveArrivals(layer, input, j, gridDt);
          expect(Array.from(got.time), label).toEqual(want.map((a) => a.time));
          expect(Array.from(got.jump), label).toEqual(want.map((a) => a.jump));
          expect(Array.from(got.from), label).toEqual(want.map((a) => a.from));
          expect(Array.from(got.spike), label).toEqual(want.map((a) => a.spike));
        }
      }
    }
  });

  it('transposes parameters to [outputs][inputs]', () => {
    const layer: ExactLayer = {
      inputs: 2,
      outputs: 3,
      weights: [1, 2, 3, 4, 5, 6],
      delays: [0, 1, 2, 3, 4, 5],
    };
    const prepared = withByOutput(layer);
    expect(Array.from(prepared.byOutput!.weights)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(transposed(layer.delays, 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(withByOutput(prepared)).toBe(prepared);
  });
});
