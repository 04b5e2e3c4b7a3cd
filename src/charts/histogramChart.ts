import { axisBottom, axisLeft, format, max, scaleLinear, transition } from 'd3';
import {
  MARGIN,
  VIEW,
  createPanel,
  createSvg,
  seriesColour,
  setChartTitle,
  transitionMs,
  type Chart,
  type ChartSvg,
  type Frame,
} from './common.ts';

export interface HistogramLayer {
  name: string;
  /** Value range of the bins; bin k covers [lo + k w, lo + (k + 1) w), w = (hi - lo) / counts.length. */
  lo: number;
  hi: number;
  counts: number[];
}

export interface HistogramChartData {
  /** What is counted, e.g. 'Synaptic delays per layer' (the chart's accessible name). */
  title: string;
  /** Unit of the values, the x-axis label, e.g. 'time steps'. */
  unit: string;
  layers: HistogramLayer[];
}

/** Bars glide to new counts in this time (ms), so delay histograms visibly move during training. */
const TRANSITION_MS = 150;
/** Space left of every panel but the first, for its count ticks. */
const INNER_LEFT = 48;
const countFormat = format('~s');

interface Layout {
  svg: ChartSvg;
  panels: Frame[];
  key: string;
}

function layoutKey(data: HistogramChartData): string {
  return [data.unit, ...data.layers.map((l) => l.name)].join('\u0000');
}

/** One panel per layer, side by side, each with its own count axis (layers differ in size). */
function build(el: HTMLElement, data: HistogramChartData): Layout {
  const svg = createSvg(el, data.title);
  const n = Math.max(1, data.layers.length);
  const width = (VIEW.width - MARGIN.left - MARGIN.right - (n - 1) * INNER_LEFT) / n;
  const height = VIEW.height - MARGIN.top - MARGIN.bottom;
  const panels = data.layers.map((layer, l) => {
    const frame = createPanel(
      svg,
      { x: MARGIN.left + l * (width + INNER_LEFT), y: MARGIN.top, width, height },
      data.unit,
      l === 0 ? 'count' : '',
    );
    frame.plot
      .append('text')
      .attr('class', 'panel-title')
      .attr('x', width / 2)
      .attr('y', -10)
      .attr('text-anchor', 'middle')
      .text(layer.name);
    frame.plot.append('g').attr('class', 'bars').attr('fill', seriesColour(l));
    return frame;
  });
  return { svg, panels, key: layoutKey(data) };
}

/** Small multiples of histograms (e.g. delays or weights), one panel per layer. */
export function create(el: HTMLElement): Chart<HistogramChartData> {
  let layout: Layout | null = null;

  return {
    update(data) {
      if (!layout || layout.key !== layoutKey(data)) {
        layout?.svg.remove();
        layout = build(el, data);
      }
      setChartTitle(layout.svg, data.title);
      // Created through d3's `transition` export (not only selection.transition): d3 is marked
      // side-effect free, so a bundle that imports nothing from d3-transition drops the
      // selection.transition method altogether.
      const timing = transition().duration(transitionMs(TRANSITION_MS));
      data.layers.forEach((layer, l) => {
        const { plot, width, height } = layout!.panels[l]!;
        const bins = layer.counts.length;
        const binWidth = (layer.hi - layer.lo) / Math.max(1, bins);
        const x = scaleLinear()
          .domain(layer.hi > layer.lo ? [layer.lo, layer.hi] : [layer.lo, layer.lo + 1])
          .range([0, width]);
        const y = scaleLinear()
          .domain([0, Math.max(1, max(layer.counts) ?? 1)])
          .range([height, 0])
          .nice();
        plot.select<SVGGElement>('g.x-axis').call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 50))));
        plot
          .select<SVGGElement>('g.y-axis')
          .transition(timing)
          // Counts are whole: no "200m" ticks when a layer has a synapse or two.
          .call(axisLeft(y).tickValues(y.ticks(5).filter(Number.isInteger)).tickFormat(countFormat));
        const left = (k: number): number => x(layer.lo + k * binWidth);
        const barWidth = (k: number): number => Math.max(0.5, left(k + 1) - left(k) - 1);
        plot
          .select('g.bars')
          .selectAll<SVGRectElement, number>('rect')
          .data(layer.counts)
          .join((enter) =>
            enter
              .append('rect')
              .attr('x', (_, k) => left(k) + 0.5)
              .attr('width', (_, k) => barWidth(k))
              .attr('y', height)
              .attr('height', 0)
              .call((r) => r.append('title')),
          )
          .call((r) =>
            r.select('title').text((c, k) => {
              const from = layer.lo + k * binWidth;
              return `${format('.3~g')(from)} to ${format('.3~g')(from + binWidth)} ${data.unit}: ${c}`;
            }),
          )
          .transition(timing)
          .attr('x', (_, k) => left(k) + 0.5)
          .attr('width', (_, k) => barWidth(k))
          .attr('y', (c) => y(c))
          .attr('height', (c) => height - y(c));
      });
    },
    destroy() {
      layout?.svg.remove();
      layout = null;
    },
  };
}
