import { delayTableCsv, delayTableJson } from '../core/delayTable.ts';
import { encodeModel, modelFromTrainer } from '../core/modelFile.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import type { Trainer } from '../core/trainer.ts';
import type { ExportKind, FromWorker } from './protocol.ts';

/**
 * The file a user exports from the current parameters (call after the engine's sync): the model
 * JSON (config, parameters, the last epoch's metrics) or the quantised delay table.
 */
export function exportFile(
  model: Trainer,
  what: ExportKind,
  dataset: string | null,
  lastEpoch: EpochRecord | undefined,
): Extract<FromWorker, { type: 'export' }> {
  const config = model.config;
  const base = `${config.name}-seed${config.seed}-step${model.step}`;
  if (what === 'model') {
    const text = encodeModel(
      modelFromTrainer(model, { dataset, ...(lastEpoch ? { metrics: lastEpoch } : {}) }),
    );
    return { type: 'export', what, fileName: `${base}.model.json`, mime: 'application/json', text };
  }
  if (what === 'delayTableJson') {
    const text = delayTableJson(config, model.net.synapses);
    return { type: 'export', what, fileName: `${base}.delays.json`, mime: 'application/json', text };
  }
  const text = delayTableCsv(config, model.net.synapses);
  return { type: 'export', what, fileName: `${base}.delays.csv`, mime: 'text/csv', text };
}
