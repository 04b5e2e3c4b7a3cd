import { encodeCheckpoint, type Checkpoint } from '../core/checkpoint.ts';
import type { RunEntry } from '../storage/runStore.ts';
import type { FromWorker } from './protocol.ts';

/** Where runs are stored (IndexedDB in the browser; a map in tests). */
export interface RunPersistence {
  load(id: string): Promise<{ entry: RunEntry; checkpoint: Uint8Array } | null>;
  saveProgress(entry: RunEntry, checkpoint: Uint8Array): Promise<unknown>;
}

function messageOf(m: unknown): string {
  return m instanceof Error ? m.message : String(m);
}

/**
 * Stores one run's checkpoints: one write at a time (a pause and an interval save never
 * interleave), a refused write (full storage) is a notice rather than the end of the run, and an
 * error marks the run's status next to the bytes stored last, never over them.
 */
export class RunStorage {
  /** The save in progress (saves are chained). */
  private chain: Promise<void> = Promise.resolve();
  /** The checkpoint stored last (an error marks the run next to it). */
  private lastStored: Uint8Array | null;

  constructor(
    private entryNow: RunEntry,
    lastStored: Uint8Array | null,
    private readonly runs: RunPersistence,
    private readonly post: (message: FromWorker) => void,
    /** False once the run was replaced: its saves no longer announce themselves. */
    private readonly current: () => boolean,
  ) {
    this.lastStored = lastStored;
  }

  get entry(): RunEntry {
    return this.entryNow;
  }

  /** Stores a checkpoint with this status, after any save under way. */
  store(checkpoint: Checkpoint, status: RunEntry['status']): Promise<void> {
    const next = this.chain.then(() => this.write(checkpoint, status));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Says that a checkpoint could not even be taken (a lost GPU): the stored one stays. */
  notTaken(e: unknown): void {
    this.post({
      type: 'notice',
      message: `Not saved (the last checkpoint, step ${this.entryNow.step}, is kept): ${messageOf(e)}`,
    });
  }

  /** Marks the run as failed next to the checkpoint stored last (the live parameters may be bad). */
  markError(): void {
    const bytes = this.lastStored;
    if (!bytes) return;
    const entry = { ...this.entryNow, status: 'error' as const, updatedAt: new Date().toISOString() };
    this.chain = this.chain
      .then(() => this.runs.saveProgress(entry, bytes).then(() => undefined))
      .catch(() => undefined);
  }

  private async write(checkpoint: Checkpoint, status: RunEntry['status']): Promise<void> {
    const bytes = encodeCheckpoint(checkpoint);
    this.entryNow = {
      ...this.entryNow,
      updatedAt: new Date().toISOString(),
      epoch: checkpoint.state.epoch,
      step: checkpoint.state.step,
      history: checkpoint.history,
      status,
      epochLossSum: checkpoint.epochLossSum ?? 0,
    };
    try {
      await this.runs.saveProgress(this.entryNow, bytes);
      this.lastStored = bytes;
      if (this.current()) this.post({ type: 'saved', runId: this.entryNow.id, step: checkpoint.state.step });
    } catch (e) {
      this.post({ type: 'notice', message: `The run could not be saved: ${messageOf(e)}` });
    }
  }
}
