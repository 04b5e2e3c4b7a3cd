import {
  compareTrainedUntrained,
  fieldProblem,
  outputFieldMoransI,
} from '../core/analysis/fieldStatistics.ts';
import { initialParameters, type Trainer } from '../core/trainer.ts';
import { LIVE_MORAN_PERMUTATIONS, type FieldComparison } from './protocol.ts';

/**
 * The playground's trained-vs-untrained comparison of one run: each output neuron's receptive
 * field Moran's I now and at the seed's initialisation (the same row orders for both), pooled
 * into a Mann-Whitney U test. `onProgress` gets fields done of total (trained, then untrained).
 */
export function compareFields(
  model: Trainer,
  onProgress: (done: number, total: number) => void,
  permutations = LIVE_MORAN_PERMUTATIONS,
): FieldComparison {
  const config = model.config;
  const base = { step: model.step, permutations, trained: [], untrained: [], result: null };
  const problem = fieldProblem(config);
  if (problem) return { ...base, problem };
  const outputs = config.network.layers[1]!.size;
  const parameters = { layers: model.net.denseParameters() };
  const trained = outputFieldMoransI(config, parameters, {
    permutations,
    onField: (done) => onProgress(done, 2 * outputs),
  });
  const untrained = outputFieldMoransI(
    config,
    { layers: initialParameters(config) },
    { permutations, onField: (done) => onProgress(outputs + done, 2 * outputs) },
  );
  try {
    return {
      ...base,
      trained,
      untrained,
      result: compareTrainedUntrained(trained, untrained),
      problem: null,
    };
  } catch (e) {
    return { ...base, trained, untrained, problem: e instanceof Error ? e.message : String(e) };
  }
}
