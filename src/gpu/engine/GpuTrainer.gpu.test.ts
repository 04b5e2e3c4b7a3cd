/**
 * Whole-run parity: 20 training steps on the GPU and on the CPU engine from the same config and
 * seed stay together in loss and parameters. On a real adapter (Dawn; SwiftShader without a
 * GPU); no adapter fails the test. The GPU computes in float32 and the CPU reference in float64
 * arithmetic on float32 storage, so the tolerances allow float32 drift over 20 Adam steps.
 */
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../../core/experiment.ts';
import { preset } from '../../core/presets.ts';
import { scaledWeightInit } from '../../core/structure/ablation.ts';
import { Trainer, type TrainerState } from '../../core/trainer.ts';
import { dawnGpu } from '../../node/dawn.ts';
import { GpuDeviceLostError, openDevice, type GpuTrouble } from '../device.ts';
import { atPresetShape } from '../check/presetParity.ts';
import { GpuTrainer } from './GpuTrainer.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const STEPS = 20;

async function compare(
  config: ExperimentConfig,
  batch: number[],
  lossTol: number,
  paramTol: number,
  /**
   * Delays (time steps), default paramTol. Adam divides by sqrt(v): a synapse whose delay
   * gradient is nearly 0 turns float32 summation-order noise into steps of up to the learning
   * rate, so a few delays drift further than the weights do.
   */
  delayTol = paramTol,
): Promise<void> {
  const cpu = new Trainer(config, { precision: 'f32' });
  fixture.ctx.device.pushErrorScope('validation');
  const gpu = new GpuTrainer(fixture.ctx, config);
  try {
    const cpuLosses: number[] = [];
    const gpuLosses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      cpuLosses.push(cpu.trainStep(batch));
      gpuLosses.push(await gpu.trainStep(batch));
    }
    expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
    // Both cases feed sparse inputs (1-2 % of entries spike): the first layer ran the sparse gather.
    expect(gpu.sparseSteps).toBe(STEPS);
    cpuLosses.forEach((want, s) =>
      expect(Math.abs(gpuLosses[s]! - want), `loss at step ${s}`).toBeLessThanOrEqual(
        lossTol * (1 + Math.abs(want)),
      ),
    );
    // Training moved the loss: the comparison is not between two idle runs.
    expect(Math.abs(cpuLosses.at(-1)! - cpuLosses[0]!)).toBeGreaterThan(10 * lossTol);
    const params = await gpu.readParameters();
    const start = new Trainer(config, { precision: 'f32' });
    params.forEach((p, l) => {
      const s = cpu.net.synapses[l]!;
      // The GPU holds what the CPU holds: a compact layer's synapses only, else every one.
      expect(p.weights.length).toBe(s.weights.length);
      // A fixed mask's absent synapses: weight exactly 0, delay where it started, on the GPU too.
      s.mask?.forEach((m, q) => {
        if (m) return;
        expect(p.weights[q], `layer ${l} absent synapse ${q}`).toBe(0);
        expect(p.delays[q]).toBe(start.net.synapses[l]!.delays[q]);
      });
      for (let q = 0; q < p.weights.length; q++) {
        expect(Math.abs(p.weights[q]! - s.weights[q]!), `layer ${l} weight ${q}`).toBeLessThanOrEqual(
          paramTol,
        );
        expect(Math.abs(p.delays[q]! - s.delays[q]!), `layer ${l} delay ${q}`).toBeLessThanOrEqual(delayTol);
      }
    });
  } finally {
    gpu.destroy();
  }
}

/** mnist-bench narrowed to 784-32-10 on 8 random-spike samples (first step only), batch 8. */
function smallMnist(): ExperimentConfig {
  const c = preset('mnist-bench')!;
  c.network.layers[0]!.size = 32;
  c.task = { kind: 'randomSpikes', samples: 8, classes: 10, rate: 0.19, firstStepOnly: true };
  c.training.batchSize = 8;
  c.training.epochs = STEPS;
  return c;
}

