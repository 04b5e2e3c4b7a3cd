import { axisBottom, axisLeft, line, scaleLinear } from 'd3';
import {
  LEGEND_ROW_HEIGHT,
  MARGIN,
  VIEW,
  addEmptyNote,
  createPanel,
  createSvg,
  dashArray,
  drawLegendRows,
  legendRows,
  seriesColour,
  seriesMark,
  setViewSize,
  type Chart,
  type ChartSvg,
  type Frame,
  type LegendItem,
} from './common.ts';

export interface MembraneTrace {
  label: string;
  /** Membrane potential at each time step, length timeSteps. */
  membrane: ArrayLike<number>;
  /** Time steps at which this neuron spiked. */
  spikeSteps: number[];
}

export interface MembraneTracesData {
  timeSteps: number;
  /** Length of one time step (ms). */
  dtMs: number;
  /** Firing threshold, in the membrane's units. */
  threshold: number;
  traces: MembraneTrace[];
}

const GUIDE_COLOUR = '#555';
const PLOT_HEIGHT = VIEW.height - MARGIN.top - MARGIN.bottom;

interface Layout {
  svg: ChartSvg;
  frame: Frame;
  key: string;
}

function legendItems(traces: readonly MembraneTrace[]): LegendItem[] {
  return [
    ...traces.map((t, k) => ({ label: t.label, colour: seriesColour(k), mark: seriesMark(k) })),
    { label: 'threshold', colour: GUIDE_COLOUR, mark: 'dashed' },
    { label: 'spike', colour: GUIDE_COLOUR, mark: 'dot' },
  ];
}

/** The SVG, its legend (wrapped onto as many rows as the labels need) and the plot below it. */
function build(el: HTMLElement, traces: readonly MembraneTrace[]): Layout {
  const svg = createSvg(el, 'Membrane potential over time (ms), with threshold and spikes');
  const items = legendItems(traces);
  const legendWidth = VIEW.width - MARGIN.left - MARGIN.right;
  const extraRows = Math.max(0, legendRows(items, legendWidth) - 1);
  const top = MARGIN.top + extraRows * LEGEND_ROW_HEIGHT;
  drawLegendRows(svg, items, MARGIN.left, 12, legendWidth);
  const frame = createPanel(
    svg,
    { x: MARGIN.left, y: top, width: legendWidth, height: PLOT_HEIGHT },
    'time (ms)',
    'membrane potential',
  );
  setViewSize(svg, VIEW.width, top + PLOT_HEIGHT + MARGIN.bottom);
  frame.plot.append('line').attr('class', 'threshold');
  frame.plot.append('g').attr('class', 'traces');
  frame.plot.append('g').attr('class', 'spike-marks');
  addEmptyNote(frame, 'No traces recorded');
  return { svg, frame, key: traces.map((t) => t.label).join('\u0000') };
}

/** Membrane potential of several neurons over time (ms), the threshold, and each neuron's spikes. */
export function create(el: HTMLElement): Chart<MembraneTracesData> {
  let layout: Layout | null = null;

  return {
    update(data) {
      const key = data.traces.map((t) => t.label).join('\u0000');
      if (!layout || layout.key !== key) {
        layout?.svg.remove();
        layout = build(el, data.traces);
      }
      const { plot, width, height } = layout.frame;
      const { timeSteps: T, dtMs, threshold, traces } = data;
      const x = scaleLinear()
        .domain([0, Math.max(1, T - 1) * dtMs])
        .range([0, width]);
      let lo = 0;
      let hi = threshold;
      for (const trace of traces) {
        for (let t = 0; t < T; t++) {
          const v = trace.membrane[t] ?? 0;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      // Headroom above the threshold so the spike dots on it stay inside the plot.
      const y = scaleLinear()
        .domain([lo, 1.1 * Math.max(1.1 * threshold, hi)])
        .range([height, 0])
        .nice();
      plot.select<SVGGElement>('g.x-axis').call(axisBottom(x).ticks(10));
      plot.select<SVGGElement>('g.y-axis').call(axisLeft(y).ticks(5));
      plot
        .select('line.threshold')
        .attr('x1', 0)
        .attr('x2', width)
        .attr('y1', y(threshold))
        .attr('y2', y(threshold))
        .attr('stroke', GUIDE_COLOUR)
        .attr('stroke-dasharray', dashArray('dashed'));

      const toPath = line<number>()
        .x((_, t) => x(t * dtMs))
        .y((v) => y(v));
      plot
        .select('g.traces')
        .selectAll<SVGPathElement, MembraneTrace>('path')
        .data(traces)
        .join('path')
        .attr('fill', 'none')
        .attr('stroke-width', 1.6)
        .attr('stroke', (_, k) => seriesColour(k))
        .attr('stroke-dasharray', (_, k) => dashArray(seriesMark(k)))
        .attr('d', (trace) => toPath(Array.from({ length: T }, (_, t) => trace.membrane[t] ?? 0)));

      // Spikes as dots on the threshold line at the spike's time step.
      const spikes = traces.flatMap((trace, k) => trace.spikeSteps.map((step) => ({ step, k })));
      plot
        .select('g.spike-marks')
        .selectAll('circle')
        .data(spikes)
        .join('circle')
        .attr('cx', (s) => x(s.step * dtMs))
        .attr('cy', y(threshold))
        .attr('r', 4)
        .attr('fill', (s) => seriesColour(s.k))
        .attr('stroke', 'white')
        .attr('stroke-width', 1);
      plot.select('text.empty-note').attr('display', traces.length > 0 ? 'none' : null);
    },
    destroy() {
      layout?.svg.remove();
      layout = null;
    },
  };
}
