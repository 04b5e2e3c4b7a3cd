import { describe, expect, it } from 'vitest';
import type { FromWorker, Progress } from './protocol.ts';
import { POST_INTERVAL_MS, STEPS_PER_CHUNK, TrainingSession, type SessionHost } from './session.ts';

/** A host with a manual clock and timer queue, so the session runs deterministically. */
class FakeHost implements SessionHost {
  messages: FromWorker[] = [];
  clock = 0;
  /** Simulated cost of one chunk of training (ms). */
  chunkCost = 10;
  private timers: { fn: () => void; at: number; live: boolean }[] = [];

  post(message: FromWorker): void {
    this.messages.push(message);
  }
  now(): number {
    return this.clock;
  }
  setTimer(fn: () => void, ms: number): () => void {
    const t = { fn, at: this.clock + ms, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }
  /** Runs due timers until none is left (or `limit` chunks ran). */
  drain(limit = 1000): void {
    for (let n = 0; n < limit; n++) {
      const live = this.timers.filter((t) => t.live);
      this.timers = live;
      const next = live.sort((a, b) => a.at - b.at)[0];
      if (!next) return;
      next.live = false;
      this.clock = Math.max(this.clock, next.at) + this.chunkCost;
      next.fn();
    }
  }
  progress(): Progress[] {
    return this.messages.flatMap((m) => (m.type === 'error' ? [] : [m.progress]));
  }
}

describe('TrainingSession', () => {
  it('announces the toy run, then trains it to the end with every step loss reported once', () => {
    const host = new FakeHost();
    const session = new TrainingSession(host, 0);
    session.announce();
    const first = host.messages[0];
    expect(first?.type).toBe('reset');
    if (first?.type !== 'reset') return;
    expect(first.info.totalSteps).toBe(300);
    expect(first.info.targetTimes).toEqual([38, 55]);
    expect(first.progress.membrane.length).toBe(100 * 2);
    expect(first.progress.delays.length).toBe(6);

    session.handle({ type: 'play' });
    host.drain();
    const all = host.progress();
    const last = all.at(-1)!;
    expect(last.step).toBe(300);
    expect(last.done).toBe(true);
    expect(last.running).toBe(false);
    expect(all.reduce((n, p) => n + p.losses.length, 0)).toBe(300);
    expect(last.firstSpikes).toEqual([38, 55]);
    expect(host.messages.some((m) => m.type === 'error')).toBe(false);
  });

  it('throttles progress posts while training', () => {
    const host = new FakeHost();
    host.chunkCost = 1;
    const session = new TrainingSession(host, 0);
    session.handle({ type: 'speed', stepsPerSecond: null });
    session.handle({ type: 'play' });
    host.drain();
    const posts = host.progress().length;
    const chunks = 300 / STEPS_PER_CHUNK;
    // 60 chunks of 1 ms each: far fewer posts than chunks.
    expect(posts).toBeLessThanOrEqual(2 + Math.ceil((chunks * host.chunkCost) / POST_INTERVAL_MS) + 1);
  });

  it('stops on pause and starts afresh with a new seed on reset', () => {
    const host = new FakeHost();
    const session = new TrainingSession(host, 0);
    session.handle({ type: 'play' });
    host.drain(3);
    session.handle({ type: 'pause' });
    const paused = host.progress().at(-1)!;
    expect(paused.running).toBe(false);
    expect(paused.step).toBe(3 * STEPS_PER_CHUNK);
    host.drain();
    expect(host.progress().at(-1)!.step).toBe(paused.step);

    session.handle({ type: 'reset', seed: 7 });
    const reset = host.messages.at(-1)!;
    expect(reset.type).toBe('reset');
    if (reset.type === 'reset') {
      expect(reset.info.seed).toBe(7);
      expect(reset.progress.step).toBe(0);
      expect(reset.progress.losses.length).toBe(0);
    }
  });
});
