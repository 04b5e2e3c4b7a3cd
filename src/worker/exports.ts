import { buildDelayTable, delayTableCsv, delayTableJson } from '../core/delayTable.ts';
import { encodeModel, modelFromTrainer } from '../core/modelFile.ts';
import { NirExportError, nirGraphFromTable } from '../core/nir/graph.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import type { Trainer } from '../core/trainer.ts';
import { writeNirFile } from '../io/nirFile.ts';
import type { ExportKind, FromWorker } from './protocol.ts';

/**
 * The file a user exports from the current parameters (call after the engine's sync): the model
 * JSON (config, parameters, the last epoch's metrics), the quantised delay table, or the NIR
 * graph of the quantised network (HDF5; core/nir/graph.ts). A network NIR cannot express (SRM
 * neurons, a soft reset) is refused with the reason, as a notice.
 */
export async function exportFile(
  model: Trainer,
  what: ExportKind,
  dataset: string | null,
  lastEpoch: EpochRecord | undefined,
): Promise<Extract<FromWorker, { type: 'export' }>> {
  const config = model.config;
  const base = `${config.name}-seed${config.seed}-step${model.step}`;
  if (what === 'model') {
    const data = encodeModel(
      modelFromTrainer(model, { dataset, ...(lastEpoch ? { metrics: lastEpoch } : {}) }),
    );
    return { type: 'export', what, fileName: `${base}.model.json`, mime: 'application/json', data };
  }
  if (what === 'delayTableJson') {
    const data = delayTableJson(config, model.net.denseParameters());
    return { type: 'export', what, fileName: `${base}.delays.json`, mime: 'application/json', data };
  }
  if (what === 'nir') {
    let graph;
    try {
      graph = nirGraphFromTable(config, buildDelayTable(config, model.net.denseParameters()), {
        source: `playground, step ${model.step}`,
        target: 'unbounded',
      }).graph;
    } catch (e) {
      if (e instanceof NirExportError) throw new Error(`NIR export: ${e.message}`, { cause: e });
      throw e;
    }
    const data = new Uint8Array(await writeNirFile(graph)); // its own ArrayBuffer, transferred
    return { type: 'export', what, fileName: `${base}.nir`, mime: 'application/x-hdf5', data };
  }
  const data = delayTableCsv(config, model.net.denseParameters());
  return { type: 'export', what, fileName: `${base}.delays.csv`, mime: 'text/csv', data };
}
