import type { SpikeDataset } from '../core/data/tasks.ts';
import type {
  EvaluationReply,
  EvaluationRequest,
  GradientReplica,
  LayerGradients,
  ReplicaRequest,
} from '../core/dataParallel.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { Trainer } from '../core/trainer.ts';
import { installedCpuKernels } from '../wasm/install.ts';
import type { FromGradientWorker, FromReplica, ReplicaParameters, ToReplica } from './replicaProtocol.ts';
import { withStartTimeout, type ReplicaWorker } from './replicaWorker.ts';

/**
 * A gradient Worker holding a replica; each step, and each share of an evaluation, sends it the
 * parameters (float32 copies).
 */
export class CopyingReplica implements GradientReplica {
  private pending: { resolve: (reply: FromReplica) => void; reject: (e: Error) => void } | null = null;
  /** Why the Worker can no longer answer; every request then fails at once. */
  private dead: Error | null = null;

  constructor(
    private readonly worker: ReplicaWorker,
    private readonly model: Trainer,
    readonly index: number,
  ) {
    worker.onmessage = (event: MessageEvent<FromGradientWorker>) => {
      const pending = this.pending;
      this.pending = null;
      pending?.resolve(event.data as FromReplica);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.fail(`gradient Worker ${index} failed: ${event.message || 'it could not be loaded'}`);
    };
    worker.onmessageerror = () => this.fail(`gradient Worker ${index} sent a message that could not be read`);
  }

  /** The Worker failed: its pending request and every later one are refused (a late reply is never taken for another request's). */
  private fail(message: string): void {
    this.dead ??= new Error(message);
    const pending = this.pending;
    this.pending = null;
    pending?.reject(new Error(message));
  }

  private send(message: ToReplica, transfer: Transferable[]): Promise<FromReplica> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error(`gradient Worker ${this.index} is busy`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  /** Sets the Worker's replica up (its first message). */
  async start(config: ExperimentConfig, data: SpikeDataset): Promise<void> {
    const reply = await withStartTimeout(
      this.send(
        {
          type: 'init',
          config,
          data,
          kernels: installedCpuKernels(),
          structure: this.model.net.synapses.map((s) => s.synapseIndex),
          rewiringSeeds: this.model.rewiringSeeds(),
        },
        [],
      ),
      this.index,
    );
    if (reply.type === 'error') throw new Error(`gradient Worker ${this.index}: ${reply.message}`);
  }

  /** The training Worker's current parameters, as float32 copies the message transfers. */
  private parameters(): { parameters: ReplicaParameters[]; transfer: Transferable[] } {
    const parameters = this.model.net.synapses.map((s) => ({
      weights: Float32Array.from(s.weights),
      delays: Float32Array.from(s.delays),
      // Rewiring (this Worker only) changes the masks between steps: each request sends the current ones.
      mask: s.mask ? Uint8Array.from(s.mask) : null,
      synapses: s.synapseIndex && s.structureChanges ? Int32Array.from(s.synapseIndex) : null,
    }));
    const transfer = parameters.flatMap((p) => [
      p.weights.buffer,
      p.delays.buffer,
      ...(p.mask ? [p.mask.buffer] : []),
      ...(p.synapses ? [p.synapses.buffer] : []),
    ]);
    return { parameters, transfer };
  }

  async compute(request: ReplicaRequest): Promise<{ loss: number; grads: LayerGradients[] }> {
    const { parameters, transfer } = this.parameters();
    const reply = await this.send({ type: 'step', parameters, ...request }, transfer);
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'gradients') throw new Error(`gradient Worker ${this.index} answered '${reply.type}'`);
    return { loss: reply.loss, grads: reply.grads };
  }

  /**
   * Its share of an evaluation (the parameters are copied for each share of 256 samples or
   * fewer: a few ms against the forward passes' tens to hundreds).
   */
  async evaluate(request: EvaluationRequest): Promise<EvaluationReply> {
    const { parameters, transfer } = this.parameters();
    const { indices, sigma, predictions } = request;
    const reply = await this.send({ type: 'evaluate', parameters, indices, sigma, predictions }, transfer);
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'evaluation')
      throw new Error(`gradient Worker ${this.index} answered '${reply.type}' to an evaluation`);
    return { lossSum: reply.lossSum, correct: reply.correct, predictions: reply.predictions };
  }

  dispose(): Promise<void> {
    this.fail(`gradient Worker ${this.index} was stopped`);
    this.worker.terminate();
    return Promise.resolve();
  }
}
