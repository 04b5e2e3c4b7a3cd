import { line, scaleLinear } from 'd3';
import { useMemo } from 'react';
import {
  TARGET_CASES,
  TargetsRun,
  targetsConfig,
  type TargetCase,
  type TargetsSnapshot,
} from '../core/teaching/targets.ts';
import type { TargetsState } from './learnLink.ts';
import { useSteppedRun } from './useSteppedRun.ts';
import { AxisTitles, BottomAxis, PageLinks, PlayControls, type FigureFrame } from './pageParts.tsx';

const LOSS_FRAME: FigureFrame = {
  width: 640,
  height: 200,
  margin: { top: 12, right: 16, bottom: 40, left: 66 },
};
const TIMING_FRAME: FigureFrame = {
  width: 640,
  height: 150,
  margin: { top: 12, right: 16, bottom: 40, left: 66 },
};
/** Optimiser steps per animation frame while playing: the far case has 4,000 to take. */
const STEPS_PER_FRAME: Record<TargetCase, number> = { toy: 1, far: 50 };
/** The loss line's points at most (a longer run is drawn every k-th step). */
const MAX_LOSS_POINTS = 500;
const CASE_NAMES: Record<TargetCase, string> = {
  toy: '3 inputs → 2 outputs (the report’s Figure 4)',
  far: 'input at 100 ms, target at 900 ms (Figure 5)',
};

/** Loss per optimiser step, on a log scale (the far case falls by seven orders of magnitude). */
function LossFigure({ snap }: { snap: TargetsSnapshot }) {
  const { width, height, margin } = LOSS_FRAME;
  const x = scaleLinear()
    .domain([0, snap.totalSteps])
    .range([margin.left, width - margin.right]);
  const floor = 1e-4;
  const top = Math.max(10, ...snap.losses);
  const y = scaleLinear()
    .domain([Math.log10(floor), Math.log10(top)])
    .range([height - margin.bottom, margin.top]);
  const every = Math.max(1, Math.ceil(snap.losses.length / MAX_LOSS_POINTS));
  const points = snap.losses.flatMap((v, k) =>
    k % every === 0 || k === snap.losses.length - 1 ? [[k + 1, v] as const] : [],
  );
  const path = line<readonly [number, number]>()
    .x(([k]) => x(k))
    .y(([, v]) => y(Math.log10(Math.max(floor, v))))(points);
  const decades = Array.from({ length: Math.ceil(Math.log10(top)) + 5 }, (_, k) => k - 4);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="learn-figure"
      role="img"
      aria-label={`Loss over ${snap.step} steps`}
    >
      <BottomAxis frame={LOSS_FRAME} ticks={x.ticks(6)} x={x} />
      <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} className="axis" />
      {decades.map((d) => (
        <text key={d} x={margin.left - 6} y={y(d) + 4} textAnchor="end" className="tick">
          {`1e${d}`}
        </text>
      ))}
      <text x={width - margin.right} y={height - 4} textAnchor="end" className="label">
        optimiser step
      </text>
      <text x={12} y={margin.top + 4} className="label" transform={`rotate(90 12 ${margin.top + 4})`}>
        loss (log)
      </text>
      <path d={path ?? ''} className="membrane" />
    </svg>
  );
}

/** Per output: where it should first fire (×) and where it does (●), with the inputs' spikes. */
function TimingFigure({ snap, steps }: { snap: TargetsSnapshot; steps: number }) {
  const { width, height, margin } = TIMING_FRAME;
  const x = scaleLinear()
    .domain([0, steps])
    .range([margin.left, width - margin.right]);
  const rows = snap.targets.length + 1;
  const rowY = (r: number): number => margin.top + ((r + 0.5) * (height - margin.top - margin.bottom)) / rows;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="learn-figure"
      role="img"
      aria-label={`First spikes ${snap.firstSpikes.join(', ')} ms against targets ${snap.targets.join(', ')} ms`}
      data-testid="timing-figure"
      data-first-spikes={snap.firstSpikes.join(' ')}
    >
      <BottomAxis frame={TIMING_FRAME} ticks={x.ticks(10)} x={x} />
      <AxisTitles frame={TIMING_FRAME} yLabel="" />
      <text x={margin.left - 6} y={rowY(0) + 4} textAnchor="end" className="tick">
        inputs
      </text>
      {snap.inputTimes.map((t, i) => (
        <circle key={i} cx={x(t)} cy={rowY(0)} r={4} className="sent" />
      ))}
      {snap.targets.map((target, j) => (
        <g key={j}>
          <text x={margin.left - 6} y={rowY(j + 1) + 4} textAnchor="end" className="tick">
            output {j + 1}
          </text>
          <text x={x(target)} y={rowY(j + 1) + 5} textAnchor="middle" className="target-mark">
            ×
          </text>
          {snap.firstSpikes[j]! >= 0 && (
            <circle cx={x(snap.firstSpikes[j]!)} cy={rowY(j + 1)} r={5} className="first-spike" />
          )}
        </g>
      ))}
    </svg>
  );
}