/** shd-bench narrowed to 100 inputs, 30 steps and the given layer sizes, on 8 random-spike samples. */
function smallShd(hidden: number, outputs: number): ExperimentConfig {
  const c = preset('shd-bench')!;
  c.network.inputs = 100;
  c.network.timeSteps = 30;
  c.network.layers = [
    { ...c.network.layers[0]!, size: hidden },
    { ...c.network.layers.at(-1)!, size: outputs },
  ];
  c.task = { kind: 'randomSpikes', samples: 8, classes: outputs, rate: 0.1, firstStepOnly: false };
  c.training.batchSize = 8;
  c.training.epochs = STEPS;
  return c;
}

/**
 * A run stopped after 6 steps and rebuilt from its exportState goes on exactly as one that never
 * stopped (12 steps): the losses of the last 6 must be equal. `check` sees the state and both
 * trainers before they are destroyed.
 */
async function stopAndResume(
  config: ExperimentConfig,
  batch: number[],
  check: (state: TrainerState, straight: GpuTrainer, resumed: GpuTrainer) => Promise<void>,
): Promise<void> {
  const straight = new GpuTrainer(fixture.ctx, config);
  const first = new GpuTrainer(fixture.ctx, config);
  let resumed: GpuTrainer | null = null;
  try {
    const want: number[] = [];
    for (let s = 0; s < 12; s++) want.push(await straight.trainStep(batch));
    for (let s = 0; s < 6; s++) await first.trainStep(batch);
    const state = await first.exportState();
    expect(state.step).toBe(6);
    resumed = new GpuTrainer(fixture.ctx, config, { state });
    const got: number[] = [];
    for (let s = 0; s < 6; s++) got.push(await resumed.trainStep(batch));
    expect(got).toEqual(want.slice(6));
    await check(state, straight, resumed);
  } finally {
    straight.destroy();
    first.destroy();
    resumed?.destroy();
  }
}

