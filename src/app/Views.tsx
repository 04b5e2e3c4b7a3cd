import { RunComparison } from './RunComparison.tsx';
import { FieldComparisonPanel } from './FieldComparison.tsx';
import { create as createConfusion } from '../charts/confusionChart.ts';
import { create as createHistogram } from '../charts/histogramChart.ts';
import { create as createLearningCurves } from '../charts/learningCurves.ts';
import { create as createLossChart } from '../charts/lossChart.ts';
import { create as createMembraneTraces } from '../charts/membraneTraces.ts';
import { create as createNetworkPicture } from '../charts/networkPicture.ts';
import { create as createReceptiveField } from '../charts/receptiveFieldChart.ts';
import { create as createGallery } from '../charts/sampleGallery.ts';
import { create as createRaster } from '../charts/spikeRaster.ts';
import type { Chart } from '../charts/common.ts';
import { useApp, type AppState } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';
import { LIVE_MORAN_PERMUTATIONS, type ViewSelection } from '../worker/protocol.ts';
import { D3Chart } from './D3Chart.tsx';
import { NumberField } from './fields.tsx';
import {
  confusionData,
  delayHistogramData,
  galleryData,
  hiddenFieldData,
  hiddenMembraneData,
  learningData,
  lossData,
  membraneData,
  outputFieldData,
  rasterData,
  selectHistory,
  selectLosses,
  selectTest,
  networkPictureData,
  neverPredictedData,
  selectViews,
  weightHistogramData,
} from './viewData.ts';

/** When a view applies to the loaded run. */
interface RunShape {
  labelled: boolean;
  layers: number;
}

/** One live view: a d3 chart fed from the store, with its caption. */
interface ViewSpec {
  testId: string;
  title: string;
  note: string;
  shows: (run: RunShape) => boolean;
  render: (title: string, testId: string) => React.ReactNode;
}

/** Ties a chart to its store source with the types checked, then forgets the types for the list. */
function view<S, D>(spec: {
  testId: string;
  title: string;
  note: string;
  shows?: (run: RunShape) => boolean;
  create: (el: HTMLElement) => Chart<D>;
  select: (state: AppState) => S;
  toData: (source: S, state: AppState) => D | null;
  summary?: (data: D) => string;
  tall?: boolean;
}): ViewSpec {
  const { create, select, toData, summary, tall = false } = spec;
  return {
    testId: spec.testId,
    title: spec.title,
    note: spec.note,
    shows: spec.shows ?? (() => true),
    render: (title, testId) => (
      <D3Chart
        create={create}
        select={select}
        toData={toData}
        testId={testId}
        title={title}
        tall={tall}
        {...(summary ? { summary } : {})}
      />
    ),
  };
}

const labelled = (r: RunShape): boolean => r.labelled;

