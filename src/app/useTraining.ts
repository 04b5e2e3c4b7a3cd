import { useEffect, useState } from 'react';
import { probeWebGpu } from '../gpu/probe.ts';
import { appStore } from '../store/index.ts';
import { startTrainingWorker, type TrainingClient } from '../worker/client.ts';

/** Starts the training Worker for the lifetime of the calling component, wired to the store. */
export function useTrainingClient(): TrainingClient | null {
  const [client, setClient] = useState<TrainingClient | null>(null);
  useEffect(() => {
    const { receive, fail } = appStore.getState();
    let c: TrainingClient;
    try {
      c = startTrainingWorker(receive, fail);
    } catch (e) {
      fail(`Could not start the training worker: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    c.setSpeed(appStore.getState().stepsPerSecond);
    setClient(c);
    return () => {
      c.dispose();
      setClient(null);
    };
  }, []);
  return client;
}

/** Probes WebGPU once and puts the answer in the store. */
export function useGpuProbe(): void {
  useEffect(() => {
    let live = true;
    void probeWebGpu().then((probe) => {
      if (live) appStore.getState().setGpuProbe(probe);
    });
    return () => {
      live = false;
    };
  }, []);
}
