import type { ExperimentConfig } from '../core/experiment.ts';
import type { EngineChoice, ExportKind, FromWorker, ToWorker, ViewSelection } from './protocol.ts';

export interface TrainingClient {
  load: (config: ExperimentConfig, engine: EngineChoice, resumeRunId?: string | null) => void;
  play: () => void;
  pause: () => void;
  step: () => void;
  setSpeed: (stepsPerSecond: number | null) => void;
  select: (selection: ViewSelection) => void;
  importModel: (text: string, fileName: string, engine: EngineChoice) => void;
  evaluate: () => void;
  /** Checkpoint now if anything trained since the last save (the page is being hidden or closed). */
  save: () => void;
  exportParameters: (what: ExportKind) => void;
  /** Compare every output's receptive-field Moran's I with the untrained network's. */
  compareFields: () => void;
  dispose: () => void;
}

/**
 * Starts the training Worker (a module Worker, bundled by Vite) and returns its controls.
 * Messages from it go to `onMessage`; a Worker that fails to load or crashes goes to `onError`.
 */
export function startTrainingWorker(
  onMessage: (message: FromWorker) => void,
  onError: (message: string) => void,
): TrainingClient {
  const worker = new Worker(new URL('./training.worker.ts', import.meta.url), {
    type: 'module',
    name: 'delaylab-training',
  });
  worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    onError(`The training worker failed: ${event.message || 'it could not be loaded'}`);
  };
  worker.onmessageerror = () => onError('The training worker sent a message that could not be read.');
  const send = (message: ToWorker): void => worker.postMessage(message);
  // Resolved here: inside the Worker, relative URLs resolve against the Worker's script.
  const dataBaseUrl = new URL(`${import.meta.env.BASE_URL}data/`, location.href).href;
  // The CPU engine trains on one thread per core (the Worker caps it, see MAX_CPU_THREADS).
  const cpuThreads = Math.max(1, navigator.hardwareConcurrency || 1);
  return {
    load: (config, engine, resumeRunId = null) =>
      send({ type: 'load', config, engine, resumeRunId, dataBaseUrl, cpuThreads }),
    play: () => send({ type: 'play' }),
    pause: () => send({ type: 'pause' }),
    step: () => send({ type: 'step' }),
    setSpeed: (stepsPerSecond) => send({ type: 'speed', stepsPerSecond }),
    select: (selection) => send({ type: 'select', selection }),
    importModel: (text, fileName, engine) =>
      send({ type: 'importModel', text, fileName, engine, dataBaseUrl, cpuThreads }),
    evaluate: () => send({ type: 'evaluate' }),
    save: () => send({ type: 'save' }),
    exportParameters: (what) => send({ type: 'export', what }),
    compareFields: () => send({ type: 'compareFields' }),
    dispose: () => worker.terminate(),
  };
}
