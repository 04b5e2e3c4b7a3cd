import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import {
  computeLoss,
  defaultReadout,
  firstSpikeSteps,
  predict,
  type LossConfig,
  type OutputRecord,
  type Targets,
} from './losses.ts';

function record(
  batch: number,
  timeSteps: number,
  outputs: number,
  membrane: ArrayLike<number>,
  spikes: ArrayLike<number> = new Float64Array(batch * timeSteps * outputs),
  threshold = 1,
): OutputRecord {
  return { batch, timeSteps, outputs, membrane, spikes, threshold };
}

const labels = (...l: number[]): Targets => ({ kind: 'labels', labels: Int32Array.from(l) });
const times = (...t: number[]): Targets => ({ kind: 'spikeTimes', times: Float64Array.from(t) });

describe('loss values on hand-computed cases', () => {
  it('ceSumMembrane: cross-entropy of the membrane summed over time', () => {
    // T 2, 2 outputs: logits [1 + 2, 0 + 1] = [3, 1], label 0.
    const out = record(1, 2, 2, [1, 0, 2, 1]);
    const r = computeLoss({ kind: 'ceSumMembrane' }, out, labels(0), 'f64');
    expect(r.loss).toBeCloseTo(Math.log(1 + Math.exp(-2)), 14);
    const p0 = 1 / (1 + Math.exp(-2));
    // dL/du[t, j] = softmax_j - onehot_j at every step.
    expect(Array.from(r.gradMembrane!)).toEqual(
      [p0 - 1, 1 - p0, p0 - 1, 1 - p0].map((v) => expect.closeTo(v, 14)),
    );
    expect(r.gradSpikes).toBeNull();
  });

  it('ceSumMembrane averages over the batch', () => {
    const out = record(2, 1, 2, [3, 1, 0, 0]);
    const r = computeLoss({ kind: 'ceSumMembrane' }, out, labels(0, 1), 'f64');
    expect(r.loss).toBeCloseTo((Math.log(1 + Math.exp(-2)) + Math.log(2)) / 2, 14);
    expect(r.gradMembrane![2]).toBeCloseTo(0.5 / 2, 14);
    expect(r.gradMembrane![3]).toBeCloseTo(-0.5 / 2, 14);
  });

  it('ceMaxMembrane: cross-entropy of the maximum membrane, gradient only at the argmax', () => {
    // Output 0: [1, 2] max 2 at t1; output 1: [1.5, 0.5] max 1.5 at t0; label 1.
    const out = record(1, 2, 2, [1, 1.5, 2, 0.5]);
    const r = computeLoss({ kind: 'ceMaxMembrane' }, out, labels(1), 'f64');
    expect(r.loss).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(1.5)) - 1.5, 14);
    const p0 = Math.exp(2) / (Math.exp(2) + Math.exp(1.5));
    const g = r.gradMembrane!;
    expect(g[0]).toBe(0);
    expect(g[1]).toBeCloseTo(1 - p0 - 1, 14); // softmax_1 - 1 at output 1's argmax (t0)
    expect(g[2]).toBeCloseTo(p0, 14); // softmax_0 at output 0's argmax (t1)
    expect(g[3]).toBe(0);
  });

  it('spikeCount: 0.5 (count - T * rate)^2', () => {
    // T 4, trueRate 0.5, falseRate 0.25, label 0 -> targets [2, 1]; counts [3, 0].
    const spikes = [1, 0, 1, 0, 1, 0, 0, 0];
    const out = record(1, 4, 2, new Float64Array(8), spikes);
    const r = computeLoss({ kind: 'spikeCount', trueRate: 0.5, falseRate: 0.25 }, out, labels(0), 'f64');
    expect(r.loss).toBeCloseTo(1, 14);
    expect(Array.from(r.gradSpikes!)).toEqual([1, -1, 1, -1, 1, -1, 1, -1]);
    expect(r.gradMembrane).toBeNull();
  });

  it('spikeTime with raw spikes (trace 0) and class labels: the correct output should fire every step', () => {
    // T 3, 2 outputs, label 1: output 0 spikes [1, 0, 0], output 1 spikes [0, 1, 1].
    const spikes = [1, 0, 0, 1, 0, 1];
    const out = record(1, 3, 2, new Float64Array(6), spikes);
    const r = computeLoss({ kind: 'spikeTime', traceTauSteps: 0, targetSteps: null }, out, labels(1), 'f64');
    expect(r.loss).toBeCloseTo(0.5 * 1 + 0.5 * 1, 14);
    expect(Array.from(r.gradSpikes!)).toEqual([1, -1, 0, 0, 0, 0]);
  });

  it('spikeTime with a target window: the correct output should fire only in steps [0, targetSteps)', () => {
    // T 3, 2 outputs, label 1, window 2: output 1's target is [1, 1, 0]; it spikes [0, 1, 1].
    const out = record(1, 3, 2, new Float64Array(6), [1, 0, 0, 1, 0, 1]);
    const r = computeLoss({ kind: 'spikeTime', traceTauSteps: 0, targetSteps: 2 }, out, labels(1), 'f64');
    // Errors: output 0 [1, 0, 0]; output 1 [-1, 0, 1].
    expect(r.loss).toBeCloseTo(0.5 * 3, 14);
    expect(Array.from(r.gradSpikes!)).toEqual([1, -1, 0, 0, 0, 1]);
  });

  it('spikeTime with the alpha kernel: the filtered train is (n / tau) e^(1 - n / tau), by hand', () => {
    // One output, T 6, one spike at step 0, target at step 3, tau 2: k(n) = (n / 2) e^(1 - n / 2).
    const k = (n: number): number => (n <= 0 ? 0 : (n / 2) * Math.exp(1 - n / 2));
    expect(k(2)).toBeCloseTo(1, 15); // the peak: 1, tau steps after the spike
    const out = record(1, 6, 1, new Float64Array(6), [1, 0, 0, 0, 0, 0]);
    const r = computeLoss(
      { kind: 'spikeTime', traceTauSteps: 2, traceKernel: 'alpha', targetSteps: null },
      out,
      times(3),
      'f64',
    );
    const e = [0, 1, 2, 3, 4, 5].map((t) => k(t) - k(t - 3));
    expect(r.loss).toBeCloseTo(0.5 * e.reduce((s, v) => s + v * v, 0), 14);
    // dL/ds[t] = sum_{t' >= t} e[t'] k(t' - t).
    for (let t = 0; t < 6; t++) {
      let g = 0;
      for (let u = t; u < 6; u++) g += e[u]! * k(u - t);
      expect(r.gradSpikes![t]).toBeCloseTo(g, 14);
    }
  });

  it('spikeTime with an exponential trace against target spike times', () => {
    // One output, T 4, target at step 2, spike at step 0; decay c = exp(-1/2).
    const c = Math.exp(-0.5);
    const out = record(1, 4, 1, new Float64Array(4), [1, 0, 0, 0]);
    const r = computeLoss({ kind: 'spikeTime', traceTauSteps: 2, targetSteps: null }, out, times(2), 'f64');
    // a = [1, c, c^2, c^3]; target trace [0, 0, 1, c]; errors [1, c, c^2 - 1, c^3 - c].
    const e = [1, c, c * c - 1, c ** 3 - c];
    expect(r.loss).toBeCloseTo(0.5 * e.reduce((s, v) => s + v * v, 0), 14);
    const g0 = e[0]! + c * e[1]! + c * c * e[2]! + c ** 3 * e[3]!;
    expect(r.gradSpikes![0]).toBeCloseTo(g0, 14);
    expect(r.gradSpikes![3]).toBeCloseTo(e[3]!, 14);
  });

  it('firstSpikeTime: squared error of the interpolated crossing against target - 0.5', () => {
    // u = [0, 0.2, 0.6, 1.4, 2]: crosses 1 between steps 2 and 3 at t* = 2 + 0.4 / 0.8 = 2.5.
    const out = record(1, 5, 1, [0, 0.2, 0.6, 1.4, 2]);
    const cfg: LossConfig = { kind: 'firstSpikeTime', timeScale: 2, silentMargin: 1.2 };
    const r = computeLoss(cfg, out, times(4), 'f64');
    // e = (2.5 - 3.5) / 2 = -0.5.
    expect(r.loss).toBeCloseTo(0.25, 14);
    // dL/dt* = 2 e / timeScale = -0.5; dt*/du3 = -(1 - 0.6) / 0.64; dt*/du2 = -(1.4 - 1) / 0.64.
    const g = r.gradMembrane!;
    expect(g[3]).toBeCloseTo(-0.5 * (-0.4 / 0.64), 14);
    expect(g[2]).toBeCloseTo(-0.5 * (-0.4 / 0.64), 14);
    expect(g[0]).toBe(0);
    expect(g[4]).toBe(0);
    // On target: no loss.
    expect(computeLoss(cfg, out, times(3), 'f64').loss).toBeCloseTo(0, 14);
  });

  it('firstSpikeTime: a silent output is pushed up at its target step by relu(margin * theta - u)', () => {
    const out = record(1, 5, 1, [0, 0.1, 0.2, 0.3, 0.2]);
    const cfg: LossConfig = { kind: 'firstSpikeTime', timeScale: 2, silentMargin: 1.2 };
    const r = computeLoss(cfg, out, times(3), 'f64');
    expect(r.loss).toBeCloseTo(0.9, 14);
    expect(Array.from(r.gradMembrane!)).toEqual([0, 0, 0, -1, 0]);
    // A target outside the window is clamped to the last step.
    const late = computeLoss(cfg, out, times(40), 'f64');
    expect(late.loss).toBeCloseTo(1.0, 14);
    expect(late.gradMembrane![4]).toBe(-1);
  });

  it('firstSpikeTime: no loss for a crossing at step 0, and the threshold comes from the record', () => {
    const cfg: LossConfig = { kind: 'firstSpikeTime', timeScale: 1, silentMargin: 1 };
    expect(computeLoss(cfg, record(1, 3, 1, [1.5, 0, 0]), times(2), 'f64').loss).toBe(0);
    // Threshold 2: u = [0, 1, 3] crosses at t* = 1.5; target 2 -> aim 1.5: zero loss.
    expect(computeLoss(cfg, record(1, 3, 1, [0, 1, 3], undefined, 2), times(2), 'f64').loss).toBeCloseTo(
      0,
      14,
    );
  });

  it('rejects targets of the wrong kind', () => {
    const out = record(1, 2, 2, new Float64Array(4));
    expect(() => computeLoss({ kind: 'ceSumMembrane' }, out, times(0, 1), 'f64')).toThrow(/class labels/);
    expect(() =>
      computeLoss({ kind: 'spikeCount', trueRate: 1, falseRate: 0 }, out, times(0, 1), 'f64'),
    ).toThrow(/class labels/);
    expect(() =>
      computeLoss({ kind: 'firstSpikeTime', timeScale: 1, silentMargin: 1 }, out, labels(0), 'f64'),
    ).toThrow(/target spike times/);
  });

  it('allocates gradients in the requested precision', () => {
    const r = computeLoss({ kind: 'ceSumMembrane' }, record(1, 1, 2, [0, 1]), labels(0), 'f32');
    expect(r.gradMembrane).toBeInstanceOf(Float32Array);
  });
});

