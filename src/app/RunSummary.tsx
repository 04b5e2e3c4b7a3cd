import { useApp, type RunStatus } from '../store/index.ts';
import { formatLoss, formatStep } from './format.ts';

export const ENGINE_LABEL = 'CPU reference engine (Web Worker)';

function describeStatus(status: RunStatus, step: number, total: number, seed: number | undefined): string {
  const s = seed === undefined ? '' : `, seed ${seed}`;
  switch (status) {
    case 'starting':
      return `Starting the ${ENGINE_LABEL}…`;
    case 'ready':
      return `Ready to train on the ${ENGINE_LABEL}${s}. Press Play.`;
    case 'running':
      return `Training on the ${ENGINE_LABEL}${s}…`;
    case 'paused':
      return `Paused at step ${step} of ${total} on the ${ENGINE_LABEL}${s}.`;
    case 'done':
      return `Finished ${total} steps on the ${ENGINE_LABEL}${s}. Reset to train again.`;
    case 'error':
      return `Training stopped on the ${ENGINE_LABEL}.`;
  }
}

/** The status line (a polite live region that changes only with the run's state, not each step). */
export function StatusLine() {
  const status = useApp((s) => s.run.status);
  const step = useApp((s) => (s.run.status === 'running' ? -1 : s.run.step));
  const total = useApp((s) => s.run.info?.totalSteps ?? 0);
  const seed = useApp((s) => s.run.info?.seed);
  const error = useApp((s) => s.run.error);
  return (
    <div className="status-line">
      <p role="status" data-testid="run-status" data-status={status}>
        {describeStatus(status, step, total, seed)}
      </p>
      {error !== null && (
        <p role="alert" className="error" data-testid="run-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function RunNumbers() {
  const step = useApp((s) => s.run.step);
  const total = useApp((s) => s.run.info?.totalSteps);
  const loss = useApp((s) => s.run.loss);
  const sigma = useApp((s) => s.run.sigma);
  return (
    <dl className="numbers">
      <div>
        <dt>Step</dt>
        <dd>
          <span data-testid="step-count">{step}</span>
          {total !== undefined && <span className="muted"> / {total}</span>}
        </dd>
      </div>
      <div>
        <dt>Loss</dt>
        <dd data-testid="loss-value">{formatLoss(loss)}</dd>
      </div>
      <div>
        <dt>
          <abbr title="Standard deviation of the Gaussian delay kernels, in time steps">σ</abbr>
        </dt>
        <dd data-testid="sigma-value">{sigma.toFixed(2)}</dd>
      </div>
    </dl>
  );
}

export function FirstSpikesTable() {
  const targets = useApp((s) => s.run.info?.targetTimes);
  const first = useApp((s) => s.run.firstSpikes);
  const quantised = useApp((s) => s.run.quantisedFirstSpikes);
  if (!targets) return null;
  return (
    <table className="data" data-testid="first-spikes">
      <caption>First output spike (time step)</caption>
      <thead>
        <tr>
          <th scope="col">Output</th>
          <th scope="col">Target</th>
          <th scope="col">Trained kernel</th>
          <th scope="col">
            <abbr title="Delays floored/rounded to whole steps and delivered by ring buffers, as inference runs">
              Integer delays
            </abbr>
          </th>
        </tr>
      </thead>
      <tbody>
        {targets.map((target, j) => {
          const hit = first[j] === target;
          return (
            <tr key={j}>
              <th scope="row">{j + 1}</th>
              <td data-testid={`target-${j + 1}`}>{target}</td>
              <td data-testid={`first-spike-${j + 1}`} className={hit ? 'hit' : undefined}>
                {formatStep(first[j])}
                {hit && <span aria-label="on target"> ✓</span>}
              </td>
              <td data-testid={`quantised-spike-${j + 1}`}>{formatStep(quantised[j])}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function DelaysTable() {
  const info = useApp((s) => s.run.info);
  const delays = useApp((s) => s.run.delays);
  if (!info || delays.length !== info.inputs * info.outputs) return null;
  const outputs = Array.from({ length: info.outputs }, (_, j) => j);
  return (
    <table className="data" data-testid="delays">
      <caption>
        Delays in time steps (0–{info.maxDelay - 1}), <span className="muted">(arrival step)</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Input (spikes at)</th>
          {outputs.map((j) => (
            <th scope="col" key={j}>
              Output {j + 1}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {info.inputTimes.map((t, i) => (
          <tr key={i}>
            <th scope="row">
              {i + 1} ({t})
            </th>
            {outputs.map((j) => {
              const d = delays[i * info.outputs + j]!;
              return (
                <td key={j} data-testid={`delay-${i + 1}-${j + 1}`}>
                  {d.toFixed(2)} <span className="muted">({(t + d).toFixed(1)})</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
