import { describe, expect, it } from 'vitest';
import { asUnchecksummed, reseal } from './bundleTesting.ts';
import { CpuEngine } from './engine.ts';
import { copyParameters, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { DataFormatError } from './data/types.ts';
import { preset } from './presets.ts';
import { RunLoop, trainEpochs } from './runLoop.ts';
import type { EpochRecord } from './runRecord.ts';
import type { ExperimentConfig } from './experiment.ts';
import { Trainer } from './trainer.ts';

function patterns() {
  const c = preset('patterns')!;
  c.training.epochs = 4;
  return c;
}

function checkpointOf(t: Trainer, history: EpochRecord[]): Checkpoint {
  return {
    config: t.config,
    dataset: null,
    state: t.exportState(),
    history,
    best: null,
    epochLossSum: 0,
    stepLosses: null,
    viewPredictions: null,
  };
}

/**
 * Trains a run 4 epochs straight, and another 2 epochs, through an encoded and decoded
 * checkpoint, and 2 more: the resumed run must end bit for bit where the straight one does.
 */
async function resumesBitForBit(
  config: () => ExperimentConfig,
): Promise<{ saved: Checkpoint; first: Trainer }> {
  const straight = new Trainer(config());
  await trainEpochs(straight, 4);
  const first = new Trainer(config());
  const history = await trainEpochs(first, 2);
  const saved = decodeCheckpoint(encodeCheckpoint(checkpointOf(first, history)), 'ck');
  const resumed = new Trainer(saved.config);
  resumed.importState(saved.state);
  await trainEpochs(resumed, 2);
  resumed.net.synapses.forEach((s, l) => {
    expect(Array.from(s.weights)).toEqual(Array.from(straight.net.synapses[l]!.weights));
    expect(Array.from(s.delays)).toEqual(Array.from(straight.net.synapses[l]!.delays));
  });
  return { saved, first };
}

describe('checkpoints', () => {
  it('a run resumed from a checkpoint ends bit for bit where an uninterrupted run ends', async () => {
    const straight = new Trainer(patterns());
    await trainEpochs(straight, 4);

    const first = new Trainer(patterns());
    const history = await trainEpochs(first, 2);
    const bytes = encodeCheckpoint(checkpointOf(first, history));
    const saved = decodeCheckpoint(bytes, 'ck');
    expect(saved.history).toEqual(JSON.parse(JSON.stringify(history)));
    const resumed = new Trainer(saved.config);
    resumed.importState(saved.state);
    expect(resumed.epoch).toBe(2);
    await trainEpochs(resumed, 2);
    expect(resumed.step).toBe(straight.step);
    straight.net.synapses.forEach((s, l) => {
      expect(Array.from(resumed.net.synapses[l]!.weights)).toEqual(Array.from(s.weights));
      expect(Array.from(resumed.net.synapses[l]!.delays)).toEqual(Array.from(s.delays));
    });
  });

  it('a fixed-mask run (Adam moments kept for its synapses only) resumes bit for bit', async () => {
    const masked = () => {
      const c = patterns();
      c.network.layers[0]!.connectivity = 0.25;
      return c;
    };
    const { saved, first } = await resumesBitForBit(masked);
    // The saved moments are full-size, zero where the mask leaves synapses out.
    const mask = first.net.synapses[0]!.mask!;
    const moments = saved.state.layers[0]!.adamWeights!.v;
    expect(moments.length).toBe(mask.length);
    expect(moments.every((v, q) => mask[q] !== 0 || v === 0)).toBe(true);
    expect(moments.some((v) => v !== 0)).toBe(true);
  });

  it('an AMSGrad run (format 8: the maximum second moment saved) resumes bit for bit, dense and compact', async () => {
    for (const storage of ['auto', 'compact'] as const) {
      const amsgrad = () => {
        const c = patterns();
        c.optimizer.amsgrad = true;
        c.network.layers[0]!.storage = storage;
        if (storage === 'compact') c.network.layers[0]!.connectivity = 0.25;
        return c;
      };
      const { saved } = await resumesBitForBit(amsgrad);
      let aboveV = 0;
      for (const l of saved.state.layers) {
        for (const a of [l.adamWeights, l.adamDelays]) {
          if (!a) continue;
          expect(a.vMax!.length).toBe(a.v.length);
          expect(a.vMax!.every((x, q) => x >= a.v[q]!)).toBe(true);
          aboveV += a.vMax!.filter((x, q) => x > a.v[q]!).length;
        }
      }
      expect(aboveV).toBeGreaterThan(0);
      // Imported as saved; without it (a plain-Adam or older checkpoint) the maximum is left to
      // start again from v at the next step.
      const again = new Trainer(saved.config);
      again.importState(saved.state);
      expect(again.exportState().layers.map((l) => l.adamWeights?.vMax)).toEqual(
        saved.state.layers.map((l) => l.adamWeights?.vMax),
      );
      const withoutMax = new Trainer(saved.config);
      withoutMax.importState({
        ...saved.state,
        layers: saved.state.layers.map((l) => ({
          ...l,
          adamWeights: l.adamWeights && { m: l.adamWeights.m, v: l.adamWeights.v, step: l.adamWeights.step },
          adamDelays: l.adamDelays && { m: l.adamDelays.m, v: l.adamDelays.v, step: l.adamDelays.step },
        })),
      });
      const vBefore = saved.state.layers[0]!.adamWeights!.v;
      withoutMax.trainStep(Array.from(withoutMax.data.train.subarray(0, 8)));
      const after = withoutMax.exportState().layers[0]!.adamWeights!;
      expect(Array.from(after.vMax!)).toEqual(Array.from(after.v, (v, q) => Math.max(v, vBefore[q]!)));
      expect(after.vMax!.some((x, q) => x !== after.v[q])).toBe(true);
      // A plain-Adam run keeps no maximum, even from a state that has one.
      const plain = new Trainer({
        ...saved.config,
        optimizer: { ...saved.config.optimizer, amsgrad: false },
      });
      plain.importState(saved.state);
      expect(plain.exportState().layers.every((l) => !l.adamWeights?.vMax && !l.adamDelays?.vMax)).toBe(true);
    }
  });

  it('a rewired run (format 5: mask, signs, rewiring generator) resumes bit for bit, its structure included', async () => {
    const rewired = () => {
      const c = patterns();
      c.network.layers[0]!.connectivity = 0.25;
      c.network.layers[0]!.rewiring = { regrowth: 'gradient', dale: true, l1: 1e-3, temperature: 1e-6 };
      return c;
    };
    const straight = new Trainer(rewired());
    await trainEpochs(straight, 4);
    const first = new Trainer(rewired());
    const history = await trainEpochs(first, 2);
    const saved = decodeCheckpoint(encodeCheckpoint(checkpointOf(first, history)), 'ck');
    const structure = saved.state.layers[0]!.structure!;
    expect(Array.from(structure.mask!)).toEqual(Array.from(first.net.synapses[0]!.mask!));
    expect(saved.state.layers[1]!.structure).toBeNull();
    const resumed = new Trainer(saved.config);
    resumed.importState(saved.state);
    await trainEpochs(resumed, 2);
    expect(Array.from(resumed.net.synapses[0]!.mask!)).toEqual(Array.from(straight.net.synapses[0]!.mask!));
    expect(Array.from(resumed.net.synapses[0]!.weights)).toEqual(
      Array.from(straight.net.synapses[0]!.weights),
    );
    // Training rewired it: the mask is not the seed's starting one.
    expect(Array.from(straight.net.synapses[0]!.mask!)).not.toEqual(
      Array.from(new Trainer(rewired()).net.synapses[0]!.mask!),
    );
  });

  it('stores a sparse layer only at its synapses (formats 6, 7) and float32 runs in float32, exactly', async () => {
    const wide = () => {
      const c = patterns();
      c.network.layers[0]!.size = 256; // synapses, not the header, make up the file
      return c;
    };
    // Fixed masks: absent synapses are zero in every compactable array.
    const sparse = (rewired: boolean) => {
      const c = wide();
      c.network.layers[0]!.connectivity = 1 / 16;
      if (rewired)
        c.network.layers[0]!.rewiring = { regrowth: 'gradient', dale: false, l1: 1e-3, temperature: 1e-6 };
      c.network.layers[1]!.connectivity = 1 / 8;
      return c;
    };
    const withBest = (t: Trainer, history: EpochRecord[]): Checkpoint => ({
      ...checkpointOf(t, history),
      best: {
        epoch: 1,
        validationAccuracy: 0.5,
        sigma: 2,
        layers: t.net.denseParameters(),
      },
    });
    for (const precision of ['f32', 'f64'] as const) {
      const t = new Trainer(sparse(false), { precision });
      const history = await trainEpochs(t, 2);
      const checkpoint = withBest(t, history);
      const bytes = encodeCheckpoint(checkpoint);
      const back = decodeCheckpoint(bytes, 'ck');
      expect(back.state).toEqual(checkpoint.state);
      // The first layer is compact (format 7): its state and best copy come back compact, the
      // dense best copy written at its synapses; a compact best copy writes the same bytes.
      expect(t.net.synapses[0]!.synapseIndex).not.toBeNull();
      expect(back.state.layers[0]!.weights.length).toBe(320);
      const compactBest = { ...checkpoint.best!, layers: copyParameters(t) };
      expect(compactBest.layers[0]!.weights.length).toBe(320);
      expect(back.best).toEqual(compactBest);
      expect(encodeCheckpoint({ ...checkpoint, best: compactBest })).toEqual(bytes);
      const dense = new Trainer(wide(), { precision });
      await trainEpochs(dense, 2);
      const denseBytes = encodeCheckpoint(withBest(dense, history)).length;
      const text = new TextDecoder().decode(bytes.subarray(0, 4096));
      // Exactly the layer's 5120 / 16 synapses.
      expect(text).toMatch(/"0\.active":\{"type":"u32","offset":\d+,"length":320\}/);
      expect(text).toContain('"0.weights.active"');
      expect(text).toContain('"best.1.weights.active"');
      // The compact first layer (format 7): its delays too at its synapses only.
      expect(text).toContain(
        precision === 'f32' ? '"0.delays.active":{"type":"f32"' : '"0.delays.active":{"type":"f64"',
      );
      expect(text).not.toContain('"0.delays":');
      // The second layer (1/8: dense storage with a mask) keeps dense delays.
      expect(text).toContain('"1.delays":');
      // Measured 9.7x (f32) and 9.2x (f64) smaller than the dense network's: every first-layer
      // array shrinks with its 1/16 share (delays too since format 7).
      expect(bytes.length).toBeLessThan(denseBytes / 8);
    }
    // A rewired layer at 1/16 is compact too: its current synapses, values and structure (seed,
    // generator) come back, and so does a best copy taken under an earlier structure.
    const t = new Trainer(sparse(true));
    await trainEpochs(t, 1);
    const earlier = copyParameters(t);
    const history = await trainEpochs(t, 1);
    expect(Array.from(earlier[0]!.synapses!)).not.toEqual(Array.from(t.net.synapses[0]!.synapseIndex!));
    const checkpoint: Checkpoint = {
      ...checkpointOf(t, history),
      best: { epoch: 1, validationAccuracy: 0.5, sigma: 2, layers: earlier },
    };
    const back = decodeCheckpoint(encodeCheckpoint(checkpoint), 'ck');
    expect(back.state).toEqual(checkpoint.state);
    expect(back.state.layers[0]!.structure!.seed).toBeGreaterThanOrEqual(0);
    expect(back.state.layers[0]!.structure!.mask).toBeUndefined();
    // The best copy comes back at its own synapses.
    expect(back.best).toEqual(checkpoint.best);
    expect(new TextDecoder().decode(encodeCheckpoint(checkpoint).subarray(0, 4096))).toContain(
      '"best.0.own"',
    );
  });

  it('keeps -0 weights -0 through a compact layer (ternary initialisation makes them)', () => {
    const c = patterns();
    c.network.layers[0]!.size = 256;
    const t = new Trainer(c);
    const weights = t.net.synapses[0]!.weights;
    // A few nonzero weights and many -0: the layer is stored compactly.
    weights.fill(0);
    for (let q = 0; q < weights.length; q += 7) weights[q] = -0;
    for (let q = 0; q < weights.length; q += 97) weights[q] = 0.25;
    const back = decodeCheckpoint(encodeCheckpoint(checkpointOf(t, [])), 'ck');
    const saved = back.state.layers[0]!.weights;
    expect(saved.every((w, q) => Object.is(w, weights[q]))).toBe(true);
    expect(new TextDecoder().decode(encodeCheckpoint(checkpointOf(t, [])).subarray(0, 4096))).toContain(
      '"0.weights.active"',
    );
  });

  it('refuses an active-synapse list out of order or out of range', async () => {
    const c = patterns();
    c.network.layers[0]!.connectivity = 1 / 16;
    const t = new Trainer(c);
    const history = await trainEpochs(t, 1);
    const bytes = encodeCheckpoint(checkpointOf(t, history));
    const text = new TextDecoder().decode(bytes.subarray(0, 4096));
    const ref = /"0\.active":\{"type":"u32","offset":(\d+),"length":(\d+)\}/.exec(text)!;
    const offset = Number(ref[1]);
    const broken = bytes.slice();
    new DataView(broken.buffer).setUint32(offset + 4, 0, true); // the second index below the first
    expect(() => decodeCheckpoint(reseal(broken), 'ck')).toThrow(
      /ck: has a bad active-synapse list in layer 0/,
    );
  });

  it('keeps the best-validation parameters and round-trips the config', async () => {
    const t = new Trainer(patterns());
    const [m] = await trainEpochs(t, 1);
    const best = {
      epoch: 1,
      validationAccuracy: 0.5,
      sigma: 3.25,
      layers: t.net.synapses.map((s) => ({
        weights: Float64Array.from(s.weights),
        delays: Float64Array.from(s.delays),
      })),
    };
    const back = decodeCheckpoint(encodeCheckpoint({ ...checkpointOf(t, [m!]), best, dataset: 'x' }), 'ck');
    expect(back.best).toEqual(best);
    expect(back.config).toEqual(t.config);
    expect(back.dataset).toBe('x');
  });

  it('refuses a checkpoint with 256 bytes flipped mid-file (it resumed silently with other results before the checksum)', () => {
    const t = new Trainer(patterns());
    const bytes = encodeCheckpoint(checkpointOf(t, []));
    const middle = Math.floor(bytes.length / 2);
    for (const start of [middle, bytes.length - 300, 20]) {
      const flipped = bytes.slice();
      for (let q = start; q < start + 256; q++) flipped[q]! ^= 0x5a;
      expect(() => decodeCheckpoint(flipped, 'run/checkpoint.dlck'), `bytes ${start}..`).toThrow(
        'run/checkpoint.dlck: is damaged: its checksum does not match its contents (changed or cut off after it was written)',
      );
    }
  });

  it('reads checkpoints of format 2 (before the checksum) as before', () => {
    const t = new Trainer(patterns());
    t.trainStep([0, 1]);
    const current = encodeCheckpoint(checkpointOf(t, []));
    const v2 = asUnchecksummed(current, 2);
    const back = decodeCheckpoint(v2, 'old.dlck');
    expect(back).toEqual(decodeCheckpoint(current, 'new.dlck'));
    expect(back.state.step).toBe(1);
  });

  it('round-trips every step loss and the last epoch predictions (format 4); older formats read them as null', () => {
    const t = new Trainer(patterns());
    t.trainStep([0, 1]);
    t.trainStep([2, 3]);
    const stepLosses = Float32Array.of(1.0986, 0.75);
    const viewPredictions = { epoch: 1, classes: Int32Array.of(2, -1, 0, 1) };
    const bytes = encodeCheckpoint({ ...checkpointOf(t, []), stepLosses, viewPredictions });
    const back = decodeCheckpoint(bytes, 'run.dlck');
    expect(back.stepLosses).toEqual(stepLosses);
    expect(back.viewPredictions).toEqual(viewPredictions);
    // A file of format 3 (the same layout with the version field set back) has neither.
    const v3 = new Uint8Array(encodeCheckpoint(checkpointOf(t, [])));
    new DataView(v3.buffer).setUint32(4, 3, true);
    const old = decodeCheckpoint(reseal(v3), 'old.dlck');
    expect(old.stepLosses).toBeNull();
    expect(old.viewPredictions).toBeNull();
    // Losses that do not cover every step are refused, naming the file.
    const short = encodeCheckpoint({ ...checkpointOf(t, []), stepLosses: Float32Array.of(1) });
    expect(() => decodeCheckpoint(short, 'short.dlck')).toThrow(
      /short\.dlck.*step-loss.*1 values; 2 expected/,
    );
  });

  it('a run loop resumed from a checkpoint goes on with its step losses and last predictions', async () => {
    const config = patterns();
    config.training.epochs = 2;
    const first = new RunLoop(new CpuEngine(new Trainer(config, { precision: 'f64' })));
    await first.advance({ maxSteps: first.model.stepsPerEpoch + 2 });
    const saved = await first.checkpoint();
    expect(saved.stepLosses).toHaveLength(first.model.step);
    expect(saved.viewPredictions?.epoch).toBe(1);
    const restored = decodeCheckpoint(encodeCheckpoint(saved), 'run.dlck');
    const trainer = new Trainer(config, { precision: 'f64' });
    trainer.importState(restored.state);
    const second = new RunLoop(new CpuEngine(trainer), { resume: restored });
    expect(Array.from(second.stepLosses)).toEqual(Array.from(saved.stepLosses!));
    expect(second.lastEpochPredictions).toEqual(saved.viewPredictions);
    await second.advance({ maxSteps: 3 });
    expect(second.stepLosses).toHaveLength(saved.stepLosses!.length + 3);
    expect(Array.from(second.stepLosses.subarray(0, saved.stepLosses!.length))).toEqual(
      Array.from(saved.stepLosses!),
    );
  });

  it('rejects foreign, truncated and inconsistent files with a message naming them', () => {
    const t = new Trainer(patterns());
    const bytes = encodeCheckpoint(checkpointOf(t, []));
    expect(() => decodeCheckpoint(new Uint8Array(30), 'run/ck')).toThrow(
      /run\/ck: is not a Delay Lab checkpoint/,
    );
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100), 'ck')).toThrow(DataFormatError);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 100), 'ck')).toThrow(/ck: is damaged/);
    // A trainer of another shape refuses the state, naming what differs.
    const other = patterns();
    other.network.layers[0]!.size = 8;
    other.network.layers[1]!.size = 3;
    expect(() => new Trainer(other).importState(t.exportState())).toThrow(
      /layer 0 weights: saved 640 values/,
    );
  });
});
