import { describe, expect, it } from 'vitest';
import { buildTaskData } from '../core/data/tasks.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { ReplicaHost } from './replicaHost.ts';
import type { FromReplica, ToReplica } from './replicaProtocol.ts';
import { createWorkerPoolEngine, type ReplicaWorker } from './workerPoolEngine.ts';

/**
 * A gradient Worker run in this process: the same replicaHost.ts code a real Worker runs, each
 * message structured-cloned and answered on a later task, as postMessage delivers it.
 */
class InProcessWorker implements ReplicaWorker {
  onmessage: ((event: MessageEvent<FromReplica>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: ((event: MessageEvent) => void) | null = null;
  /** The type of every message received, in order. */
  readonly received: ToReplica['type'][] = [];
  private readonly host = new ReplicaHost();

  constructor(private readonly failEvaluations = false) {}

  postMessage(message: ToReplica): void {
    this.received.push(message.type);
    const copy = structuredClone(message);
    setTimeout(() => {
      const { reply } =
        this.failEvaluations && copy.type === 'evaluate'
          ? { reply: { type: 'error', message: 'out of memory (stand-in)' } satisfies FromReplica }
          : this.host.handle(copy);
      this.onmessage?.({ data: reply } as MessageEvent<FromReplica>);
    }, 0);
  }

  terminate(): void {}
}

/** Three spike patterns to tell apart: 150 steps take it from chance to about 97 %. */
function patterns() {
  const config = preset('patterns')!;
  config.seed = 3;
  return { config, data: buildTaskData(config, null) };
}

describe('the playground CPU engine (a pool of gradient Workers)', () => {
  it('splits an evaluation over its Workers: the same accuracy and predictions as one thread, the loss to float rounding', async () => {
    const { config, data } = patterns();
    const workers: InProcessWorker[] = [];
    const engine = await createWorkerPoolEngine(config, data, null, 3, () => {
      const w = new InProcessWorker();
      workers.push(w);
      return w;
    });
    // Train first, so that the replicas must use the parameters they are sent.
    const train = Array.from(engine.model.data.train);
    const batch = config.training.batchSize;
    for (let s = 0; s < 150; s++) {
      const from = (s * batch) % (train.length - batch);
      await engine.step(train.slice(from, from + batch));
    }
    const single = new Trainer(config, { precision: 'f32', data });
    single.importState(engine.model.exportState());

    const indices = engine.model.data.train;
    const pooled = new Int32Array(indices.length);
    const alone = new Int32Array(indices.length);
    const a = await engine.evaluate(indices, pooled);
    const b = single.evaluate(indices, alone);
    const steps = ['init', ...Array<string>(150).fill('step')];
    expect(workers.map((w) => w.received)).toEqual([
      [...steps, 'evaluate'],
      [...steps, 'evaluate'],
    ]);
    expect(a.samples).toBe(indices.length);
    expect(indices.length).toBeGreaterThan(150);
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

  it("reports a Worker's failed evaluation with the Worker's message", async () => {
    const { config, data } = patterns();
    const engine = await createWorkerPoolEngine(config, data, null, 2, () => new InProcessWorker(true));
    await expect(engine.evaluate(engine.model.data.test.subarray(0, 40))).rejects.toThrow(
      /evaluation thread 1: out of memory \(stand-in\)/,
    );
    await engine.dispose();
  });
});
