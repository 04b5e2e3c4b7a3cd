/** Helpers of the CLI's tests: run the `delaylab` command (or the bench) and write temporary files. */
import { spawn, spawnSync } from 'node:child_process';
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
