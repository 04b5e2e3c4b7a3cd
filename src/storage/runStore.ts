import { createStore, del, delMany, get, getMany, keys, set, update, type UseStore } from 'idb-keyval';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import { StorageQuotaError } from './datasetStore.ts';

/**
 * Training runs in IndexedDB (idb-keyval), usable on the page and inside a Web Worker: nothing
 * here touches window or document, and the quota estimate is injectable. Three kinds of key:
 *
 *   run:v1:<id>             RunEntry metadata (name, config, progress, history)
 *   run-checkpoint:v1:<id>  the run's latest DLCK checkpoint bytes (Uint8Array)
 *   runs-index:v1           the ids of the stored runs, oldest first
 *
 * A save writes the checkpoint first, then the metadata, then the index, so the index never
 * names a run without data. A run's previous checkpoint is never put at risk: the new bytes go
 * to a temporary key first, then one transaction swaps them in together with the metadata
 * (IndexedDB transactions are all-or-nothing). A run whose index write was interrupted is
 * adopted back into the index when the list is read; a corrupt index is rebuilt from the
 * metadata keys.
 */
export const RUN_FORMAT_VERSION = 1;
export const RUNS_INDEX_KEY = 'runs-index:v1';
export const RUN_KEY_PREFIX = `run:v${RUN_FORMAT_VERSION}:`;
export const RUN_CHECKPOINT_KEY_PREFIX = `run-checkpoint:v${RUN_FORMAT_VERSION}:`;
/** Suffix of the temporary key a replacement checkpoint is written to before the swap. */
const INCOMING = ':incoming';

export type RunEngine = 'cpu' | 'gpu';
export type RunStatus = 'running' | 'paused' | 'done' | 'error';
export type RunHistoryEntry = EpochRecord;

export interface RunEntry {
  id: string;
  name: string;
  config: ExperimentConfig;
  engine: RunEngine;
  /** Name of the loaded data set it trains on (null for generated tasks). */
  dataset: string | null;
  /** ISO times: first save, and latest save of progress. */
  createdAt: string;
  updatedAt: string;
  /** Completed epochs and optimiser steps at the checkpoint; totalSteps of the whole run. */
  epoch: number;
  step: number;
  totalSteps: number;
  history: RunHistoryEntry[];
  status: RunStatus;
  formatVersion: number;
  /** Sum of (batch loss x batch size) of the epoch in progress at a mid-epoch checkpoint (0 between epochs). */
  epochLossSum?: number;
}

export interface StoredRun {
  entry: RunEntry;
  /** DLCK checkpoint bytes (decode with decodeCheckpoint). */
  checkpoint: Uint8Array;
}

export interface RunStoreOptions {
  store?: UseStore;
  /** navigator.storage.estimate, or a stand-in (tests); bytes. */
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  /** Clock for updatedAt (tests). */
  now?: () => Date;
}

const STATUSES: readonly RunStatus[] = ['running', 'paused', 'done', 'error'];
const ENGINES: readonly RunEngine[] = ['cpu', 'gpu'];

const metaKey = (id: string): string => RUN_KEY_PREFIX + id;
const checkpointKey = (id: string): string => RUN_CHECKPOINT_KEY_PREFIX + id;
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}

/** A fresh run id: time-ordered, with a random tail so page and worker never collide. */
export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

export class RunStore {
  private readonly store: UseStore;
  private readonly estimate: () => Promise<{ usage?: number; quota?: number }>;
  private readonly now: () => Date;

