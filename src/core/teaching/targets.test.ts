import { describe, expect, it } from 'vitest';
import { TargetsRun, targetsConfig } from './targets.ts';

describe('Learn page 3: learning target spike times', () => {
  it('the toy (Figure 4): only delays learn, and both outputs end on their targets', () => {
    const run = new TargetsRun('toy');
    expect(run.totalSteps).toBe(300);
    const start = run.snapshot();
    expect(start.targets).toEqual([38, 55]);
    run.advance(1000);
    const end = run.snapshot();
    expect(run.done).toBe(true);
    expect(end.step).toBe(300);
    expect(end.losses).toHaveLength(300);
    expect(end.firstSpikes).toEqual(end.targets);
    expect(end.delays).not.toEqual(start.delays);
  });

  it('the far target (Figure 5): one input at 100 reaches its target at 900 within the run', () => {
    const run = new TargetsRun('far');
    expect(run.totalSteps).toBe(4000);
    const config = targetsConfig('far');
    expect(config.network.layers[0]!.kernel.maxDelay).toBe(1000);
    run.advance(4000);
    expect(run.snapshot().firstSpikes).toEqual([900]);
  });

  it('is deterministic: the same steps give the same delays (a link with a step reopens it exactly)', () => {
    const a = new TargetsRun('toy');
    const b = new TargetsRun('toy');
    a.advance(37);
    for (let k = 0; k < 37; k++) b.advance(1);
    expect(a.snapshot()).toEqual(b.snapshot());
  });
});