const VIEWS: ViewSpec[] = [
  view({
    testId: 'network-picture',
    title: 'Network',
    note: 'synapses coloured by weight and bowed by delay (small networks); sizes otherwise',
    create: createNetworkPicture,
    select: selectViews,
    toData: networkPictureData,
  }),
  view({
    testId: 'learning-chart',
    title: 'Learning curves',
    note: 'accuracy (%) and loss per epoch: train, validation, test',
    shows: labelled,
    create: createLearningCurves,
    select: selectHistory,
    toData: learningData,
  }),
  view({
    testId: 'loss-chart',
    title: 'Loss per step',
    note: 'training loss of every optimiser step (log scale)',
    create: createLossChart,
    select: selectLosses,
    toData: lossData,
    summary: (d) => `${d.losses.length} steps`,
  }),
  view({
    testId: 'trace-chart',
    title: 'Output membrane traces',
    note: 'the shown sample; threshold dashed, spikes marked (ms)',
    create: createMembraneTraces,
    select: selectViews,
    toData: membraneData,
  }),
  view({
    testId: 'hidden-trace-chart',
    title: 'Hidden neuron membrane',
    note: 'the chosen hidden neuron on the shown sample (ms)',
    shows: (r) => r.layers > 1,
    create: createMembraneTraces,
    select: selectViews,
    toData: hiddenMembraneData,
  }),
  view({
    testId: 'raster-chart',
    title: 'Spike rasters',
    note: 'input, hidden and output spikes of the shown sample over time (ms)',
    create: createRaster,
    select: selectViews,
    toData: rasterData,
    tall: true,
  }),
  view({
    testId: 'delay-histogram',
    title: 'Delay histograms',
    note: "every synapse's delay per layer (time steps); moves as delays train",
    create: createHistogram,
    select: selectViews,
    toData: delayHistogramData,
  }),
  view({
    testId: 'weight-histogram',
    title: 'Weight histograms',
    note: "every synapse's weight per layer",
    create: createHistogram,
    select: selectViews,
    toData: weightHistogramData,
  }),
  view({
    testId: 'hidden-field',
    title: 'Receptive field: hidden neuron',
    note: 'input × delay of each synapse onto the chosen neuron; colour = weight sign',
    shows: (r) => r.layers > 1,
    create: createReceptiveField,
    select: selectViews,
    toData: hiddenFieldData,
  }),
  // A network without a hidden layer (the toy): the same field, onto the chosen output neuron.
  view({
    testId: 'input-field',
    title: 'Receptive field: output neuron',
    note: 'input × delay of each synapse onto the chosen output neuron; colour = weight sign',
    shows: (r) => r.layers === 1,
    create: createReceptiveField,
    select: selectViews,
    toData: hiddenFieldData,
  }),
  view({
    testId: 'output-field',
    title: 'Receptive field: output neuron',
    note: 'hidden fields weighted by hidden→output weights, shifted by their delays',
    shows: (r) => r.layers === 2,
    create: createReceptiveField,
    select: selectViews,
    toData: outputFieldData,
  }),
  view({
    testId: 'confusion-chart',
    title: 'Confusion matrix',
    note: 'test split after the latest epoch (last column: no output spike)',
    shows: labelled,
    create: createConfusion,
    select: selectTest,
    toData: confusionData,
    tall: true,
  }),
  view({
    testId: 'sample-gallery',
    title: 'Test samples',
    note: 'label → prediction of the first test samples',
    shows: labelled,
    create: createGallery,
    select: selectTest,
    toData: galleryData,
  }),
];

/** The chosen output neuron's receptive-field autocorrelation (Moran's I), live. */
function FieldMoranLine() {
  const field = useApp((s) => s.views?.outputField ?? null);
  if (!field) return null;
  return (
    <p className="structure-line" data-testid="output-field-morans">
      <strong>Receptive field of output {field.neuron}</strong>: Moran’s I{' '}
      {field.moransI === null ? 'undefined (a constant field)' : field.moransI.toFixed(4)}{' '}
      <span className="muted">
        (queen’s case, the maximum over {LIVE_MORAN_PERMUTATIONS} random input orders; 0 for no spatial
        structure, trained fields score higher: see delaylab analyze)
      </span>
    </p>
  );
}

/**
 * Classes no test sample was predicted as after the latest epoch (recall 0). Early in a run
 * that is common; if it lasts, the class's output neuron has usually fallen silent, far below
 * threshold where the surrogate gradient cannot bring it back.
 */
function NeverPredictedLine() {
  const report = useApp(selectTest);
  const classNames = useApp((s) => s.run.info?.classNames);
  const found = neverPredictedData(report, classNames);
  if (!found) return null;
  const one = found.classes.length === 1;
  return (
    <p className="structure-line class-warning" role="status" data-testid="never-predicted">
      <strong>
        Never predicted after epoch {found.epoch}: class{one ? '' : 'es'}{' '}
        {found.classes.map((c) => `${c.label} (${c.samples.toLocaleString('en')} test samples)`).join(', ')}
      </strong>{' '}
      <span className="muted">
        recall 0. If that lasts, {one ? 'its output neuron has' : 'their output neurons have'} probably fallen
        silent: the confusion matrix&apos;s last column counts samples with no output spike, and delaylab
        export RUN --format readouts lists outputs that never spike.
      </span>
    </p>
  );
}

