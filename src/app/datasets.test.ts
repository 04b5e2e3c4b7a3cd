import 'fake-indexeddb/auto';
import { createStore } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeIdx } from '../core/data/idx.ts';
import type { RawDataset } from '../core/data/types.ts';
import { scaledImageRgba } from '../charts/datasetPreview.ts';
import { DatasetStore } from '../storage/datasetStore.ts';
import { createAppStore, type AppStore } from '../store/index.ts';
import { DatasetsController, type DatasetsDeps } from './datasets.ts';
import { asSentence, datasetNameForFiles, describeError, describeStage, previewOf } from './datasetText.ts';

/** An IDX pair of `count` 4x4 images (labels 0..2) named with `prefix`. */
function idxFiles(prefix: string, count: number, role = 'train'): File[] {
  const pixels = Uint8Array.from({ length: count * 16 }, (_, q) => (q * 37) % 256);
  const labels = Uint8Array.from({ length: count }, (_, s) => s % 3);
  return [
    new File(
      [encodeIdx([count, 4, 4], pixels) as Uint8Array<ArrayBuffer>],
      `${prefix}-${role}-images-idx3-ubyte`,
    ),
    new File([encodeIdx([count], labels) as Uint8Array<ArrayBuffer>], `${prefix}-${role}-labels-idx1-ubyte`),
  ];
}

let dbCount = 0;
let app: AppStore;
let store: DatasetStore;

function controller(deps: DatasetsDeps = {}): DatasetsController {
  return new DatasetsController(app, { store, progressIntervalMs: 0, ...deps });
}

beforeEach(() => {
  app = createAppStore();
  store = new DatasetStore({
    store: createStore(`datasets-test-${dbCount++}`, 'keyval'),
    estimate: async () => ({ usage: 0, quota: 1e9 }),
  });
});

const state = () => app.getState().datasets;

