import { line, scaleLinear } from 'd3';
import { useMemo } from 'react';
import {
  simulateTwoSpikes,
  TWO_SPIKES_INPUT_STEPS,
  TWO_SPIKES_MAX_DELAY,
  TWO_SPIKES_STEPS,
  TWO_SPIKES_TAU_SYN_MS,
  TWO_SPIKES_WEIGHT,
  twoSpikesConfig,
  type TwoSpikesResult,
} from '../core/teaching/twoSpikes.ts';
import { AxisTitles, PageLinks, type FigureFrame } from './pageParts.tsx';
import type { TwoSpikesState } from './learnLink.ts';

const FRAME: FigureFrame = {
  width: 640,
  height: 300,
  margin: { top: 16, right: 16, bottom: 56, left: 66 },
};
const { width: WIDTH, height: HEIGHT, margin: MARGIN } = FRAME;
const INPUT_NAMES = ['A', 'B'] as const;

/** The membrane over time (threshold units against ms), the threshold, the arrivals and the spikes. */
function MembraneFigure({ result }: { result: TwoSpikesResult }) {
  const x = scaleLinear()
    .domain([0, TWO_SPIKES_STEPS - 1])
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const top = Math.max(1.3, result.peak.value + 0.1);
  const bottom = Math.min(-0.2, ...result.membrane);
  const y = scaleLinear()
    .domain([bottom, top])
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const path = line<number>()
    .x((_, t) => x(t))
    .y((v) => y(v))(result.membrane);
  const ticks = x.ticks(10);
  const yTicks = y.ticks(6);
  const inputRow = HEIGHT - MARGIN.bottom + 30;
  return (
    <svg
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      className="learn-figure"
      role="img"
      aria-label={`Membrane potential over ${TWO_SPIKES_STEPS} ms: peak ${result.peak.value.toFixed(2)} at ${result.peak.step} ms; ${
        result.spikes.length > 0
          ? `the neuron fires at ${result.spikes.join(', ')} ms`
          : 'the neuron stays silent'
      }`}
      data-testid="two-spikes-figure"
      data-spikes={result.spikes.join(' ')}
      data-arrivals={result.arrivals.join(' ')}
      data-peak={result.peak.value}
    >
      {/* Axes: time (ms) and membrane potential (threshold units). */}
      <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} className="axis" />
      <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} className="axis" />
      {ticks.map((t) => (
        <text key={`x${t}`} x={x(t)} y={HEIGHT - MARGIN.bottom + 14} textAnchor="middle" className="tick">
          {t}
        </text>
      ))}
      {yTicks.map((v) => (
        <text key={`y${v}`} x={MARGIN.left - 6} y={y(v) + 4} textAnchor="end" className="tick">
          {v}
        </text>
      ))}
      <AxisTitles frame={FRAME} yLabel="membrane (threshold units)" />
      <line
        x1={MARGIN.left}
        x2={WIDTH - MARGIN.right}
        y1={y(result.threshold)}
        y2={y(result.threshold)}
        className="threshold"
      />
      <text x={WIDTH - MARGIN.right} y={y(result.threshold) - 4} textAnchor="end" className="label">
        threshold {result.threshold}
      </text>
      {/* Each input's spike, where it leaves (hollow) and where the delay delivers it (filled). */}
      {INPUT_NAMES.map((name, i) => (
        <g key={name} className={`input input-${name}`}>
          <circle cx={x(TWO_SPIKES_INPUT_STEPS[i]!)} cy={inputRow} r={4} className="sent" />
          <line
            x1={x(TWO_SPIKES_INPUT_STEPS[i]!)}
            x2={x(result.arrivals[i]!)}
            y1={inputRow}
            y2={inputRow}
            className="travel"
          />
          <circle cx={x(result.arrivals[i]!)} cy={inputRow} r={5} className="arrived" />
          <text x={x(result.arrivals[i]!) + 8} y={inputRow + 4} className="label">
            {name}
          </text>
        </g>
      ))}
      <path d={path ?? ''} className="membrane" />
      {result.spikes.map((t) => (
        <line key={t} x1={x(t)} x2={x(t)} y1={MARGIN.top} y2={y(result.threshold)} className="spike" />
      ))}
    </svg>
  );
}

