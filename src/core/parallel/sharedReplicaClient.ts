import type {
  EvaluationReply,
  EvaluationRequest,
  GradientReplica,
  LayerGradients,
  ReplicaRequest,
  SumSliceRequest,
  UpdateSliceRequest,
} from '../dataParallel.ts';
import type { GradientReply, GradientRequest } from './sharedReplicaHost.ts';

/**
 * The main thread's side of a gradient thread that holds a shared-memory replica
 * (sharedReplicaHost.ts): it sends requests (`send`) one at a time and is told of replies
 * (`receive`) and of the thread's failure (`fail`) by whoever wires it to the thread (a Node
 * Worker, a browser Worker). The replica's gradients are read where they lie, in shared memory.
 */
export class SharedReplicaClient implements GradientReplica {
  private pending: { resolve: (reply: GradientReply) => void; reject: (e: Error) => void } | null = null;
  /** Why the thread can no longer answer (it failed or exited); every request then fails at once. */
  private dead: Error | null = null;
  private disposed = false;

  constructor(
    private readonly send: (request: GradientRequest) => void,
    /** This replica's gradients (views of its shared memory). */
    private readonly grads: LayerGradients[],
    private readonly terminate: () => Promise<void>,
  ) {}

  /** Whether dispose was called (a thread that exits afterwards has not failed). */
  get stopped(): boolean {
    return this.disposed;
  }

  /** A reply from the thread: it answers the pending request. */
  receive(reply: GradientReply): void {
    const pending = this.pending;
    this.pending = null;
    pending?.resolve(reply);
  }

  /** The thread failed or exited: the pending request and every later one are refused. */
  fail(e: Error): void {
    this.dead ??= e;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(e);
  }

  private ask(request: GradientRequest): Promise<GradientReply> {
    if (this.dead) return Promise.reject(this.dead);
    // One request at a time: replies carry no id, so a second one would take the first's answer.
    if (this.pending) return Promise.reject(new Error('the gradient thread is still answering a request'));
    return new Promise<GradientReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.send(request);
    }).then((reply) => {
      if (!reply.ok) throw new Error(reply.message);
      return reply;
    });
  }

  sumSlice(request: SumSliceRequest): Promise<number> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('firstBadLayer' in reply))
        throw new Error('the gradient thread did not answer the sum');
      return reply.firstBadLayer;
    });
  }

  updateSlice(request: UpdateSliceRequest): Promise<void> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('updated' in reply))
        throw new Error('the gradient thread did not answer the update');
    });
  }

  compute(request: ReplicaRequest): Promise<{ loss: number; grads: LayerGradients[] }> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('loss' in reply))
        throw new Error('the gradient thread did not answer the gradients');
      return { loss: reply.loss, grads: this.grads };
    });
  }

  evaluate(request: EvaluationRequest): Promise<EvaluationReply> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('lossSum' in reply))
        throw new Error('the gradient thread did not answer the evaluation');
      return { lossSum: reply.lossSum, correct: reply.correct, predictions: reply.predictions };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.fail(new Error('the gradient thread was stopped'));
    await this.terminate();
  }
}
