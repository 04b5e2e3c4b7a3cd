import { sigmaMatters } from '../core/train/schedules.ts';
import { delayRange } from '../core/synapses/kernels.ts';
import { useApp, type RunStatus, type RunView } from '../store/index.ts';
import { formatLoss, formatStep } from './format.ts';

function describeStatus(run: RunView, step: number): string {
  const info = run.info;
  const where = info ? ` on the ${info.engine.engine === 'gpu' ? 'GPU' : 'CPU'} engine` : '';
  const what = info ? `'${info.config.name}', seed ${info.config.seed}` : '';
  const total = info?.totalSteps ?? 0;
  const status: RunStatus = run.status;
  switch (status) {
    case 'starting':
      return 'Starting the training worker…';
    case 'loading':
      return run.activity ?? 'Loading…';
    case 'ready':
      return `Ready to train ${what}${where}. Press Play.`;
    case 'running':
      return `Training ${what}${where}…`;
    case 'paused':
      return `Paused at step ${step} of ${total} (${what})${where}.`;
    case 'done':
      return `Finished ${total} steps of ${what}${where}. Start a new run to train again.`;
    case 'error':
      return info ? `Training stopped${where}.` : 'The run could not be opened.';
  }
}

/** The status line (a polite live region that changes only with the run's state, not each step). */
export function StatusLine() {
  const run = useApp((s) => s.run);
  const step = run.status === 'running' ? -1 : run.step;
  const text = describeStatus(run, step);
  return (
    <div className="status-line">
      <p role="status" data-testid="run-status" data-status={run.status}>
        {text}
      </p>
      {run.status === 'loading' && (
        <progress
          aria-label="Loading the data"
          data-testid="loading-progress"
          {...(run.loadingFraction === null ? {} : { value: run.loadingFraction, max: 1 })}
        />
      )}
      {run.info?.engine.notice && run.status !== 'loading' && (
        <p className="notice" data-testid="engine-notice">
          {run.info.engine.notice}
        </p>
      )}
      {run.error !== null && (
        <p role="alert" className="error" data-testid="run-error">
          {run.error}
        </p>
      )}
      {run.notices.map((n, i) => (
        <p role="alert" className="notice" key={i} data-testid="run-notice">
          {n}
        </p>
      ))}
    </div>
  );
}