describe('DatasetsController', () => {
  it('imports picked files, saves them and lists the entry with a "Saved" message', async () => {
    const c = controller();
    await c.refresh();
    expect(state()).toMatchObject({ entries: [], listed: true, job: null, message: null });
    const jobs: string[] = [];
    const unsubscribe = app.subscribe((s) => {
      if (s.datasets.job) jobs.push(s.datasets.job.label);
    });
    expect(await c.importPicked([...idxFiles('tiny', 30), ...idxFiles('tiny', 6, 'test')])).toBe(true);
    unsubscribe();
    expect(state().entries).toHaveLength(1);
    expect(state().entries[0]).toMatchObject({ name: 'tiny', trainCount: 30, testCount: 6, classes: 3 });
    expect(state().job).toBeNull();
    expect(state().message).toEqual({
      kind: 'info',
      text: expect.stringMatching(/^Saved 'tiny' \(36 samples, 0\.0 MB\)$/),
    });
    expect(jobs).toContain('Reading tiny-train-images-idx3-ubyte (1 of 4)…');
    expect(jobs).toContain('Parsing tiny-test-labels-idx1-ubyte…');
    expect(jobs.some((l) => l.startsWith("Saving 'tiny'"))).toBe(true);
  });

  it('a failed import leaves the stored data sets unchanged and shows the error naming the file', async () => {
    const c = controller();
    await c.importPicked(idxFiles('good', 10));
    const before = state().entries;
    const [images, labels] = idxFiles('bad', 10);
    const truncated = new File([(await images!.arrayBuffer()).slice(0, 100)], images!.name);
    expect(await c.importPicked([truncated, labels!])).toBe(false);
    expect(state().message?.kind).toBe('error');
    expect(state().message?.text).toMatch(/^bad-train-images-idx3-ubyte: is truncated/);
    expect(state().job).toBeNull();
    expect(state().entries).toEqual(before);
    await c.refresh();
    expect(state().entries).toEqual(before);
    const data = await store.load(before[0]!.id);
    expect(data.train.count).toBe(10);
  });

  it('a refused save (quota) reports the store message as it is and saves nothing', async () => {
    store = new DatasetStore({
      store: createStore(`datasets-test-${dbCount++}`, 'keyval'),
      estimate: async () => ({ usage: 1000, quota: 1100 }),
    });
    const c = controller();
    expect(await c.importPicked(idxFiles('big', 50))).toBe(false);
    expect(state().message).toEqual({
      kind: 'error',
      text: expect.stringMatching(/^'big' needs .* MB but the browser allows only 0\.0 MB more/),
    });
    expect(await store.list()).toEqual([]);
  });

  it('cancelling a download reports it, saves nothing and frees the controller for the next job', async () => {
    // A server that sends the headers and a first chunk, then nothing until the request is aborted.
    const fetchImpl: typeof fetch = async (_input, init) => {
      const signal = init?.signal ?? null;
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(new Uint8Array(1000));
          signal?.addEventListener('abort', () => ctl.error(new DOMException('aborted', 'AbortError')));
        },
      });
      return new Response(body, { headers: { 'content-length': '100000' } });
    };
    const c = controller({ fetchImpl });
    const done = c.importUrl('http://example.test/fashion/');
    await expect.poll(() => state().job?.loaded).toBe(1000);
    expect(state().job).toMatchObject({
      label: 'Downloading train-images-idx3-ubyte.gz (1 of 4): 0.0 / 0.1 MB',
      total: 100000,
      cancellable: true,
    });
    c.cancel();
    expect(await done).toBe(false);
    expect(state().message).toEqual({
      kind: 'info',
      text: 'download of http://example.test/fashion/train-images-idx3-ubyte.gz was cancelled; nothing was saved',
    });
    expect(state().job).toBeNull();
    expect(await store.list()).toEqual([]);
    expect(await c.importPicked(idxFiles('next', 5))).toBe(true);
  });

  it('an HTTP error is shown as the download message; an unexpected failure as "could not …"', async () => {
    const c = controller({
      fetchImpl: async () => new Response('nope', { status: 404, statusText: 'Not Found' }),
      loadBuiltin: async () => {
        throw new Error('boom');
      },
    });
    await c.importUrl('http://example.test/missing/');
    expect(state().message).toEqual({
      kind: 'error',
      text: 'the server refused http://example.test/missing/train-images-idx3-ubyte.gz: HTTP 404 Not Found',
    });
    await c.addBuiltin();
    expect(state().message).toEqual({ kind: 'error', text: 'could not add the built-in MNIST digits: boom' });
    await c.importUrl('   ');
    expect(state().message?.kind).toBe('error');
    expect(await store.list()).toEqual([]);
  });

  it('the built-in digits are saved under their fixed id (adding again replaces)', async () => {
    const digits: RawDataset = {
      name: 'mnist-10k',
      source: { kind: 'builtin', name: 'mnist-10k' },
      train: {
        kind: 'images',
        count: 8,
        rows: 2,
        cols: 2,
        pixels: new Uint8Array(32),
        labels: new Uint8Array(8),
        classes: 10,
      },
      test: null,
    };
    const c = controller({ loadBuiltin: async () => digits });
    await c.addBuiltin();
    await c.addBuiltin();
    expect(state().entries.map((e) => e.id)).toEqual(['builtin-mnist-10k']);
  });

  it('previews a stored data set and deleting it removes entry, data and preview', async () => {
    const c = controller();
    await c.importPicked(idxFiles('pics', 20));
    const id = state().entries[0]!.id;
    expect(await c.preview(id)).toBe(true);
    const preview = state().preview;
    expect(preview?.name).toBe('pics');
    expect(preview?.data).toMatchObject({ kind: 'images', rows: 4, cols: 4, count: 16 });
    if (preview?.data?.kind !== 'images') throw new Error('expected an image preview');
    expect(preview.data.pixels.length).toBe(16 * 16);
    expect(preview.data.labels).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);

    expect(await c.remove(id)).toBe(true);
    expect(state().entries).toEqual([]);
    expect(state().preview).toBeNull();
    expect(state().message).toEqual({ kind: 'info', text: expect.stringMatching(/^Deleted 'pics' \(/) });
    await expect(store.load(id)).rejects.toThrow(/missing/);
    expect(await c.preview(id)).toBe(false);
    expect(state().message?.text).toMatch(/^could not preview '.*': stored data set .* is missing/);
  });

  it('refuses a second job while one runs', async () => {
    let release = (): void => undefined;
    const c = controller({
      loadBuiltin: () =>
        new Promise<RawDataset>((_, reject) => {
          release = () => reject(new Error('stopped'));
        }),
    });
    const first = c.addBuiltin();
    expect(await c.importPicked(idxFiles('x', 3))).toBe(false);
    expect(state().message?.text).toMatch(/being added/);
    release();
    expect(await first).toBe(false);
    expect(await store.list()).toEqual([]);
  });
});