/**
 * Page 3: delays (only) learn until each output first fires at its target; play, pause, step,
 * reset, and the two cases of the internship report. The page's link holds the case and the step.
 */
export function TargetsPage({
  state,
  onChange,
}: {
  state: TargetsState;
  onChange: (state: TargetsState) => void;
}) {
  const { snap, playing, setPlaying } = useSteppedRun(
    state.which,
    () => new TargetsRun(state.which),
    state.step,
    STEPS_PER_FRAME[state.which],
    (step) => onChange({ ...state, step }),
  );
  const config = useMemo(() => targetsConfig(state.which), [state.which]);
  const done = snap.step >= snap.totalSteps;
  const reached = snap.firstSpikes.every((t, j) => t === snap.targets[j]);
  return (
    <article className="learn-page" aria-labelledby="page-title">
      <h1 id="page-title">Learning target spike times</h1>
      <p>
        Here only the delays learn; the weights stay fixed. Each output should first fire at its target time
        (×). The loss measures how far each first spike (●) is from its target; after every step, gradient
        descent moves every delay a little in the direction that shrinks it, and the spikes slide toward their
        targets.
      </p>
      <p>
        The delays use the Gaussian kernel of the previous page, wide at first (σ = 8 steps) so that even a
        far target pulls on the delay, then narrowed to 0.5 steps. In the second case one input spike has to
        travel 800 ms: the delay walks the whole way.
      </p>
      <fieldset className="learn-choice">
        <legend>Case</legend>
        {TARGET_CASES.map((c) => (
          <label key={c}>
            <input
              type="radio"
              name="case"
              checked={state.which === c}
              data-testid={`case-${c}`}
              onChange={() => {
                setPlaying(false);
                onChange({ ...state, which: c, step: 0 });
              }}
            />{' '}
            {CASE_NAMES[c]}
          </label>
        ))}
      </fieldset>
      <PlayControls
        playing={playing}
        done={done}
        setPlaying={setPlaying}
        onStep={() => onChange({ ...state, step: state.step + 1 })}
        onReset={() => onChange({ ...state, step: 0 })}
      />
      <figure className="learn-figure-box">
        <TimingFigure snap={snap} steps={config.network.timeSteps} />
        <figcaption>
          Each output's target (×) and its first spike with the current delays (●); inputs as ○.
        </figcaption>
      </figure>
      <figure className="learn-figure-box">
        <LossFigure snap={snap} />
        <figcaption>The loss after every step.</figcaption>
      </figure>
      <dl className="learn-numbers" aria-live="polite">
        <div>
          <dt>Step</dt>
          <dd data-testid="step-count">
            {snap.step} of {snap.totalSteps}
          </dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd data-testid="loss">{snap.losses.length > 0 ? snap.losses.at(-1)!.toFixed(6) : '–'}</dd>
        </div>
        <div>
          <dt>σ</dt>
          <dd>{snap.sigma.toFixed(2)} steps</dd>
        </div>
        <div>
          <dt>First spikes / targets</dt>
          <dd data-testid="first-spikes">
            {snap.firstSpikes
              .map((t, j) => `${t < 0 ? 'silent' : `${t} ms`} / ${snap.targets[j]} ms`)
              .join('; ')}
          </dd>
        </div>
        <div>
          <dt>Delays</dt>
          <dd data-testid="delays">{snap.delays.map((d) => d.toFixed(1)).join(', ')} steps</dd>
        </div>
        <div>
          <dt>Outcome</dt>
          <dd data-testid="outcome">
            {reached
              ? 'every output fires at its target'
              : done
                ? 'the run ended short of a target'
                : 'training…'}
          </dd>
        </div>
      </dl>
      <PageLinks
        config={config}
        state={state}
        holds="the same inputs, targets and starting delays; the playground trains them from the start"
      />
    </article>
  );
}
