import type { StateCreator } from 'zustand/vanilla';
import type { DatasetEntry } from '../storage/datasetStore.ts';
import type { AppState } from './index.ts';
import type { PreviewData } from '../charts/datasetPreview.ts';

export type { PreviewData };

/**
 * The "Data sets" panel's state: the stored data sets' index, the running job (download,
 * import, save) with its progress, the last message and the preview. Plain data only (typed
 * arrays in the preview are structured-cloneable); the controller in src/app/datasets.ts
 * does the work and writes here.
 */

/** A running job: a download, an import or a save. */
export interface DatasetJob {
  /** What is happening, e.g. "Downloading train-images-idx3-ubyte.gz (1 of 4): 2.1 / 26.4 MB". */
  label: string;
  /** Bytes done so far (0 when the stage has no byte count). */
  loaded: number;
  /** Bytes in all; null when unknown (an indeterminate progress bar). */
  total: number | null;
  /** Whether Cancel can stop it (a save in progress cannot be stopped half way). */
  cancellable: boolean;
}

export interface DatasetMessage {
  kind: 'error' | 'info';
  text: string;
}

export interface DatasetPreview {
  id: string;
  name: string;
  /** null while the data set is being read from storage. */
  data: PreviewData | null;
}

export interface DatasetsState {
  entries: DatasetEntry[];
  /** Whether the index has been read from storage at least once. */
  listed: boolean;
  job: DatasetJob | null;
  message: DatasetMessage | null;
  preview: DatasetPreview | null;
}

export interface DatasetsSlice {
  datasets: DatasetsState;
  /** Replaces some of the data sets state (the controller's one way of writing). */
  patchDatasets: (patch: Partial<DatasetsState>) => void;
}

export const initialDatasets: DatasetsState = {
  entries: [],
  listed: false,
  job: null,
  message: null,
  preview: null,
};

export const createDatasetsSlice: StateCreator<AppState, [], [], DatasetsSlice> = (set) => ({
  datasets: initialDatasets,
  patchDatasets: (patch) => set((s) => ({ datasets: { ...s.datasets, ...patch } })),
});