describe('data set helpers', () => {
  it('makes messages sentences without changing the case of a file name they start with', () => {
    expect(asSentence('enter the URL first')).toBe('Enter the URL first');
    expect(asSentence('train-images-idx3-ubyte.gz: not an IDX file')).toBe(
      'train-images-idx3-ubyte.gz: not an IDX file',
    );
    expect(asSentence("'fashion' deleted")).toBe("'fashion' deleted");
    expect(asSentence('https://x.example/a.gz: 404')).toBe('https://x.example/a.gz: 404');
  });

  it('names a data set after its files', () => {
    expect(
      datasetNameForFiles(['fashion-train-images-idx3-ubyte.gz', 'fashion-t10k-labels-idx1-ubyte.gz']),
    ).toBe('fashion');
    expect(datasetNameForFiles(['shd_train.h5', 'shd_test.h5'])).toBe('shd');
    expect(datasetNameForFiles(['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz'])).toBe(
      'train-images',
    );
    expect(datasetNameForFiles(['digits.idx'])).toBe('digits');
  });

  it('describes download and parse stages', () => {
    expect(
      describeStage({
        stage: 'download',
        progress: { url: 'http://h/x/train-images-idx3-ubyte.gz', loaded: 2.1e6, total: 26.4e6 },
        file: 0,
        files: 4,
      }).label,
    ).toBe('Downloading train-images-idx3-ubyte.gz (1 of 4): 2.1 / 26.4 MB');
    expect(
      describeStage({
        stage: 'download',
        progress: { url: 'http://h/a.h5', loaded: 5e5, total: null },
        file: 0,
        files: 1,
      }).label,
    ).toBe('Downloading a.h5: 0.5 MB');
    expect(describeStage({ stage: 'parse', file: 'a.h5' }).label).toBe('Parsing a.h5…');
    // More bytes than the Content-Length: the browser decompressed a gzip-encoded transfer.
    expect(
      describeStage({
        stage: 'download',
        progress: { url: 'http://h/a.gz', loaded: 3e6, total: 1e6 },
        file: 0,
        files: 1,
      }),
    ).toMatchObject({ label: 'Downloading a.gz: 3.0 MB', total: null });
    expect(describeError(new TypeError('x'), 'do y')).toBe('could not do y: x');
  });

  it('previews events as the first sample and scales images up by whole factors', () => {
    const data: RawDataset = {
      name: 'ev',
      source: { kind: 'files', names: ['ev.h5'] },
      train: {
        kind: 'events',
        count: 2,
        channels: 700,
        offsets: Uint32Array.from([0, 3, 5]),
        timesMs: Float32Array.from([1, 2, 3, 4, 5]),
        units: Uint16Array.from([10, 20, 30, 40, 50]),
        labels: Uint8Array.from([7, 8]),
        classes: 20,
      },
      test: null,
    };
    const p = previewOf(data);
    expect(p.kind).toBe('events');
    if (p.kind !== 'events') return;
    expect(Array.from(p.units)).toEqual([10, 20, 30]);
    expect(p.label).toBe(7);

    const rgba = scaledImageRgba(Uint8Array.from([0, 255, 128, 10]), 0, 2, 2, 2);
    expect(rgba.length).toBe(4 * 4 * 4);
    // Row 0 of the 4x4 output: 0, 0, 255, 255 scaled -> grey 255, 255, 0, 0.
    expect([rgba[0], rgba[4], rgba[8], rgba[12], rgba[15]]).toEqual([255, 255, 0, 0, 255]);
    // Row 3 comes from the second source row: 128, 10 -> 127, 245.
    expect([rgba[48], rgba[56]]).toEqual([127, 245]);
  });
});
