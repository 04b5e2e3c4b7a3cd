import 'fake-indexeddb/auto';
import { createStore, get, keys, set, type UseStore } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../core/checkpoint.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { StorageQuotaError } from './datasetStore.ts';
import {
  RUN_CHECKPOINT_KEY_PREFIX,
  RUN_KEY_PREFIX,
  RUNS_INDEX_KEY,
  RunStore,
  type RunEntry,
  type RunStoreOptions,
} from './runStore.ts';

function entry(id: string, name: string, changes: Partial<RunEntry> = {}): RunEntry {
  return {
    id,
    name,
    config: preset('toy')!,
    engine: 'cpu',
    dataset: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    epoch: 0,
    step: 0,
    totalSteps: 300,
    history: [],
    status: 'running',
    formatVersion: 1,
    ...changes,
  };
}

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, q) => (q * 31 + seed) & 255);
}

let dbCount = 0;
let idb: UseStore;
beforeEach(() => {
  idb = createStore(`runs-test-${dbCount++}`, 'keyval');
});

/** A clock that advances one minute per reading, so every save has a later updatedAt. */
function clock(): () => Date {
  let minutes = 0;
  return () => new Date(Date.UTC(2025, 5, 1, 12, minutes++));
}

function runStore(options: RunStoreOptions = {}): RunStore {
  return new RunStore({ store: idb, estimate: async () => ({}), now: clock(), ...options });
}

/**
 * A store whose read-write transactions can be made to fail with QuotaExceededError: after
 * `pass` more successful ones, the next `fail` are refused.
 */
function flakyStore(): { store: UseStore; plan: { pass: number; fail: number } } {
  const plan = { pass: 0, fail: 0 };
  const store: UseStore = (mode, callback) => {
    if (mode === 'readwrite' && plan.fail > 0) {
      if (plan.pass > 0) plan.pass--;
      else {
        plan.fail--;
        return Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
      }
    }
    return idb(mode, callback);
  };
  return { store, plan };
}

async function runKeys(): Promise<string[]> {
  return (await keys(idb)).map(String).sort();
}

