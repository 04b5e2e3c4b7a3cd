import { asSentence } from './datasetText.ts';
import { useId, useState } from 'react';
import { useApp } from '../store/index.ts';
import type { DatasetsController } from './datasets.ts';

/** File types the picker offers (a hint: "All files" still lets any file through). */
const ACCEPT = '.gz,.idx,.ubyte,.idx1-ubyte,.idx3-ubyte,.h5,.hdf5';

/** Ways to add a data set: the built-in digits, files, a URL. */
export function DatasetSources({ controller }: { controller: DatasetsController }) {
  const busy = useApp((s) => s.datasets.job !== null);
  const [url, setUrl] = useState('');
  const fileId = useId();
  const urlId = useId();
  const hintId = useId();
  return (
    <div className="dataset-sources">
      <button type="button" className="primary" disabled={busy} onClick={() => void controller.addBuiltin()}>
        Add built-in MNIST (10,000 digits)
      </button>
      <div className="drop-zone">
        <label htmlFor={fileId}>
          Files: IDX (MNIST naming, gzip or not) or SHD / SSC .h5; pick or drop here
        </label>
        <input
          id={fileId}
          type="file"
          multiple
          accept={ACCEPT}
          disabled={busy}
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = '';
            void controller.importPicked(files);
          }}
        />
      </div>
      <form
        className="url-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void controller.importUrl(url);
        }}
      >
        <label htmlFor={urlId}>URL</label>
        <input
          id={urlId}
          type="url"
          value={url}
          placeholder="https://…/fashion-mnist/ or …/shd_train.h5"
          aria-describedby={hintId}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Download
        </button>
      </form>
      <p id={hintId} className="muted hint">
        A folder URL (ending in “/”) fetches the four MNIST-named files (train-images-idx3-ubyte.gz, …); the
        server must allow this page to read them (CORS).
      </p>
    </div>
  );
}

/** The running job: a progress bar (indeterminate when the size is unknown) and Cancel. */
export function DatasetJobLine({ controller }: { controller: DatasetsController }) {
  const job = useApp((s) => s.datasets.job);
  const labelId = useId();
  if (job === null) return null;
  const known = job.total !== null && job.total > 0;
  return (
    <div className="dataset-job">
      <progress
        key={known ? 'determinate' : 'indeterminate'}
        aria-labelledby={labelId}
        {...(known ? { value: Math.min(job.loaded, job.total!), max: job.total! } : {})}
      />
      <span id={labelId} className="job-label">
        {job.label}
      </span>
      {job.cancellable && (
        <button type="button" onClick={() => controller.cancel()}>
          Cancel
        </button>
      )}
    </div>
  );
}

/** The last outcome: an alert for errors, a status for the rest. */
export function DatasetMessageLine() {
  const message = useApp((s) => s.datasets.message);
  if (message === null) return null;
  return message.kind === 'error' ? (
    <p role="alert" className="error dataset-message" data-testid="dataset-message">
      {asSentence(message.text)}
    </p>
  ) : (
    <p role="status" className="dataset-message" data-testid="dataset-message">
      {asSentence(message.text)}
    </p>
  );
}