describe('loss gradients equal finite differences (membrane and spikes as free real arrays)', () => {
  const B = 3;
  const T = 8;
  const N = 3;
  const size = B * T * N;

  function fdCheck(
    cfg: LossConfig,
    targets: Targets,
    membrane: Float64Array,
    spikes: Float64Array,
    which: 'membrane' | 'spikes',
    threshold = 1,
  ): void {
    const loss = (): number =>
      computeLoss(cfg, record(B, T, N, membrane, spikes, threshold), targets, 'f64').loss;
    const r = computeLoss(cfg, record(B, T, N, membrane, spikes, threshold), targets, 'f64');
    const grad = which === 'membrane' ? r.gradMembrane! : r.gradSpikes!;
    const other = which === 'membrane' ? r.gradSpikes : r.gradMembrane;
    expect(other).toBeNull();
    const arr = which === 'membrane' ? membrane : spikes;
    let scale = 0;
    for (const g of grad) scale = Math.max(scale, Math.abs(g));
    expect(scale).toBeGreaterThan(1e-3);
    const h = 1e-6;
    for (let q = 0; q < size; q++) {
      const x = arr[q]!;
      arr[q] = x + h;
      const lp = loss();
      arr[q] = x - h;
      const lm = loss();
      arr[q] = x;
      expect(Math.abs((lp - lm) / (2 * h) - grad[q]!), `${cfg.kind} q ${q}`).toBeLessThan(
        1e-7 * scale + 1e-9,
      );
    }
  }

  const rng = new Rng(31);
  const randomArray = (mean: number, std: number): Float64Array =>
    Float64Array.from({ length: size }, () => rng.normal(mean, std));

  it('ceSumMembrane', () => {
    fdCheck({ kind: 'ceSumMembrane' }, labels(0, 2, 1), randomArray(0, 1), randomArray(0, 1), 'membrane');
  });

  it('ceMaxMembrane', () => {
    fdCheck({ kind: 'ceMaxMembrane' }, labels(1, 0, 2), randomArray(0, 1), randomArray(0, 1), 'membrane');
  });

  it('spikeCount', () => {
    const cfg: LossConfig = { kind: 'spikeCount', trueRate: 0.6, falseRate: 0.1 };
    fdCheck(cfg, labels(2, 1, 0), randomArray(0, 1), randomArray(0.5, 0.5), 'spikes');
  });

  it('spikeTime with labels and with target times, raw and traced', () => {
    for (const traceTauSteps of [0, 1.5, 4]) {
      const cfg: LossConfig = { kind: 'spikeTime', traceTauSteps, targetSteps: null };
      fdCheck(cfg, labels(0, 1, 2), randomArray(0, 1), randomArray(0.3, 0.5), 'spikes');
      fdCheck(cfg, times(1, 4, 7, 0, 2, 9, 3, 3, 6), randomArray(0, 1), randomArray(0.3, 0.5), 'spikes');
    }
  });

  it('spikeTime with the alpha kernel (SLAYER), with labels and with target times', () => {
    for (const traceTauSteps of [1, 2.5, 4]) {
      const cfg: LossConfig = { kind: 'spikeTime', traceTauSteps, traceKernel: 'alpha', targetSteps: null };
      fdCheck(cfg, labels(0, 1, 2), randomArray(0, 1), randomArray(0.3, 0.5), 'spikes');
      fdCheck(cfg, times(1, 4, 7, 0, 2, 9, 3, 3, 6), randomArray(0, 1), randomArray(0.3, 0.5), 'spikes');
    }
  });

  it('firstSpikeTime (crossings and silent outputs)', () => {
    // Ramps with random slopes: some cross 1 inside the window (not at a step), some stay silent.
    const membrane = new Float64Array(size);
    const slopes: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < N; j++) {
        const slope = (b * N + j) % 4 === 3 ? 0.05 : 0.12 + 0.3 * rng.uniform();
        slopes.push(slope);
        for (let t = 0; t < T; t++)
          membrane[(b * T + t) * N + j] = slope * t + 0.013 + 0.02 * Math.sin(7 * t + j);
      }
    }
    expect(slopes.filter((s) => s === 0.05).length).toBeGreaterThan(0);
    let crossing = 0;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < N; j++) {
        let hit = false;
        for (let t = 1; t < T; t++) if (membrane[(b * T + t) * N + j]! >= 1) hit = true;
        if (hit) crossing++;
      }
    }
    expect(crossing).toBeGreaterThanOrEqual(3); // both branches of the loss are exercised
    const cfg: LossConfig = { kind: 'firstSpikeTime', timeScale: 3, silentMargin: 1.2 };
    fdCheck(cfg, times(2, 5, 6, 1, 7, 3, 4, 4, 2), membrane, randomArray(0, 1), 'membrane');
  });
});

