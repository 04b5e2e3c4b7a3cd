/** Helpers of the CLI's tests: run the `delaylab` command (or the bench) and write temporary files. */
import { spawn, spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('./delaylab.js', import.meta.url));
export const BENCH = fileURLToPath(new URL('../../bench/bench.js', import.meta.url));

export function run(
  bin: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'delaylab-')), name);
  writeFileSync(path, text);
  return path;
}

/** Starts the CLI, kills it once `watch` (metrics.json) lists an epoch, and resolves to the epochs it lists then. */
export function killAfterFirstCheckpoint(args: string[], watch: string): Promise<number> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      let rows: unknown[] = [];
      try {
        rows = JSON.parse(readFileSync(watch, 'utf8')) as unknown[];
      } catch {
        return; // not written yet
      }
      clearInterval(timer);
      child.kill('SIGKILL');
      child.once('exit', () => {
        // The kill may land while the next epoch's files are written: read what is there now.
        try {
          resolve((JSON.parse(readFileSync(watch, 'utf8')) as unknown[]).length);
        } catch {
          resolve(rows.length);
        }
      });
    }, 5);
    child.once('error', reject);
  });
}

/**
 * Writes SHD-layout HDF5 files (shd_train.h5: 60 samples, shd_test.h5: 20) with h5py into a new
 * folder and returns it. Two classes: class 0 fires units 0-99 in the first 100 ms, class 1
 * units 600-699 after 100 ms; 40 events per sample.
 */
export function writeTinyShd(): string {
  const dir = mkdtempSync(join(tmpdir(), 'delaylab-shd-'));
  const writer = `
import h5py, numpy as np, sys
rng = np.random.default_rng(0)
for name, n in (('shd_train.h5', 60), ('shd_test.h5', 20)):
    with h5py.File(sys.argv[1] + '/' + name, 'w') as f:
        t = f.create_dataset('spikes/times', (n,), dtype=h5py.vlen_dtype(np.float32))
        u = f.create_dataset('spikes/units', (n,), dtype=h5py.vlen_dtype(np.uint16))
        labels = np.arange(n) % 2
        for i in range(n):
            k = 40
            t[i] = np.sort(rng.uniform(0.0, 0.1, k) + 0.1 * labels[i]).astype(np.float32)
            u[i] = (rng.integers(0, 100, k) + 600 * labels[i]).astype(np.uint16)
        f.create_dataset('labels', data=labels.astype(np.uint16))
`;
  const py = spawnSync('/usr/bin/python3', ['-c', writer, dir], { encoding: 'utf8' });
  expect(py.status, `h5py writer failed (apt-get install -y python3-h5py): ${py.stderr}`).toBe(0);
  return dir;
}
