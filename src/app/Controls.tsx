import { useId } from 'react';
import { useHidden } from './useClassroom.ts';
import { appStore, useApp } from '../store/index.ts';
import type { EngineChoice } from '../worker/protocol.ts';
import type { TrainingClient } from '../worker/client.ts';

const SPEEDS: { label: string; value: number | null }[] = [
  { label: '30', value: 30 },
  { label: '120', value: 120 },
  { label: 'max', value: null },
];

const ENGINES: { value: EngineChoice; label: string }[] = [
  { value: 'auto', label: 'auto (GPU when available)' },
  { value: 'gpu', label: 'GPU (WebGPU)' },
  { value: 'cpu', label: 'CPU' },
];

/** Play / pause, one step, a new run from the edited config, speed and engine. */
export function Controls({ client }: { client: TrainingClient | null }) {
  const status = useApp((s) => s.run.status);
  const stepsPerSecond = useApp((s) => s.stepsPerSecond);
  const setStepsPerSecond = useApp((s) => s.setStepsPerSecond);
  const engineChoice = useApp((s) => s.engineChoice);
  const setEngineChoice = useApp((s) => s.setEngineChoice);
  const speedId = useId();
  const engineId = useId();
  const running = status === 'running';
  // A run another tab holds is shown here read-only (the Worker says why in a notice).
  const readOnly = useApp((s) => s.run.info?.readOnly ?? null);
  const hideNewRun = useHidden('new-run');
  const hideSpeed = useHidden('speed');
  const hideEngineChoice = useHidden('engine-choice');
  const canTrain =
    client !== null && readOnly === null && (status === 'ready' || status === 'paused' || running);
  const newRun = (): void => {
    const { experiment, engineChoice: engine } = appStore.getState();
    client?.load(experiment, engine);
  };

  return (
    <div className="controls" role="toolbar" aria-label="Training controls">
      <button
        type="button"
        className="primary"
        data-testid="play-pause"
        disabled={!canTrain}
        title={readOnly ?? undefined}
        onClick={() => (running ? client?.pause() : client?.play())}
      >
        {running ? 'Pause' : 'Play'}
      </button>
      <button
        type="button"
        data-testid="step"
        disabled={!canTrain || running}
        onClick={() => client?.step()}
        title="Train one mini-batch, then pause"
      >
        Step
      </button>
      {!hideNewRun && (
        <button
          type="button"
          data-testid="reset"
          disabled={client === null || status === 'loading'}
          onClick={newRun}
          title="Start a new run from the experiment settings (the current run stays stored)"
        >
          New run
        </button>
      )}
      {!hideSpeed && <label htmlFor={speedId}>Steps/s</label>}
      {!hideSpeed && (
        <select
          id={speedId}
          data-testid="speed"
          value={stepsPerSecond === null ? 'max' : String(stepsPerSecond)}
          onChange={(e) => {
            const v = e.target.value === 'max' ? null : Number(e.target.value);
            setStepsPerSecond(v);
            client?.setSpeed(v);
          }}
        >
          {SPEEDS.map((s) => (
            <option key={s.label} value={s.value === null ? 'max' : String(s.value)}>
              {s.label}
            </option>
          ))}
        </select>
      )}
      {!hideEngineChoice && <label htmlFor={engineId}>Engine</label>}
      {!hideEngineChoice && (
        <select
          id={engineId}
          data-testid="engine-choice"
          value={engineChoice}
          onChange={(e) => {
            const chosen = ENGINES.find((o) => o.value === e.target.value);
            if (chosen) setEngineChoice(chosen.value);
          }}
        >
          {ENGINES.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
