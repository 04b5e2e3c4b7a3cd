import { axisBottom, axisLeft, extent, line, scaleLinear } from 'd3';
import { createFrame, drawLegend, outputColour, type Chart, type LegendItem } from './common.ts';

export interface TraceChartData {
  /** Membrane potential [time][outputs] of one sample. */
  membrane: Float32Array;
  timeSteps: number;
  outputs: number;
  threshold: number;
  /** Target first-spike step of each output. */
  targetTimes: readonly number[];
  /** First spike step of each output (-1 = silent). */
  firstSpikes: readonly number[];
  /** Steps at which the inputs spike. */
  inputTimes: readonly number[];
}

/** Membrane traces of the output neurons over time steps, threshold and target steps. */
export function create(el: HTMLElement): Chart<TraceChartData> {
  const frame = createFrame(
    el,
    'Output membrane potential over time steps, with threshold and target spike steps',
    'time step',
    'membrane potential',
  );
  const { plot, width, height } = frame;
  const guides = plot.append('g').attr('class', 'guides');
  const traces = plot.append('g').attr('class', 'traces');
  const marks = plot.append('g').attr('class', 'marks');
  let legendOutputs = -1;

  return {
    update(data) {
      const { membrane, timeSteps: T, outputs: n, threshold } = data;
      if (legendOutputs !== n) {
        legendOutputs = n;
        const items: LegendItem[] = [];
        for (let j = 0; j < n; j++)
          items.push({ label: `output ${j + 1}`, colour: outputColour(j), mark: 'line' });
        items.push({ label: 'threshold', colour: '#555', mark: 'dashed' });
        items.push({ label: 'target step', colour: '#555', mark: 'dotted' });
        items.push({ label: 'first spike', colour: '#555', mark: 'dot' });
        drawLegend(frame, items);
      }
      const x = scaleLinear()
        .domain([0, Math.max(1, T - 1)])
        .range([0, width]);
      const [lo = 0, hi = threshold] = extent(membrane);
      const y = scaleLinear()
        .domain([Math.min(0, lo), 1.15 * Math.max(1.2 * threshold, hi)])
        .range([height, 0])
        .nice();
      plot.select<SVGGElement>('g.x-axis').call(axisBottom(x).ticks(10));
      plot.select<SVGGElement>('g.y-axis').call(axisLeft(y).ticks(5));

      // Threshold, target steps and input spike ticks.
      guides
        .selectAll('line.threshold')
        .data([threshold])
        .join('line')
        .attr('class', 'threshold')
        .attr('x1', 0)
        .attr('x2', width)
        .attr('y1', (v) => y(v))
        .attr('y2', (v) => y(v))
        .attr('stroke', '#555')
        .attr('stroke-dasharray', '6 4');
      guides
        .selectAll('line.target')
        .data(data.targetTimes)
        .join('line')
        .attr('class', 'target')
        .attr('x1', (t) => x(t))
        .attr('x2', (t) => x(t))
        .attr('y1', 0)
        .attr('y2', height)
        .attr('stroke', (_, j) => outputColour(j))
        .attr('stroke-dasharray', '2 3')
        .attr('stroke-width', 1.5);
      guides
        .selectAll('text.target-label')
        .data(data.targetTimes)
        .join('text')
        .attr('class', 'target-label')
        .attr('x', (t) => x(t) + 3)
        .attr('y', 10)
        .attr('fill', (_, j) => outputColour(j))
        .text((t) => `target ${t}`);
      guides
        .selectAll('path.input-tick')
        .data(data.inputTimes)
        .join('path')
        .attr('class', 'input-tick')
        .attr('d', (t) => `M${x(t)},${height} l-4,-8 h8 z`)
        .attr('fill', '#888')
        .selectAll('title')
        .data((t) => [t])
        .join('title')
        .text((t) => `input spike at step ${t}`);

      const series = Array.from({ length: n }, (_, j) =>
        Array.from({ length: T }, (_, t) => membrane[t * n + j] ?? 0),
      );
      const toPath = line<number>()
        .x((_, t) => x(t))
        .y((v) => y(v));
      traces
        .selectAll('path.trace')
        .data(series)
        .join('path')
        .attr('class', (_, j) => `trace trace-${j + 1}`)
        .attr('fill', 'none')
        .attr('stroke', (_, j) => outputColour(j))
        .attr('stroke-width', 1.8)
        .attr('d', (s) => toPath(s));

      const spikes = data.firstSpikes.flatMap((t, j) => (t >= 0 ? [{ t, j }] : []));
      marks
        .selectAll('circle.first-spike')
        .data(spikes)
        .join('circle')
        .attr('class', 'first-spike')
        .attr('cx', (s) => x(s.t))
        .attr('cy', (s) => y(membrane[s.t * n + s.j] ?? threshold))
        .attr('r', 4.5)
        .attr('fill', (s) => outputColour(s.j))
        .attr('stroke', 'white')
        .attr('stroke-width', 1);
    },
    destroy() {
      frame.svg.remove();
    },
  };
}
