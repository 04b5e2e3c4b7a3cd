import { useId, useState } from 'react';
import type { RunEntry } from '../storage/runStore.ts';
import { appStore, useApp } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';
import { refreshRuns, runStore } from './useTraining.ts';

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`;
}

function RunRow({
  run,
  current,
  client,
}: {
  run: RunEntry;
  current: boolean;
  client: TrainingClient | null;
}) {
  const [name, setName] = useState(run.name);
  // After an error (a lost GPU device, diverged training) the open run can be reopened from its checkpoint.
  const failed = useApp((s) => s.run.status === 'error');
  const nameId = useId();
  const setMessage = useApp((s) => s.setRunsMessage);
  const last = run.history.at(-1);
  // The open run's row follows it live (the stored entry lags by up to a save interval).
  const liveEpoch = useApp((s) => (current && s.run.info?.runId === run.id ? s.run.epoch : null));
  const liveStatus = useApp((s) =>
    current && s.run.info?.runId === run.id && s.run.status !== 'loading' ? s.run.status : null,
  );
  const liveAccuracy = useApp((s) =>
    current && s.run.info?.runId === run.id ? (s.history.at(-1)?.testAccuracy ?? null) : null,
  );
  const compared = useApp((s) => s.compareIds.includes(run.id));
  const toggleCompare = useApp((s) => s.toggleCompare);
  const act = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
      setMessage(null);
    } catch (e) {
      setMessage(
        `Could not ${what}: ${e instanceof Error ? e.message : String(e)}. Nothing else was changed.`,
      );
    }
    await refreshRuns();
  };
  return (
    <tr data-testid="run-row" data-run-id={run.id} aria-current={current ? 'true' : undefined}>
      <td>
        <input
          type="checkbox"
          data-testid="compare-run"
          aria-label={`Compare ${run.name}`}
          checked={compared}
          onChange={() => toggleCompare(run.id)}
        />
      </td>
      <td>
        <label htmlFor={nameId} className="visually-hidden">
          Run name
        </label>
        <input
          id={nameId}
          className="run-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onBlur={() => {
            if (name.trim() && name !== run.name)
              void act('rename the run', () => runStore.rename(run.id, name.trim()));
          }}
        />
      </td>
      <td data-testid="run-epochs">
        {liveEpoch ?? run.epoch} / {run.config.training.epochs}
      </td>
      <td data-testid="run-state">{liveStatus === 'ready' ? 'paused' : (liveStatus ?? run.status)}</td>
      <td>{pct(liveAccuracy ?? last?.testAccuracy)}</td>
      <td>{run.engine.toUpperCase()}</td>
      <td className="actions">
        <button
          type="button"
          className="small"
          disabled={(current && !failed) || client === null}
          title={current && failed ? 'Reopen from the last stored checkpoint' : undefined}
          onClick={() => {
            const state = appStore.getState();
            state.setExperiment(run.config);
            client?.load(run.config, state.engineChoice, run.id);
          }}
        >
          Open
        </button>
        <button
          type="button"
          className="small"
          disabled={current}
          title={current ? 'Open another run first (the open run is saving here)' : undefined}
          onClick={() => {
            if (confirm(`Delete the run '${run.name}' and its checkpoint?`))
              void act('delete the run', () => runStore.delete(run.id));
          }}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}

/** Stored runs (IndexedDB): open (resume), rename, delete; export and import of the open run's model. */
export function RunsPanel({ client }: { client: TrainingClient | null }) {
  const runs = useApp((s) => s.storedRuns);
  const currentId = useApp((s) => s.run.info?.runId ?? null);
  const message = useApp((s) => s.runsMessage);
  const evaluated = useApp((s) => s.run.evaluated);
  const engine = useApp((s) => s.engineChoice);
  const ready = useApp(
    (s) => s.run.status !== 'loading' && s.run.status !== 'starting' && s.run.info !== null,
  );
  const importId = useId();
  return (
    <section className="panel" aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      <div className="run-actions">
        <button
          type="button"
          data-testid="export-model"
          disabled={!ready}
          onClick={() => client?.exportParameters('model')}
        >
          Export model
        </button>
        <button
          type="button"
          data-testid="export-delays-csv"
          disabled={!ready}
          onClick={() => client?.exportParameters('delayTableCsv')}
        >
          Delay table (CSV)
        </button>
        <button
          type="button"
          data-testid="export-delays-json"
          disabled={!ready}
          onClick={() => client?.exportParameters('delayTableJson')}
        >
          Delay table (JSON)
        </button>
        <button
          type="button"
          data-testid="export-nir"
          disabled={!ready}
          title="The network with its delays rounded as inference runs them, as a NIR graph (HDF5) for Lava, Norse, snnTorch and neuromorphic toolchains; LIF networks only"
          onClick={() => client?.exportParameters('nir')}
        >
          NIR graph
        </button>
        <input
          id={importId}
          type="file"
          accept=".json,application/json"
          data-testid="import-model"
          className="visually-hidden"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void file.text().then((text) => client?.importModel(text, file.name, engine));
          }}
        />
        <label htmlFor={importId} className="button-like">
          Import model…
        </label>
        <button type="button" data-testid="evaluate" disabled={!ready} onClick={() => client?.evaluate()}>
          Evaluate test split
        </button>
        {evaluated && (
          <span data-testid="evaluated" className="muted">
            step {evaluated.step}: test accuracy {pct(evaluated.accuracy)}
          </span>
        )}
      </div>
      {message && (
        <p role="alert" className="error" data-testid="runs-message">
          {message}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="muted">No stored runs yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data runs" data-testid="runs">
            <caption className="visually-hidden">Stored runs</caption>
            <thead>
              <tr>
                <th scope="col">
                  <abbr title="Pick two or more runs to compare their learning curves, delays and results">
                    Cmp
                  </abbr>
                </th>
                <th scope="col">Name</th>
                <th scope="col">Epoch</th>
                <th scope="col">Status</th>
                <th scope="col">Test</th>
                <th scope="col">Engine</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={`${r.id}:${r.name}`} run={r} current={r.id === currentId} client={client} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
