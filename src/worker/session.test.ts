import { describe, expect, it } from 'vitest';
import { preset } from '../core/presets.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { RunEntry } from '../storage/runStore.ts';
import type { EngineChoice, EpochRecord, FromWorker, ToWorker } from './protocol.ts';
import { TrainingSession, type RunPersistence, type SessionHost } from './session.ts';

/** Runs kept in memory, as IndexedDB would keep them. */

/** A page's 'load' message for a config: one CPU thread, no built-in data URL. */
function loadMessage(
  config: ExperimentConfig,
  engine: EngineChoice = 'cpu',
  resumeRunId: string | null = null,
): ToWorker {
  return { type: 'load', config, engine, resumeRunId, dataBaseUrl: '', cpuThreads: 1 };
}

class MemoryRuns implements RunPersistence {
  readonly runs = new Map<string, { entry: RunEntry; checkpoint: Uint8Array }>();
  /** Runs some session (a tab) holds, as Web Locks would hold them across tabs. */
  readonly locks = new Set<string>();
  lockRun(id: string): Promise<(() => void) | null> {
    if (this.locks.has(id)) return Promise.resolve(null);
    this.locks.add(id);
    return Promise.resolve(() => this.locks.delete(id));
  }
  load(id: string) {
    return Promise.resolve(this.runs.get(id) ?? null);
  }
  saveProgress(entry: RunEntry, checkpoint: Uint8Array) {
    this.runs.set(entry.id, { entry: structuredClone(entry), checkpoint: checkpoint.slice() });
    return Promise.resolve(entry);
  }
}

