import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { DATASET_FORMAT_VERSION, decodeDataset, encodeDataset } from '../core/data/container.ts';
import type { DatasetSource, RawDataset, RawSet } from '../core/data/types.ts';

/**
 * Data sets in IndexedDB (idb-keyval). Each data set is one value under a versioned key holding
 * its DLDS container bytes; a small index lists them. Saving writes the data first and the index
 * last, so an interrupted or refused save (full quota) never leaves an index entry without data;
 * data keys that no index entry names (left by such a save) are removed when the list is read.
 */
export const INDEX_KEY = 'datasets-index:v1';
/**
 * Key prefix of stored data sets' bytes. Its "v1" names the key scheme, not the file format:
 * data sets of every readable format (the bytes carry their own version) stay under it, so a
 * format change loses none of them.
 */
export const DATA_KEY_PREFIX = 'dataset:v1:';

export interface DatasetEntry {
  id: string;
  name: string;
  /** Stored size (bytes). */
  bytes: number;
  kind: RawSet['kind'];
  trainCount: number;
  testCount: number;
  classes: number;
  /** Human-readable shape, e.g. "28x28 images" or "700 channels". */
  shape: string;
  source: DatasetSource;
  /** ISO time of saving. */
  savedAt: string;
  formatVersion: number;
}

/** Saving would not fit in the browser's storage quota (nothing was written). */
const INCOMING = ':incoming';

export class StorageQuotaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageQuotaError';
  }
}

/** What the store needs from the browser: IndexedDB via idb-keyval and the quota estimate. */
export interface DatasetStoreOptions {
  store?: UseStore;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

function describeShape(set: RawSet): string {
  if (set.kind === 'images') return `${set.rows}x${set.cols} images`;
  if (set.kind === 'events') return `${set.channels} channels`;
  return '2-D points';
}

function isQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export class DatasetStore {
  private readonly store: UseStore;
  private readonly estimate: () => Promise<{ usage?: number; quota?: number }>;

  constructor(options: DatasetStoreOptions = {}) {
    this.store = options.store ?? createStore('delaylab', 'keyval');
    this.estimate =
      options.estimate ??
      (async () =>
        typeof navigator !== 'undefined' && navigator.storage?.estimate ? navigator.storage.estimate() : {});
  }

  /**
   * The index, oldest first. Data that no entry names (a save interrupted between its data and
   * index writes: IndexedDB writes are all-or-nothing, so the data is whole) is adopted into the
   * index; a replace's leftover temporary copy is removed.
   */
  async list(): Promise<DatasetEntry[]> {
    const index = await this.readIndex();
    const named = new Set(index.map((e) => DATA_KEY_PREFIX + e.id));
    let orphans = false;
    for (const k of await keys(this.store)) {
      if (typeof k !== 'string' || !k.startsWith(DATA_KEY_PREFIX)) continue;
      if (k.endsWith(INCOMING)) await del(k, this.store);
      else if (!named.has(k)) orphans = true;
    }
    return orphans ? this.rebuildIndex(index) : index;
  }

  /**
   * Stores a data set (replacing one with the same id). Checks the quota first; a refused write
   * removes what it wrote and throws StorageQuotaError, leaving every saved data set as it was.
   */
  async save(data: RawDataset, id: string = newId()): Promise<DatasetEntry> {
    const bytes = encodeDataset(data);
    const { usage, quota } = await this.estimate();
    if (quota !== undefined && usage !== undefined && usage + bytes.length > quota) {
      throw new StorageQuotaError(
        `'${data.name}' needs ${mb(bytes.length)} but the browser allows only ${mb(Math.max(0, quota - usage))} more for this site; delete a stored data set or free space, then try again`,
      );
    }
    const entry: DatasetEntry = {
      id,
      name: data.name,
      bytes: bytes.length,
      kind: data.train.kind,
      trainCount: data.train.count,
      testCount: data.test?.count ?? 0,
      classes: Math.max(data.train.classes, data.test?.classes ?? 0),
      shape: describeShape(data.train),
      source: data.source,
      savedAt: new Date().toISOString(),
      formatVersion: DATASET_FORMAT_VERSION,
    };
    const key = DATA_KEY_PREFIX + id;
    const previous = await this.readIndex();
    const replacing = previous.some((e) => e.id === id);
    // A replaced data set's old bytes would be lost if the new write failed half way: write the
    // new bytes under a temporary key first, then move them.
    const writeKey = replacing ? key + INCOMING : key;
    try {
      await set(writeKey, bytes.buffer, this.store);
      if (replacing) {
        await set(key, bytes.buffer, this.store);
        await del(writeKey, this.store);
      }
      await set(INDEX_KEY, [...previous.filter((e) => e.id !== id), entry], this.store);
    } catch (e) {
      if (!replacing) await del(key, this.store).catch(() => undefined);
      await del(key + INCOMING, this.store).catch(() => undefined);
      if (isQuotaError(e)) {
        throw new StorageQuotaError(
          `the browser's storage is full: '${data.name}' (${mb(bytes.length)}) was not saved; stored data sets are unchanged`,
        );
      }
      throw e;
    }
    return entry;
  }

  /** Loads a stored data set; a corrupt one throws DataFormatError naming it. */
  async load(id: string): Promise<RawDataset> {
    const entry = (await this.readIndex()).find((e) => e.id === id);
    const label = `stored data set '${entry?.name ?? id}'`;
    const value: unknown = await get(DATA_KEY_PREFIX + id, this.store);
    if (!(value instanceof ArrayBuffer)) {
      throw new Error(`${label} is missing from this browser's storage`);
    }
    return decodeDataset(new Uint8Array(value), label);
  }

  /** Removes a data set: the index entry first (never an entry without data), then the bytes. */
  async delete(id: string): Promise<void> {
    const index = await this.readIndex();
    await set(
      INDEX_KEY,
      index.filter((e) => e.id !== id),
      this.store,
    );
    await del(DATA_KEY_PREFIX + id, this.store);
  }

  /** Reads the index; an unreadable one is rebuilt from the stored data sets themselves. */
  private async readIndex(): Promise<DatasetEntry[]> {
    const value: unknown = await get(INDEX_KEY, this.store);
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every(isEntry)) return value;
    return this.rebuildIndex([]);
  }

