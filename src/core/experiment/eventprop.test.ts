import { describe, expect, it } from 'vitest';
import { PRESETS } from '../presets.ts';
import { ConfigError, formatConfigPath, validateExperiment } from '../experiment.ts';

/** A mutable JSON copy of a preset. */
function raw(name: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(PRESETS[name])) as Record<string, unknown>;
}

/** "path: message" of every problem the config is rejected with. */
function problemsOf(value: unknown): string[] {
  try {
    validateExperiment(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${formatConfigPath(p.path)}: ${p.message}`);
  }
  throw new Error('config was accepted');
}

type Json = Record<string, unknown>;
const layers = (c: Json) => (c['network'] as Json)['layers'] as Json[];
const neuron = (c: Json, l: number) => layers(c)[l]!['neuron'] as Json;

describe('training.method and the eventprop section', () => {
  it('a config from before training.method (files, links, checkpoints) reads as BPTT with no eventprop section', () => {
    const c = raw('patterns');
    delete (c['training'] as Json)['method'];
    delete c['eventprop'];
    const v = validateExperiment(c);
    expect(v.training.method).toBe('bptt');
    expect(v.eventprop).toBeNull();
  });

  it('an unknown method, and eventprop without its section', () => {
    const c = raw('patterns');
    (c['training'] as Json)['method'] = 'evenprop';
    expect(problemsOf(c).join('\n')).toMatch(/training\.method.*expected one of bptt, eventprop/);
    (c['training'] as Json)['method'] = 'eventprop';
    expect(problemsOf(c).join('\n')).toMatch(/eventprop.*needs an eventprop section/);
  });

  it("names each field EventProp's model cannot take", () => {
    const c = raw('eventprop-yinyang');
    neuron(c, 0)['reset'] = 'soft';
    neuron(c, 1)['tauMs'] = 10;
    neuron(c, 1)['spiking'] = false;
    const all = problemsOf(c).join('\n');
    expect(all).toMatch(/layers\[0\]\.neuron\.reset.*resets the membrane to 0/);
    expect(all).toMatch(/layers\[1\]\.neuron\.tauMs.*equal to layer 0's \(20 ms\)/);
    expect(all).toMatch(/layers\[1\]\.neuron\.spiking.*firstSpike loss reads output spikes/);

    const shd = raw('eventprop-shd');
    neuron(shd, 1)['spiking'] = true;
    (shd['eventprop'] as Json)['tauSynMs'] = 20;
    const shdProblems = problemsOf(shd).join('\n');
    expect(shdProblems).toMatch(/layers\[1\]\.neuron\.spiking.*voltageSum loss reads a non-spiking readout/);
    expect(shdProblems).toMatch(/eventprop\.tauSynMs.*must differ from layer 0's tauMs/);

    const srm = raw('eventprop-yinyang');
    layers(srm)[0]!['neuron'] = neuron(raw('delay-only-mnist'), 0);
    expect(problemsOf(srm).join('\n')).toMatch(/layers\[0\]\.neuron\.model.*LIF with a synaptic current/);
  });

  it('a bad eventprop loss, and an eventprop section on a BPTT run (kept, unused)', () => {
    const c = raw('eventprop-yinyang');
    (c['eventprop'] as Json)['loss'] = { kind: 'firstSpike', tau0Ms: 0, tau1Ms: 6.4 };
    const all = problemsOf(c).join('\n');
    expect(all).toMatch(/eventprop\.loss\.tau0Ms.*must be > 0/);
    expect(all).toMatch(/eventprop\.loss\.alpha/);
    const bptt = raw('eventprop-yinyang');
    (bptt['training'] as Json)['method'] = 'bptt';
    expect(validateExperiment(bptt).eventprop).toEqual(PRESETS['eventprop-yinyang']!.eventprop);
  });
});
