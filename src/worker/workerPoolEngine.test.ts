import { describe, expect, it, vi } from 'vitest';
import { buildTaskData } from '../core/data/tasks.ts';
import type { DataParallelEngine } from '../core/dataParallel.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { gradientWorkerHandler } from './gradientWorkerHandler.ts';
import type { FromGradientWorker, ToGradientWorker } from './replicaProtocol.ts';
import { createWorkerPoolEngine, type ReplicaWorker } from './workerPoolEngine.ts';

/**
 * A gradient Worker run in this process: the same handler a real Worker runs, each message
 * structured-cloned (shared memory stays shared, as postMessage keeps it) and answered on a
 * later task.
 */
class InProcessWorker implements ReplicaWorker {
  onmessage: ((event: MessageEvent<FromGradientWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  /** What each message received was: its `type`, or a shared replica's request `kind` ('step' if none). */
  readonly received: string[] = [];
  private readonly handle = gradientWorkerHandler();

  /**
   * failOn: a request (by type or kind) answered with an error, as a Worker that ran out of
   * memory would; silentOn: one never answered, as by a Worker the browser stopped without an
   * error event.
   */
  constructor(
    private readonly failOn: string | null = null,
    private readonly silentOn: string | null = null,
    /** How late each answer comes (ms). */
    private readonly delayMs = 0,
  ) {}

  postMessage(message: ToGradientWorker): void {
    const what = 'type' in message ? message.type : 'kind' in message ? message.kind : 'step';
    this.received.push(what);
    if (what === this.silentOn) return;
    const copy = structuredClone(message);
    setTimeout(() => {
      const { reply } =
        what === this.failOn
          ? { reply: { type: 'error', message: 'out of memory (stand-in)' } satisfies FromGradientWorker }
          : this.handle(copy);
      this.onmessage?.({ data: reply } as MessageEvent<FromGradientWorker>);
    }, this.delayMs);
  }

  terminated = false;

  terminate(): void {
    this.terminated = true;
  }
}

/** Three spike patterns to tell apart: 150 steps take it from chance to about 97 %. */
function patterns() {
  const config = preset('patterns')!;
  config.seed = 3;
  return { config, data: buildTaskData(config, null) };
}

const STEPS = 150;

async function trainPool(sharedMemory: boolean, threads: number) {
  const { config, data } = patterns();
  const workers: InProcessWorker[] = [];
  const engine = await createWorkerPoolEngine(
    config,
    data,
    null,
    threads,
    () => {
      const w = new InProcessWorker();
      workers.push(w);
      return w;
    },
    sharedMemory,
  );
  const train = Array.from(engine.model.data.train);
  const batch = config.training.batchSize;
  for (let s = 0; s < STEPS; s++) {
    const from = (s * batch) % (train.length - batch);
    await engine.step(train.slice(from, from + batch));
  }
  return { config, data, engine, workers };
}

function parameters(engine: DataParallelEngine): number[][] {
  return engine.model.net.synapses.flatMap((s) => [Array.from(s.weights), Array.from(s.delays)]);
}

describe('the playground CPU engine (a pool of gradient Workers)', () => {
  for (const sharedMemory of [false, true]) {
    it(`${sharedMemory ? 'over shared memory' : 'sent copies'}: splits an evaluation over its Workers, with the same accuracy and predictions as one thread and the loss to float rounding`, async () => {
      const { config, data, engine, workers } = await trainPool(sharedMemory, 3);
      const single = new Trainer(config, { precision: 'f32', data });
      single.importState(engine.model.exportState());
      const indices = engine.model.data.train;
      const pooled = new Int32Array(indices.length);
      const alone = new Int32Array(indices.length);
      const a = await engine.evaluate(indices, pooled);
      const b = single.evaluate(indices, alone);
      // Shared memory: each step is the gradients, then a slice of the sum and of the update.
      const perStep = sharedMemory ? ['step', 'sumSlice', 'updateSlice'] : ['step'];
      const expected = [
        sharedMemory ? 'init-shared' : 'init',
        ...Array.from({ length: STEPS }, () => perStep).flat(),
        'evaluate',
      ];
      expect(workers.map((w) => w.received)).toEqual([expected, expected]);
      expect(engine.info.description).toContain(
        sharedMemory ? 'in Workers sharing memory, optimiser step split over them' : 'in Workers)',
      );
      expect(engine.info.details['splitOptimiserStep']).toBe(sharedMemory);
      expect(indices.length).toBeGreaterThan(150);
      expect(a.samples).toBe(indices.length);
      expect(b.accuracy!).toBeGreaterThan(0.8);
      expect(a.accuracy).toBe(b.accuracy);
      expect(a.loss).toBeCloseTo(b.loss, 10);
      expect(Array.from(pooled)).toEqual(Array.from(alone));
      // Training moved the predictions: a replica that kept its first parameters would be caught.
      const untrained = new Int32Array(indices.length);
      new Trainer(config, { precision: 'f32', data }).evaluate(indices, untrained);
      expect(Array.from(untrained)).not.toEqual(Array.from(alone));
      await engine.dispose();
    });
  }

  it('trains to the same parameters, bit for bit, over shared memory as with copies', async () => {
    const copies = await trainPool(false, 3);
    const shared = await trainPool(true, 3);
    expect(parameters(shared.engine)).toEqual(parameters(copies.engine));
    // And not trivially: the parameters moved from the seed's.
    const fresh = new Trainer(copies.config, { precision: 'f32', data: copies.data });
    expect(parameters(copies.engine)[0]).not.toEqual(Array.from(fresh.net.synapses[0]!.weights));
    await copies.engine.dispose();
    await shared.engine.dispose();
  });

  it('shares memory but steps the optimiser on one thread when a layer rewires, and says so', async () => {
    const { config } = patterns();
    config.network.layers = config.network.layers.map((l) => ({
      ...l,
      connectivity: 0.5,
      rewiring: { regrowth: 'gradient', dale: false, l1: 0.01, temperature: 1e-6 },
    }));
    const data = buildTaskData(config, null);
    const workers: InProcessWorker[] = [];
    const spawn = (): InProcessWorker => {
      const w = new InProcessWorker();
      workers.push(w);
      return w;
    };
    const engine = await createWorkerPoolEngine(config, data, null, 2, spawn, true);
    expect(engine.shardedUpdate).toBe(false);
    expect(engine.info.details['splitOptimiserStep']).toBe(false);
    expect(engine.info.description).toContain('in Workers sharing memory');
    expect(engine.info.description).not.toContain('split');
    await engine.step(Array.from(engine.model.data.train.subarray(0, config.training.batchSize)));
    // The Worker computed gradients and was asked for no slice of the sum or the update.
    expect(workers[0]!.received).toEqual(['init-shared', 'step']);
    await engine.dispose();
  });

  it("reports a Worker's failed evaluation with the Worker's message", async () => {
    const { config, data } = patterns();
    const engine = await createWorkerPoolEngine(
      config,
      data,
      null,
      2,
      () => new InProcessWorker('evaluate'),
      false,
    );
    await expect(engine.evaluate(engine.model.data.test.subarray(0, 40))).rejects.toThrow(
      /evaluation thread 1: out of memory \(stand-in\)/,
    );
    await engine.dispose();
  });

  it('refuses to train on or to checkpoint a model a failed Worker left part-updated', async () => {
    const { config, data } = patterns();
    const engine = await createWorkerPoolEngine(
      config,
      data,
      null,
      2,
      () => new InProcessWorker('updateSlice'),
      true,
    );
    expect(engine.shardedUpdate).toBe(true);
    const batch = Array.from(engine.model.data.train.subarray(0, config.training.batchSize));
    await expect(engine.step(batch)).rejects.toThrow(
      /part-updated at step \d+ \(gradient thread 1: out of memory \(stand-in\)\); reload the run/,
    );
    // No checkpoint of the torn state (the session keeps the stored one), and no further steps on it.
    await expect(engine.exportState()).rejects.toThrow(/part-updated/);
    await expect(engine.step(batch)).rejects.toThrow(/part-updated/);
    await engine.dispose();
  });

  /** Waits 0.1 s for a silent Worker, whatever this thread's share took, from the first call on. */
  const quickStall = { floorMs: 100, firstFloorMs: 100, ownShareFactor: 0 };
  const stalledStep =
    /gradient thread 1 gave no answer within 0\.1 s of the calling thread finishing its equal share: it may have stopped \(out of memory\?\) or hung\. Go on from the last saved checkpoint/;

  /** The engine's evaluation of 40 test samples equals the calling thread's own. */
  async function expectEvaluatesAlone(engine: DataParallelEngine): Promise<void> {
    const indices = engine.model.data.test.subarray(0, 40);
    const alone = new Trainer(engine.model.config, { precision: 'f32', data: engine.model.data });
    alone.importState(engine.model.exportState());
    expect(await engine.evaluate(indices)).toEqual(alone.evaluate(indices));
  }

  it('gives up on a Worker that stops answering during a step, with a message; later steps are refused, evaluations run alone, the state still saves', async () => {
    const { config, data } = patterns();
    const spawn = () => new InProcessWorker(null, 'step');
    const engine = await createWorkerPoolEngine(config, data, null, 2, spawn, false, quickStall);
    const before = await engine.exportState();
    const batch = Array.from(engine.model.data.train.subarray(0, config.training.batchSize));
    await expect(engine.step(batch)).rejects.toThrow(stalledStep);
    await expect(engine.step(batch)).rejects.toThrow(stalledStep);
    await expectEvaluatesAlone(engine);
    const after = await engine.exportState();
    expect(after.step).toBe(before.step);
    await engine.dispose();
  });

  it('gives up on a Worker that stops answering in an evaluation; the next step is refused at once', async () => {
    const { config, data } = patterns();
    const workers: InProcessWorker[] = [];
    const spawn = () => {
      const w = new InProcessWorker(null, 'evaluate');
      workers.push(w);
      return w;
    };
    const engine = await createWorkerPoolEngine(config, data, null, 2, spawn, false, quickStall);
    await expect(engine.evaluate(engine.model.data.test.subarray(0, 40))).rejects.toThrow(
      /evaluation thread 1 gave no answer within 0\.1 s/,
    );
    const batch = Array.from(engine.model.data.train.subarray(0, config.training.batchSize));
    await expect(engine.step(batch)).rejects.toThrow(/evaluation thread 1 gave no answer/);
    // Refused before asking: the Worker got no step request.
    expect(workers[0]!.received).toEqual(['init', 'evaluate']);
    await expectEvaluatesAlone(engine);
    await engine.dispose();
  });

  it('keeps the model whole when a Worker falls silent while summing a split step, and counts silence during the update as leaving it part-updated', async () => {
    const { config, data } = patterns();
    const batch = Array.from(data.train.subarray(0, config.training.batchSize));
    const silentIn = (request: string) =>
      createWorkerPoolEngine(
        config,
        data,
        null,
        2,
        () => new InProcessWorker(null, request),
        true,
        quickStall,
      );
    const inSum = await silentIn('sumSlice');
    expect(inSum.shardedUpdate).toBe(true);
    await expect(inSum.step(batch)).rejects.toThrow(stalledStep);
    // Nothing was stepped yet: the state saves, at the step it had.
    expect((await inSum.exportState()).step).toBe(0);
    await inSum.dispose();

    const inUpdate = await silentIn('updateSlice');
    await expect(inUpdate.step(batch)).rejects.toThrow(
      /part-updated at step \d+ \(gradient thread 1 gave no answer within 0\.1 s/,
    );
    await expect(inUpdate.exportState()).rejects.toThrow(/part-updated/);
    await inUpdate.dispose();
  });

  for (const sharedMemory of [false, true]) {
    it(`${sharedMemory ? 'over shared memory' : 'sent copies'}: gives up on a Worker that never answers its set-up after 30 s, and ends it`, async () => {
      const { config, data } = patterns();
      const workers: InProcessWorker[] = [];
      const spawn = () => {
        const w = new InProcessWorker(null, sharedMemory ? 'init-shared' : 'init');
        workers.push(w);
        return w;
      };
      vi.useFakeTimers();
      try {
        const started = createWorkerPoolEngine(config, data, null, 2, spawn, sharedMemory);
        const failed = expect(started).rejects.toThrow(/gradient Worker 1 did not start within 30 s/);
        await vi.advanceTimersByTimeAsync(30_000);
        await failed;
        expect(workers[0]!.terminated).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });
  }

  it('waits longer for the first answer (start-up) than for later ones', async () => {
    const { config, data } = patterns();
    // Every answer 150 ms late: within the first call's 1 s, past the later calls' 50 ms.
    const spawn = () => new InProcessWorker(null, null, 150);
    // Copies: one exchange per step (shared memory adds the split step's two).
    const engine = await createWorkerPoolEngine(config, data, null, 2, spawn, false, {
      floorMs: 50,
      firstFloorMs: 1_000,
      ownShareFactor: 0,
    });
    const batch = Array.from(engine.model.data.train.subarray(0, config.training.batchSize));
    expect(Number.isFinite(await engine.step(batch))).toBe(true);
    expect(engine.model.step).toBe(1);
    await expect(engine.step(batch)).rejects.toThrow(/gradient thread 1 gave no answer within/);
    await engine.dispose();
  });

  for (const sharedMemory of [false, true]) {
    it(`${sharedMemory ? 'over shared memory' : 'sent copies'}: ends the Workers already started when a later one cannot be`, async () => {
      const { config, data } = patterns();
      const workers: InProcessWorker[] = [];
      const spawn = (index: number): InProcessWorker => {
        if (index === 2) throw new Error('no more Workers (stand-in)');
        const worker = new InProcessWorker();
        workers.push(worker);
        return worker;
      };
      await expect(createWorkerPoolEngine(config, data, null, 3, spawn, sharedMemory)).rejects.toThrow(
        /no more Workers \(stand-in\)/,
      );
      expect(workers.length).toBe(1);
      expect(workers[0]!.terminated).toBe(true);
    });
  }
});
