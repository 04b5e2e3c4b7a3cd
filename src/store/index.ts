import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { createDatasetsSlice, type DatasetsSlice } from './datasetsSlice.ts';
import { createEngineSlice, type EngineSlice } from './engineSlice.ts';
import { createExperimentSlice, type ExperimentSlice } from './experimentSlice.ts';
import { createMetricsSlice, type MetricsSlice } from './metricsSlice.ts';
import { createRunSlice, type RunSlice } from './runSlice.ts';
import { createRunsSlice, type RunsSlice } from './runsSlice.ts';

export type {
  DatasetJob,
  DatasetMessage,
  DatasetPreview,
  DatasetsSlice,
  DatasetsState,
  PreviewData,
} from './datasetsSlice.ts';
export type { EngineSlice } from './engineSlice.ts';
export type { ExperimentSlice } from './experimentSlice.ts';
export type { MetricsSlice } from './metricsSlice.ts';
export type { RunSlice, RunStatus, RunView } from './runSlice.ts';
export type { RunsSlice } from './runsSlice.ts';
export { parseWhole } from './runSlice.ts';

/** The whole UI state: one store made of typed slices. */
export type AppState = EngineSlice & ExperimentSlice & RunSlice & MetricsSlice & DatasetsSlice & RunsSlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createEngineSlice(...a),
    ...createExperimentSlice(...a),
    ...createRunSlice(...a),
    ...createMetricsSlice(...a),
    ...createDatasetsSlice(...a),
    ...createRunsSlice(...a),
  }));
}

/** The page's store. */
export const appStore = createAppStore();

/** Selects one value from the page's store; re-renders only when it changes (Object.is). */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
