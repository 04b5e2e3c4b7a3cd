import { useEffect, useRef } from 'react';
import { create as createPreview } from '../charts/datasetPreview.ts';
import { useApp, type PreviewData } from '../store/index.ts';
import type { DatasetsController } from './datasets.ts';

function PreviewCanvas({ data }: { data: PreviewData }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = createPreview(el);
    chart.update(data);
    return () => chart.destroy();
  }, [data]);
  return <div ref={host} className="preview-host" />;
}

function caption(data: PreviewData): string {
  if (data.kind === 'images') return `the first ${data.count} training images and their labels`;
  if (data.kind === 'events') return `spike raster of the first training sample (label ${data.label})`;
  return `the first ${data.labels.length} training points, coloured by class`;
}

/** The previewed data set (read back from storage). */
export function DatasetPreviewFigure({ controller }: { controller: DatasetsController }) {
  const preview = useApp((s) => s.datasets.preview);
  if (preview === null) return null;
  return (
    <figure className="dataset-preview" data-testid="dataset-preview" aria-busy={preview.data === null}>
      <figcaption>
        <h3>Preview: {preview.name}</h3>
        <span className="muted">{preview.data ? caption(preview.data) : 'reading it from storage…'}</span>
        <button type="button" className="close" onClick={() => controller.closePreview()}>
          Close preview
        </button>
      </figcaption>
      {preview.data && <PreviewCanvas data={preview.data} />}
    </figure>
  );
}