/**
 * Page 1: two input spikes 10 ms apart reach one neuron through two synapses with delays the
 * reader sets. Whether the neuron fires depends only on those delays.
 */
export function TwoSpikesPage({
  state,
  onChange,
}: {
  state: TwoSpikesState;
  onChange: (state: TwoSpikesState) => void;
}) {
  const result = useMemo(() => simulateTwoSpikes({ delays: state.delays }), [state.delays]);
  const config = useMemo(() => twoSpikesConfig({ delays: state.delays }), [state.delays]);
  const setDelay = (i: 0 | 1, value: number): void => {
    const delays: [number, number] = [...state.delays];
    delays[i] = value;
    onChange({ ...state, delays });
  };
  const fires = result.spikes.length > 0;
  return (
    <article className="learn-page" aria-labelledby="page-title">
      <h1 id="page-title">One neuron, two input spikes</h1>
      <p>
        Input A spikes at {TWO_SPIKES_INPUT_STEPS[0]} ms and input B at {TWO_SPIKES_INPUT_STEPS[1]} ms. Each
        reaches the neuron through a synapse of weight {TWO_SPIKES_WEIGHT}: on its own, a spike lifts the
        membrane by at most {TWO_SPIKES_WEIGHT} of the threshold, {TWO_SPIKES_TAU_SYN_MS} ms after it arrives.
        The neuron fires only when the membrane reaches the threshold, so it needs both responses at once.
      </p>
      <p>
        A synapse's <strong>delay</strong> holds its spike back before delivering it. Delay the first spike
        and it meets the second: the neuron fires. Delay the second and they drift apart: it stays silent. The
        weights never change; only the timing does.
      </p>
      <figure className="learn-figure-box">
        <MembraneFigure result={result} />
        <figcaption>
          Blue: the neuron's membrane potential. Below the time axis, ○ where each input spikes and ● where
          its delay delivers the spike; orange bars mark the neuron's own spikes.
        </figcaption>
      </figure>
      <div className="learn-controls">
        {INPUT_NAMES.map((name, i) => (
          <label key={name} className="slider">
            <span>
              Delay of input {name}: <output data-testid={`delay-${name}-value`}>{state.delays[i]}</output> ms
            </span>
            <input
              type="range"
              min={0}
              max={TWO_SPIKES_MAX_DELAY - 1}
              step={1}
              value={state.delays[i]}
              data-testid={`delay-${name}`}
              aria-valuetext={`${state.delays[i]} ms`}
              onChange={(e) => setDelay(i as 0 | 1, Number(e.currentTarget.value))}
            />
          </label>
        ))}
      </div>
      <dl className="learn-numbers" aria-live="polite">
        <div>
          <dt>Threshold</dt>
          <dd>{result.threshold}</dd>
        </div>
        <div>
          <dt>Peak membrane</dt>
          <dd data-testid="peak">
            {result.peak.value.toFixed(3)} at {result.peak.step} ms
          </dd>
        </div>
        <div>
          <dt>Arrivals</dt>
          <dd>
            A at {result.arrivals[0]} ms, B at {result.arrivals[1]} ms
          </dd>
        </div>
        <div>
          <dt>Output</dt>
          <dd data-testid="outcome">
            {fires ? `fires at ${result.spikes.join(' and ')} ms` : 'stays silent (below the threshold)'}
          </dd>
        </div>
      </dl>
      <PageLinks
        config={config}
        state={state}
        holds="the same two inputs, neuron and delays; Step and Play there run it, nothing trains"
      />
    </article>
  );
}