export function RunNumbers() {
  const step = useApp((s) => s.run.step);
  const epoch = useApp((s) => s.run.epoch);
  const info = useApp((s) => s.run.info);
  const loss = useApp((s) => s.run.loss);
  const sigma = useApp((s) => s.run.sigma);
  const rate = useApp((s) => s.run.samplesPerSecond);
  const saved = useApp((s) => s.run.savedStep);
  const activity = useApp((s) => (s.run.status === 'loading' ? null : s.run.activity));
  const activityFraction = useApp((s) => s.run.activityFraction);
  const history = useApp((s) => s.history);
  const last = history.at(-1);
  const pct = (x: number | null | undefined) =>
    x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`;
  return (
    <>
      <dl className="numbers">
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid="step-count">{step}</span>
            {info && <span className="muted"> / {info.totalSteps}</span>}
          </dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd>
            <span data-testid="epoch-count">{epoch}</span>
            {info && <span className="muted"> / {info.epochs}</span>}
          </dd>
        </div>
        <div>
          <dt>Loss</dt>
          {/* data-epoch-losses: every closed epoch's mean training loss, exactly (for comparisons). */}
          <dd data-testid="loss-value" data-epoch-losses={history.map((r) => String(r.trainLoss)).join(' ')}>
            {formatLoss(loss)}
          </dd>
        </div>
        {/* Only where a Gaussian kernel trains (not lerp / integer kernels, not EventProp). */}
        {(!info || sigmaMatters(info.config)) && (
          <div>
            <dt>
              <abbr title="Standard deviation of the Gaussian delay kernels, in time steps">σ</abbr>
            </dt>
            <dd data-testid="sigma-value">{sigma.toFixed(2)}</dd>
          </div>
        )}
        <div>
          <dt>Validation</dt>
          <dd data-testid="validation-accuracy">{pct(last?.validationAccuracy)}</dd>
        </div>
        <div>
          <dt>Test</dt>
          <dd data-testid="test-accuracy">{pct(last?.testAccuracy)}</dd>
        </div>
        <div>
          <dt>Samples/s</dt>
          <dd data-testid="samples-per-second">{rate === null ? '—' : rate.toFixed(0)}</dd>
        </div>
        <div>
          <dt>Saved</dt>
          <dd data-testid="saved-step" title="The step of the checkpoint stored last: a reload resumes there">
            {saved === null ? '—' : `step ${saved}`}
          </dd>
        </div>
      </dl>
      <RunProgress />
      {activity && (
        <p className="muted activity">
          {activity}…
          {activityFraction !== null && (
            <progress
              value={activityFraction}
              max={1}
              aria-label="Evaluation progress"
              data-testid="activity-progress"
            />
          )}
        </p>
      )}
    </>
  );
}

/** "about 4 min 10 s" for a duration in seconds. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 1) return 'under a second';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `about ${h} h ${m} min`;
  if (m > 0) return `about ${m} min ${rest} s`;
  return `about ${rest} s`;
}

/**
 * Progress bars of the epoch and the whole run while training, with the time left at the
 * current rate (training steps only: each epoch's evaluation comes on top).
 */
function RunProgress() {
  const info = useApp((s) => s.run.info);
  const step = useApp((s) => s.run.step);
  const status = useApp((s) => s.run.status);
  const rate = useApp((s) => s.run.samplesPerSecond);
  if (!info || (status !== 'running' && status !== 'paused')) return null;
  const { totalSteps, stepsPerEpoch } = info;
  const intoEpoch = step - Math.floor(step / stepsPerEpoch) * stepsPerEpoch;
  const batch = info.config.training.batchSize;
  const secondsLeft = rate && rate > 0 ? ((totalSteps - step) * batch) / rate : null;
  const epochLeft = rate && rate > 0 ? ((stepsPerEpoch - intoEpoch) * batch) / rate : null;
  return (
    <div className="run-progress" data-testid="run-progress">
      <label>
        Epoch
        <progress value={intoEpoch} max={stepsPerEpoch} aria-label="Steps of this epoch" />
        <span className="muted">{epochLeft === null ? '' : `${formatDuration(epochLeft)} left`}</span>
      </label>
      <label>
        Run
        <progress value={step} max={totalSteps} aria-label="Steps of the whole run" />
        <span className="muted" data-testid="run-eta">
          {`${Math.floor((100 * step) / Math.max(1, totalSteps))} %`}
          {secondsLeft === null ? '' : ` · ${formatDuration(secondsLeft)} left`}
        </span>
      </label>
    </div>
  );
}

export function FirstSpikesTable() {
  const targets = useApp((s) => s.run.info?.toy?.targetTimes);
  const toy = useApp((s) => s.views?.toy);
  if (!targets || !toy) return null;
  const { firstSpikes: first, quantisedFirstSpikes: quantised } = toy;
  return (
    <div className="table-scroll">
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
    </div>
  );
}

export function DelaysTable() {
  const info = useApp((s) => s.run.info);
  const delays = useApp((s) => s.views?.toy?.delays);
  if (!info?.toy || !delays) return null;
  const layer = info.config.network.layers[0]!;
  const nOut = layer.size;
  if (delays.length !== info.config.network.inputs * nOut) return null;
  const outputs = Array.from({ length: nOut }, (_, j) => j);
  const range = delayRange(layer.kernel.maxDelay);
  return (
    <div className="table-scroll">
      <table className="data" data-testid="delays">
        <caption>
          Delays in time steps ({range.min}–{range.max}), <span className="muted">(arrival step)</span>
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
          {info.toy.inputTimes.map((t, i) => (
            <tr key={i}>
              <th scope="row">
                {i + 1} ({t})
              </th>
              {outputs.map((j) => {
                const d = delays[i * nOut + j]!;
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
    </div>
  );
}
