import { useEffect, useRef, useState } from 'react';

/** A deterministic training a Learn page steps: it can be rebuilt and replayed to any step. */
export interface SteppedRun<S> {
  readonly step: number;
  readonly done: boolean;
  advance(n?: number): void;
  snapshot(): S;
}

/**
 * Keeps a run at the page state's `step` (a new `key` or an earlier step starts it over, a later
 * one trains on: training is deterministic, so a link's step replays exactly) and plays it,
 * `stepsPerFrame` optimiser steps per animation frame, reporting each new step to `onStep`.
 */
export function useSteppedRun<S>(
  key: string,
  make: () => SteppedRun<S>,
  step: number,
  stepsPerFrame: number,
  onStep: (step: number) => void,
): { snap: S; playing: boolean; setPlaying: (playing: boolean | ((p: boolean) => boolean)) => void } {
  const run = useRef<{ key: string; run: SteppedRun<S> } | null>(null);
  const [snap, setSnap] = useState<S>(() => make().snapshot());
  const [playing, setPlaying] = useState(false);
  const latest = useRef({ make, onStep, stepsPerFrame });
  latest.current = { make, onStep, stepsPerFrame };
  useEffect(() => {
    let current = run.current;
    if (!current || current.key !== key || current.run.step > step) {
      current = { key, run: latest.current.make() };
      run.current = current;
    }
    if (current.run.step < step) current.run.advance(step - current.run.step);
    setSnap(current.run.snapshot());
  }, [key, step]);
  useEffect(() => {
    if (!playing) return;
    let frame = requestAnimationFrame(function tick() {
      const current = run.current?.run;
      if (!current) return;
      current.advance(latest.current.stepsPerFrame);
      latest.current.onStep(current.step);
      if (current.done) setPlaying(false);
      else frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing]);
  return { snap, playing, setPlaying };
}
