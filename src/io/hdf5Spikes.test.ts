import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binSample } from '../core/data/binning.ts';
import { DataFormatError, type EventSet } from '../core/data/types.ts';
import { parseSpikeHdf5 } from './hdf5Spikes.ts';

/**
 * The test files are written with h5py, in the layout of the real SHD files (vlen float32 times
 * in seconds, vlen uint16 units, uint16 labels): h5wasm cannot write variable-length numeric arrays.
 */
const PYTHON = '/usr/bin/python3';

/** A dataset for the writer: a vlen array per sample, or a plain 1-D array. Numbers or 'nan' / 'inf'. */
type Column =
  | { vlen: string; data: (number | string)[][] }
  | { dtype: string; data: (number | string)[] }
  /** A dataset of `shape` entries with none written (fill values, gzip chunks): a file's claim, not data. */
  | { claim: string; vlen: boolean; shape: number };
type Spec = Record<string, Column>;

/** Reads a JSON list of [path, {dataset: column}] from argv[1] and writes each file. */
const WRITER = `
import json, sys
import h5py
import numpy as np
for path, datasets in json.loads(sys.argv[1]):
    with h5py.File(path, 'w') as f:
        for name, col in datasets.items():
            if 'claim' in col:
                dt = np.dtype(col['claim'])
                f.create_dataset(name, (col['shape'],), dtype=h5py.vlen_dtype(dt) if col['vlen'] else dt,
                                 chunks=True, compression='gzip')
            elif 'vlen' in col:
                dt = np.dtype(col['vlen'])
                ds = f.create_dataset(name, (len(col['data']),), dtype=h5py.vlen_dtype(dt))
                for i, row in enumerate(col['data']):
                    ds[i] = np.array(row, dtype=dt)
            else:
                f.create_dataset(name, data=np.array(col['data'], dtype=col['dtype']))
`;

/** SHD layout from per-sample (seconds, unit) lists. */
function shd(samples: { times: (number | string)[]; units: number[] }[], labels: number[]): Spec {
  return {
    'spikes/times': { vlen: 'float32', data: samples.map((s) => s.times) },
    'spikes/units': { vlen: 'uint16', data: samples.map((s) => s.units) },
    labels: { dtype: 'uint16', data: labels },
  };
}

/** Known events; binned with 10 ms bins, pool 5, 20 steps by hand below. */
const SAMPLES = [
  { times: [0.001, 0.002, 0.0125, 0.0125, 0.035, 0.25], units: [699, 7, 12, 10, 0, 5] },
  { times: [], units: [] },
  { times: [0.0005, 0.0005, 0.1995], units: [3, 4, 695] },
  { times: [0.05], units: [350] },
];
const LABELS = [3, 19, 0, 7];

const FILES: Record<string, Spec> = {
  good: shd(SAMPLES, LABELS),
  wideUnits: shd([{ times: [0.01, 0.02], units: [2, 703] }], [1]),
  // float16 times, int64 units and labels (numpy defaults), as other exporters write them.
  otherTypes: {
    'spikes/times': { vlen: 'float16', data: [[0.25, 0.5], []] },
    'spikes/units': { vlen: 'int64', data: [[1, 2], []] },
    labels: { dtype: 'int64', data: [4, 2] },
  },
  empty: shd([], []),
  noLabels: {
    'spikes/times': { vlen: 'float32', data: [[0.1]] },
    'spikes/units': { vlen: 'uint16', data: [[1]] },
  },
  noUnits: { 'spikes/times': { vlen: 'float32', data: [[0.1]] }, labels: { dtype: 'uint8', data: [1] } },
  noTimes: { 'spikes/units': { vlen: 'uint16', data: [[1]] }, labels: { dtype: 'uint8', data: [1] } },
  // A few KB claiming 10^8 samples, and 10^6: datasets created with a shape and no data.
  claims100M: {
    'spikes/times': { claim: 'float32', vlen: true, shape: 100_000_000 },
    'spikes/units': { claim: 'uint16', vlen: true, shape: 100_000_000 },
    labels: { claim: 'uint16', vlen: false, shape: 100_000_000 },
  },
  claims1M: {
    'spikes/times': { claim: 'float32', vlen: true, shape: 1_000_000 },
    'spikes/units': { claim: 'uint16', vlen: true, shape: 1_000_000 },
    labels: { claim: 'uint16', vlen: false, shape: 1_000_000 },
  },
  countMismatch: {
    'spikes/times': { vlen: 'float32', data: [[0.1], [0.2], [0.3]] },
    'spikes/units': { vlen: 'uint16', data: [[1], [2]] },
    labels: { dtype: 'uint8', data: [1, 2, 3] },
  },
  sampleMismatch: shd(
    [
      { times: [0.1], units: [1] },
      { times: [0.1, 0.2], units: [1] },
    ],
    [0, 1],
  ),
  negativeTime: shd([{ times: [0.1, -0.2], units: [1, 2] }], [0]),
  nanTime: shd([{ times: [0.1, 'nan'], units: [1, 2] }], [0]),
  infTime: shd([{ times: ['inf'], units: [1] }], [0]),
  notAscending: shd(
    [
      { times: [0.1, 0.2], units: [1, 2] },
      { times: [0.1, 0.1], units: [1, 2] },
      { times: [0.3, 0.2], units: [1, 2] },
    ],
    [0, 1, 2],
  ),
  bigLabel: shd(
    [
      { times: [0.1], units: [1] },
      { times: [0.1], units: [1] },
    ],
    [255, 300],
  ),
  plainTimes: {
    'spikes/times': { dtype: 'float32', data: [0.1] },
    'spikes/units': { vlen: 'uint16', data: [[1]] },
    labels: { dtype: 'uint8', data: [1] },
  },
};