describe('RunStore', () => {
  it('saves progress and loads it back; a real checkpoint round-trips', async () => {
    const store = runStore();
    const trainer = new Trainer(preset('toy')!, { precision: 'f64' });
    trainer.trainStep([0]);
    const checkpoint = encodeCheckpoint({
      config: trainer.config,
      dataset: null,
      state: trainer.exportState(),
      history: [],
      best: null,
      epochLossSum: 0,
      stepLosses: null,
      viewPredictions: null,
    });
    const history = [
      {
        epoch: 1,
        trainLoss: 0.5,
        trainAccuracy: null,
        validationLoss: null,
        validationAccuracy: null,
        sigma: 8,
        ms: 12,
        testLoss: null,
        testAccuracy: null,
      },
    ];
    const saved = await store.saveProgress(
      entry('a', 'first run', { epoch: 1, step: 1, history }),
      checkpoint,
    );
    expect(saved).toMatchObject({ id: 'a', name: 'first run', epoch: 1, formatVersion: 1 });
    expect(saved.updatedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(await store.list()).toEqual([saved]);

    const loaded = await store.load('a');
    expect(loaded?.entry).toEqual(saved);
    expect(loaded?.checkpoint).toEqual(checkpoint);
    const back = decodeCheckpoint(loaded!.checkpoint, 'run a');
    expect(back.state.step).toBe(1);
    expect(Array.from(back.state.layers[0]!.delays)).toEqual(Array.from(trainer.net.synapses[0]!.delays));

    // Saving again replaces the checkpoint and leaves no temporary copy behind.
    const again = await store.saveProgress(entry('a', 'first run', { epoch: 2, step: 2 }), bytes(100, 2));
    expect((await store.load('a'))?.checkpoint).toEqual(bytes(100, 2));
    expect(again.createdAt).toBe(saved.createdAt);
    expect(await runKeys()).toEqual([RUN_CHECKPOINT_KEY_PREFIX + 'a', RUN_KEY_PREFIX + 'a', RUNS_INDEX_KEY]);
    expect(await get(RUNS_INDEX_KEY, idb)).toEqual(['a']);
    expect(await store.load('missing')).toBeNull();
  });

  it('stores only the bytes of a view, not its whole buffer', async () => {
    const store = runStore();
    const big = bytes(1000, 5);
    await store.saveProgress(entry('v', 'view'), big.subarray(100, 150));
    const stored = (await get(RUN_CHECKPOINT_KEY_PREFIX + 'v', idb)) as Uint8Array;
    expect(stored.buffer.byteLength).toBe(50);
    expect((await store.load('v'))?.checkpoint).toEqual(big.slice(100, 150));
  });

  it('lists the most recently updated run first; latest() is that run', async () => {
    const store = runStore();
    expect(await store.latest()).toBeNull();
    await store.saveProgress(entry('a', 'A'), bytes(10, 1));
    await store.saveProgress(entry('b', 'B'), bytes(10, 2));
    expect((await store.list()).map((e) => e.id)).toEqual(['b', 'a']);
    await store.saveProgress(entry('a', 'A', { epoch: 1, status: 'done' }), bytes(10, 3));
    expect((await store.list()).map((e) => e.id)).toEqual(['a', 'b']);
    expect(await store.latest()).toMatchObject({ id: 'a', epoch: 1, status: 'done' });
    expect(await get(RUNS_INDEX_KEY, idb)).toEqual(['a', 'b']); // the index keeps creation order
  });

  it('renames a run; a later save of progress keeps the new name', async () => {
    const store = runStore();
    await store.saveProgress(entry('a', 'old name'), bytes(10, 1));
    const renamed = await store.rename('a', '  new name ');
    expect(renamed.name).toBe('new name');
    expect((await store.list())[0]?.name).toBe('new name');
    // The worker still holds the entry with the old name.
    await store.saveProgress(entry('a', 'old name', { epoch: 3 }), bytes(10, 2));
    expect((await store.load('a'))?.entry).toMatchObject({ name: 'new name', epoch: 3 });
    await expect(store.rename('gone', 'x')).rejects.toThrow(/run 'gone' is not stored/);
    await expect(store.rename('a', '   ')).rejects.toThrow(/must not be empty/);
  });

  it('delete frees every key of the run and leaves the others', async () => {
    const store = runStore();
    await store.saveProgress(entry('a', 'A'), bytes(10, 1));
    await store.saveProgress(entry('b', 'B'), bytes(10, 2));
    await store.delete('a');
    expect(await runKeys()).toEqual([RUN_CHECKPOINT_KEY_PREFIX + 'b', RUN_KEY_PREFIX + 'b', RUNS_INDEX_KEY]);
    expect(await store.load('a')).toBeNull();
    expect((await store.list()).map((e) => e.id)).toEqual(['b']);
    expect((await store.load('b'))?.checkpoint).toEqual(bytes(10, 2));
  });

  it('refuses a save the quota estimate says will not fit; nothing stored changes', async () => {
    const quota = { usage: 0, quota: 1e9 };
    const store = runStore({ estimate: async () => quota });
    const first = await store.saveProgress(entry('a', 'kept'), bytes(100, 1));
    const before = await runKeys();
    quota.usage = quota.quota - 150;
    const refused = store.saveProgress(entry('a', 'kept', { epoch: 9 }), bytes(100, 2));
    await expect(refused).rejects.toThrow(StorageQuotaError);
    await expect(store.saveProgress(entry('a', 'kept', { epoch: 9 }), bytes(100, 2))).rejects.toThrow(
      /run 'kept': saving its progress needs .* MB but the browser allows only 0\.0 MB more for this site; nothing stored was lost/,
    );
    expect(await runKeys()).toEqual(before);
    expect(await store.load('a')).toEqual({ entry: first, checkpoint: bytes(100, 1) });
  });

  it('a write refused mid-swap keeps the previous checkpoint intact and removes only its own copy', async () => {
    const { store: flaky, plan } = flakyStore();
    const store = runStore({ store: flaky });
    const first = await store.saveProgress(entry('a', 'kept', { epoch: 1 }), bytes(100, 1));
    // The temporary copy is written, then the swap transaction is refused.
    plan.pass = 1;
    plan.fail = 1;
    await expect(store.saveProgress(entry('a', 'kept', { epoch: 2 }), bytes(100, 2))).rejects.toThrow(
      /storage is full: the progress of run 'kept' was not saved; nothing stored was lost/,
    );
    expect(await runKeys()).toEqual([RUN_CHECKPOINT_KEY_PREFIX + 'a', RUN_KEY_PREFIX + 'a', RUNS_INDEX_KEY]);
    expect(await store.load('a')).toEqual({ entry: first, checkpoint: bytes(100, 1) });

    // The temporary write itself refused: the same.
    plan.fail = 1;
    await expect(store.saveProgress(entry('a', 'kept', { epoch: 2 }), bytes(100, 2))).rejects.toThrow(
      StorageQuotaError,
    );
    expect(await store.load('a')).toEqual({ entry: first, checkpoint: bytes(100, 1) });

    // A new run whose index write is refused is removed again; the old run is untouched.
    plan.pass = 1;
    plan.fail = 1;
    await expect(store.saveProgress(entry('b', 'new'), bytes(50, 3))).rejects.toThrow(StorageQuotaError);
    expect(await runKeys()).toEqual([RUN_CHECKPOINT_KEY_PREFIX + 'a', RUN_KEY_PREFIX + 'a', RUNS_INDEX_KEY]);
    expect((await store.list()).map((e) => e.id)).toEqual(['a']);
  });

  it('adopts a run saved without its index entry (an interrupted save) and drops dangling ids', async () => {
    const store = runStore();
    await store.saveProgress(entry('a', 'A'), bytes(10, 1));
    // Interrupted between the checkpoint + metadata transaction and the index write.
    await set(RUN_CHECKPOINT_KEY_PREFIX + 'orphan', bytes(20, 2), idb);
    await set(RUN_KEY_PREFIX + 'orphan', entry('orphan', 'interrupted'), idb);
    // And an index naming a run whose keys are gone.
    await set(RUNS_INDEX_KEY, ['a', 'ghost'], idb);
    // A leftover temporary copy from a page closed mid-save.
    await set(RUN_CHECKPOINT_KEY_PREFIX + 'a:incoming', bytes(10, 9), idb);
    const list = await store.list();
    expect(list.map((e) => e.name).sort()).toEqual(['A', 'interrupted']);
    expect(await get(RUNS_INDEX_KEY, idb)).toEqual(['a', 'orphan']);
    expect(await get(RUN_CHECKPOINT_KEY_PREFIX + 'a:incoming', idb)).toBeUndefined();
    expect((await store.load('orphan'))?.checkpoint).toEqual(bytes(20, 2));
  });

  it('rebuilds a corrupt index from the metadata keys, oldest run first', async () => {
    const store = runStore();
    await store.saveProgress(entry('b', 'B', { createdAt: '2025-02-01T00:00:00.000Z' }), bytes(10, 1));
    await store.saveProgress(entry('a', 'A', { createdAt: '2025-03-01T00:00:00.000Z' }), bytes(10, 2));
    for (const garbage of ['garbage', [1, 2], { runs: [] }]) {
      await set(RUNS_INDEX_KEY, garbage, idb);
      expect((await store.list()).map((e) => e.id).sort()).toEqual(['a', 'b']);
      expect(await get(RUNS_INDEX_KEY, idb)).toEqual(['b', 'a']);
    }
    // A save made while the index is corrupt does not lose the other runs either.
    await set(RUNS_INDEX_KEY, 'garbage', idb);
    await store.saveProgress(entry('c', 'C'), bytes(10, 3));
    expect((await store.list()).map((e) => e.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('names a run whose checkpoint is missing, and keeps unreadable metadata stored but unlisted', async () => {
    const store = runStore();
    await set(RUN_KEY_PREFIX + 'lost', entry('lost', 'no bytes'), idb);
    await set(RUN_KEY_PREFIX + 'junk', { id: 'junk' }, idb);
    expect((await store.list()).map((e) => e.id)).toEqual(['lost']);
    await expect(store.load('lost')).rejects.toThrow(/stored run 'no bytes' has lost its checkpoint/);
    await expect(store.load('junk')).rejects.toThrow(/stored run 'junk' has unreadable metadata/);
    expect(await get(RUN_KEY_PREFIX + 'junk', idb)).toEqual({ id: 'junk' });
  });
});
