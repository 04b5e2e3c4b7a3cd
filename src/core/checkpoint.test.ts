import { describe, expect, it } from 'vitest';
import { asUnchecksummed } from './bundleTesting.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { DataFormatError } from './data/types.ts';
import { preset } from './presets.ts';
import { trainEpochs } from './runLoop.ts';
import type { EpochRecord } from './runRecord.ts';
import { Trainer } from './trainer.ts';

function patterns() {
  const c = preset('patterns')!;
  c.training.epochs = 4;
  return c;
}

function checkpointOf(t: Trainer, history: EpochRecord[]): Checkpoint {
  return { config: t.config, dataset: null, state: t.exportState(), history, best: null, epochLossSum: 0 };
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