let dir = '';
const bytes: Record<string, Uint8Array> = {};

function file(name: string): Uint8Array {
  const b = bytes[name];
  if (!b) throw new Error(`no test file ${name}`);
  return b;
}

beforeAll(() => {
  const probe = spawnSync(PYTHON, ['-c', 'import h5py'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import h5py, which writes this test's SHD-layout HDF5 files ` +
        `(${probe.error?.message ?? probe.stderr.trim()}).\n` +
        '    Install it with:  sudo apt-get install -y python3-h5py',
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'delaylab-hdf5-'));
  const jobs = Object.entries(FILES).map(([name, spec]) => [join(dir, `${name}.h5`), spec]);
  execFileSync(PYTHON, ['-c', WRITER, JSON.stringify(jobs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const name of Object.keys(FILES)) bytes[name] = new Uint8Array(readFileSync(join(dir, `${name}.h5`)));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the reader stores for a float32 time in seconds. */
function ms(seconds: number): number {
  return Math.fround(Math.fround(seconds) * 1000);
}

async function expectFormatError(
  promise: Promise<EventSet>,
  fileName: string,
  pattern: RegExp,
): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DataFormatError);
  expect((thrown as DataFormatError).file).toBe(fileName);
  expect((thrown as Error).message.startsWith(`${fileName}: `)).toBe(true);
  expect((thrown as Error).message).toMatch(pattern);
}

/** Files this reader left in h5wasm's in-memory file system. */
async function leftovers(): Promise<string[]> {
  const h5wasm = await import('h5wasm');
  const { FS } = await h5wasm.ready;
  const names: string[] = FS.readdir('/');
  return names.filter((n) => n.startsWith('delaylab-'));
}

describe('parseSpikeHdf5', () => {
  it('reads every event, offset and label of an SHD-layout file', async () => {
    const input = file('good');
    const before = input.slice();
    const set = await parseSpikeHdf5(input, 'shd_train.h5');
    expect(set.kind).toBe('events');
    expect(set.count).toBe(4);
    expect(set.channels).toBe(700);
    expect(set.classes).toBe(20);
    expect(set.offsets).toBeInstanceOf(Uint32Array);
    expect(Array.from(set.offsets)).toEqual([0, 6, 6, 9, 10]);
    expect(set.timesMs).toBeInstanceOf(Float32Array);
    expect(Array.from(set.timesMs)).toEqual(SAMPLES.flatMap((s) => s.times.map(ms)));
    expect(set.units).toBeInstanceOf(Uint16Array);
    expect(Array.from(set.units)).toEqual(SAMPLES.flatMap((s) => s.units));
    expect(set.labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(set.labels)).toEqual(LABELS);
    expect(input).toEqual(before);
    expect(await leftovers()).toEqual([]);
  });

  it('bins the parsed file into 10 ms steps with channels pooled by 5 (700 -> 140)', async () => {
    const set = await parseSpikeHdf5(file('good'), 'shd_train.h5');
    const opts = { binMs: 10, pool: 5, timeSteps: 20 };
    const binned = [0, 1, 2, 3].map((s) => {
      const { steps, channels } = binSample(set, s, opts);
      return Array.from(steps, (step, i) => [step, channels[i]]);
    });
    expect(binned).toEqual([
      // 1 ms/699 -> (0,139); 2 ms/7 -> (0,1); 12.5 ms/12 and /10 -> (1,2) twice; 35 ms/0 -> (3,0);
      // 250 ms is step 25, past 20 steps: dropped.
      [
        [0, 1],
        [0, 139],
        [1, 2],
        [1, 2],
        [3, 0],
      ],
      [],
      // 0.5 ms on units 3 and 4 -> (0,0) twice; 199.5 ms/695 -> (19,139).
      [
        [0, 0],
        [0, 0],
        [19, 139],
      ],
      [[5, 70]],
    ]);
  });

  it('widens channels past 700 to the largest unit + 1, or checks units against options.channels', async () => {
    expect((await parseSpikeHdf5(file('wideUnits'), 'w.h5')).channels).toBe(704);
    expect((await parseSpikeHdf5(file('wideUnits'), 'w.h5', { channels: 800 })).channels).toBe(800);
    expect((await parseSpikeHdf5(file('good'), 'g.h5', { channels: 700 })).channels).toBe(700);
    await expectFormatError(
      parseSpikeHdf5(file('wideUnits'), 'w.h5', { channels: 700 }),
      'w.h5',
      /sample 0 has unit 703 at event 1, outside the 700 channels/,
    );
    await expect(parseSpikeHdf5(file('good'), 'g.h5', { channels: 0 })).rejects.toThrow(RangeError);
  });

  it('reads float16 times and int64 units and labels', async () => {
    const set = await parseSpikeHdf5(file('otherTypes'), 'o.h5');
    expect(Array.from(set.timesMs)).toEqual([250, 500]);
    expect(Array.from(set.units)).toEqual([1, 2]);
    expect(Array.from(set.offsets)).toEqual([0, 2, 2]);
    expect(Array.from(set.labels)).toEqual([4, 2]);
    expect(set.classes).toBe(5);
  });

  it('reads a file with no samples', async () => {
    const set = await parseSpikeHdf5(file('empty'), 'e.h5');
    expect(set.count).toBe(0);
    expect(Array.from(set.offsets)).toEqual([0]);
    expect(set.timesMs.length).toBe(0);
    expect(set.classes).toBe(0);
    expect(set.channels).toBe(700);
  });

  it('rejects bytes that are not HDF5', async () => {
    let x = 12345;
    const random = Uint8Array.from({ length: 4096 }, () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x >>> 24;
    });
    await expectFormatError(parseSpikeHdf5(random, 'noise.h5'), 'noise.h5', /is not an HDF5 file/);
    await expectFormatError(parseSpikeHdf5(new Uint8Array(0), 'zero.h5'), 'zero.h5', /not an HDF5 file/);
    // The signature alone, then noise: h5wasm itself refuses it.
    const signed = random.slice();
    signed.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    await expectFormatError(
      parseSpikeHdf5(signed, 'fake.h5'),
      'fake.h5',
      /not an HDF5 file h5wasm can open \(.+\)/,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('rejects a truncated file (its first half)', async () => {
    const good = file('good');
    const half = good.slice(0, Math.floor(good.length / 2));
    await expectFormatError(parseSpikeHdf5(half, 'cut.h5'), 'cut.h5', /can open \(truncated file/);
    expect(await leftovers()).toEqual([]);
  });

  it('names a missing dataset', async () => {
    await expectFormatError(parseSpikeHdf5(file('noLabels'), 'a.h5'), 'a.h5', /has no dataset `labels`/);
    await expectFormatError(
      parseSpikeHdf5(file('noUnits'), 'b.h5'),
      'b.h5',
      /has no dataset `spikes\/units`/,
    );
    await expectFormatError(
      parseSpikeHdf5(file('noTimes'), 'c.h5'),
      'c.h5',
      /has no dataset `spikes\/times`/,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('says the counts when times, units and labels disagree', async () => {
    await expectFormatError(
      parseSpikeHdf5(file('countMismatch'), 'm.h5'),
      'm.h5',
      /`spikes\/times` has 3, `spikes\/units` 2, `labels` 3/,
    );
    await expectFormatError(
      parseSpikeHdf5(file('sampleMismatch'), 'm.h5'),
      'm.h5',
      /sample 1 has 2 spike times but 1 units/,
    );
  });

  it('refuses a small file claiming millions of samples at once, in bounded memory', async () => {
    const before = process.memoryUsage().rss;
    for (const [name, count] of [
      ['claims100M', 100_000_000],
      ['claims1M', 1_000_000],
    ] as const) {
      const bytes = file(name);
      expect(bytes.length).toBeLessThan(100_000);
      await expectFormatError(
        parseSpikeHdf5(bytes, 'claim.h5'),
        'claim.h5',
        new RegExp(`claims ${count} samples but is only ${bytes.length} bytes long`),
      );
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(100e6);
  });

  it('rejects negative, non-finite and unordered times and labels beyond 255', async () => {
    await expectFormatError(parseSpikeHdf5(file('negativeTime'), 'n.h5'), 'n.h5', /sample 0 .*negative/);
    await expectFormatError(parseSpikeHdf5(file('nanTime'), 'n.h5'), 'n.h5', /sample 0 .*non-finite.*NaN/);
    await expectFormatError(
      parseSpikeHdf5(file('infTime'), 'n.h5'),
      'n.h5',
      /sample 0 .*non-finite.*Infinity/,
    );
    // Sample 1 repeats a time (allowed); sample 2 goes back.
    await expectFormatError(
      parseSpikeHdf5(file('notAscending'), 'n.h5'),
      'n.h5',
      /spike times of sample 2 are not ascending/,
    );
    await expectFormatError(parseSpikeHdf5(file('bigLabel'), 'n.h5'), 'n.h5', /label of sample 1 is 300/);
    await expectFormatError(
      parseSpikeHdf5(file('plainTimes'), 'n.h5'),
      'n.h5',
      /`spikes\/times` must hold variable-length float arrays/,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('still works after errors (the HDF5 error handler is restored and files are unlinked)', async () => {
    await expect(parseSpikeHdf5(file('noLabels'), 'a.h5')).rejects.toThrow(DataFormatError);
    const set = await parseSpikeHdf5(file('good'), 'g.h5');
    expect(set.count).toBe(4);
    expect(await leftovers()).toEqual([]);
  });
});