  constructor(options: RunStoreOptions = {}) {
    // The same database as DatasetStore, so one origin has one Delay Lab database.
    this.store = options.store ?? createStore('delaylab', 'keyval');
    // navigator (not window.navigator) exists in workers too.
    this.estimate =
      options.estimate ??
      (async () =>
        typeof navigator !== 'undefined' && navigator.storage?.estimate ? navigator.storage.estimate() : {});
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Every stored run, most recently updated first. Repairs the index on the way: runs whose
   * metadata it does not name (an interrupted save) are adopted, ids without metadata dropped,
   * and leftover temporary checkpoints removed. Unreadable metadata is left stored, unlisted.
   */
  async list(): Promise<RunEntry[]> {
    const index = await this.readIndex();
    const stored = new Set<string>();
    for (const k of await keys(this.store)) {
      if (typeof k !== 'string') continue;
      if (k.startsWith(RUN_KEY_PREFIX)) stored.add(k.slice(RUN_KEY_PREFIX.length));
      // A temporary copy outlives its save only if the page closed mid-save. Removing it is
      // safe even while a worker is saving: the swap writes from memory, not from this key.
      else if (k.startsWith(RUN_CHECKPOINT_KEY_PREFIX) && k.endsWith(INCOMING)) await del(k, this.store);
    }
    let ids = index;
    if (index.some((id) => !stored.has(id)) || [...stored].some((id) => !index.includes(id))) {
      ids = await this.updateIndex((current) => [
        ...current.filter((id) => stored.has(id)),
        ...[...stored].filter((id) => !current.includes(id)),
      ]);
    }
    const values = await getMany<unknown>(ids.map(metaKey), this.store);
    const entries = values.filter(isRunEntry);
    return entries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** The most recently updated run, or null when none is stored. */
  async latest(): Promise<RunEntry | null> {
    return (await this.list())[0] ?? null;
  }

  /**
   * Stores a run's progress: its checkpoint, then its metadata, then (for a new run) its index
   * entry. Sets updatedAt and formatVersion; a run already stored keeps its stored name and
   * createdAt (rename() changes the name, so a worker's save cannot undo a rename on the page).
   * Returns the entry as stored.
   *
   * Checks the quota estimate first. A refused or failed write removes only what this save added
   * and throws (StorageQuotaError when the browser's storage is full); the run's previous
   * checkpoint and metadata, and every other run, stay as they were.
   */
  async saveProgress(entry: RunEntry, checkpointBytes: Uint8Array): Promise<RunEntry> {
    const bytes = ownBuffer(checkpointBytes);
    const id = entry.id;
    const ckKey = checkpointKey(id);
    const [previousMeta, previousCheckpoint] = await getMany<unknown>([metaKey(id), ckKey], this.store);
    // A stored checkpoint is replaced through a temporary key; a stored run is never removed.
    const replacing = previousCheckpoint !== undefined;
    const existed = replacing || previousMeta !== undefined;
    const metaBytes = 2 * JSON.stringify(entry).length; // UTF-16 upper bound
    // A replacement holds the temporary copy and the new bytes at once until the swap commits.
    const needed = (replacing ? 2 : 1) * bytes.byteLength + metaBytes;
    const { usage, quota } = await this.estimate();
    if (quota !== undefined && usage !== undefined && usage + needed > quota) {
      throw new StorageQuotaError(
        `run '${entry.name}': saving its progress needs ${mb(needed)} but the browser allows only ${mb(Math.max(0, quota - usage))} more for this site; nothing stored was lost (its last saved checkpoint is unchanged). Delete old runs or data sets to free space`,
      );
    }
    const fresh: RunEntry = {
      ...entry,
      updatedAt: this.now().toISOString(),
      formatVersion: RUN_FORMAT_VERSION,
    };
    const tempKey = ckKey + INCOMING;
    let stored: RunEntry;
    let indexed = false;
    try {
      if (replacing) await set(tempKey, bytes, this.store);
      stored = await this.swapIn(id, bytes, fresh, replacing ? tempKey : null);
      if (!(await this.readIndex()).includes(id)) {
        await this.updateIndex((ids) => (ids.includes(id) ? ids : [...ids, id]));
        indexed = true;
      }
    } catch (e) {
      // Undo only this save's additions: its temporary copy, and for a new run (whose
      // checkpoint and metadata nothing else holds) those too, unless the index names it.
      await del(tempKey, this.store).catch(() => undefined);
      if (!existed && !indexed) await delMany([ckKey, metaKey(id)], this.store).catch(() => undefined);
      if (isQuotaError(e)) {
        throw new StorageQuotaError(
          `the browser's storage is full: the progress of run '${entry.name}' was not saved; nothing stored was lost (its last saved checkpoint is unchanged). Delete old runs or data sets to free space`,
        );
      }
      throw e;
    }
    return stored;
  }

  /** A run's metadata and checkpoint, or null when no run has this id. */
  async load(id: string): Promise<StoredRun | null> {
    const [meta, checkpoint] = await getMany<unknown>([metaKey(id), checkpointKey(id)], this.store);
    if (meta === undefined) return null;
    if (!isRunEntry(meta)) throw new Error(`stored run '${id}' has unreadable metadata; delete it`);
    const bytes =
      checkpoint instanceof Uint8Array
        ? checkpoint
        : checkpoint instanceof ArrayBuffer
          ? new Uint8Array(checkpoint)
          : null;
    if (!bytes) {
      throw new Error(
        `stored run '${meta.name}' has lost its checkpoint (its history is still listed); delete it`,
      );
    }
    return { entry: meta, checkpoint: bytes };
  }

  /** Renames a stored run (in one transaction, so a concurrent save cannot interleave). */
  async rename(id: string, name: string): Promise<RunEntry> {
    const trimmed = name.trim();
    if (trimmed === '') throw new Error('a run name must not be empty');
    // Filled in inside the transaction's callback.
    const result: { renamed: RunEntry | null } = { renamed: null };
    await this.store('readwrite', (s) => {
      const request = s.get(metaKey(id));
      request.onsuccess = () => {
        const meta: unknown = request.result;
        if (!isRunEntry(meta)) return;
        result.renamed = { ...meta, name: trimmed };
        s.put(result.renamed, metaKey(id));
      };
      return transactionDone(s.transaction);
    });
    if (!result.renamed) throw new Error(`run '${id}' is not stored (it may have been deleted)`);
    return result.renamed;
  }

  /**
   * Removes a run and frees its keys: the index entry first (the index never names a run without
   * data), then metadata, checkpoint and any temporary copy in one transaction. Stop the run's
   * training first, or its next save stores it again.
   */
  async delete(id: string): Promise<void> {
    await this.updateIndex((ids) => ids.filter((x) => x !== id));
    await delMany([metaKey(id), checkpointKey(id), checkpointKey(id) + INCOMING], this.store);
  }

  /**
   * One transaction: the checkpoint (from memory), the metadata (keeping a stored run's name and
   * createdAt), and removal of the temporary copy. Returns the metadata as written.
   */
  private async swapIn(
    id: string,
    bytes: Uint8Array,
    entry: RunEntry,
    tempKey: string | null,
  ): Promise<RunEntry> {
    let written = entry;
    await this.store('readwrite', (s) => {
      const request = s.get(metaKey(id));
      request.onsuccess = () => {
        const previous: unknown = request.result;
        if (isRunEntry(previous)) written = { ...entry, name: previous.name, createdAt: previous.createdAt };
        s.put(bytes, checkpointKey(id));
        s.put(written, metaKey(id));
        if (tempKey !== null) s.delete(tempKey);
      };
      return transactionDone(s.transaction);
    });
    return written;
  }

  /** Reads the index; a missing one is empty, an unreadable one is rebuilt from the metadata keys. */
  private async readIndex(): Promise<string[]> {
    const value: unknown = await get(RUNS_INDEX_KEY, this.store);
    if (value === undefined) return [];
    if (isIndex(value)) return value;
    return this.rebuildIndex();
  }

  /** An index of every stored run's id, oldest first (creation time from the metadata). */
  private async rebuildIndex(): Promise<string[]> {
    const ids: string[] = [];
    for (const k of await keys(this.store)) {
      if (typeof k === 'string' && k.startsWith(RUN_KEY_PREFIX)) ids.push(k.slice(RUN_KEY_PREFIX.length));
    }
    const metas = await getMany<unknown>(ids.map(metaKey), this.store);
    const created = new Map<string, string>();
    ids.forEach((id, k) => {
      const meta = metas[k];
      created.set(id, isRunEntry(meta) ? meta.createdAt : '');
    });
    ids.sort((a, b) => created.get(a)!.localeCompare(created.get(b)!));
    await set(RUNS_INDEX_KEY, ids, this.store);
    return ids;
  }

  /**
   * Read-modify-write of the index in one transaction, so the page and a worker updating it at
   * the same time cannot drop each other's ids. A corrupt index counts as empty here (list()
   * repairs it from the metadata keys).
   */
  private async updateIndex(change: (ids: string[]) => string[]): Promise<string[]> {
    let next: string[] = [];
    await update<unknown>(
      RUNS_INDEX_KEY,
      (value) => {
        next = change(isIndex(value) ? value : []);
        return next;
      },
      this.store,
    );
    return next;
  }
}

/** Resolves when a transaction commits, rejects with its error when it fails or aborts. */
function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction was aborted'));
  });
}

/**
 * The bytes in a buffer of their own: IndexedDB stores a view's whole underlying buffer, and
 * cannot store a SharedArrayBuffer at all.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : bytes.slice();
}

function isIndex(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((id) => typeof id === 'string');
}

function isRunEntry(v: unknown): v is RunEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e['id'] === 'string' &&
    typeof e['name'] === 'string' &&
    typeof e['config'] === 'object' &&
    e['config'] !== null &&
    ENGINES.includes(e['engine'] as RunEngine) &&
    (e['dataset'] === null || typeof e['dataset'] === 'string') &&
    typeof e['createdAt'] === 'string' &&
    typeof e['updatedAt'] === 'string' &&
    typeof e['epoch'] === 'number' &&
    typeof e['step'] === 'number' &&
    typeof e['totalSteps'] === 'number' &&
    Array.isArray(e['history']) &&
    STATUSES.includes(e['status'] as RunStatus) &&
    typeof e['formatVersion'] === 'number'
  );
}