/** Rewired layers: active synapses (fixed by DEEP R / RigL) and the last step's pruning and regrowth. */
function StructureLine() {
  const structure = useApp((s) => s.views?.structure ?? null);
  const step = useApp((s) => s.views?.step ?? 0);
  if (!structure) return null;
  return (
    <p className="structure-line" data-testid="active-synapses" data-active={structure.active.join(' ')}>
      <strong>Active synapses</strong> (step {step}):{' '}
      {structure.active.map((active, l) => {
        const last = structure.lastStep[l];
        return (
          <span key={l}>
            {l > 0 && '; '}
            layer {l + 1}: {active.toLocaleString('en')} of {structure.total[l]!.toLocaleString('en')}
            {last &&
              ` (last step: ${last.pruned} dormant, ${last.regrown} regrown; ${structure.regrownSoFar[l]} regrown since opened)`}
          </span>
        );
      })}
    </p>
  );
}

/** Which sample and neurons the views show (sent to the worker, which recomputes the views). */
function SelectionBar({ client }: { client: TrainingClient | null }) {
  const selection = useApp((s) => s.views?.selection ?? null);
  const info = useApp((s) => s.run.info);
  if (!selection || !info) return null;
  const layers = info.config.network.layers;
  const choose =
    (patch: Partial<ViewSelection>) =>
    (v: number | null): boolean => {
      if (v === null || v < 0) return false;
      client?.select({ ...selection, ...patch });
      return true;
    };
  const shownSplit = info.splits.test > 0 ? 'test' : info.splits.validation > 0 ? 'validation' : 'training';
  return (
    <div className="selection-bar" role="group" aria-label="What the views show">
      <NumberField
        label={`Sample (${shownSplit})`}
        integer
        testId="view-sample"
        value={selection.sample}
        onCommit={(v) => choose({ sample: v ?? 0 })(v)}
      />
      {layers.length > 1 && (
        <NumberField
          label={`Hidden neuron (0–${layers[0]!.size - 1})`}
          integer
          testId="view-hidden"
          value={selection.hiddenNeuron}
          onCommit={(v) => choose({ hiddenNeuron: v ?? 0 })(v)}
        />
      )}
      <NumberField
        label={`Output neuron (0–${layers.at(-1)!.size - 1})`}
        integer
        testId="view-output"
        value={selection.outputNeuron}
        onCommit={(v) => choose({ outputNeuron: v ?? 0 })(v)}
      />
    </div>
  );
}

/** Every live view a classroom link can hide: id and title. */
export const VIEW_ITEMS: readonly { id: string; label: string }[] = VIEWS.map((v) => ({
  id: v.testId,
  label: v.title,
}));

/** Every live view that applies to the loaded run; each chart redraws from the store outside React. */
export function Views({ client }: { client: TrainingClient | null }) {
  const labelledRun = useApp((s) => s.run.info?.classes != null);
  const layers = useApp((s) => s.run.info?.config.network.layers.length ?? 0);
  const shape: RunShape = { labelled: labelledRun, layers };
  const hidden = useApp((s) => s.classroom.hide);
  return (
    <section className="panel charts" aria-labelledby="views-heading">
      {!hidden.includes('run-comparison') && <RunComparison />}
      <h2 id="views-heading">Live views</h2>
      <SelectionBar client={client} />
      <StructureLine />
      <FieldMoranLine />
      {labelledRun && <NeverPredictedLine />}
      {!hidden.includes('field-comparison') && <FieldComparisonPanel client={client} />}
      <div className="view-grid">
        {VIEWS.filter((v) => v.shows(shape) && !hidden.includes(v.testId)).map((v) => (
          <figure className="view" key={v.testId}>
            <figcaption>
              <h3>{v.title}</h3>
              <span className="muted">{v.note}</span>
            </figcaption>
            {v.render(v.title.toLowerCase(), v.testId)}
          </figure>
        ))}
      </div>
    </section>
  );
}
