import { scaleBand, scaleLinear } from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  delayKernelConfig,
  delayKernelResponse,
  KERNEL_INPUT_STEP,
  KERNEL_MAX_DELAY,
  KERNEL_STEPS,
  SIGMA_RANGE,
  SIGMA_SCHEDULE,
  TEACHING_KERNELS,
  type DelayKernelResult,
  type TeachingKernel,
} from '../core/teaching/delayKernel.ts';
import { AxisTitles, PageLinks, type FigureFrame } from './pageParts.tsx';
import type { DelayKernelState } from './learnLink.ts';

const FRAME: FigureFrame = {
  width: 640,
  height: 240,
  margin: { top: 16, right: 16, bottom: 44, left: 66 },
};
const { width: WIDTH, height: HEIGHT, margin: MARGIN } = FRAME;
/** How long "Shrink σ as training does" takes to go from the initial to the final width (ms). */
const SHRINK_MS = 3000;

const KERNEL_NAMES: Record<TeachingKernel, string> = {
  round: 'ring buffer (one tap)',
  lerp: 'linear interpolation (two taps)',
  gauss: 'Gaussian (DCLS)',
};

/** The current reaching the neuron per ms, as bars; the input spike and the delay marked. */
function CurrentFigure({ result, delay }: { result: DelayKernelResult; delay: number }) {
  const steps = Array.from({ length: KERNEL_STEPS }, (_, t) => t);
  const x = scaleBand<number>()
    .domain(steps)
    .range([MARGIN.left, WIDTH - MARGIN.right])
    .padding(0.15);
  const y = scaleLinear()
    .domain([0, 1])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const centre = (t: number): number => x(t)! + x.bandwidth() / 2;
  // The delay is real-valued: between the centres of its two neighbouring steps.
  const arrival = KERNEL_INPUT_STEP + delay;
  const lo = Math.floor(arrival);
  const delayX = centre(lo) + (arrival - lo) * (centre(lo + 1) - centre(lo));
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      className="learn-figure"
      role="img"
      aria-label={`Current reaching the neuron: the spike at ${KERNEL_INPUT_STEP} ms arrives spread over ${result.spread} steps, centred at ${(KERNEL_INPUT_STEP + result.mean).toFixed(2)} ms`}
      data-testid="kernel-figure"
      data-current={result.current.map((c) => c.toFixed(6)).join(' ')}
      data-mean={result.mean}
    >
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} className="axis" />
      <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={y(0)} className="axis" />
      {steps
        .filter((t) => t % 5 === 0)
        .map((t) => (
          <text key={t} x={centre(t)} y={y(0) + 14} textAnchor="middle" className="tick">
            {t}
          </text>
        ))}
      {[0, 0.25, 0.5, 0.75, 1].map((v) => (
        <text key={v} x={MARGIN.left - 6} y={y(v) + 4} textAnchor="end" className="tick">
          {v}
        </text>
      ))}
      <AxisTitles frame={FRAME} yLabel="current (share of the spike)" />
      {result.current.map((c, t) => (
        <rect key={t} x={x(t)} width={x.bandwidth()} y={y(c)} height={y(0) - y(c)} className="current-bar" />
      ))}
      <line
        x1={centre(KERNEL_INPUT_STEP)}
        x2={centre(KERNEL_INPUT_STEP)}
        y1={MARGIN.top}
        y2={y(0)}
        className="input-spike"
      />
      <text x={centre(KERNEL_INPUT_STEP) + 4} y={MARGIN.top + 10} className="label">
        input spike
      </text>
      <line x1={delayX} x2={delayX} y1={MARGIN.top} y2={y(0)} className="delay-mark" />
      <text x={delayX + 4} y={MARGIN.top + 24} className="label">
        + delay
      </text>
    </svg>
  );
}

/**
 * Page 2: one input spike through one synapse, as a ring-buffer tap, a linear-interpolation pair
 * or a Gaussian; sliders for the delay and sigma, and sigma shrinking as training shrinks it.
 */
