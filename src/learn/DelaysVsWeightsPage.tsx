import { line, scaleBand, scaleLinear } from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Histogram } from '../core/analysis/histogram.ts';
import {
  ComparisonRun,
  comparisonConfig,
  LEARNERS,
  type ComparisonSnapshot,
  type Learner,
} from '../core/teaching/delaysVsWeights.ts';
import { encodeShareLink } from '../core/shareLink.ts';
import { loadBuiltinMnist } from '../io/builtinData.ts';
import { installCpuKernels } from '../wasm/install.ts';
import type { DelaysVsWeightsState } from './learnLink.ts';
import { BottomAxis, LeftAxis, PageLinks, type FigureFrame } from './pageParts.tsx';

const CURVE_FRAME: FigureFrame = {
  width: 360,
  height: 220,
  margin: { top: 14, right: 12, bottom: 40, left: 52 },
};
const HIST_FRAME: FigureFrame = {
  width: 360,
  height: 220,
  margin: { top: 14, right: 12, bottom: 40, left: 52 },
};
/** Time the page trains between two redraws (ms): the page stays responsive while it trains. */
const SLICE_MS = 40;
const NAMES: Record<Learner, string> = { delays: 'delays only', weights: 'weights only' };

/** Test accuracy after each epoch, both networks on one axis (%). */
function AccuracyFigure({ snap }: { snap: ComparisonSnapshot }) {
  const { width, height, margin } = CURVE_FRAME;
  const x = scaleLinear()
    .domain([0, snap.epochs])
    .range([margin.left, width - margin.right]);
  const y = scaleLinear()
    .domain([0, 100])
    .range([height - margin.bottom, margin.top]);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="learn-figure"
      role="img"
      aria-label="Test accuracy per epoch of both networks"
      data-testid="accuracy-figure"
    >
      <BottomAxis frame={CURVE_FRAME} ticks={x.ticks(snap.epochs)} x={x} />
      <LeftAxis frame={CURVE_FRAME} ticks={[0, 25, 50, 75, 100]} y={y} />
      <text x={width - margin.right} y={height - 4} textAnchor="end" className="label">
        epoch
      </text>
      <text x={12} y={margin.top + 4} className="label" transform={`rotate(90 12 ${margin.top + 4})`}>
        test accuracy (%)
      </text>
      {LEARNERS.map((w) => {
        const points = [[0, 10], ...snap.progress[w].accuracy.map((a, e) => [e + 1, 100 * a])] as [
          number,
          number,
        ][];
        return (
          <g key={w} className={`curve-${w}`}>
            <path
              d={
                line()
                  .x(([e]) => x(e))
                  .y(([, a]) => y(a))(points) ?? ''
              }
              className="curve"
            />
            {points.slice(1).map(([e, a]) => (
              <circle key={e} cx={x(e)} cy={y(a)} r={3.5} className="curve-dot" />
            ))}
          </g>
        );
      })}
      {LEARNERS.map((w, k) => (
        <text
          key={w}
          x={width - margin.right - 4}
          y={height - margin.bottom - 10 - 16 * k}
          textAnchor="end"
          className={`label legend-${w}`}
        >
          ● {NAMES[w]}
        </text>
      ))}
    </svg>
  );
}

/** The delay-learning network's hidden-layer delays: at the start (outline) and now (bars). */
function DelayHistogram({ before, now }: { before: Histogram; now: Histogram }) {
  const { width, height, margin } = HIST_FRAME;
  const bins = now.counts.map((_, k) => k);
  const x = scaleBand<number>()
    .domain(bins)
    .range([margin.left, width - margin.right])
    .padding(0.1);
  const top = Math.max(...now.counts, ...before.counts);
  const y = scaleLinear()
    .domain([0, top])
    .range([height - margin.bottom, margin.top]);
  const step = (now.hi - now.lo) / now.counts.length;
  const value = scaleLinear()
    .domain([now.lo, now.hi])
    .range([margin.left, width - margin.right]);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="learn-figure"
      role="img"
      aria-label="Histogram of the hidden layer's delays"
      data-testid="delay-histogram"
      data-counts={now.counts.join(' ')}
    >
      <BottomAxis frame={HIST_FRAME} ticks={value.ticks(9)} x={value} />
      <text x={width - margin.right} y={height - 4} textAnchor="end" className="label">
        delay (time steps of 1 ms)
      </text>
      <text x={12} y={margin.top + 4} className="label" transform={`rotate(90 12 ${margin.top + 4})`}>
        synapses
      </text>
      <LeftAxis frame={HIST_FRAME} ticks={y.ticks(4)} y={y} />
      {now.counts.map((c, k) => (
        <rect key={k} x={x(k)} width={x.bandwidth()} y={y(c)} height={y(0) - y(c)} className="current-bar">
          <title>{`${(now.lo + k * step).toFixed(1)}–${(now.lo + (k + 1) * step).toFixed(1)} steps: ${c}`}</title>
        </rect>
      ))}
      {before.counts.map((c, k) => (
        <line key={k} x1={x(k)} x2={x(k)! + x.bandwidth()} y1={y(c)} y2={y(c)} className="before-mark" />
      ))}
    </svg>
  );
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'loading'; what: string }
  | { kind: 'ready' }
  | { kind: 'error'; message: string };

