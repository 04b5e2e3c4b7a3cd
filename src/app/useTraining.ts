import { useEffect, useState } from 'react';
import { decodeShareLink, type DecodedShareLink } from '../core/shareLink.ts';
import { configCheck } from '../core/shareLink/text.ts';
import { addressIsOwn } from './addressBar.ts';
import { probeWebGpu } from '../gpu/probe.ts';
import { RunStore } from '../storage/runStore.ts';
import { appStore } from '../store/index.ts';
import { startTrainingWorker, type TrainingClient } from '../worker/client.ts';
import type { FromWorker } from '../worker/protocol.ts';
import { downloadText } from './download.ts';

/** The page's view of stored runs (the Worker writes them; the page lists, renames, deletes). */
export const runStore = new RunStore();

/** Re-reads the stored runs into the store; a storage failure becomes the panel's message. */
export async function refreshRuns(): Promise<void> {
  const { setStoredRuns, setRunsMessage } = appStore.getState();
  try {
    setStoredRuns(await runStore.list());
  } catch (e) {
    setRunsMessage(`Could not read the stored runs: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * What the page opens with. The latest stored run that has not finished is resumed where its
 * checkpoint left it (playing again if it was playing) when the address holds no link or a link
 * to that run's experiment (the address follows the editor, so a reload mid-run finds it there);
 * a link to another experiment opens that, with what was ignored listed; else the default.
 */
async function openStartingRun(client: TrainingClient): Promise<void> {
  const state = appStore.getState();
  let latest = null;
  try {
    latest = await runStore.latest();
  } catch (e) {
    state.setRunsMessage(`Could not read the stored runs: ${e instanceof Error ? e.message : String(e)}`);
  }
  const resumable =
    latest && (latest.status === 'running' || latest.status === 'paused') && latest.step > 0 ? latest : null;
  // Only an experiment link counts (another fragment, such as '#about', is not one).
  const linked = hasLink() ? decodeShareLink(location.href) : null;
  const sameExperiment =
    resumable !== null &&
    linked !== null &&
    linked.ignored.length === 0 &&
    configCheck(linked.config) === configCheck(resumable.config);
  if (linked) chooseLinkedEngine(linked.engine);
  // This tab's own address (a reload after editing settings without a new run) resumes too.
  if (resumable && (linked === null || sameExperiment || addressIsOwn())) {
    state.setExperiment(resumable.config);
    client.load(resumable.config, appStore.getState().engineChoice, resumable.id);
    if (resumable.status === 'running') client.play();
    return;
  }
  if (openLinkInAddress(client)) return;
  client.load(state.experiment, state.engineChoice);
}

/**
 * The engine a link names becomes the choice: the sharer's preference, so 'gpu' is not forced on
 * a browser without WebGPU.
 */
function chooseLinkedEngine(engine: DecodedShareLink['engine']): void {
  if (engine && (engine !== 'gpu' || 'gpu' in navigator)) appStore.getState().setEngineChoice(engine);
}

/** Whether the address fragment holds an experiment link (`x=...`). */
function hasLink(): boolean {
  return /(^#|&)x=/.test(location.hash);
}

/**
 * Opens the share link in the address, if there is one: its config (with what was ignored
 * listed) as a new run. On first load and whenever a link is pasted into an open tab (a
 * fragment change does not reload the page). Returns whether there was a link.
 */
function openLinkInAddress(client: TrainingClient): boolean {
  if (!hasLink()) return false;
  const state = appStore.getState();
  const { config, ignored, engine } = decodeShareLink(location.href);
  chooseLinkedEngine(engine);
  state.setExperiment(config);
  state.setLinkMessages(ignored);
  // The address keeps the link (useAddressBarState rewrites it as the experiment is edited).
  client.load(config, appStore.getState().engineChoice);
  return true;
}

/** Throttle for re-listing runs after saves (ms). */
const RUNS_REFRESH_MS = 2000;

/** Starts the training Worker for the lifetime of the calling component, wired to the store. */
export function useTrainingClient(): TrainingClient | null {
  const [client, setClient] = useState<TrainingClient | null>(null);
  useEffect(() => {
    const { receive, fail } = appStore.getState();
    let lastRefresh = -Infinity;
    const onMessage = (message: FromWorker): void => {
      if (message.type === 'export') downloadText(message.data, message.fileName, message.mime);
      // The list is read when a run opens, and after saves: at once for a run not listed yet,
      // else at most every RUNS_REFRESH_MS.
      if (
        message.type === 'ready' ||
        (message.type === 'saved' &&
          (performance.now() - lastRefresh > RUNS_REFRESH_MS ||
            !appStore.getState().storedRuns.some((r) => r.id === message.runId)))
      ) {
        lastRefresh = performance.now();
        void refreshRuns();
      }
      receive(message);
    };
    let c: TrainingClient;
    try {
      c = startTrainingWorker(onMessage, fail);
    } catch (e) {
      fail(`Could not start the training worker: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    c.setSpeed(appStore.getState().stepsPerSecond);
    setClient(c);
    void openStartingRun(c);
    const onHashChange = (): void => void openLinkInAddress(c);
    window.addEventListener('hashchange', onHashChange);
    // Leaving or hiding the page (a reload, a closed tab, a phone switching apps): checkpoint now,
    // so a reload loses as little as the browser allows (it may stop the Worker mid-write).
    const onPageHide = (): void => c.save();
    const onVisibility = (): void => {
      if (document.visibilityState === 'hidden') c.save();
    };
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('hashchange', onHashChange);
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onVisibility);
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
