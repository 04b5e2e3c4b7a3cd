import { useId } from 'react';
import { parseSeed, useApp } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';

const SPEEDS: { label: string; value: number | null }[] = [
  { label: '30', value: 30 },
  { label: '120', value: 120 },
  { label: 'max', value: null },
];

export function Controls({ client }: { client: TrainingClient | null }) {
  const status = useApp((s) => s.run.status);
  const seedInput = useApp((s) => s.seedInput);
  const setSeedInput = useApp((s) => s.setSeedInput);
  const stepsPerSecond = useApp((s) => s.stepsPerSecond);
  const setStepsPerSecond = useApp((s) => s.setStepsPerSecond);
  const seedId = useId();
  const speedId = useId();
  const seedErrorId = useId();
  const seed = parseSeed(seedInput);
  const running = status === 'running';
  const canPlay = client !== null && (status === 'ready' || status === 'paused' || running);

  return (
    <div className="controls">
      <button
        type="button"
        className="primary"
        data-testid="play-pause"
        disabled={!canPlay}
        onClick={() => (running ? client?.pause() : client?.play())}
      >
        {running ? 'Pause' : 'Play'}
      </button>
      <button
        type="button"
        data-testid="reset"
        disabled={client === null || seed === null}
        onClick={() => {
          if (seed !== null) client?.reset(seed);
        }}
      >
        Reset
      </button>
      <label htmlFor={seedId}>Seed</label>
      <input
        id={seedId}
        data-testid="seed"
        className="seed"
        inputMode="numeric"
        value={seedInput}
        aria-invalid={seed === null}
        aria-describedby={seed === null ? seedErrorId : undefined}
        onChange={(e) => setSeedInput(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && seed !== null) client?.reset(seed);
        }}
      />
      <label htmlFor={speedId}>Steps/s</label>
      <select
        id={speedId}
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
      {seed === null && (
        <p id={seedErrorId} className="field-error">
          The seed must be a whole number from 0 to 4294967295.
        </p>
      )}
    </div>
  );
}
