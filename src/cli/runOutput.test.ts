import type * as NodeFs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Checkpoint } from '../core/checkpoint.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { CHECKPOINT_FILE, readCheckpoint, RunOutputError, writeRunOutput } from './runOutput.ts';

/** Set to an errno code to make the next file writes fail with it (a full disk, say). */
let failWith: string | null = null;

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof NodeFs>();
  return {
    ...real,
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (failWith) throw Object.assign(new Error(`${failWith}: simulated`), { code: failWith });
      return real.writeFileSync(...args);
    },
  };
});

afterEach(() => {
  failWith = null;
});

function checkpointOf(steps: number): Checkpoint {
  const config = preset('toy')!;
  const trainer = new Trainer(config, { precision: 'f32' });
  for (let s = 0; s < steps; s++) trainer.trainStep([0]);
  return {
    config,
    state: trainer.exportState(),
    history: [],
    best: null,
    dataset: null,
    epochLossSum: 0,
    stepLosses: null,
    viewPredictions: null,
  };
}

describe('writeRunOutput', () => {
  it('on a full disk: one clear line, no .tmp left, the previous checkpoint intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaylab-out-'));
    const first = checkpointOf(1);
    writeRunOutput(dir, first, []);
    const before = readFileSync(join(dir, CHECKPOINT_FILE));
    failWith = 'ENOSPC';
    let error: unknown = null;
    try {
      writeRunOutput(dir, checkpointOf(3), []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunOutputError);
    expect((error as Error).message).toBe(`cannot write ${join(dir, CHECKPOINT_FILE)}: the disk is full`);
    failWith = null;
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(dir, CHECKPOINT_FILE))).toEqual(before);
    expect(readCheckpoint(dir).state.step).toBe(1);
    expect(existsSync(join(dir, 'metrics.csv'))).toBe(true);
  });
});
