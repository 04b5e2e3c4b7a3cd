import { useAddressBarState } from './addressBar.ts';
import { Controls } from './Controls.tsx';
import { DatasetsPanel } from './DatasetsPanel.tsx';
import { EnginePanel } from './EnginePanel.tsx';
import { ExperimentPanel } from './ExperimentPanel.tsx';
import { DelaysTable, FirstSpikesTable, RunNumbers, StatusLine } from './RunSummary.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { Views } from './Views.tsx';
import { useGpuProbe, useTrainingClient } from './useTraining.ts';
import { ClassroomBanner } from './ClassroomBanner.tsx';
import { useHidden } from './useClassroom.ts';

export function App() {
  const client = useTrainingClient();
  useGpuProbe();
  useAddressBarState();
  const hideRuns = useHidden('runs');
  const hideDatasets = useHidden('datasets');
  const hideEngine = useHidden('engine');
  return (
    <div className="app">
      <header className="app-header">
        <h1>Delay Lab</h1>
        <p className="tagline">
          Learning synaptic delays in spiking neural networks, live in your browser.{' '}
          <a href="./learn.html" data-testid="learn-link">
            Learn how delays compute
          </a>
        </p>
      </header>
      <ClassroomBanner />
      <main className="layout">
        <div className="side">
          <section className="panel run" aria-labelledby="run-heading">
            <h2 id="run-heading">Run</h2>
            <Controls client={client} />
            <StatusLine />
            <RunNumbers />
            <FirstSpikesTable />
            <DelaysTable />
          </section>
          <ExperimentPanel client={client} />
          {!hideRuns && <RunsPanel client={client} />}
          {!hideDatasets && <DatasetsPanel />}
          {!hideEngine && <EnginePanel />}
        </div>
        <Views client={client} />
      </main>
    </div>
  );
}
