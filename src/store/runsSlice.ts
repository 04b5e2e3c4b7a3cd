import type { StateCreator } from 'zustand/vanilla';
import type { RunEntry } from '../storage/runStore.ts';
import type { AppState } from './index.ts';

/** The runs stored in this browser (IndexedDB), newest first, and the last storage problem. */
export interface RunsSlice {
  storedRuns: RunEntry[];
  runsMessage: string | null;
  setStoredRuns: (runs: RunEntry[]) => void;
  setRunsMessage: (message: string | null) => void;
}

export const createRunsSlice: StateCreator<AppState, [], [], RunsSlice> = (set) => ({
  storedRuns: [],
  runsMessage: null,
  setStoredRuns: (runs) =>
    set({ storedRuns: [...runs].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)) }),
  setRunsMessage: (runsMessage) => set({ runsMessage }),
});
