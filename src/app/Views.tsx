import { create as createConfusion } from '../charts/confusionChart.ts';
import { create as createHistogram } from '../charts/histogramChart.ts';
import { create as createLearningCurves } from '../charts/learningCurves.ts';
import { create as createLossChart } from '../charts/lossChart.ts';
import { create as createMembraneTraces } from '../charts/membraneTraces.ts';
import { create as createReceptiveField } from '../charts/receptiveFieldChart.ts';
import { create as createGallery } from '../charts/sampleGallery.ts';
import { create as createRaster } from '../charts/spikeRaster.ts';
import { useApp } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';
import type { ViewSelection } from '../worker/protocol.ts';
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
  selectViews,
  weightHistogramData,
} from './viewData.ts';

function View({ title, note, children }: { title: string; note: string; children: React.ReactNode }) {
  return (
    <figure className="view">
      <figcaption>
        <h3>{title}</h3>
        <span className="muted">{note}</span>
      </figcaption>
      {children}
    </figure>
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

/** Every live view; each chart redraws from the store outside React. */
export function Views({ client }: { client: TrainingClient | null }) {
  const hasLabels = useApp((s) => s.run.info?.classes != null);
  const layers = useApp((s) => s.run.info?.config.network.layers.length ?? 0);
  return (
    <section className="panel charts" aria-labelledby="views-heading">
      <h2 id="views-heading">Live views</h2>
      <SelectionBar client={client} />
      <div className="view-grid">
        {hasLabels && (
          <View title="Learning curves" note="accuracy (%) and loss per epoch: train, validation, test">
            <D3Chart
              create={createLearningCurves}
              select={selectHistory}
              toData={learningData}
              testId="learning-chart"
              title="learning curves"
            />
          </View>
        )}
        <View title="Loss per step" note="training loss of every optimiser step (log scale)">
          <D3Chart
            create={createLossChart}
            select={selectLosses}
            toData={lossData}
            testId="loss-chart"
            title="loss per step"
          />
        </View>
        <View title="Output membrane traces" note="the shown sample; threshold dashed, spikes marked (ms)">
          <D3Chart
            create={createMembraneTraces}
            select={selectViews}
            toData={membraneData}
            testId="trace-chart"
            title="output membrane traces"
          />
        </View>
        {layers > 1 && (
          <View title="Hidden neuron membrane" note="the chosen hidden neuron on the shown sample (ms)">
            <D3Chart
              create={createMembraneTraces}
              select={selectViews}
              toData={hiddenMembraneData}
              testId="hidden-trace-chart"
              title="hidden membrane trace"
            />
          </View>
        )}
        <View title="Spike rasters" note="input, hidden and output spikes of the shown sample over time (ms)">
          <D3Chart
            create={createRaster}
            select={selectViews}
            toData={rasterData}
            testId="raster-chart"
            title="spike rasters"
            tall
          />
        </View>
        <View
          title="Delay histograms"
          note="every synapse's delay per layer (time steps); moves as delays train"
        >
          <D3Chart
            create={createHistogram}
            select={selectViews}
            toData={delayHistogramData}
            testId="delay-histogram"
            title="delay histograms"
          />
        </View>
        <View title="Weight histograms" note="every synapse's weight per layer">
          <D3Chart
            create={createHistogram}
            select={selectViews}
            toData={weightHistogramData}
            testId="weight-histogram"
            title="weight histograms"
          />
        </View>
        <View
          title="Receptive field: hidden neuron"
          note="input × delay of each synapse onto the chosen neuron; colour = weight sign"
        >
          <D3Chart
            create={createReceptiveField}
            select={selectViews}
            toData={hiddenFieldData}
            testId="hidden-field"
            title="hidden receptive field"
          />
        </View>
        {layers === 2 && (
          <View
            title="Receptive field: output neuron"
            note="hidden fields weighted by hidden→output weights, shifted by their delays"
          >
            <D3Chart
              create={createReceptiveField}
              select={selectViews}
              toData={outputFieldData}
              testId="output-field"
              title="output receptive field"
            />
          </View>
        )}
        {hasLabels && (
          <>
            <View
              title="Confusion matrix"
              note="test split after the latest epoch (last column: no output spike)"
            >
              <D3Chart
                create={createConfusion}
                select={selectTest}
                toData={confusionData}
                testId="confusion-chart"
                title="confusion matrix"
                tall
              />
            </View>
            <View title="Test samples" note="label → prediction of the first test samples">
              <D3Chart
                create={createGallery}
                select={selectTest}
                toData={galleryData}
                testId="sample-gallery"
                title="test samples"
              />
            </View>
          </>
        )}
      </div>
    </section>
  );
}