describe('GpuTrainer', () => {
  it('a dense first-layer input (half the entries spike) runs the dense gather and matches the CPU engine', async () => {
    // Above SPARSE_INPUT_DENSITY, the step gathers and uploads the dense batch instead of events.
    const config = atPresetShape('patterns', 4, 20);
    if (config.task.kind === 'randomSpikes') config.task.rate = 0.5;
    const batch = [0, 1, 2, 3];
    const cpu = new Trainer(config, { precision: 'f32' });
    fixture.ctx.device.pushErrorScope('validation');
    const gpu = new GpuTrainer(fixture.ctx, config);
    try {
      for (let s = 0; s < 3; s++) {
        const want = cpu.trainStep(batch);
        const got = await gpu.trainStep(batch);
        expect(Math.abs(got - want), `loss at step ${s}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(want)));
      }
      expect(gpu.sparseSteps).toBe(0);
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
    } finally {
      gpu.destroy();
    }
  });

  it('toy: 20 delay-only steps match the CPU engine (loss 1e-3 relative, delays 1e-3 steps)', async () => {
    await compare(preset('toy')!, [0], 1e-3, 1e-3);
  });

  it('MNIST-shaped 784-32-10 net, lerp delays, batch 8: 20 steps match (loss 1e-3, parameters 1e-3)', async () => {
    const config = preset('mnist-bench')!;
    config.network.layers[0]!.size = 32;
    config.task = { kind: 'randomSpikes', samples: 8, classes: 10, rate: 0.19, firstStepOnly: true };
    config.training.batchSize = 8;
    config.training.epochs = STEPS;
    await compare(config, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3);
  });

  it('fixed connectivity masks (30 % lerp, 50 % Gaussian): 20 steps match, absent synapses stay absent', async () => {
    const lerp = smallMnist();
    lerp.network.layers.forEach((l) => (l.connectivity = 0.3));
    // Measured: weights within 4e-7, delays within 2e-3 steps (3 of 25,000 above 1e-3).
    await compare(lerp, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3, 5e-3);
    const gauss = smallShd(24, 5);
    gauss.network.layers.forEach((l) => (l.connectivity = 0.5));
    // Seed 1: seed 0's draw moves this small net's loss by under 0.01 in 20 steps, too little
    // for compare's check that training happened.
    gauss.seed = 1;
    await compare(gauss, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3);
  });

  for (const regrowth of ['gradient', 'random'] as const) {
    it(`rewiring (DEEP R, ${regrowth} regrowth, Dale's law): the same synapses as the CPU engine prune and regrow, step by step`, async () => {
      const config = preset('yinyang-rewired')!;
      // A strong L1 and some noise, so synapses go dormant within the test's steps.
      for (const l of config.network.layers)
        l.rewiring = { ...l.rewiring!, regrowth, l1: 2, temperature: 1e-4 };
      const cpu = new Trainer(config, { precision: 'f32' });
      const gpu = new GpuTrainer(fixture.ctx, config);
      // The same 40 steps issued back to back, none awaited: each must still wait for the one before.
      const backToBack = new GpuTrainer(fixture.ctx, config);
      fixture.ctx.device.pushErrorScope('validation');
      try {
        const batches = Array.from({ length: 40 }, (_, s) =>
          Array.from(cpu.data.train.subarray(32 * s, 32 * s + 32)),
        );
        const issued = batches.map((batch) => backToBack.trainStep(batch));
        let regrown = 0;
        for (let s = 0; s < 40; s++) {
          const batch = batches[s]!;
          const want = cpu.trainStep(batch);
          const got = await gpu.trainStep(batch);
          expect(Math.abs(got - want), `loss at step ${s}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(want)));
          cpu.net.synapses.forEach((syn, l) => {
            const g = gpu.reference.net.synapses[l]!;
            expect(Array.from(g.mask!), `layer ${l} mask after step ${s}`).toEqual(Array.from(syn.mask!));
          });
          expect(gpu.reference.lastRewiring).toEqual(cpu.lastRewiring);
          regrown += cpu.lastRewiring.reduce((n, e) => n + (e?.regrown ?? 0), 0);
        }
        expect(regrown, 'some synapses were pruned and regrown').toBeGreaterThan(0);
        expect(gpu.reference.activeSynapses()).toEqual([80, 48]);
        expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
        const params = await gpu.readParameters();
        params.forEach((p, l) => {
          const syn = cpu.net.synapses[l]!;
          for (let q = 0; q < p.weights.length; q++) {
            expect(Math.abs(p.weights[q]! - syn.weights[q]!), `layer ${l} weight ${q}`).toBeLessThanOrEqual(
              1e-3,
            );
            expect(Math.abs(p.delays[q]! - syn.delays[q]!), `layer ${l} delay ${q}`).toBeLessThanOrEqual(
              1e-3,
            );
            if (!syn.mask![q]) expect(p.weights[q]).toBe(0);
          }
        });
        await Promise.all(issued);
        const [awaited, pipelined] = [params, await backToBack.readParameters()];
        awaited.forEach((p, l) => {
          expect(Array.from(pipelined[l]!.weights)).toEqual(Array.from(p.weights));
          expect(Array.from(backToBack.reference.net.synapses[l]!.mask!)).toEqual(
            Array.from(gpu.reference.net.synapses[l]!.mask!),
          );
        });
        // Regrown synapses started with cleared Adam moments on both engines.
        const [got, want] = [await gpu.exportState(), cpu.exportState()];
        want.layers.forEach((layer, l) => {
          for (const which of ['adamWeights', 'adamDelays'] as const) {
            const [a, b] = [got.layers[l]![which]!, layer[which]!];
            for (let q = 0; q < b.m.length; q++) {
              expect(Math.abs(a.m[q]! - b.m[q]!), `layer ${l} ${which} m ${q}`).toBeLessThanOrEqual(1e-4);
              expect(Math.abs(a.v[q]! - b.v[q]!), `layer ${l} ${which} v ${q}`).toBeLessThanOrEqual(1e-6);
            }
          }
          expect(Array.from(got.layers[l]!.structure!.mask!)).toEqual(Array.from(layer.structure!.mask!));
        });
      } finally {
        gpu.destroy();
        backToBack.destroy();
      }
    });
  }

  it('steps issued back to back give exactly the losses and parameters of awaited steps (deterministic)', async () => {
    const config = preset('toy')!;
    const awaited = new GpuTrainer(fixture.ctx, config);
    const pipelined = new GpuTrainer(fixture.ctx, config);
    try {
      const a: number[] = [];
      for (let s = 0; s < 10; s++) a.push(await awaited.trainStep([0]));
      const pending = Array.from({ length: 10 }, () => pipelined.trainStep([0]));
      expect(await Promise.all(pending)).toEqual(a);
      const [pa, pb] = [await awaited.readParameters(), await pipelined.readParameters()];
      expect(Array.from(pb[0]!.delays)).toEqual(Array.from(pa[0]!.delays));
    } finally {
      awaited.destroy();
      pipelined.destroy();
    }
  });

  it('rewiring on compact layers (DEEP R at 93.75 %): the same synapse lists as the CPU engine, step by step; with AMSGrad too', async () => {
    for (const amsgrad of [false, true]) await compactRewiringAsCpu(amsgrad);
  });

  /** 40 DEEP R steps on compact layers, GPU against CPU; AMSGrad's maximum moves with its synapse too. */
  async function compactRewiringAsCpu(amsgrad: boolean): Promise<void> {
    const config = preset('yinyang')!;
    config.optimizer.amsgrad = amsgrad;
    for (const l of config.network.layers) {
      l.connectivity = 1 / 16;
      l.rewiring = { regrowth: 'random', dale: true, l1: 2, temperature: 1e-4 };
    }
    const cpu = new Trainer(config, { precision: 'f32' });
    const gpu = new GpuTrainer(fixture.ctx, config);
    fixture.ctx.device.pushErrorScope('validation');
    try {
      expect(gpu.reference.net.synapses.map((s) => s.synapseIndex?.length)).toEqual([20, 12]);
      let regrown = 0;
      for (let s = 0; s < 40; s++) {
        const batch = Array.from(cpu.data.train.subarray(32 * s, 32 * s + 32));
        const want = cpu.trainStep(batch);
        const got = await gpu.trainStep(batch);
        expect(Math.abs(got - want), `loss at step ${s}`).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(want)));
        cpu.net.synapses.forEach((syn, l) =>
          expect(
            Array.from(gpu.reference.net.synapses[l]!.synapseIndex!),
            `layer ${l} after step ${s}`,
          ).toEqual(Array.from(syn.synapseIndex!)),
        );
        expect(gpu.reference.lastRewiring).toEqual(cpu.lastRewiring);
        regrown += cpu.lastRewiring.reduce((n, e) => n + (e?.regrown ?? 0), 0);
      }
      expect(regrown, 'some synapses were pruned and regrown').toBeGreaterThan(0);
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
      const params = await gpu.readParameters();
      params.forEach((p, l) => {
        const syn = cpu.net.synapses[l]!;
        expect(p.weights.length).toBe(syn.weights.length);
        syn.weights.forEach((w, e) => {
          expect(Math.abs(p.weights[e]! - w), `layer ${l} weight ${e}`).toBeLessThanOrEqual(1e-3);
          expect(Math.abs(p.delays[e]! - syn.delays[e]!), `layer ${l} delay ${e}`).toBeLessThanOrEqual(1e-3);
        });
      });
      // The moments moved with their synapses: the GPU's state is the CPU's to float32 drift.
      const [a, b] = [await gpu.exportState(), cpu.exportState()];
      b.layers.forEach((layer, l) => {
        const [m, want] = [a.layers[l]!.adamWeights!.m, layer.adamWeights!.m];
        want.forEach((x, e) =>
          expect(Math.abs(m[e]! - x), `layer ${l} moment ${e}`).toBeLessThanOrEqual(1e-4),
        );
        const [vMax, wantMax] = [a.layers[l]!.adamWeights!.vMax, layer.adamWeights!.vMax];
        expect(vMax === undefined).toBe(!amsgrad);
        wantMax?.forEach((x, e) =>
          expect(Math.abs(vMax![e]! - x), `layer ${l} vMax ${e}`).toBeLessThanOrEqual(1e-4 * (1 + x)),
        );
      });
    } finally {
      gpu.destroy();
    }
  }

  it('exportState / state: a run stopped after 6 steps and rebuilt from its state goes on exactly as one that never stopped', async () => {
    const config = preset('mnist-bench')!;
    config.network.layers[0]!.size = 16;
    config.task = { kind: 'randomSpikes', samples: 4, classes: 10, rate: 0.19, firstStepOnly: true };
    config.training.batchSize = 4;
    await stopAndResume(config, [0, 1, 2, 3], async (state, straight, resumed) => {
      // Adam moments came back: not all zero after 6 steps that moved the weights.
      expect(state.layers[0]!.adamWeights!.m.some((m) => m !== 0)).toBe(true);
      expect(state.layers[0]!.adamWeights!.step).toBe(6);
      const [a, b] = [await straight.readParameters(), await resumed.readParameters()];
      expect(Array.from(b[1]!.weights)).toEqual(Array.from(a[1]!.weights));
      // The CPU engine imports the same state (the playground resumes on either engine).
      const cpu = new Trainer(config, { precision: 'f32' });
      cpu.importState(state);
      expect(cpu.step).toBe(6);
      expect(Array.from(cpu.net.synapses[0]!.delays)).toEqual(Array.from(state.layers[0]!.delays));
    });
  });

  it('AMSGrad: 20 steps match the CPU engine, and its maximum travels with the state both ways', async () => {
    const config = smallMnist();
    config.optimizer.amsgrad = true;
    // Measured: weights within 3.4e-6; 1 of 25,088 delays 0.037 steps apart, the others within
    // 1e-3 (a near-zero gradient's float32 noise, as in compare's note, kept by the maximum).
    await compare(config, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3, 0.05);
    await stopAndResume(config, [0, 1, 2, 3, 4, 5, 6, 7], async (state) => {
      const a = state.layers[0]!.adamWeights!;
      expect(a.vMax!.every((x, q) => x >= a.v[q]!)).toBe(true);
      expect(a.vMax!.some((x, q) => x > a.v[q]!)).toBe(true);
      // The CPU engine takes the maximum over too.
      const cpu = new Trainer(config, { precision: 'f32' });
      cpu.importState(state);
      expect(Array.from(cpu.exportState().layers[0]!.adamWeights!.vMax!)).toEqual(Array.from(a.vMax!));
    });
  });

  it('compact layers (93.75 % sparse, lerp and Gaussian): 20 steps match, the buffers hold their synapses only', async () => {
    const lerp = smallMnist();
    lerp.network.layers[0]!.connectivity = 1 / 16;
    // Weights x16 (the ablation's rule: the same expected input per neuron), so it spikes.
    lerp.network.layers[0]!.weightInit = scaledWeightInit(lerp.network.layers[0]!.weightInit, 16);
    // The first layer takes the event-driven forward (main_compact) and the active passes.
    await compare(lerp, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3, 5e-3);
    const gauss = smallShd(32, 16);
    gauss.network.layers.forEach((l) => {
      l.connectivity = 1 / 16;
      l.weightInit = scaledWeightInit(l.weightInit, 16);
    });
    // Both layers compact: the hidden layer's forward runs main_active over its lists.
    expect(new Trainer(gauss).net.synapses.map((s) => s.synapseIndex?.length)).toEqual([200, 32]);
    await compare(gauss, [0, 1, 2, 3, 4, 5, 6, 7], 1e-3, 1e-3, 5e-3);
  });

  it('a compact CPU run (93.75 % sparse layer) goes on on the GPU from its state, and back', async () => {
    const config = preset('mnist-bench')!;
    config.network.layers[0]!.size = 16;
    config.network.layers[0]!.connectivity = 1 / 16;
    config.task = { kind: 'randomSpikes', samples: 4, classes: 10, rate: 0.19, firstStepOnly: true };
    config.training.batchSize = 4;
    const batch = [0, 1, 2, 3];
    const cpu = new Trainer(config, { precision: 'f32' });
    for (let s = 0; s < 4; s++) cpu.trainStep(batch);
    const state = cpu.exportState();
    // The CPU layer is compact and so is its state, and the GPU's buffers.
    expect(state.layers[0]!.synapses?.length).toBe(784);
    const gpu = new GpuTrainer(fixture.ctx, config, { state });
    try {
      for (let s = 0; s < 4; s++) {
        const want = cpu.trainStep(batch);
        const got = await gpu.trainStep(batch);
        expect(Math.abs(got - want), `loss at step ${4 + s}`).toBeLessThanOrEqual(
          1e-4 * Math.max(1, Math.abs(want)),
        );
      }
      const [first] = await gpu.readParameters();
      expect(first!.weights.length).toBe(784);
      cpu.net.synapses[0]!.weights.forEach((w, e) => {
        expect(first!.weights[e]).toBeCloseTo(w, 4);
        expect(first!.delays[e]).toBeCloseTo(cpu.net.synapses[0]!.delays[e]!, 4);
      });
      // The GPU's state (compact too) resumes on a CPU trainer of either storage.
      const saved = await gpu.exportState();
      expect(saved.layers[0]!.synapses).toEqual(cpu.net.synapses[0]!.synapseIndex);
      expect(saved.layers[0]!.adamDelays!.m.length).toBe(784);
      const back = new Trainer(config, { precision: 'f32' });
      back.importState(saved);
      expect(back.step).toBe(8);
      const dense = new Trainer(config, { precision: 'f32', structure: [] });
      dense.importState(saved);
      cpu.net.synapses[0]!.synapseIndex!.forEach((q, e) =>
        expect(dense.net.synapses[0]!.delays[q]).toBe(back.net.synapses[0]!.delays[e]),
      );
    } finally {
      gpu.destroy();
    }
  });

  it('steady training creates no bind groups and no buffers: both are reused step after step', async () => {
    const config = preset('mnist-bench')!;
    config.network.layers[0]!.size = 16;
    config.task = { kind: 'randomSpikes', samples: 4, classes: 10, rate: 0.19, firstStepOnly: true };
    config.training.batchSize = 4;
    const device = fixture.ctx.device;
    const gpu = new GpuTrainer(fixture.ctx, config);
    const counts = { bindGroups: 0, buffers: 0 };
    const createBindGroup = device.createBindGroup.bind(device);
    const createBuffer = device.createBuffer.bind(device);
    try {
      // Warm-up: pipelines, activations, bind groups and a few readback buffers appear here.
      for (let s = 0; s < 3; s++) await gpu.trainStep([0, 1, 2, 3]);
      device.createBindGroup = (d) => (counts.bindGroups++, createBindGroup(d));
      device.createBuffer = (d) => (counts.buffers++, createBuffer(d));
      for (let s = 0; s < 5; s++) await gpu.trainStep([0, 1, 2, 3]);
      expect(counts).toEqual({ bindGroups: 0, buffers: 0 });
      // The counting wrapper saw calls at all: a buffer created now is counted.
      createBuffer({ label: 'probe', size: 4, usage: GPUBufferUsage.STORAGE }).destroy();
      device.createBuffer({ label: 'probe', size: 4, usage: GPUBufferUsage.STORAGE }).destroy();
      expect(counts.buffers).toBe(1);
    } finally {
      device.createBindGroup = createBindGroup;
      device.createBuffer = createBuffer;
      gpu.destroy();
    }
  });

  it('device lost mid-run: a clear error, and training goes on on the CPU from the checkpoint', async () => {
    const seen: GpuTrouble[] = [];
    const own = await openDevice(dawnGpu(), (t) => seen.push(t));
    const gpu = new GpuTrainer(own, preset('toy')!);
    try {
      for (let s = 0; s < 5; s++) await gpu.trainStep([0]);
      await gpu.checkpoint();
      const saved = Array.from(gpu.reference.net.synapses[0]!.delays);
      expect(saved.some((d) => Math.abs(d - 2) > 0.5)).toBe(true); // the checkpoint holds trained delays
      own.device.destroy();
      await expect(gpu.trainStep([0])).rejects.toThrow(GpuDeviceLostError);
      await expect(gpu.trainStep([0])).rejects.toThrow(/GPU device was lost/);
      expect(seen.some((t) => t.kind === 'lost')).toBe(true);
      // Recovery: the CPU trainer still holds the checkpoint and trains on from it.
      expect(Array.from(gpu.reference.net.synapses[0]!.delays)).toEqual(saved);
      const before = gpu.reference.trainStep([0]);
      const after = gpu.reference.trainStep([0]);
      expect(Number.isFinite(before) && Number.isFinite(after)).toBe(true);
      expect(Array.from(gpu.reference.net.synapses[0]!.delays)).not.toEqual(saved);
    } finally {
      gpu.destroy();
    }
  });

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
