import type { StateCreator } from 'zustand/vanilla';
import type { GpuProbe } from '../gpu/probe.ts';
import type { AppState } from './index.ts';

/** What the browser offers for computing: the WebGPU probe (null while it runs). */
export interface EngineSlice {
  gpu: GpuProbe | null;
  setGpuProbe: (probe: GpuProbe) => void;
}

export const createEngineSlice: StateCreator<AppState, [], [], EngineSlice> = (set) => ({
  gpu: null,
  setGpuProbe: (gpu) => set({ gpu }),
});
