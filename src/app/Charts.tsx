import { create as createLossChart, type LossChartData } from '../charts/lossChart.ts';
import { create as createTraceChart, type TraceChartData } from '../charts/traceChart.ts';
import type { Metrics } from '../store/index.ts';
import { D3Chart } from './D3Chart.tsx';

const lossData = (m: Metrics): LossChartData => ({ losses: m.losses, totalSteps: m.totalSteps });

const traceData = (m: Metrics): TraceChartData => ({
  membrane: m.membrane,
  timeSteps: m.timeSteps,
  outputs: m.outputs,
  threshold: m.threshold,
  targetTimes: m.targetTimes,
  firstSpikes: m.firstSpikes,
  inputTimes: m.inputTimes,
});

export function Charts() {
  return (
    <section className="panel charts" aria-labelledby="charts-heading">
      <h2 id="charts-heading" className="visually-hidden">
        Charts
      </h2>
      <figure>
        <figcaption>
          <h3>Loss</h3>
          <span className="muted">first-spike-time loss of the one training sample, per optimiser step</span>
        </figcaption>
        <D3Chart create={createLossChart} toData={lossData} testId="loss-chart" />
      </figure>
      <figure>
        <figcaption>
          <h3>Output membrane traces</h3>
          <span className="muted">
            sample 0 after the latest step; the outputs should first cross the threshold at their targets
          </span>
        </figcaption>
        <D3Chart create={createTraceChart} toData={traceData} testId="trace-chart" />
      </figure>
    </section>
  );
}
