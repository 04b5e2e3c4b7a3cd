import type { LIF_RESETS, OptionValue } from '../options.ts';
import { allocReal, type Precision, type RealArray } from '../tensor.ts';
import { makeSurrogate, type Surrogate, type SurrogateConfig } from './surrogates.ts';
import type { NeuronLayer, NeuronRecord, SpikeMode } from './types.ts';

export interface LifConfig {
  model: 'lif';
  /** Membrane time constant (ms). */
  tauMs: number;
  threshold: number;
  /** hard: v <- 0 after a spike; soft: v <- v - threshold. */
  reset: OptionValue<typeof LIF_RESETS>;
  /** false: a leaky integrator without threshold, used as a readout (its membrane is the output). */
  spiking: boolean;
  surrogate: SurrogateConfig;
  /** Treat the reset as a constant in the backward pass (the usual choice, as in the peer). */
  detachReset: boolean;
}

/**
 * Leaky integrate-and-fire neurons, forward Euler with step dt:
 *   u[t] = v[t-1] + (dt / tau) * (I[t] - v[t-1])      (membrane before the threshold test)
 *   s[t] = H(u[t] - threshold)
 *   v[t] = u[t] * (1 - s[t])  (hard)   or   u[t] - threshold * s[t]  (soft)
 */
export class LifLayer implements NeuronLayer {
  readonly spiking: boolean;
  readonly threshold: number;
  private readonly beta: number;
  private readonly surrogate: Surrogate;
  private record: NeuronRecord | null = null;
  private batch = 0;
  private timeSteps = 0;

  constructor(
    readonly size: number,
    private readonly config: LifConfig,
    dtMs: number,
    private readonly precision: Precision,
    private readonly spikeMode: SpikeMode = 'heaviside',
  ) {
    this.spiking = config.spiking;
    this.threshold = config.threshold;
    this.beta = dtMs / config.tauMs;
    this.surrogate = makeSurrogate(config.surrogate);
  }

  forward(current: RealArray, batch: number, timeSteps: number): NeuronRecord {
    const n = this.size;
    const total = batch * timeSteps * n;
    const membrane = allocReal(this.precision, total);
    const spikes = allocReal(this.precision, total);
    const { beta, threshold, spiking } = this;
    const hard = this.config.reset === 'hard';
    const smooth = this.spikeMode === 'smooth';
    const f = this.surrogate.f;
    const v = new Float64Array(n);
    for (let b = 0; b < batch; b++) {
      v.fill(0);
      for (let t = 0; t < timeSteps; t++) {
        const base = (b * timeSteps + t) * n;
        for (let j = 0; j < n; j++) {
          const u = v[j]! + beta * (current[base + j]! - v[j]!);
          membrane[base + j] = u;
          if (!spiking) {
            v[j] = u;
            spikes[base + j] = 0;
            continue;
          }
          const s = smooth ? f(u - threshold) : u >= threshold ? 1 : 0;
          spikes[base + j] = s;
          v[j] = hard ? u * (1 - s) : u - threshold * s;
        }
      }
    }
    this.batch = batch;
    this.timeSteps = timeSteps;
    this.record = { membrane, spikes };
    return this.record;
  }

  backward(gradSpikes: RealArray | null, gradMembrane: RealArray | null): RealArray {
    const record = this.record;
    if (!record) throw new Error('LifLayer.backward called before forward');
    const { batch, timeSteps, size: n, beta, threshold, spiking } = this;
    const { membrane, spikes } = record;
    const gradCurrent = allocReal(this.precision, batch * timeSteps * n);
    const hard = this.config.reset === 'hard';
    const detach = this.config.detachReset;
    const df = this.surrogate.df;
    const gradV = new Float64Array(n); // dL/dv[t] carried from step t + 1
    for (let b = 0; b < batch; b++) {
      gradV.fill(0);
      for (let t = timeSteps - 1; t >= 0; t--) {
        const base = (b * timeSteps + t) * n;
        for (let j = 0; j < n; j++) {
          const idx = base + j;
          let gu = gradMembrane ? gradMembrane[idx]! : 0;
          const gv = gradV[j]!;
          if (!spiking) {
            gu += gv;
          } else {
            const u = membrane[idx]!;
            const s = spikes[idx]!;
            const ds = df(u - threshold);
            if (gradSpikes) gu += gradSpikes[idx]! * ds;
            // dv/du through the reset; the spike's own dependence on u only when not detached.
            let dvdu = hard ? 1 - s : 1;
            if (!detach) dvdu -= hard ? u * ds : threshold * ds;
            gu += gv * dvdu;
          }
          gradCurrent[idx] = beta * gu;
          gradV[j] = (1 - beta) * gu;
        }
      }
    }
    return gradCurrent;
  }
}
