import type { RealArray } from '../tensor.ts';

export interface AdamHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam (Kingma and Ba) on one parameter tensor, with bias correction. Parameter groups
 * (weights, delays) are separate `AdamState`s stepped with their own learning rates.
 */
export class AdamState {
  readonly m: Float64Array;
  readonly v: Float64Array;
  step = 0;

  constructor(size: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  apply(params: RealArray, grads: RealArray, lr: number, hyper: AdamHyper): void {
    this.step++;
    const { beta1, beta2, epsilon } = hyper;
    const c1 = 1 / (1 - Math.pow(beta1, this.step));
    const c2 = 1 / (1 - Math.pow(beta2, this.step));
    const { m, v } = this;
    for (let q = 0; q < params.length; q++) {
      const g = grads[q]!;
      const mq = beta1 * m[q]! + (1 - beta1) * g;
      const vq = beta2 * v[q]! + (1 - beta2) * g * g;
      m[q] = mq;
      v[q] = vq;
      params[q]! -= (lr * mq * c1) / (Math.sqrt(vq * c2) + epsilon);
    }
  }
}
