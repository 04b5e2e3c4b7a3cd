/**
 * Parity of EventProp's WGSL layer kernels (eventprop_forward.wgsl, eventprop_backward.wgsl) with
 * the CPU reference of the same time-stepped variant (steppedLif.ts forward, adjoint.ts backward)
 * on a real WebGPU adapter (Dawn in Node; SwiftShader without a GPU). The GPU computes in
 * float32, the CPU in float64 on the same float32 inputs and parameters.
 *
 * Input spikes sit at 5-55 % of their step and delays have a fractional part below 0.4 steps, so
 * no arrival lies within float noise of a step boundary (where the two could deliver it one step
 * apart); the seeds are ones where no membrane ends a step within float noise of the threshold
 * (the test counts spike-train disagreements and requires none).
 */
import { describe, expect, it } from 'vitest';
import { eventPropBackward, type ReadoutGrads } from '../../core/eventprop/adjoint.ts';
import type { ExactLifParams, OutputKind, Spike } from '../../core/eventprop/exactLif.ts';
import { forwardPassStepped } from '../../core/eventprop/steppedLif.ts';
import { Rng } from '../../core/rng.ts';
import { useGpuDevice } from '../testDevice.ts';
import { EventPropLayer } from './EventPropLayer.ts';

const fixture = useGpuDevice();

const LIF: ExactLifParams = { tauMem: 20, tauSyn: 5, threshold: 1 };
const INPUTS = 13;
const STEPS = 40;
const BATCH = 3;

interface Case {
  output: OutputKind;
  neurons: number;
  dtMs: number;
  seed: number;
}

const CASES: Case[] = [
  { output: 'spiking', neurons: 9, dtMs: 1, seed: 1 },
  { output: 'spiking', neurons: 9, dtMs: 0.5, seed: 2 },
  { output: 'integral', neurons: 4, dtMs: 1, seed: 3 },
  { output: 'max', neurons: 4, dtMs: 1, seed: 4 },
];

