import { describe, expect, it } from 'vitest';
import type { ExperimentConfig, LayerConfig, NeuronConfig } from '../experiment.ts';
import { makeNeurons, Network } from '../network.ts';
import { Rng } from '../rng.ts';
import { sum } from '../tensor.ts';
import { DelayLayer } from './delayLayer.ts';
import type { DelayRounding } from './kernels.ts';
import { ringBufferCurrent } from './ringBuffer.ts';

const LIF: NeuronConfig = {
  model: 'lif',
  tauMs: 5,
  threshold: 1,
  reset: 'hard',
  spiking: true,
  surrogate: { kind: 'arctan', alpha: 2 },
  detachReset: true,
};

const SRM: NeuronConfig = {
  model: 'srm',
  tauSynMs: 2,
  tauRefMs: 2,
  threshold: 1,
  refractoryScale: 2,
  spiking: true,
  surrogate: { kind: 'slayerExp', alpha: 2 },
  detachReset: true,
};

function layer(
  size: number,
  neuron: NeuronConfig,
  rounding: DelayRounding,
  maxDelay: number,
  mean: number,
): LayerConfig {
  return {
    size,
    neuron,
    kernel: { mode: 'round', maxDelay, rounding, hardwareBackward: 'gauss' },
    trainWeights: true,
    trainDelays: true,
    weightInit: { kind: 'normal', mean, std: 0.8, scale: 1 },
    // Real-valued delays: integer and fractional parts both matter to the rounding.
    delayInit: { kind: 'uniform', low: 0, high: maxDelay - 1 },
    connectivity: 1,
    rewiring: null,
  };
}

describe('ringBufferCurrent', () => {
  it('equals the round-mode DelayLayer current for one sample', () => {
    const rng = new Rng(1);
    const T = 30;
    const inputs = 5;
    const outputs = 4;
    for (const rounding of ['floor', 'nearest'] as const) {
      for (const td of [1, 4, 7]) {
        const dl = new DelayLayer(
          inputs,
          outputs,
          { mode: 'round', maxDelay: td, rounding, hardwareBackward: 'lerp' },
          'f64',
        );
        for (let q = 0; q < inputs * outputs; q++) {
          dl.weights[q] = rng.normal(0, 1);
          dl.delays[q] = rng.uniformIn(0, td - 1);
        }
        const spikes = Float64Array.from({ length: T * inputs }, () => (rng.uniform() < 0.3 ? 1 : 0));
        const ring = ringBufferCurrent(spikes, T, inputs, outputs, dl.weights, dl.delays, td, rounding);
        const dense = dl.forward(spikes, 1, T);
        for (let q = 0; q < ring.length; q++) expect(ring[q]).toBeCloseTo(dense[q]!, 12);
      }
    }
  });

  it('delivers a spike at t + q(d) and never wraps a late spike around', () => {
    const T = 10;
    const weights = [1.5];
    const spikes = new Float64Array(T);
    spikes[1] = 1;
    spikes[8] = 1; // delay 3 -> step 11: outside the window
    const floor = ringBufferCurrent(spikes, T, 1, 1, weights, [3.6], 5, 'floor');
    const nearest = ringBufferCurrent(spikes, T, 1, 1, weights, [3.6], 5, 'nearest');
    const expectAt = (step: number): number[] => Array.from({ length: T }, (_, t) => (t === step ? 1.5 : 0));
    expect(Array.from(floor)).toEqual(expectAt(4));
    expect(Array.from(nearest)).toEqual(expectAt(5)); // spike at 8 + 4 = 12 is dropped too
  });
});

describe('round mode equals an explicit event-driven ring-buffer simulation spike for spike', () => {
  const cases = [
    { neuron: 'lif', rounding: 'floor' },
    { neuron: 'lif', rounding: 'nearest' },
    { neuron: 'srm', rounding: 'floor' },
    { neuron: 'srm', rounding: 'nearest' },
  ] as const;

  it.each(cases)('$neuron, $rounding rounding', ({ neuron, rounding }) => {
    const cfgNeuron = neuron === 'lif' ? LIF : SRM;
    const T = 60;
    const inputs = 8;
    const batch = 3;
    const td = 9;
    const netConfig: ExperimentConfig['network'] = {
      inputs,
      timeSteps: T,
      dtMs: 1,
      // Weight means chosen so both layers fire at a moderate rate (SRM integrates more per spike).
      layers:
        neuron === 'lif'
          ? [layer(12, cfgNeuron, rounding, td, 0.9), layer(4, cfgNeuron, rounding, td, 0.7)]
          : [layer(12, cfgNeuron, rounding, td, 0.2), layer(4, cfgNeuron, rounding, td, 0.1)],
    };
    const net = new Network(netConfig, 'f64');
    net.initialise(new Rng(neuron === 'lif' ? 17 : 18));
    // Some fractional parts straddle 0.5, so floor and nearest disagree on many synapses.
    const d0 = net.synapses[0]!.delays;
    let straddle = 0;
    for (const d of d0) if (Math.floor(d) !== Math.round(d)) straddle++;
    expect(straddle).toBeGreaterThan(10);

    const rng = new Rng(99);
    const input = Float64Array.from({ length: batch * T * inputs }, () => (rng.uniform() < 0.15 ? 1 : 0));
    const rec = net.forward(input, batch);

    let hiddenSpikes = 0;
    let outputSpikes = 0;
    for (let b = 0; b < batch; b++) {
      let spikes: ArrayLike<number> = input.subarray(b * T * inputs, (b + 1) * T * inputs);
      let fanIn = inputs;
      netConfig.layers.forEach((cfg, l) => {
        const syn = net.synapses[l]!;
        const current = ringBufferCurrent(spikes, T, fanIn, cfg.size, syn.weights, syn.delays, td, rounding);
        const neurons = makeNeurons(cfg.size, cfg.neuron, netConfig.dtMs, 'f64', 'heaviside');
        const out = neurons.forward(current, 1, T);
        const engine = rec.layers[l]!.neurons.spikes.subarray(b * T * cfg.size, (b + 1) * T * cfg.size);
        expect(Array.from(out.spikes), `layer ${l} sample ${b}`).toEqual(Array.from(engine));
        const count = sum(out.spikes);
        if (l === 0) hiddenSpikes += count;
        else outputSpikes += count;
        spikes = out.spikes;
        fanIn = cfg.size;
      });
    }
    // Both layers are active, so the comparison is not between two silent networks.
    expect(hiddenSpikes).toBeGreaterThan(30);
    expect(hiddenSpikes).toBeLessThan(0.5 * batch * T * 12);
    expect(outputSpikes).toBeGreaterThan(5);
    expect(outputSpikes).toBeLessThan(0.5 * batch * T * 4);
  });
});