/**
 * Page 5: the built-in MNIST subset, one network learning only delays and one only weights,
 * trained in turn in this page (short slices, so it stays responsive) on the CPU engine.
 */
export function DelaysVsWeightsPage({ state }: { state: DelaysVsWeightsState }) {
  const run = useRef<ComparisonRun | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [snap, setSnap] = useState<ComparisonSnapshot | null>(null);
  const [playing, setPlaying] = useState(false);
  const configs = useMemo(
    () => ({ delays: comparisonConfig('delays'), weights: comparisonConfig('weights') }),
    [],
  );
  const start = async (): Promise<void> => {
    setPhase({ kind: 'loading', what: 'the built-in digits' });
    try {
      installCpuKernels('wasm-simd');
      const raw = await loadBuiltinMnist({
        onProgress: (p) =>
          setPhase({
            kind: 'loading',
            what: `the built-in digits (${Math.round(p.loaded / 1024)} KiB${p.total ? ` of ${Math.round(p.total / 1024)}` : ''})`,
          }),
      });
      run.current = new ComparisonRun(raw);
      setSnap(run.current.snapshot());
      setPhase({ kind: 'ready' });
      setPlaying(true);
    } catch (e) {
      setPhase({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };
  useEffect(() => {
    if (!playing) return;
    let timer = setTimeout(function slice() {
      const current = run.current;
      if (!current) return;
      const until = performance.now() + SLICE_MS;
      while (!current.done && performance.now() < until) current.advance();
      setSnap(current.snapshot());
      if (current.done) setPlaying(false);
      else timer = setTimeout(slice, 0);
    }, 0);
    return () => clearTimeout(timer);
  }, [playing]);
  const done = snap?.done ?? false;
  return (
    <article className="learn-page" aria-labelledby="page-title">
      <h1 id="page-title">Delays vs weights</h1>
      <p>
        Two copies of one network (784 pixel inputs → 128 neurons → 10 outputs) learn to read handwritten
        digits. A pixel brighter than half spikes once, at 0 ms; each output neuron counts for one digit. The
        first copy may change only its <strong>delays</strong>: its weights stay at their random start. The
        second may change only its <strong>weights</strong>, and has no delays at all.
      </p>
      <p>
        Both learn. Changing <em>when</em> each spike arrives is enough to read the digits almost as well as
        changing <em>how strongly</em> it counts, which is what the delay-only paper found on Fashion-MNIST.
      </p>
      <p className="learn-buttons">
        {phase.kind !== 'ready' ? (
          <button
            type="button"
            data-testid="start"
            disabled={phase.kind === 'loading'}
            onClick={() => void start()}
          >
            Load the digits and train
          </button>
        ) : (
          <button type="button" data-testid="play" disabled={done} onClick={() => setPlaying((p) => !p)}>
            {playing ? 'Pause' : 'Train on'}
          </button>
        )}
        {phase.kind === 'loading' && <span role="status">Loading {phase.what}…</span>}
        {phase.kind === 'error' && (
          <span role="alert" className="field-error">
            Could not load the digits: {phase.message}
          </span>
        )}
      </p>
      {snap && (
        <>
          <div className="raster-grid">
            <figure className="learn-figure-box">
              <AccuracyFigure snap={snap} />
              <figcaption>
                Test accuracy (500 digits) after each epoch of 1,600 training digits; chance is 10 %.
              </figcaption>
            </figure>
            <figure className="learn-figure-box">
              <DelayHistogram before={snap.delayHistograms.before} now={snap.delayHistograms.now} />
              <figcaption>
                The delays-only network's 100,352 first-layer delays: bars now, lines at the start.
              </figcaption>
            </figure>
          </div>
          <dl className="learn-numbers" aria-live="polite">
            {LEARNERS.map((w) => (
              <div key={w}>
                <dt>{NAMES[w]}</dt>
                <dd data-testid={`progress-${w}`}>
                  step {snap.progress[w].step} of {snap.epochs * snap.stepsPerEpoch}
                  {snap.progress[w].accuracy.length > 0 &&
                    `, test ${(100 * snap.progress[w].accuracy.at(-1)!).toFixed(1)} %`}
                </dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <PageLinks config={configs.delays} state={state} holds="the delays-only network" />
      <p>
        <a href={`./index.html${encodeShareLink(configs.weights)}`} data-testid="open-weights-only">
          Open the weights-only network in the playground
        </a>
      </p>
    </article>
  );
}
