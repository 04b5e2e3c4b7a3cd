import type { DatasetEntry } from '../storage/datasetStore.ts';
import { useApp } from '../store/index.ts';
import type { DatasetsController } from './datasets.ts';

const count = (n: number): string => n.toLocaleString('en-US');

/** What a data set holds, e.g. "28x28 images" or "700 channels, spike events". */
export function describeContents(e: DatasetEntry): string {
  return e.kind === 'events' ? `${e.shape}, spike events` : e.shape;
}

/** Where it came from, short; the full text goes into a tooltip. */
export function describeSource(e: DatasetEntry): string {
  const s = e.source;
  if (s.kind === 'builtin') return 'built-in';
  if (s.kind === 'url') return s.url;
  if (s.kind === 'generated') return `generated (${s.generator}, seed ${s.seed})`;
  const [first, ...rest] = s.names;
  return `files: ${first ?? ''}${rest.length > 0 ? ` +${rest.length} more` : ''}`;
}

function sourceTitle(e: DatasetEntry): string {
  return e.source.kind === 'files' ? e.source.names.join('\n') : describeSource(e);
}

/** Local date and time, minutes; "unknown" for the epoch (an index rebuilt from the data). */
export function formatSaved(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getTime() === 0) return 'unknown';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function DatasetRow({ entry: e, controller }: { entry: DatasetEntry; controller: DatasetsController }) {
  return (
    <tr data-dataset-id={e.id}>
      <th scope="row">
        <span className="ds-name">{e.name}</span>
        <span className="ds-meta">
          {describeContents(e)} · <span title={sourceTitle(e)}>{describeSource(e)}</span> · saved{' '}
          <time dateTime={e.savedAt}>{formatSaved(e.savedAt)}</time>
        </span>
      </th>
      <td>
        {count(e.trainCount)} / {count(e.testCount)}
      </td>
      <td>{e.classes}</td>
      <td>{(e.bytes / 1e6).toFixed(1)}</td>
      <td className="ds-actions">
        <button type="button" aria-label={`Preview ${e.name}`} onClick={() => void controller.preview(e.id)}>
          Preview
        </button>
        <button type="button" aria-label={`Delete ${e.name}`} onClick={() => void controller.remove(e.id)}>
          Delete
        </button>
      </td>
    </tr>
  );
}

/** The stored data sets. */
export function DatasetTable({ controller }: { controller: DatasetsController }) {
  const entries = useApp((s) => s.datasets.entries);
  const listed = useApp((s) => s.datasets.listed);
  if (!listed) return <p className="muted">Reading the stored data sets…</p>;
  if (entries.length === 0) {
    return (
      <p className="muted" data-testid="datasets-empty">
        No data sets stored yet: add the built-in digits, pick or drop files, or download from a URL.
      </p>
    );
  }
  return (
    <div className="table-scroll">
      <table className="data datasets-table">
        <caption>Stored in this browser</caption>
        <thead>
          <tr>
            <th scope="col">Data set</th>
            <th scope="col">Train / test</th>
            <th scope="col">Classes</th>
            <th scope="col">MB</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <DatasetRow key={e.id} entry={e} controller={controller} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
