import type { RawDataset } from '../core/data/types.ts';
import { BUILTIN_MNIST_ID, loadBuiltinMnist } from '../io/builtinData.ts';
import { DownloadError } from '../io/fetchBytes.ts';
import { importFiles, importFromUrl } from '../io/importData.ts';
import { DatasetStore, type DatasetEntry } from '../storage/datasetStore.ts';
import { appStore, type AppStore, type DatasetsState } from '../store/index.ts';
import {
  datasetNameForFiles,
  describeBuiltinProgress,
  describeError,
  describeStage,
  mb,
  previewOf,
  type StageView,
} from './datasetText.ts';

/**
 * The "Data sets" panel's controller (no React): adds data sets (the built-in digits, picked or
 * dropped files, a URL) to the browser's storage, lists, previews and deletes them, and reports
 * progress and every outcome through the store's `datasets` slice. One job runs at a time; a
 * failed or cancelled job saves nothing, so the stored data sets stay as they were.
 */

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