/** A session on real timers, the CPU engine and in-memory runs; collects what it posts. */
function startSession(runs = new MemoryRuns()) {
  const messages: FromWorker[] = [];
  let ids = 0;
  const host: SessionHost = {
    post: (m) => messages.push(m),
    now: () => performance.now(),
    setTimer: (fn, ms) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    },
    loadData: () => Promise.resolve(null),
    runs,
    gpu: undefined,
    newId: () => `run-${++ids}`,
    lockRun: (id) => runs.lockRun(id),
  };
  const session = new TrainingSession(host);
  const send = (m: ToWorker) => session.handle(m);
  const until = async (pred: (m: FromWorker) => boolean, timeoutMs = 20_000): Promise<FromWorker> => {
    const started = performance.now();
    for (;;) {
      const hit = messages.find(pred);
      if (hit) return hit;
      const err = messages.find((m) => m.type === 'error');
      if (err && err.type === 'error') throw new Error(`session error: ${err.message}`);
      if (performance.now() - started > timeoutMs) throw new Error('timed out waiting for the session');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const epochs = (): EpochRecord[] => messages.flatMap((m) => (m.type === 'epoch' ? [m.record] : []));
  return { session, send, until, messages, epochs, runs };
}

/** A patterns run opened and trained one step in a session of `runs`, its checkpoint stored. */
async function storedAfterOneStep(runs: MemoryRuns) {
  const first = startSession(runs);
  first.send(loadMessage(patternsConfig(2)));
  const ready = await first.until((m) => m.type === 'ready');
  if (ready.type !== 'ready') throw new Error('unreachable');
  first.send({ type: 'step' });
  await first.until((m) => m.type === 'saved' && m.step === 1);
  return { id: ready.info.runId, ready, first };
}

const done = (m: FromWorker) => m.type === 'progress' && m.progress.done && !m.progress.running;

/** A small labelled task that trains in well under a second per epoch. */
function patternsConfig(epochs: number): ExperimentConfig {
  const c = preset('patterns')!;
  c.training.epochs = epochs;
  c.training.batchSize = 8;
  return c;
}

/** Epoch records without wall time (ms) and throughput, which differ run to run. */
const withoutTime = (records: EpochRecord[]) =>
  records.map(({ trainSamplesPerSecond, ...r }) => ({ ...r, ms: 0 }));

describe('TrainingSession', () => {
  it('toy: trains flat out to the targets, posting views with first spikes and delays', async () => {
    const s = startSession();
    s.send({ type: 'speed', stepsPerSecond: null });
    s.send(loadMessage(preset('toy')!));
    const ready = await s.until((m) => m.type === 'ready');
    if (ready.type !== 'ready') throw new Error('unreachable');
    expect(ready.info.engine.engine).toBe('cpu');
    expect(ready.info.toy?.targetTimes).toEqual([38, 55]);
    s.send({ type: 'play' });
    await s.until(done, 60_000);
    const views = s.messages.filter((m) => m.type === 'views').at(-1);
    if (views?.type !== 'views') throw new Error('no views posted');
    expect(views.views.toy?.firstSpikes).toEqual([38, 55]);
    expect(views.views.delayHistograms[0]!.counts.reduce((a, b) => a + b, 0)).toBe(6);
    // Every step's loss arrived exactly once.
    const losses = s.messages.flatMap((m) => (m.type === 'progress' ? Array.from(m.progress.losses) : []));
    expect(losses).toHaveLength(300);
    expect([...s.runs.runs.values()][0]!.entry.status).toBe('done');
  }, 90_000);

  it('two runs of one config give identical epoch metrics (reproducible from a link)', async () => {
    const results: EpochRecord[][] = [];
    for (let k = 0; k < 2; k++) {
      const s = startSession();
      s.send({ type: 'speed', stepsPerSecond: null });
      s.send(loadMessage(patternsConfig(8)));
      await s.until((m) => m.type === 'ready');
      s.send({ type: 'play' });
      await s.until(done, 60_000);
      results.push(s.epochs());
    }
    expect(results[0]).toHaveLength(8);
    expect(withoutTime(results[1]!)).toEqual(withoutTime(results[0]!));
    // Learning happened: validation accuracy well above chance (1 / 3 classes).
    expect(results[0]!.at(-1)!.validationAccuracy!).toBeGreaterThan(0.5);
  }, 120_000);

  it('a run stopped mid-epoch and resumed from its checkpoint ends exactly as an uninterrupted one', async () => {
    const straight = startSession();
    straight.send({ type: 'speed', stepsPerSecond: null });
    straight.send(loadMessage(patternsConfig(2)));
    await straight.until((m) => m.type === 'ready');
    straight.send({ type: 'play' });
    await straight.until(done, 60_000);

    const runs = new MemoryRuns();
    const first = startSession(runs);
    first.send(loadMessage(patternsConfig(2)));
    const ready = await first.until((m) => m.type === 'ready');
    if (ready.type !== 'ready') throw new Error('unreachable');
    // Single steps into the first epoch, then a pause stores the mid-epoch checkpoint.
    for (let k = 1; k <= 3; k++) {
      first.send({ type: 'step' });
      await first.until((m) => m.type === 'progress' && m.progress.step === k);
    }
    first.send({ type: 'play' });
    first.send({ type: 'pause' });
    await first.until((m) => m.type === 'saved' && m.step === 3);
    const stored = runs.runs.get(ready.info.runId)!;
    expect(stored.entry.step).toBe(3);
    expect(stored.entry.step).toBeLessThan(ready.info.stepsPerEpoch);

    // The first tab closes (a reload): its lock on the run goes with it.
    runs.locks.clear();
    const second = startSession(runs);
    second.send({ type: 'speed', stepsPerSecond: null });
    second.send(loadMessage(preset('toy')!, 'cpu', ready.info.runId));
    const resumed = await second.until((m) => m.type === 'ready');
    if (resumed.type !== 'ready') throw new Error('unreachable');
    expect(resumed.info.config.name).toBe('patterns'); // the run's own config, not the one sent
    expect(resumed.progress.step).toBe(stored.entry.step);
    second.send({ type: 'play' });
    await second.until(done, 60_000);
    expect(withoutTime(second.epochs())).toEqual(withoutTime(straight.epochs()));
  }, 120_000);

  it('model export -> import gives the same test predictions; a corrupt file changes nothing', async () => {
    const s = startSession();
    s.send({ type: 'speed', stepsPerSecond: null });
    s.send(loadMessage(patternsConfig(2)));
    await s.until((m) => m.type === 'ready');
    s.send({ type: 'play' });
    await s.until(done, 60_000);
    s.send({ type: 'evaluate' });
    const before = await s.until((m) => m.type === 'evaluated');
    const testBefore = s.messages.filter((m) => m.type === 'test').at(-1);
    s.send({ type: 'export', what: 'model' });
    const exported = await s.until((m) => m.type === 'export');
    if (exported.type !== 'export' || before.type !== 'evaluated' || testBefore?.type !== 'test')
      throw new Error('unreachable');
    expect(exported.fileName).toMatch(/\.model\.json$/);
    if (typeof exported.data !== 'string') throw new Error('a model file is text');

    s.messages.length = 0;
    s.send({
      type: 'importModel',
      text: '{"format":"delaylab-model","version":1',
      fileName: 'broken.json',
      engine: 'cpu',
      dataBaseUrl: '',
      cpuThreads: 1,
    });
    const notice = await s.until((m) => m.type === 'notice');
    expect(notice.type === 'notice' && notice.message).toMatch(/broken\.json/);
    expect(s.messages.some((m) => m.type === 'ready')).toBe(false);

    s.send({
      type: 'importModel',
      text: exported.data,
      fileName: 'model.json',
      engine: 'cpu',
      dataBaseUrl: '',
      cpuThreads: 1,
    });
    const ready = await s.until((m) => m.type === 'ready');
    expect(ready.type === 'ready' && ready.progress.step).toBe(0);
    s.send({ type: 'evaluate' });
    const after = await s.until((m) => m.type === 'evaluated');
    const testAfter = s.messages.filter((m) => m.type === 'test').at(-1);
    if (after.type !== 'evaluated' || testAfter?.type !== 'test') throw new Error('unreachable');
    expect(after.accuracy).toBe(before.accuracy);
    expect(after.loss).toBe(before.loss);
    expect(testAfter.report.confusion).toEqual(testBefore.report.confusion);
    expect(testAfter.report.samples.map((x) => x.predicted)).toEqual(
      testBefore.report.samples.map((x) => x.predicted),
    );
  }, 120_000);

  it('a config whose data set is not stored fails with a message naming it', async () => {
    const messages: FromWorker[] = [];
    const session = new TrainingSession({
      post: (m) => messages.push(m),
      now: () => performance.now(),
      setTimer: (fn, ms) => {
        const id = setTimeout(fn, ms);
        return () => clearTimeout(id);
      },
      loadData: () => Promise.reject(new Error("the data set 'fashion-mnist' is not stored in this browser")),
      runs: new MemoryRuns(),
      gpu: undefined,
      newId: () => 'x',
      lockRun: () => Promise.resolve(() => undefined),
    });
    session.handle(loadMessage(preset('delay-only-fashion')!, 'auto'));
    await new Promise((r) => setTimeout(r, 50));
    const err = messages.find((m) => m.type === 'error');
    expect(err?.type === 'error' && err.message).toMatch(/fashion-mnist/);
  });

  it('a stored run resumes on its own engine, whatever the page chose, and says when it must switch', async () => {
    const runs = new MemoryRuns();
    const { id } = await storedAfterOneStep(runs);

    // Trained on the CPU; the page now asks for the GPU (this session has none): it stays on the CPU.
    const cpuRun = startSession(runs);
    cpuRun.send(loadMessage(preset('toy')!, 'gpu', id));
    const onCpu = await cpuRun.until((m) => m.type === 'ready');
    if (onCpu.type !== 'ready') throw new Error('unreachable');
    expect(onCpu.info.engine.engine).toBe('cpu');
    expect(onCpu.info.engine.notice).toBeNull();

    // Trained on the GPU, resumed where there is none: the CPU, saying so.
    runs.runs.get(id)!.entry.engine = 'gpu';
    const gpuRun = startSession(runs);
    gpuRun.send(loadMessage(preset('toy')!, 'cpu', id));
    const switched = await gpuRun.until((m) => m.type === 'ready');
    if (switched.type !== 'ready') throw new Error('unreachable');
    expect(switched.info.engine.engine).toBe('cpu');
    expect(switched.info.engine.notice).toMatch(
      /^This run trained on the GPU engine and continues on the CPU engine \(Training on the CPU: this browser exposes no WebGPU/,
    );
  });

  it('a run another tab holds opens read-only: it says why and trains nothing; once released it trains', async () => {
    const runs = new MemoryRuns();
    const { id, ready, first } = await storedAfterOneStep(runs);
    expect(ready.info.readOnly).toBeNull();

    const second = startSession(runs);
    second.send(loadMessage(preset('toy')!, 'cpu', id));
    const shown = await second.until((m) => m.type === 'ready');
    if (shown.type !== 'ready') throw new Error('unreachable');
    expect(shown.info.readOnly).toMatch(/open in another tab of Delay Lab, so here it is read-only/);
    second.send({ type: 'step' });
    second.send({ type: 'play' });
    await new Promise((r) => setTimeout(r, 300));
    const notices = second.messages.filter((m) => m.type === 'notice' && /read-only/.test(m.message));
    expect(notices.length).toBeGreaterThanOrEqual(3); // on opening, and for the step and the play
    expect(second.messages.some((m) => m.type === 'saved')).toBe(false);
    expect(runs.runs.get(id)!.entry.step).toBe(1);

    // The first tab moves on to another run: the lock is free, and a third tab may train it.
    first.send(loadMessage(preset('toy')!));
    await first.until((m) => m.type === 'ready' && m.info.runId !== id);
    const third = startSession(runs);
    third.send(loadMessage(preset('toy')!, 'cpu', id));
    const trainable = await third.until((m) => m.type === 'ready');
    if (trainable.type !== 'ready') throw new Error('unreachable');
    expect(trainable.info.readOnly).toBeNull();
    third.send({ type: 'step' });
    await third.until((m) => m.type === 'saved' && m.step === 2);
  });

  it('auto without WebGPU trains on the CPU and says why', async () => {
    const s = startSession();
    s.send(loadMessage(preset('toy')!, 'auto'));
    const ready = await s.until((m) => m.type === 'ready');
    if (ready.type !== 'ready') throw new Error('unreachable');
    expect(ready.info.engine.engine).toBe('cpu');
    expect(ready.info.engine.notice).toMatch(/no WebGPU/);
  });

  it('a pause sent while a run loads cancels the play queued behind the load', async () => {
    const s = startSession();
    s.send(loadMessage(patternsConfig(2)));
    s.send({ type: 'play' });
    s.send({ type: 'pause' });
    await s.until((m) => m.type === 'ready');
    await new Promise((r) => setTimeout(r, 200));
    const steps = s.messages.flatMap((m) => (m.type === 'progress' ? [m.progress.step] : []));
    expect(Math.max(0, ...steps)).toBe(0);
    expect(s.messages.some((m) => m.type === 'progress' && m.progress.running)).toBe(false);
  });

  it('a step sent the moment the run is ready is served (after its first views), and stores the run', async () => {
    const s = startSession();
    s.send(loadMessage(patternsConfig(2)));
    const ready = await s.until((m) => m.type === 'ready');
    if (ready.type !== 'ready') throw new Error('unreachable');
    // Nothing is stored for a run that has not trained.
    expect(s.runs.runs.size).toBe(0);
    s.send({ type: 'step' });
    await s.until((m) => m.type === 'saved' && m.step === 1);
    expect(s.runs.runs.get(ready.info.runId)?.entry.step).toBe(1);
  });
});
