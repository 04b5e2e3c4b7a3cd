import { useApp } from '../store/index.ts';
import { Charts } from './Charts.tsx';
import { Controls } from './Controls.tsx';
import { DatasetsPanel } from './DatasetsPanel.tsx';
import { EnginePanel } from './EnginePanel.tsx';
import { DelaysTable, FirstSpikesTable, RunNumbers, StatusLine } from './RunSummary.tsx';
import { useGpuProbe, useTrainingClient } from './useTraining.ts';

function TaskDescription() {
  const description = useApp((s) => s.run.info?.description);
  return (
    <p className="task-description" data-testid="task-description">
      {description ?? 'Loading the toy task…'}
    </p>
  );
}

export function App() {
  const client = useTrainingClient();
  useGpuProbe();
  return (
    <div className="app">
      <header className="app-header">
        <h1>Delay Lab</h1>
        <p className="tagline">Learning synaptic delays in spiking neural networks, live in your browser.</p>
      </header>
      <main className="layout">
        <div className="side">
          <section className="panel run" aria-labelledby="toy-heading">
            <h2 id="toy-heading">Toy task: learn delays, 3 inputs → 2 outputs</h2>
            <TaskDescription />
            <Controls client={client} />
            <StatusLine />
            <RunNumbers />
            <FirstSpikesTable />
            <DelaysTable />
          </section>
          <DatasetsPanel />
          <EnginePanel />
        </div>
        <Charts />
      </main>
    </div>
  );
}
