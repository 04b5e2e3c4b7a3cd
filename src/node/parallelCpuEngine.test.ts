import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from '../core/experiment.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { ParallelCpuEngine } from './parallelCpuEngine.ts';

describe('ParallelCpuEngine', () => {
  /** Patterns with a first layer 15/16 sparse: stored compactly, in shared memory of 1/16 the size. */
  const compactPatterns = () => {
    const c = preset('patterns')!;
    c.network.layers[0]!.size = 64;
    c.network.layers[0]!.connectivity = 1 / 16;
    return c;
  };
  for (const [name, make] of [
    ['patterns', () => preset('patterns')!],
    ['yinyang-rewired', () => preset('yinyang-rewired')!],
    ['patterns, compact first layer', compactPatterns],
    [
      'patterns, compact rewired first layer (RigL)',
      () => {
        const c = compactPatterns();
        c.network.layers[0]!.rewiring = { regrowth: 'gradient', dale: true, l1: 0.05, temperature: 1e-4 };
        return c;
      },
    ],
  ] as const) {
    it(`${name}: takes the same steps as the single-thread trainer (up to float summation order)`, async () => {
      const config = make();
      const single = new Trainer(config, { precision: 'f64', epochs: 2 });
      const parallel = new ParallelCpuEngine(config, 2, { precision: 'f64', epochs: 2 });
      try {
        // At least 30 steps, and (rewired) until some synapse has regrown.
        const regrown = (): number => single.regrownSoFar.reduce((a, b) => a + b, 0);
        for (let step = 0; step < 30 || (name.includes('rewired') && regrown() === 0 && step < 300); step++) {
          const from = (16 * step) % (single.data.train.length - 16);
          const batch = Array.from(single.data.train.subarray(from, from + 16));
          const a = single.trainStep(batch);
          const b = await parallel.step(batch);
          expect(b).toBeCloseTo(a, 10);
        }
        if (name.includes('compact')) {
          const s = parallel.model.net.synapses[0]!;
          expect(s.synapseIndex?.length).toBe(Math.round(s.possibleSynapses / 16));
          expect(s.weights.length).toBe(s.synapseIndex!.length);
          // The gradient thread rewired with the main thread: the same synapses on both.
          expect(Array.from(s.synapseIndex!)).toEqual(Array.from(single.net.synapses[0]!.synapseIndex!));
        }
        single.net.synapses.forEach((s, l) => {
          const p = parallel.model.net.synapses[l]!;
          // Rewiring runs on the main thread; the gradient threads must see its masks.
          expect(p.mask === null ? null : Array.from(p.mask)).toEqual(
            s.mask === null ? null : Array.from(s.mask),
          );
          for (let q = 0; q < s.weights.length; q++) {
            expect(p.weights[q]).toBeCloseTo(s.weights[q]!, 9);
            expect(p.delays[q]).toBeCloseTo(s.delays[q]!, 9);
          }
        });
        // The parameters moved: the comparison above is not between two untouched copies.
        const fresh = new Trainer(config, { precision: 'f64' });
        expect(Array.from(fresh.net.synapses[0]!.delays)).not.toEqual(
          Array.from(single.net.synapses[0]!.delays),
        );
        // And for the rewired network, synapses were regrown (whose delay gradients the threads share).
        if (name === 'yinyang-rewired')
          expect(single.regrownSoFar.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      } finally {
        await parallel.dispose();
      }
    });
  }

  it('splits the optimiser step over its threads without changing a bit: Adam and AMSGrad, dense, masked and compact layers', async () => {
    const variants: [string, () => ExperimentConfig][] = [
      ['patterns', () => preset('patterns')!],
      [
        'patterns, AMSGrad, a masked dense first layer',
        () => {
          const c = preset('patterns')!;
          c.optimizer.amsgrad = true;
          c.network.layers[0]!.connectivity = 0.5;
          return c;
        },
      ],
      ['patterns, compact first layer', compactPatterns],
    ];
    for (const [name, make] of variants) {
      for (const threads of [2, 3]) {
        const config = make();
        const sharded = new ParallelCpuEngine(config, threads, { precision: 'f32', epochs: 2 });
        const serial = new ParallelCpuEngine(config, threads, {
          precision: 'f32',
          epochs: 2,
          shardUpdate: false,
        });
        try {
          expect(sharded.shardedUpdate, name).toBe(true);
          expect(serial.shardedUpdate, name).toBe(false);
          const t = sharded.model;
          // Batches of 16 split 6/5/5 over 3 threads, and a last one of 7 (uneven slices).
          for (let step = 0; step < 25; step++) {
            const from = (16 * step) % (t.data.train.length - 16);
            const batch = Array.from(t.data.train.subarray(from, from + (step === 24 ? 7 : 16)));
            expect(await sharded.step(batch), `${name}, ${threads} threads, step ${step}`).toBe(
              await serial.step(batch),
            );
          }
          const a = await sharded.exportState();
          const b = await serial.exportState();
          expect(a.step).toBe(25);
          expect(a, `${name}, ${threads} threads`).toEqual(b);
          const fresh = new Trainer(config, { precision: 'f32' });
          expect(Array.from(t.net.synapses[0]!.delays)).not.toEqual(
            Array.from(fresh.net.synapses[0]!.delays),
          );
        } finally {
          await sharded.dispose();
          await serial.dispose();
        }
      }
    }
  });

  it('keeps the optimiser step on the main thread where layers rewire', async () => {
    const parallel = new ParallelCpuEngine(preset('yinyang-rewired')!, 2, { precision: 'f32' });
    try {
      expect(parallel.shardedUpdate).toBe(false);
    } finally {
      await parallel.dispose();
    }
  });

  it('evaluates a split on its threads: the accuracy and predictions of one thread, its loss to float order', async () => {
    const config = preset('patterns')!;
    const parallel = new ParallelCpuEngine(config, 3, { precision: 'f32', epochs: 2 });
    try {
      const t = parallel.model;
      for (const batch of t.drawEpochBatches()) await parallel.step(batch);
      const indices = t.data.test;
      const single = new Int32Array(indices.length);
      const threaded = new Int32Array(indices.length).fill(-7);
      const a = t.evaluate(indices, single);
      // The replicas answer through their own share: spy that they were asked.
      let asked = 0;
      const replicas = (parallel as unknown as { replicas: { evaluate: (r: unknown) => Promise<unknown> }[] })
        .replicas;
      for (const r of replicas) {
        const evaluate = r.evaluate.bind(r);
        r.evaluate = (request) => {
          asked++;
          return evaluate(request);
        };
      }
      const b = await parallel.evaluate(indices, threaded);
      expect(asked).toBe(2);
      expect(b.samples).toBe(indices.length);
      expect(b.accuracy).toBe(a.accuracy);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(Array.from(threaded)).toEqual(Array.from(single));
      // The trained network predicts more than one class: the order of the answers is checked.
      expect(new Set(single).size).toBeGreaterThan(1);
    } finally {
      await parallel.dispose();
    }
  });

  it('reports divergence during a parallel step as an error', async () => {
    const config = preset('patterns')!;
    const parallel = new ParallelCpuEngine(config, 2, { precision: 'f64' });
    try {
      parallel.model.net.synapses[0]!.weights[0] = Number.NaN;
      const batch = Array.from(parallel.model.data.train.subarray(0, 8));
      await expect(parallel.step(batch)).rejects.toThrow(/not finite/);
    } finally {
      await parallel.dispose();
    }
  });

  it('a gradient thread that dies fails the step (with why) instead of leaving it waiting', async () => {
    const config = preset('patterns')!;
    const parallel = new ParallelCpuEngine(config, 2, { precision: 'f64' });
    try {
      const batch = Array.from(parallel.model.data.train.subarray(0, 8));
      await parallel.step(batch);
      const { replicas } = parallel as unknown as {
        replicas: { worker: { terminate(): Promise<number> } }[];
      };
      await replicas[0]!.worker.terminate();
      await expect(parallel.step(batch)).rejects.toThrow(/gradient thread 1: the gradient thread exited/);
      // And every later step at once, not after a wait.
      await expect(parallel.step(batch)).rejects.toThrow(/exited/);
    } finally {
      await parallel.dispose();
    }
  });
});
