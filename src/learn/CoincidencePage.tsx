import { scaleLinear } from 'd3';
import { useMemo } from 'react';
import {
  CoincidenceRun,
  coincidenceConfig,
  COINCIDENCE_INPUTS,
  COINCIDENCE_STEPS,
  COINCIDENCE_WEIGHT,
  patternStep,
  type CoincidenceSnapshot,
  type PatternResponse,
} from '../core/teaching/coincidence.ts';
import type { CoincidenceState } from './learnLink.ts';
import { BottomAxis, PageLinks, PlayControls, type FigureFrame } from './pageParts.tsx';
import { useSteppedRun } from './useSteppedRun.ts';

const FRAME: FigureFrame = { width: 320, height: 170, margin: { top: 22, right: 10, bottom: 30, left: 58 } };
const STEPS_PER_FRAME = 2;

/** One pattern's raster: each input's spike (○) and its arrival after the delay (●), then the output's spikes. */
function Raster({
  title,
  response,
  reversed,
  testId,
}: {
  title: string;
  response: PatternResponse;
  reversed: boolean;
  testId: string;
}) {
  const { width, height, margin } = FRAME;
  const x = scaleLinear()
    .domain([0, COINCIDENCE_STEPS - 1])
    .range([margin.left, width - margin.right]);
  const rows = COINCIDENCE_INPUTS + 1;
  const rowY = (r: number): number => margin.top + ((r + 0.5) * (height - margin.top - margin.bottom)) / rows;
  const fires = response.spikes.length > 0;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="learn-figure"
      role="img"
      aria-label={`${title}: arrivals at ${response.arrivals.map((a) => a.toFixed(1)).join(', ')} ms; ${fires ? `the neuron fires at ${response.spikes.join(', ')} ms` : 'the neuron stays silent'}`}
      data-testid={testId}
      data-spikes={response.spikes.join(' ')}
    >
      <text x={margin.left} y={14} className="label">
        {title}: {fires ? `fires at ${response.spikes.join(', ')} ms` : 'silent'} (peak{' '}
        {response.peak.toFixed(2)})
      </text>
      <BottomAxis frame={FRAME} ticks={x.ticks(5)} x={x} />
      {response.arrivals.map((arrival, i) => (
        <g key={i}>
          <text x={margin.left - 6} y={rowY(i) + 4} textAnchor="end" className="tick">
            input {i + 1}
          </text>
          <line
            x1={x(patternStep(i, reversed))}
            x2={x(Math.min(arrival, COINCIDENCE_STEPS - 1))}
            y1={rowY(i)}
            y2={rowY(i)}
            className="travel"
          />
          <circle cx={x(patternStep(i, reversed))} cy={rowY(i)} r={3.5} className="sent" />
          <circle cx={x(Math.min(arrival, COINCIDENCE_STEPS - 1))} cy={rowY(i)} r={4} className="arrived" />
        </g>
      ))}
      <text x={margin.left - 6} y={rowY(COINCIDENCE_INPUTS) + 4} textAnchor="end" className="tick">
        output
      </text>
      {response.spikes.map((t) => (
        <line
          key={t}
          x1={x(t)}
          x2={x(t)}
          y1={rowY(COINCIDENCE_INPUTS) - 7}
          y2={rowY(COINCIDENCE_INPUTS) + 7}
          className="spike"
        />
      ))}
    </svg>
  );
}

/**
 * Page 4: delays learn to make one neuron answer a spatio-temporal pattern and not its
 * time-reversed twin; rasters of both, before training and now.
 */
export function CoincidencePage({
  state,
  onChange,
}: {
  state: CoincidenceState;
  onChange: (state: CoincidenceState) => void;
}) {
  const { snap, playing, setPlaying } = useSteppedRun<CoincidenceSnapshot>(
    'coincidence',
    () => new CoincidenceRun(),
    state.step,
    STEPS_PER_FRAME,
    (step) => onChange({ ...state, step }),
  );
  const config = useMemo(() => coincidenceConfig(), []);
  const done = snap.step >= snap.totalSteps;
  return (
    <article className="learn-page" aria-labelledby="page-title">
      <h1 id="page-title">Coincidence detection</h1>
      <p>
        Four inputs spike one after another, 6 ms apart: that is pattern P. Its twin P′ is the same four
        spikes in the opposite order. Each synapse has weight {COINCIDENCE_WEIGHT}, so the neuron fires only
        when all four spikes arrive at nearly the same time (three reach at most{' '}
        {(3 * COINCIDENCE_WEIGHT).toFixed(1)} of the threshold).
      </p>
      <p>
        Only the delays learn. Training asks the neuron to fire for P and to stay silent for P′: the delays
        grow until P's spikes arrive together, and the same delays scatter P′'s spikes even further apart. The
        neuron, with its delays, now detects the order of the spikes, not just their number.
      </p>
      <PlayControls
        playing={playing}
        done={done}
        setPlaying={setPlaying}
        onStep={() => onChange({ ...state, step: state.step + 1 })}
        onReset={() => onChange({ ...state, step: 0 })}
      />
      <div className="raster-grid">
        <Raster title="P, before" response={snap.before[0]} reversed={false} testId="raster-p-before" />
        <Raster title="P′, before" response={snap.before[1]} reversed testId="raster-r-before" />
        <Raster
          title={`P, step ${snap.step}`}
          response={snap.now[0]}
          reversed={false}
          testId="raster-p-now"
        />
        <Raster title={`P′, step ${snap.step}`} response={snap.now[1]} reversed testId="raster-r-now" />
      </div>
      <p className="muted">
        ○ where each input spikes, ● where its delay delivers the spike; orange bars: the neuron's spikes
        (time in ms).
      </p>
      <dl className="learn-numbers" aria-live="polite">
        <div>
          <dt>Step</dt>
          <dd data-testid="step-count">
            {snap.step} of {snap.totalSteps}
          </dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd data-testid="loss">{snap.losses.length > 0 ? snap.losses.at(-1)!.toFixed(4) : '–'}</dd>
        </div>
        <div>
          <dt>Delays (inputs 1-4)</dt>
          <dd data-testid="delays">{snap.delays.map((d) => d.toFixed(1)).join(', ')} ms</dd>
        </div>
        <div>
          <dt>σ</dt>
          <dd>{snap.sigma.toFixed(2)} steps</dd>
        </div>
      </dl>
      <PageLinks config={config} state={state} holds="pattern P, this neuron and its starting delays" />
    </article>
  );
}