/** Largest |gpu - cpu| over an array, relative to its largest |cpu|. */
function worstRelative(gpu: ArrayLike<number>, cpu: ArrayLike<number>): number {
  let scale = 1e-6;
  for (let q = 0; q < cpu.length; q++) scale = Math.max(scale, Math.abs(cpu[q]!));
  let worst = 0;
  for (let q = 0; q < cpu.length; q++) {
    const e = Math.abs(gpu[q]! - cpu[q]!) / scale;
    worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

describe('EventProp layer kernels (time-stepped) against the CPU reference', () => {
  for (const c of CASES) {
    it(`${c.output} output, dt ${c.dtMs} ms: spikes, readouts and every gradient agree`, async () => {
      const rng = new Rng(c.seed);
      const { neurons, dtMs } = c;
      const duration = STEPS * dtMs;
      const inTimes = new Float32Array(BATCH * STEPS * INPUTS).fill(-1);
      for (let q = 0; q < inTimes.length; q++) {
        const step = Math.floor(q / INPUTS) % STEPS;
        if (rng.uniform() < 0.15) inTimes[q] = (step + 0.05 + 0.5 * rng.uniform()) * dtMs;
      }
      const weights = Float32Array.from({ length: INPUTS * neurons }, () => rng.normal(0.8, 0.8));
      const delays = Float32Array.from(
        { length: INPUTS * neurons },
        () => (Math.floor(8 * rng.uniform()) + 0.4 * rng.uniform()) * dtMs,
      );
      const layer = {
        inputs: INPUTS,
        outputs: neurons,
        weights: Float64Array.from(weights),
        delays: Float64Array.from(delays),
      };

      fixture.ctx.device.pushErrorScope('validation');
      const kernel = new EventPropLayer(fixture.ctx.device, {
        inputs: INPUTS,
        neurons,
        timeSteps: STEPS,
        dtMs,
        lif: LIF,
        output: c.output,
      });
      const forward = await kernel.forward(inTimes, weights, delays, BATCH);

      // dL/dt of each GPU spike, dL/d(readout) of each readout neuron: random, the same on both sides.
      const timeGrads = new Float32Array(BATCH * STEPS * neurons);
      for (let q = 0; q < timeGrads.length; q++) if (forward.times[q]! >= 0) timeGrads[q] = rng.normal(0, 1);
      const readoutGrads = Float32Array.from({ length: BATCH * neurons }, () => rng.normal(0, 1));
      const backward = await kernel.backward(
        { inTimes, weights, delays, forward, timeGrads, readoutGrads },
        BATCH,
      );
      const error = await fixture.ctx.device.popErrorScope();
      expect(error?.message ?? null).toBeNull();

      const cpuWeights = new Float64Array(INPUTS * neurons);
      const cpuDelays = new Float64Array(INPUTS * neurons);
      const cpuInputGrads = new Float64Array(BATCH * STEPS * INPUTS);
      let spikes = 0;
      let disagreements = 0;
      for (let b = 0; b < BATCH; b++) {
        const input: Spike[] = [];
        for (let m = 0; m < STEPS; m++)
          for (let i = 0; i < INPUTS; i++) {
            const t = inTimes[(b * STEPS + m) * INPUTS + i]!;
            if (t >= 0) input.push({ time: t, neuron: i });
          }
        const pass = forwardPassStepped(LIF, [layer], input, duration, dtMs, c.output);
        const out = pass.layers[0]!;
        // Spikes: the same steps, times within float noise.
        out.traces.forEach((trace, j) => {
          const gpuSteps: number[] = [];
          for (let n = 0; n < STEPS; n++)
            if (forward.times[(b * STEPS + n) * neurons + j]! >= 0) gpuSteps.push(n);
          const cpuSteps = trace.spikes.map((t) => Math.ceil(t / dtMs) - 1);
          if (gpuSteps.join() !== cpuSteps.join()) {
            disagreements++;
            return;
          }
          trace.spikes.forEach((t, k) => {
            const q = (b * STEPS + cpuSteps[k]!) * neurons + j;
            expect(Math.abs(forward.times[q]! - t), `spike time b${b} n${cpuSteps[k]} j${j}`).toBeLessThan(
              1e-4,
            );
            expect(Math.abs(forward.currents[q]! - trace.currents[k]!)).toBeLessThan(
              1e-4 * Math.max(1, Math.abs(trace.currents[k]!)),
            );
            spikes++;
          });
          const r = (b * neurons + j) * 3;
          if (c.output === 'integral')
            expect(Math.abs(forward.readout[r]! - trace.integral!)).toBeLessThan(
              1e-4 * Math.max(1, Math.abs(trace.integral!)),
            );
          if (c.output === 'max') {
            expect(Math.abs(forward.readout[r]! - trace.max!)).toBeLessThan(1e-5 * Math.max(1, trace.max!));
            const peak = forward.readout[r + 1]! * dtMs + forward.readout[r + 2]!;
            expect(Math.abs(peak - trace.maxTime!), `peak time of b${b} j${j}`).toBeLessThan(1e-3);
          }
        });
        const outputTimeGrads = out.spikes.map(
          (s) => timeGrads[(b * STEPS + Math.ceil(s.time / dtMs) - 1) * neurons + s.neuron]!,
        );
        const grads = readoutGrads.subarray(b * neurons, (b + 1) * neurons);
        const readout: ReadoutGrads | null =
          c.output === 'integral'
            ? { integralGrads: grads, duration }
            : c.output === 'max'
              ? { maxGrads: grads, duration }
              : null;
        const g = eventPropBackward(LIF, [layer], pass, outputTimeGrads, readout);
        g.weights[0]!.forEach((v, q) => (cpuWeights[q]! += v));
        g.delays[0]!.forEach((v, q) => (cpuDelays[q]! += v));
        pass.input.forEach((s, k) => {
          cpuInputGrads[(b * STEPS + Math.floor(s.time / dtMs)) * INPUTS + s.neuron] = g.inputTimes[k]!;
        });
      }
      expect(disagreements, 'neurons whose spike trains differ').toBe(0);
      if (c.output === 'spiking') expect(spikes, 'the layer spikes').toBeGreaterThan(20);
      expect(Math.max(...Array.from(cpuWeights, Math.abs)), 'a gradient to compare').toBeGreaterThan(1e-3);
      expect(worstRelative(backward.gradWeights, cpuWeights), 'weight gradients').toBeLessThan(2e-4);
      expect(worstRelative(backward.gradDelays, cpuDelays), 'delay gradients').toBeLessThan(2e-4);
      expect(worstRelative(backward.inTimeGrads, cpuInputGrads), 'input spike-time gradients').toBeLessThan(
        2e-4,
      );
    });
  }

  it('refuses arrays of the wrong length', async () => {
    const kernel = new EventPropLayer(fixture.ctx.device, {
      inputs: 2,
      neurons: 2,
      timeSteps: 4,
      dtMs: 1,
      lif: LIF,
      output: 'spiking',
    });
    await expect(
      kernel.forward(new Float32Array(7), new Float32Array(4), new Float32Array(4), 1),
    ).rejects.toThrow(/inTimes has 7 values, expected 8/);
  });

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
