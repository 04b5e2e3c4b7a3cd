import { describe, expect, it } from 'vitest';
import { asUnchecksummed, reseal } from '../bundleTesting.ts';
import { DATASET_FORMAT_VERSION, decodeDataset, encodeDataset } from './container.ts';
import { DataFormatError, type EventSet, type ImageSet, type PointSet, type RawDataset } from './types.ts';

const images = (count: number): ImageSet => ({
  kind: 'images',
  count,
  rows: 3,
  cols: 2,
  classes: 4,
  pixels: Uint8Array.from({ length: count * 6 }, (_, q) => (q * 37) % 256),
  labels: Uint8Array.from({ length: count }, (_, s) => s % 4),
});

const events: EventSet = {
  kind: 'events',
  count: 3,
  channels: 700,
  classes: 20,
  offsets: Uint32Array.from([0, 2, 2, 5]),
  timesMs: Float32Array.from([0.5, 12.25, 3, 4, 900.125]),
  units: Uint16Array.from([699, 0, 5, 5, 17]),
  labels: Uint8Array.from([19, 0, 7]),
};

const points: PointSet = {
  kind: 'points',
  count: 2,
  classes: 3,
  coords: Float32Array.from([0.1, 0.2, 0.9, 0.4]),
  labels: Uint8Array.from([2, 0]),
};

function roundTrip(d: RawDataset): RawDataset {
  return decodeDataset(encodeDataset(d), 'x');
}

describe('stored data set format', () => {
  it('round-trips image, event and point sets with their name, source and test part', () => {
    const img: RawDataset = {
      name: 'digits ✓',
      source: { kind: 'files', names: ['a', 'b'] },
      train: images(5),
      test: images(2),
    };
    expect(roundTrip(img)).toEqual(img);
    const ev: RawDataset = {
      name: 'shd',
      source: { kind: 'url', url: 'http://x/y.h5' },
      train: events,
      test: null,
    };
    expect(roundTrip(ev)).toEqual(ev);
    const pt: RawDataset = {
      name: 'yy',
      source: { kind: 'generated', generator: 'yinyang', seed: 3 },
      train: points,
      test: points,
    };
    expect(roundTrip(pt)).toEqual(pt);
  });

  it('decodes from an unaligned position inside a larger buffer', () => {
    const d: RawDataset = { name: 'n', source: { kind: 'builtin', name: 'n' }, train: events, test: null };
    const bytes = encodeDataset(d);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeDataset(shifted.subarray(3), 'x')).toEqual(d);
  });

  it('names the problem with corrupt, truncated or future files', () => {
    const good = encodeDataset({
      name: 'n',
      source: { kind: 'builtin', name: 'n' },
      train: images(4),
      test: null,
    });
    const fails = (bytes: Uint8Array, pattern: RegExp): void => {
      expect(() => decodeDataset(bytes, 'store/n')).toThrow(DataFormatError);
      expect(() => decodeDataset(bytes, 'store/n')).toThrow(pattern);
    };
    fails(new Uint8Array(20), /store\/n: is not a Delay Lab data set/);
    fails(good.subarray(0, good.length - 5), /is damaged: its checksum does not match/);
    // Behind the checksum (files of version 1 have none), the arrays' own bounds are checked.
    fails(
      asUnchecksummed(good, 1).subarray(0, good.length - 9),
      /truncated: the train 'pixels' array is cut off|train 'labels'/,
    );
    const flipped = good.slice();
    for (let q = 100; q < 100 + 256 && q < flipped.length - 4; q++) flipped[q]! ^= 0xff;
    fails(flipped, /store\/n: is damaged: its checksum does not match its contents/);
    fails(asUnchecksummed(good, 1).subarray(0, 30), /truncated inside its header/);
    fails(good.subarray(0, 30), /is damaged/);
    const future = good.slice();
    new DataView(future.buffer).setUint32(4, DATASET_FORMAT_VERSION + 1, true);
    fails(future, /newer Delay Lab/);
    const header = good.slice();
    header[12] = 0x5d; // "]" where the JSON's "{" was
    fails(reseal(header), /corrupt header/);
    // A label beyond the class count (labels are the last array).
    const badLabel = good.slice();
    badLabel[badLabel.length - 12 + 0] = 9;
    expect(() => decodeDataset(reseal(badLabel), 'n')).toThrow(/label 9 but only 4 classes/);
  });

  it('reads data sets stored in format 1 (before the checksum)', () => {
    const good = encodeDataset({
      name: 'n',
      source: { kind: 'builtin', name: 'n' },
      train: images(4),
      test: null,
    });
    const old = decodeDataset(asUnchecksummed(good, 1), 'old');
    expect(old).toEqual(decodeDataset(good, 'new'));
  });

  it('rejects events whose channels exceed the channel count', () => {
    const bad = encodeDataset({
      name: 'n',
      source: { kind: 'builtin', name: 'n' },
      train: { ...events, channels: 100 },
      test: null,
    });
    expect(() => decodeDataset(bad, 'n')).toThrow(/channel 699 beyond its 100 channels/);
  });
});
