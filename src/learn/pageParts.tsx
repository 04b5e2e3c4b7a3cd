import { useMemo } from 'react';
import type { ExperimentConfig } from '../core/experiment.ts';
import { encodeShareLink } from '../core/shareLink.ts';
import { learnLink, type LearnState } from './learnLink.ts';

export interface FigureFrame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/** A figure's time axis along its bottom: the line and its ticks at `ticks` (x in px of each value). */
export function BottomAxis({
  frame,
  ticks,
  x,
}: {
  frame: FigureFrame;
  ticks: readonly number[];
  x: (value: number) => number;
}) {
  const { width, height, margin } = frame;
  const y = height - margin.bottom;
  return (
    <>
      <line x1={margin.left} x2={width - margin.right} y1={y} y2={y} className="axis" />
      {ticks.map((t) => (
        <text key={t} x={x(t)} y={y + 14} textAnchor="middle" className="tick">
          {t}
        </text>
      ))}
    </>
  );
}

/** A figure's value axis along its left side: the line and its ticks at `ticks` (y in px of each value). */
export function LeftAxis({
  frame,
  ticks,
  y,
}: {
  frame: FigureFrame;
  ticks: readonly number[];
  y: (value: number) => number;
}) {
  const { height, margin } = frame;
  return (
    <>
      <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} className="axis" />
      {ticks.map((v) => (
        <text key={v} x={margin.left - 6} y={y(v) + 4} textAnchor="end" className="tick">
          {v}
        </text>
      ))}
    </>
  );
}

/** The titles of a Learn figure's axes: time along the bottom, `yLabel` (with its unit) up the side. */
export function AxisTitles({ frame, yLabel }: { frame: FigureFrame; yLabel: string }) {
  const { width, height, margin } = frame;
  return (
    <>
      <text x={width - margin.right} y={height - 4} textAnchor="end" className="label">
        time (ms, 1 ms steps)
      </text>
      <text x={12} y={margin.top + 4} className="label" transform={`rotate(90 12 ${margin.top + 4})`}>
        {yLabel}
      </text>
    </>
  );
}

/**
 * The end of every Learn page: the exact setup opened in the playground (as a share link of
 * `config`), with what it holds in words, and the link to the page as it is.
 */
export function PageLinks({
  config,
  state,
  holds,
}: {
  config: ExperimentConfig;
  state: LearnState;
  holds: string;
}) {
  const playground = useMemo(() => `./index.html${encodeShareLink(config)}`, [config]);
  return (
    <p className="learn-links">
      <a href={playground} data-testid="open-in-playground">
        Open this in the playground
      </a>{' '}
      ({holds}) ·{' '}
      <a href={learnLink(state)} data-testid="page-link">
        Link to this page as it is
      </a>
    </p>
  );
}

/** Play / Pause, Step and Reset of a Learn page's stepped training (useSteppedRun). */
export function PlayControls({
  playing,
  done,
  setPlaying,
  onStep,
  onReset,
}: {
  playing: boolean;
  done: boolean;
  setPlaying: (playing: boolean | ((p: boolean) => boolean)) => void;
  onStep: () => void;
  onReset: () => void;
}) {
  return (
    <p className="learn-buttons">
      <button type="button" data-testid="play" disabled={done} onClick={() => setPlaying((p) => !p)}>
        {playing ? 'Pause' : 'Play'}
      </button>
      <button type="button" data-testid="step" disabled={playing || done} onClick={onStep}>
        Step
      </button>
      <button
        type="button"
        data-testid="reset"
        onClick={() => {
          setPlaying(false);
          onReset();
        }}
      >
        Reset
      </button>
    </p>
  );
}
