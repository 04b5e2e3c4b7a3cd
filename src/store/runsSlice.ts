import type { StateCreator } from 'zustand/vanilla';
import type { RunEntry } from '../storage/runStore.ts';
import type { AppState } from './index.ts';

/** The runs stored in this browser (IndexedDB), newest first, and the last storage problem. */
export interface RunsSlice {
  storedRuns: RunEntry[];
  runsMessage: string | null;
  setStoredRuns: (runs: RunEntry[]) => void;
  setRunsMessage: (message: string | null) => void;
  /** Stored runs picked for comparison (ids, in the order picked). */
  compareIds: string[];
  toggleCompare: (id: string) => void;
}

export const createRunsSlice: StateCreator<AppState, [], [], RunsSlice> = (set) => ({
  storedRuns: [],
  runsMessage: null,
  setStoredRuns: (runs) =>
    set((s) => ({
      storedRuns: [...runs].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)),
      // A deleted run leaves the comparison.
      compareIds: s.compareIds.filter((id) => runs.some((r) => r.id === id)),
    })),
  setRunsMessage: (runsMessage) => set({ runsMessage }),
  compareIds: [],
  toggleCompare: (id) =>
    set((s) => ({
      compareIds: s.compareIds.includes(id) ? s.compareIds.filter((c) => c !== id) : [...s.compareIds, id],
    })),
});
