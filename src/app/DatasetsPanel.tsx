import { useEffect, useState, type DragEvent } from 'react';
import { DatasetJobLine, DatasetMessageLine, DatasetSources } from './DatasetSources.tsx';
import { DatasetPreviewFigure } from './DatasetPreview.tsx';
import { DatasetTable } from './DatasetTable.tsx';
import { datasetsController } from './datasets.ts';

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes('Files');
}

/**
 * The "Data sets" panel: the data sets stored in this browser, ways to add more (built-in
 * digits, files picked or dropped anywhere on the panel, a URL), progress, messages, preview.
 */
export function DatasetsPanel() {
  const controller = datasetsController();
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    void controller.refresh();
  }, [controller]);
  return (
    <section
      className={`panel datasets${dragging ? ' dragging' : ''}`}
      aria-labelledby="datasets-heading"
      data-testid="datasets-panel"
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget)))
          setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        void controller.importPicked(Array.from(e.dataTransfer.files));
      }}
    >
      <h2 id="datasets-heading">Data sets</h2>
      <p className="muted">
        Kept in this browser (IndexedDB): add a data set once, train on it many times, also offline.
      </p>
      <DatasetTable controller={controller} />
      <DatasetSources controller={controller} />
      <DatasetJobLine controller={controller} />
      <DatasetMessageLine />
      <DatasetPreviewFigure controller={controller} />
    </section>
  );
}
