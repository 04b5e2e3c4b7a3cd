import 'fake-indexeddb/auto';
import { createStore, get, keys, set, type UseStore } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeDataset } from '../core/data/container.ts';
import type { RawDataset } from '../core/data/types.ts';
import { DATA_KEY_PREFIX, DatasetStore, INDEX_KEY, StorageQuotaError } from './datasetStore.ts';

function dataset(name: string, count: number): RawDataset {
  return {
    name,
    source: { kind: 'files', names: [`${name}-images`, `${name}-labels`] },
    train: {
      kind: 'images',
      count,
      rows: 4,
      cols: 4,
      classes: 2,
      pixels: Uint8Array.from({ length: count * 16 }, (_, q) => q % 251),
      labels: Uint8Array.from({ length: count }, (_, s) => s % 2),
    },
    test: null,
  };
}

let dbCount = 0;
let idb: UseStore;
beforeEach(() => {
  idb = createStore(`test-${dbCount++}`, 'keyval');
});

/** A store whose writes fail with QuotaExceededError once `failWrites` is set. */
function flakyStore(): { store: UseStore; failWrites: { on: boolean } } {
  const failWrites = { on: false };
  const store: UseStore = (mode, callback) =>
    mode === 'readwrite' && failWrites.on
      ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
      : idb(mode, callback);
  return { store, failWrites };
}

describe('DatasetStore', () => {
  it('saves, lists, loads and deletes; the data round-trips exactly', async () => {
    const store = new DatasetStore({ store: idb, estimate: async () => ({ usage: 0, quota: 1e9 }) });
    const a = await store.save(dataset('a', 10));
    const b = await store.save(dataset('b', 3), 'fixed-id');
    expect(b.id).toBe('fixed-id');
    expect(a).toMatchObject({
      name: 'a',
      kind: 'images',
      trainCount: 10,
      testCount: 0,
      classes: 2,
      shape: '4x4 images',
    });
    expect(a.bytes).toBe(encodeDataset(dataset('a', 10)).length);
    expect((await store.list()).map((e) => e.name)).toEqual(['a', 'b']);
    expect(await store.load(a.id)).toEqual(dataset('a', 10));
    await store.delete(a.id);
    expect((await store.list()).map((e) => e.id)).toEqual(['fixed-id']);
    expect(await get(DATA_KEY_PREFIX + a.id, idb)).toBeUndefined(); // the bytes are freed
    await expect(store.load(a.id)).rejects.toThrow(/missing from this browser's storage/);
  });

  it('saving under an existing id replaces it', async () => {
    const store = new DatasetStore({ store: idb, estimate: async () => ({}) });
    await store.save(dataset('v1', 2), 'same');
    await store.save(dataset('v2', 5), 'same');
    const list = await store.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'v2', trainCount: 5 });
    expect((await store.load('same')).name).toBe('v2');
    expect((await keys(idb)).filter((k) => String(k).endsWith(':incoming'))).toEqual([]);
  });

  it('refuses a save that the quota estimate says will not fit, writing nothing', async () => {
    const store = new DatasetStore({ store: idb, estimate: async () => ({ usage: 900, quota: 1000 }) });
    await expect(store.save(dataset('big', 50))).rejects.toThrow(StorageQuotaError);
    await expect(store.save(dataset('big', 50))).rejects.toThrow(
      /needs 0\.0 MB but the browser allows only 0\.0 MB/,
    );
    expect(await keys(idb)).toEqual([]);
  });

  it('a write refused for quota leaves the saved data sets and the index as they were', async () => {
    const { store: flaky, failWrites } = flakyStore();
    const store = new DatasetStore({ store: flaky, estimate: async () => ({}) });
    const kept = await store.save(dataset('kept', 4));
    failWrites.on = true;
    await expect(store.save(dataset('new', 8))).rejects.toThrow(
      /storage is full: 'new'.*stored data sets are unchanged/,
    );
    await expect(store.save(dataset('kept again', 8), kept.id)).rejects.toThrow(StorageQuotaError);
    failWrites.on = false;
    expect((await store.list()).map((e) => e.name)).toEqual(['kept']);
    expect(await store.load(kept.id)).toEqual(dataset('kept', 4));
  });

  it('adopts data saved without its index entry (an interrupted save) and rebuilds a corrupt index', async () => {
    const store = new DatasetStore({ store: idb, estimate: async () => ({}) });
    const first = await store.save(dataset('first', 2));
    // An interrupted save: the data is written, the index is not.
    await set(DATA_KEY_PREFIX + 'orphan', encodeDataset(dataset('orphan', 3)).buffer, idb);
    let list = await store.list();
    expect(list.map((e) => e.name).sort()).toEqual(['first', 'orphan']);
    expect(list.find((e) => e.id === first.id)?.savedAt).not.toBe(new Date(0).toISOString());
    // A hand-damaged index is rebuilt from the data sets themselves; nothing is lost.
    await set(INDEX_KEY, 'garbage', idb);
    list = await store.list();
    expect(list.map((e) => e.name).sort()).toEqual(['first', 'orphan']);
    expect(await store.load('orphan')).toEqual(dataset('orphan', 3));
  });

  it('a corrupt stored data set gives a message naming it and stays stored', async () => {
    const store = new DatasetStore({ store: idb, estimate: async () => ({}) });
    const e = await store.save(dataset('precious', 2));
    const bytes = new Uint8Array((await get(DATA_KEY_PREFIX + e.id, idb)) as ArrayBuffer);
    await set(DATA_KEY_PREFIX + e.id, bytes.slice(0, bytes.length - 20).buffer, idb);
    await expect(store.load(e.id)).rejects.toThrow(/stored data set 'precious': is damaged/);
    expect((await store.list()).map((x) => x.name)).toEqual(['precious']);
  });
});
