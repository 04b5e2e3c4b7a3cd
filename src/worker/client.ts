import type { FromWorker, ToWorker } from './protocol.ts';

export interface TrainingClient {
  play: () => void;
  pause: () => void;
  reset: (seed: number) => void;
  setSpeed: (stepsPerSecond: number | null) => void;
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
  return {
    play: () => send({ type: 'play' }),
    pause: () => send({ type: 'pause' }),
    reset: (seed) => send({ type: 'reset', seed }),
    setSpeed: (stepsPerSecond) => send({ type: 'speed', stepsPerSecond }),
    dispose: () => worker.terminate(),
  };
}
