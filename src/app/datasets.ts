import { DataFormatError, type RawDataset } from '../core/data/types.ts';
import { BUILTIN_MNIST_ID, loadBuiltinMnist } from '../io/builtinData.ts';
import { DownloadError, type DownloadProgress } from '../io/fetchBytes.ts';
import { importFiles, importFromUrl, type ImportStage } from '../io/importData.ts';
import { DatasetStore, StorageQuotaError, type DatasetEntry } from '../storage/datasetStore.ts';
import { appStore, type AppStore, type DatasetsState, type PreviewData } from '../store/index.ts';

/**
 * The "Data sets" panel's controller (no React): adds data sets (the built-in digits, picked or
 * dropped files, a URL) to the browser's storage, lists, previews and deletes them, and reports
 * progress and every outcome through the store's `datasets` slice. One job runs at a time; a
 * failed or cancelled job saves nothing, so the stored data sets stay as they were.
 */

/** Training images the preview shows. */
export const PREVIEW_IMAGES = 16;
/** Points the preview of a point set shows. */
export const PREVIEW_POINTS = 600;

/** Bytes as megabytes with one decimal (the unit the storage messages use). */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function amount(loaded: number, total: number | null): string {
  return total === null ? mb(loaded) : `${(loaded / 1e6).toFixed(1)} / ${mb(total)}`;
}

/**
 * A download's size as the progress bar uses it: null when unknown, or when more bytes arrived
 * than the Content-Length promised (a server that sends a .gz file with Content-Encoding: gzip
 * states the compressed size while the browser hands over the decompressed bytes).
 */
function knownTotal(loaded: number, total: number | null): number | null {
  return total !== null && loaded <= total ? total : null;
}