  /** Keeps `known` entries whose data exists and adds one for every other readable data set. */
  private async rebuildIndex(known: DatasetEntry[]): Promise<DatasetEntry[]> {
    const entries: DatasetEntry[] = [];
    for (const k of await keys(this.store)) {
      if (typeof k !== 'string' || !k.startsWith(DATA_KEY_PREFIX) || k.endsWith(INCOMING)) continue;
      const id = k.slice(DATA_KEY_PREFIX.length);
      const existing = known.find((e) => e.id === id);
      if (existing) {
        entries.push(existing);
        continue;
      }
      const value: unknown = await get(k, this.store);
      if (!(value instanceof ArrayBuffer)) continue;
      try {
        const data = decodeDataset(new Uint8Array(value), k);
        entries.push({
          id,
          name: data.name,
          bytes: value.byteLength,
          kind: data.train.kind,
          trainCount: data.train.count,
          testCount: data.test?.count ?? 0,
          classes: Math.max(data.train.classes, data.test?.classes ?? 0),
          shape: describeShape(data.train),
          source: data.source,
          // The save time was in the lost index entry.
          savedAt: new Date(0).toISOString(),
          formatVersion: DATASET_FORMAT_VERSION,
        });
      } catch {
        // An unreadable data set stays where it is (not deleted); it just is not listed.
      }
    }
    await set(INDEX_KEY, entries, this.store);
    return entries;
  }
}

function isEntry(v: unknown): v is DatasetEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e['id'] === 'string' && typeof e['name'] === 'string' && typeof e['bytes'] === 'number';
}

function newId(): string {
  return `ds-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}