export function DelayKernelPage({
  state,
  onChange,
}: {
  state: DelayKernelState;
  onChange: (state: DelayKernelState) => void;
}) {
  const result = useMemo(
    () => delayKernelResponse({ kernel: state.kernel, delay: state.delay, sigma: state.sigma }),
    [state.kernel, state.delay, state.sigma],
  );
  const config = useMemo(
    () => delayKernelConfig({ kernel: state.kernel, delay: state.delay, sigma: state.sigma }),
    [state.kernel, state.delay, state.sigma],
  );
  // "Shrink σ": sigma follows the DCLS schedule's multiplicative decay over SHRINK_MS.
  const [shrinking, setShrinking] = useState(false);
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    if (!shrinking) return;
    const started = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      const p = Math.min(1, (now - started) / SHRINK_MS);
      const sigma = SIGMA_SCHEDULE.initial * Math.pow(SIGMA_SCHEDULE.final / SIGMA_SCHEDULE.initial, p);
      onChange({ ...latest.current, sigma: Math.round(sigma * 20) / 20 });
      if (p < 1) frame = requestAnimationFrame(tick);
      else setShrinking(false);
    });
    return () => cancelAnimationFrame(frame);
  }, [shrinking, onChange]);
  const gauss = state.kernel === 'gauss';
  return (
    <article className="learn-page" aria-labelledby="page-title">
      <h1 id="page-title">The delay kernel</h1>
      <p>
        A synapse with a delay is a short memory of taps: a spike that arrives now leaves the synapse some
        steps later. Here one input spikes at {KERNEL_INPUT_STEP} ms and the bars show the current the neuron
        receives, as a share of that spike.
      </p>
      <p>
        A <strong>ring buffer</strong> delivers the whole spike on the one tap nearest the delay: moving the
        delay by less than half a step changes nothing, so training cannot tell which way to move it.{' '}
        <strong>Linear interpolation</strong> splits the spike between the two taps around a real-valued
        delay. The <strong>Gaussian</strong> kernel of DCLS spreads it over a bell of width σ centred on the
        delay: every tap it touches tells training which way the delay should go. Training starts with a wide
        bell ({SIGMA_SCHEDULE.initial} steps) and shrinks it to {SIGMA_SCHEDULE.final}, nearly one tap.
      </p>
      <fieldset className="learn-choice">
        <legend>Kernel</legend>
        {TEACHING_KERNELS.map((k) => (
          <label key={k}>
            <input
              type="radio"
              name="kernel"
              value={k}
              checked={state.kernel === k}
              data-testid={`kernel-${k}`}
              onChange={() => onChange({ ...state, kernel: k })}
            />{' '}
            {KERNEL_NAMES[k]}
          </label>
        ))}
      </fieldset>
      <figure className="learn-figure-box">
        <CurrentFigure result={result} delay={state.delay} />
        <figcaption>
          Bars: the current per ms. Grey line: the input spike; orange line: the input spike plus the delay.
        </figcaption>
      </figure>
      <div className="learn-controls">
        <label className="slider">
          <span>
            Delay: <output data-testid="delay-value">{state.delay.toFixed(1)}</output> ms
          </span>
          <input
            type="range"
            min={0}
            max={KERNEL_MAX_DELAY - 1}
            step={0.1}
            value={state.delay}
            data-testid="delay"
            aria-valuetext={`${state.delay.toFixed(1)} ms`}
            onChange={(e) => onChange({ ...state, delay: Number(e.currentTarget.value) })}
          />
        </label>
        <label className="slider">
          <span>
            σ (Gaussian width): <output data-testid="sigma-value">{state.sigma.toFixed(2)}</output> steps
            {gauss ? '' : ' (the Gaussian only)'}
          </span>
          <input
            type="range"
            min={SIGMA_RANGE.min}
            max={SIGMA_RANGE.max}
            step={0.05}
            value={state.sigma}
            disabled={!gauss}
            data-testid="sigma"
            aria-valuetext={`${state.sigma.toFixed(2)} steps`}
            onChange={(e) => onChange({ ...state, sigma: Number(e.currentTarget.value) })}
          />
        </label>
      </div>
      <p>
        <button
          type="button"
          data-testid="shrink-sigma"
          disabled={!gauss || shrinking}
          onClick={() => setShrinking(true)}
        >
          Shrink σ as training does ({SIGMA_SCHEDULE.initial} → {SIGMA_SCHEDULE.final} steps)
        </button>
      </p>
      <dl className="learn-numbers" aria-live="polite">
        <div>
          <dt>Delay</dt>
          <dd>{state.delay.toFixed(1)} steps</dd>
        </div>
        <div>
          <dt>Centre of the delivered current</dt>
          <dd data-testid="mean">{(KERNEL_INPUT_STEP + result.mean).toFixed(2)} ms</dd>
        </div>
        <div>
          <dt>Taps carrying ≥ 1 % of the spike</dt>
          <dd data-testid="spread">{result.spread}</dd>
        </div>
      </dl>
      <PageLinks
        config={config}
        state={state}
        holds={
          state.kernel === 'round'
            ? 'one input, this synapse and kernel, one neuron; a ring buffer has no delay gradient, so Play trains nothing'
            : 'one input, this synapse and kernel, one neuron; Play trains the delay toward a first spike 12 ms after the input'
        }
      />
    </article>
  );
}