/** A URL's last path segment, decoded. */
function fileOf(url: string): string {
  const last = url.split(/[?#]/)[0]!.split('/').pop() ?? url;
  try {
    return decodeURIComponent(last) || url;
  } catch {
    return last || url;
  }
}

/** Job progress without `cancellable`, plus a key: a new key is always shown at once. */
export interface StageView {
  key: string;
  label: string;
  loaded: number;
  total: number | null;
}

/** How an import stage reads in the panel. */
export function describeStage(s: ImportStage): StageView {
  if (s.stage === 'parse')
    return { key: `parse:${s.file}`, label: `Parsing ${s.file}…`, loaded: 0, total: null };
  const file = fileOf(s.progress.url);
  const which = s.files > 1 ? ` (${s.file + 1} of ${s.files})` : '';
  const total = knownTotal(s.progress.loaded, s.progress.total);
  return {
    key: `download:${s.file}`,
    label: `Downloading ${file}${which}: ${amount(s.progress.loaded, total)}`,
    loaded: s.progress.loaded,
    total,
  };
}

function describeBuiltinProgress(p: DownloadProgress): StageView {
  const file = fileOf(p.url);
  const total = knownTotal(p.loaded, p.total);
  return {
    key: `builtin:${file}`,
    label: `Loading the built-in digits, ${file}: ${amount(p.loaded, total)}`,
    loaded: p.loaded,
    total,
  };
}

const FILE_SUFFIXES = /(\.gz|\.hdf5|\.h5|\.idx\d?|[-_.]idx\d[-_.]ubyte|[-_.]ubyte)+$/i;
/** Words that name a file's part, not its data set. */
const PART_WORDS = /^(train|training|test|t10k|images|labels|data)$/i;

/**
 * A data set's name from its files' names: the words they share, less part words such as
 * "train" or "images" ("fashion-train-…", "fashion-t10k-…" -> "fashion"), or else the first
 * file's name without its extensions.
 */
export function datasetNameForFiles(names: readonly string[]): string {
  const bases = names.map((n) => n.replace(FILE_SUFFIXES, '') || n);
  const first = bases[0] ?? 'data set';
  // Words and the separators after them: "a-b_c" -> ["a", "-", "b", "_", "c"].
  const parts = bases.map((b) => b.split(/([-_.\s]+)/));
  const words = (p: string[]): string[] => p.filter((_, k) => k % 2 === 0);
  let shared = words(parts[0]!).length;
  for (const p of parts.slice(1)) {
    const a = words(parts[0]!);
    const b = words(p);
    let k = 0;
    while (k < shared && k < b.length && a[k] === b[k]) k++;
    shared = k;
  }
  const kept = words(parts[0]!).slice(0, shared);
  while (kept.length > 0 && PART_WORDS.test(kept[kept.length - 1]!)) kept.pop();
  if (kept.length === 0 || kept.join('') === '') return first;
  return parts[0]!.slice(0, 2 * kept.length - 1).join('');
}

/** A failure as the user reads it: data, download and quota errors speak for themselves. */
export function describeError(e: unknown, action: string): string {
  if (e instanceof DataFormatError || e instanceof DownloadError || e instanceof StorageQuotaError) {
    return e.message;
  }
  return `could not ${action}: ${e instanceof Error ? e.message : String(e)}`;
}

/** The part of a data set the preview draws (copies, so the whole set can be let go). */
export function previewOf(data: RawDataset): PreviewData {
  const set = data.train;
  if (set.kind === 'images') {
    const count = Math.min(PREVIEW_IMAGES, set.count);
    return {
      kind: 'images',
      rows: set.rows,
      cols: set.cols,
      count,
      pixels: set.pixels.slice(0, count * set.rows * set.cols),
      labels: Array.from(set.labels.subarray(0, count)),
    };
  }
  if (set.kind === 'events') {
    const start = set.count > 0 ? set.offsets[0]! : 0;
    const end = set.count > 0 ? set.offsets[1]! : 0;
    return {
      kind: 'events',
      channels: set.channels,
      timesMs: set.timesMs.slice(start, end),
      units: set.units.slice(start, end),
      label: set.count > 0 ? set.labels[0]! : 0,
    };
  }
  const count = Math.min(PREVIEW_POINTS, set.count);
  return {
    kind: 'points',
    coords: set.coords.slice(0, 2 * count),
    labels: Array.from(set.labels.subarray(0, count)),
    classes: set.classes,
  };
}

function samples(entry: DatasetEntry): string {
  return (entry.trainCount + entry.testCount).toLocaleString('en-US');
}

/** Thrown when a job is cancelled between its stages. */
class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

/** A failed save (reported as "could not save …" unless it is a quota error). */
class SaveFailed extends Error {
  constructor(
    readonly datasetName: string,
    readonly reason: unknown,
  ) {
    super(`saving '${datasetName}' failed`);
    this.name = 'SaveFailed';
  }
}

export interface DatasetsDeps {
  store?: DatasetStore;
  loadBuiltin?: typeof loadBuiltinMnist;
  /** The fetch downloads use (tests pass a fake). */
  fetchImpl?: typeof fetch;
  /** Least time between two progress updates of the same stage (ms). */
  progressIntervalMs?: number;
}

type Work = (
  signal: AbortSignal,
  progress: (view: StageView) => void,
) => Promise<{ data: RawDataset; id?: string }>;

export class DatasetsController {
  private readonly store: DatasetStore;
  private readonly loadBuiltin: typeof loadBuiltinMnist;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly progressIntervalMs: number;
  private busy = false;
  /** Aborts the running job; null when none runs or it can no longer be cancelled (saving). */
  private abort: AbortController | null = null;
  private lastKey = '';
  private lastProgressAt = 0;
  private previewToken = 0;

  constructor(
    private readonly app: AppStore,
    deps: DatasetsDeps = {},
  ) {
    this.store = deps.store ?? new DatasetStore();
    this.loadBuiltin = deps.loadBuiltin ?? loadBuiltinMnist;
    this.fetchImpl = deps.fetchImpl;
    this.progressIntervalMs = deps.progressIntervalMs ?? 80;
  }

  private get state(): DatasetsState {
    return this.app.getState().datasets;
  }

  private patch(patch: Partial<DatasetsState>): void {
    this.app.getState().patchDatasets(patch);
  }

  /** Reads the stored data sets' index into the list. */
  async refresh(): Promise<void> {
    try {
      this.patch({ entries: await this.store.list(), listed: true });
    } catch (e) {
      this.patch({
        listed: true,
        message: { kind: 'error', text: describeError(e, 'read the data sets stored in this browser') },
      });
    }
  }

  /** Loads the built-in 10,000 MNIST digits from the app's assets and stores them (replacing). */
  addBuiltin(): Promise<boolean> {
    return this.run(
      'add the built-in MNIST digits',
      'Loading the built-in digits…',
      async (signal, progress) => ({
        data: await this.loadBuiltin({ signal, onProgress: (p) => progress(describeBuiltinProgress(p)) }),
        id: BUILTIN_MNIST_ID,
      }),
    );
  }

  /** Imports picked or dropped files (IDX, gzip or not, or SHD / SSC HDF5) as one data set. */
  importPicked(files: FileList | readonly File[]): Promise<boolean> {
    const list = Array.from(files);
    if (list.length === 0) return Promise.resolve(false);
    const names = list.map((f) => f.name);
    const total = list.reduce((sum, f) => sum + f.size, 0);
    return this.run(`import ${names.join(', ')}`, 'Reading the files…', async (signal, progress) => {
      const read: { name: string; bytes: Uint8Array }[] = [];
      let loaded = 0;
      for (const [k, f] of list.entries()) {
        const which = list.length > 1 ? ` (${k + 1} of ${list.length})` : '';
        progress({ key: `read:${k}`, label: `Reading ${f.name}${which}…`, loaded, total });
        read.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
        loaded += f.size;
        if (signal.aborted) throw new Cancelled();
      }
      const data = await importFiles(datasetNameForFiles(names), read, (s) => {
        if (signal.aborted) throw new Cancelled();
        progress(describeStage(s));
      });
      return { data };
    });
  }

  /** Downloads a data set: a folder URL (ending in "/") of the four MNIST files, or one file. */
  importUrl(url: string): Promise<boolean> {
    const trimmed = url.trim();
    if (trimmed === '') {
      this.patch({
        message: { kind: 'error', text: 'enter the URL of a data set folder (ending in "/") or file first' },
      });
      return Promise.resolve(false);
    }
    return this.run(`download ${trimmed}`, `Connecting to ${trimmed}…`, async (signal, progress) => ({
      data: await importFromUrl(trimmed, {
        signal,
        onStage: (s) => progress(describeStage(s)),
        ...(this.fetchImpl ? { fetchImpl: this.fetchImpl } : {}),
      }),
    }));
  }

  /** Stops the running download or import (nothing is saved). */
  cancel(): void {
    this.abort?.abort();
  }

  /** Deletes a stored data set (and its preview). */
  async remove(id: string): Promise<boolean> {
    const entry = this.state.entries.find((e) => e.id === id);
    const name = entry?.name ?? id;
    try {
      await this.store.delete(id);
    } catch (e) {
      this.patch({ message: { kind: 'error', text: describeError(e, `delete '${name}'`) } });
      await this.refresh();
      return false;
    }
    if (this.state.preview?.id === id) {
      this.previewToken++;
      this.patch({ preview: null });
    }
    this.patch({
      message: { kind: 'info', text: `Deleted '${name}'${entry ? ` (${mb(entry.bytes)} freed)` : ''}` },
    });
    await this.refresh();
    return true;
  }

  /** Reads a stored data set and shows its first images (or first sample's spikes). */
  async preview(id: string): Promise<boolean> {
    const name = this.state.entries.find((e) => e.id === id)?.name ?? id;
    const token = ++this.previewToken;
    this.patch({ preview: { id, name, data: null } });
    try {
      const data = previewOf(await this.store.load(id));
      if (token === this.previewToken) this.patch({ preview: { id, name, data } });
      return true;
    } catch (e) {
      if (token === this.previewToken) {
        this.patch({
          preview: null,
          message: { kind: 'error', text: describeError(e, `preview '${name}'`) },
        });
      }
      return false;
    }
  }

  closePreview(): void {
    this.previewToken++;
    this.patch({ preview: null });
  }

  /** Shows a stage's progress: a new stage at once, the same stage at most every interval. */
  private progress(view: StageView): void {
    if (!this.busy || this.abort === null) return;
    const now = performance.now();
    const done = view.total !== null && view.loaded >= view.total;
    if (view.key === this.lastKey && !done && now - this.lastProgressAt < this.progressIntervalMs) return;
    this.lastKey = view.key;
    this.lastProgressAt = now;
    this.patch({ job: { label: view.label, loaded: view.loaded, total: view.total, cancellable: true } });
  }

  /** Runs one job: get the data (cancellable), then save it; reports the outcome. */
  private async run(action: string, startLabel: string, work: Work): Promise<boolean> {
    if (this.busy) {
      this.patch({
        message: {
          kind: 'info',
          text: 'a data set is being added; wait for it to finish or cancel it first',
        },
      });
      return false;
    }
    this.busy = true;
    const abort = new AbortController();
    this.abort = abort;
    this.lastKey = '';
    this.patch({ job: { label: startLabel, loaded: 0, total: null, cancellable: true }, message: null });
    try {
      const { data, id } = await work(abort.signal, (view) => this.progress(view));
      if (abort.signal.aborted) throw new Cancelled();
      // From here on the job cannot be cancelled: the store's save is all or nothing.
      this.abort = null;
      this.patch({
        job: { label: `Saving '${data.name}' in this browser…`, loaded: 0, total: null, cancellable: false },
      });
      let entry: DatasetEntry;
      try {
        entry = await this.store.save(data, id);
      } catch (e) {
        throw new SaveFailed(data.name, e);
      }
      await this.refresh();
      this.patch({
        message: {
          kind: 'info',
          text: `Saved '${entry.name}' (${samples(entry)} samples, ${mb(entry.bytes)})`,
        },
      });
      return true;
    } catch (e) {
      const cancelled = e instanceof Cancelled || (e instanceof DownloadError && e.cancelled);
      let text: string;
      if (cancelled) text = `${e instanceof DownloadError ? e.message : 'cancelled'}; nothing was saved`;
      else if (e instanceof SaveFailed) text = describeError(e.reason, `save '${e.datasetName}'`);
      else text = describeError(e, action);
      this.patch({ message: { kind: cancelled ? 'info' : 'error', text } });
      return false;
    } finally {
      this.busy = false;
      this.abort = null;
      this.patch({ job: null });
    }
  }
}

let pageController: DatasetsController | null = null;

/** The page's controller (created on first use: it opens the browser's IndexedDB). */
export function datasetsController(): DatasetsController {
  return (pageController ??= new DatasetsController(appStore));
}