describe('predict and readouts', () => {
  // T 5, 3 outputs; spikes per output over time (t-major layout built below).
  function spikeRecord(trains: number[][], membrane?: number[][]): OutputRecord {
    const n = trains.length;
    const T = trains[0]!.length;
    const s = new Float64Array(T * n);
    const m = new Float64Array(T * n);
    for (let j = 0; j < n; j++) {
      for (let t = 0; t < T; t++) {
        s[t * n + j] = trains[j]![t]!;
        m[t * n + j] = membrane ? membrane[j]![t]! : 0;
      }
    }
    return record(1, T, n, m, s);
  }
  const ce: LossConfig = { kind: 'ceSumMembrane' };

  it('firstSpike: the earliest output wins, ties broken by spike count then by index; -1 when silent', () => {
    const tieOnCount = spikeRecord([
      [0, 0, 1, 0, 0],
      [0, 0, 1, 1, 1],
      [0, 0, 0, 1, 1],
    ]);
    expect(Array.from(predict(tieOnCount, 'firstSpike', ce))).toEqual([1]);
    const earliest = spikeRecord([
      [0, 0, 1, 1, 1],
      [0, 1, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    expect(Array.from(predict(earliest, 'firstSpike', ce))).toEqual([1]);
    const fullTie = spikeRecord([
      [0, 0, 0, 0, 0],
      [0, 1, 0, 1, 0],
      [0, 1, 1, 0, 0],
    ]);
    expect(Array.from(predict(fullTie, 'firstSpike', ce))).toEqual([1]);
    const silent = spikeRecord([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(Array.from(predict(silent, 'firstSpike', ce))).toEqual([-1]);
    expect(Array.from(predict(silent, 'count', ce))).toEqual([-1]);
  });

  it("firstSpikeOrCount (the delay-only authors' code): a lone first spike wins; a tie goes to the most spikes of all", () => {
    // Output 0 alone spikes first: it wins although output 2 spikes more.
    const lone = spikeRecord([
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 1, 1, 1],
    ]);
    expect(Array.from(predict(lone, 'firstSpikeOrCount', ce))).toEqual([0]);
    expect(Array.from(predict(lone, 'firstSpike', ce))).toEqual([0]);
    // Outputs 0 and 1 tie at step 1; output 2 spikes later but most often: the code picks it,
    // the text's rule picks the tied output with more spikes (1).
    const tie = spikeRecord([
      [0, 1, 0, 0, 0],
      [0, 1, 1, 0, 0],
      [0, 0, 1, 1, 1],
    ]);
    expect(Array.from(predict(tie, 'firstSpikeOrCount', ce))).toEqual([2]);
    expect(Array.from(predict(tie, 'firstSpike', ce))).toEqual([1]);
    // Equal counts go to the lower index (torch.argmax of a bincount), tied or not.
    const evenCounts = spikeRecord([
      [0, 0, 1, 1, 0],
      [0, 0, 1, 0, 1],
      [0, 0, 0, 0, 0],
    ]);
    expect(Array.from(predict(evenCounts, 'firstSpikeOrCount', ce))).toEqual([0]);
    const silent = spikeRecord([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(Array.from(predict(silent, 'firstSpikeOrCount', ce))).toEqual([-1]);
  });

  it('count: most spikes, ties broken by the earlier first spike', () => {
    const r = spikeRecord([
      [1, 0, 0, 0, 1],
      [0, 1, 1, 1, 0],
      [0, 0, 1, 1, 1],
    ]);
    expect(Array.from(predict(r, 'count', ce))).toEqual([1]);
    const tie = spikeRecord([
      [0, 0, 1, 1, 0],
      [0, 1, 0, 0, 1],
    ]);
    expect(Array.from(predict(tie, 'count', ce))).toEqual([1]);
  });

  it('logits: arg-max of the summed membrane, or of the max membrane for ceMaxMembrane', () => {
    const r = spikeRecord(
      [
        [0, 0, 0],
        [0, 0, 0],
      ],
      [
        [1, 1, 1], // sum 3, max 1
        [2.5, 0, 0], // sum 2.5, max 2.5
      ],
    );
    expect(Array.from(predict(r, 'logits', ce))).toEqual([0]);
    expect(Array.from(predict(r, 'logits', { kind: 'ceMaxMembrane' }))).toEqual([1]);
  });

  it('predicts every sample of a batch', () => {
    // batch 2, T 2, 2 outputs: sample 0 output 1 first; sample 1 output 0 first.
    const spikes = [0, 1, 0, 0, 1, 0, 1, 1];
    const out = record(2, 2, 2, new Float64Array(8), spikes);
    expect(Array.from(predict(out, 'firstSpike', ce))).toEqual([1, 0]);
    expect(Array.from(firstSpikeSteps(out))).toEqual([-1, 0, 0, 1]);
  });

  it('firstSpikeSteps: first step with a positive spike per (sample, output), -1 when silent', () => {
    const r = spikeRecord([
      [0, 0, 0, 1, 1],
      [0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
    ]);
    expect(Array.from(firstSpikeSteps(r))).toEqual([3, -1, 0]);
  });

  it('defaultReadout follows the loss', () => {
    expect(defaultReadout({ kind: 'ceSumMembrane' })).toBe('logits');
    expect(defaultReadout({ kind: 'ceMaxMembrane' })).toBe('logits');
    expect(defaultReadout({ kind: 'spikeCount', trueRate: 1, falseRate: 0 })).toBe('count');
    expect(defaultReadout({ kind: 'spikeTime', traceTauSteps: 1, targetSteps: null })).toBe('firstSpike');
    expect(defaultReadout({ kind: 'firstSpikeTime', timeScale: 1, silentMargin: 1 })).toBe('firstSpike');
  });
});
