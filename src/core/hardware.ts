import type { DelayTable } from './delayTable.ts';
import type { ExperimentConfig } from './experiment.ts';
import type { Option } from './options.ts';

/**
 * Neuromorphic hardware as named delay budgets: what integer delays a target can hold per
 * synapse. A delay table exported for a target is clamped into its range (or refused), and the
 * playground warns while a network is configured beyond it.
 */
export type HardwareTarget = 'unbounded' | 'loihi2' | 'spinnaker';

export const HARDWARE_TARGETS = [
  {
    value: 'unbounded',
    label: 'unbounded',
    help: 'Any integer delay the ring buffer holds (0 to Td - 1 steps).',
  },
  {
    value: 'loihi2',
    label: 'Loihi 2',
    help: 'Intel Loihi 2: synaptic delays are integers of 0 to 62 time steps (6 bits).',
  },
  {
    value: 'spinnaker',
    label: 'SpiNNaker',
    help: 'SpiNNaker: 16 delay slots per core, so delays of 0 to 15 time steps without delay extensions.',
  },
] as const satisfies readonly Option<HardwareTarget>[];

/** The largest integer delay (time steps) a target holds; null when unbounded. */
export function targetMaxDelay(target: HardwareTarget): number | null {
  switch (target) {
    case 'unbounded':
      return null;
    case 'loihi2':
      return 62;
    case 'spinnaker':
      return 15;
  }
}

function targetName(target: HardwareTarget): string {
  return HARDWARE_TARGETS.find((t) => t.value === target)!.label;
}

/**
 * What a config asks beyond a target: one line per layer whose delays can exceed the target's
 * largest delay (its Td - 1 is larger). Empty when everything fits.
 */
export function hardwareWarnings(config: ExperimentConfig, target: HardwareTarget): string[] {
  const max = targetMaxDelay(target);
  if (max === null) return [];
  return config.network.layers.flatMap((l, i) => {
    const reach = l.kernel.maxDelay - 1;
    return reach > max
      ? [
          `layer ${i}: delays reach Td - 1 = ${reach} steps (${reach * config.network.dtMs} ms), ${targetName(target)} holds 0 to ${max}; an export for it clamps longer delays to ${max} (set Td to ${max + 1} to train within it)`,
        ]
      : [];
  });
}

/** A delay table fitted to a target: delays above its largest clamped, with how many were. */
export interface FittedTable {
  table: DelayTable;
  /** Per layer, synapses whose delay was clamped (of weight 0 not counted: absent synapses carry no spike). */
  clamped: number[];
}

/** The table with every delay above the target's largest set to it (the rest unchanged). */
export function fitDelayTable(table: DelayTable, target: HardwareTarget): FittedTable {
  const max = targetMaxDelay(target);
  if (max === null) return { table, clamped: table.layers.map(() => 0) };
  const clamped: number[] = [];
  const layers = table.layers.map((layer) => {
    let n = 0;
    const delays = layer.delays.map((row, post) =>
      row.map((d, pre) => {
        if (d <= max) return d;
        if (layer.weights[post]![pre] !== 0) n++;
        return max;
      }),
    );
    clamped.push(n);
    return { ...layer, maxDelay: Math.min(layer.maxDelay, max + 1), delays };
  });
  return { table: { ...table, layers }, clamped };
}
