import { axisBottom, axisLeft, scaleLinear, type Selection } from 'd3';
import {
  MARGIN,
  VIEW,
  createPanel,
  createSvg,
  seriesColour,
  setChartTitle,
  setViewSize,
  type Chart,
  type ChartSvg,
  type Frame,
} from './common.ts';

export interface SpikeRasterLayer {
  name: string;
  neurons: number;
  /** Spikes [time step][neuron], length timeSteps * neurons; non-zero = spike. */
  spikes: ArrayLike<number>;
}

export interface SpikeRasterData {
  timeSteps: number;
  /** Length of one time step (ms). */
  dtMs: number;
  /** Input layer first, then hidden layers, then the output layer. */
  layers: SpikeRasterLayer[];
  /** Label of the sample shown, for the title. */
  label?: string;
}

/** Where the marks of one panel go: the panel's size (user units) and its time / neuron ranges. */
export interface RasterGeometry {
  width: number;
  height: number;
  timeSteps: number;
  neurons: number;
}

/** Widest and tallest spike mark (user units): large enough to see, small enough to stay dots. */
const MAX_MARK = 4;
/** Smallest mark side, so a spike among 800 neurons on 130 units is still drawn. */
const MIN_MARK = 1;

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/**
 * All spikes of one layer as one SVG path of small rectangles ('M x y h w v h h -w Z'), so
 * 784 x 10 inputs cost one element instead of thousands. Step t covers [t, t + 1) of the
 * panel's time range and a spike is centred in it; neuron n covers row [n, n + 1), 0 at the
 * bottom. Returns the path and the number of spikes.
 */
export function spikeMarksPath(
  spikes: ArrayLike<number>,
  { width, height, timeSteps, neurons }: RasterGeometry,
): { path: string; count: number } {
  const stepWidth = width / Math.max(1, timeSteps);
  const rowHeight = height / Math.max(1, neurons);
  const markWidth = Math.min(MAX_MARK, Math.max(MIN_MARK, stepWidth * 0.5));
  const markHeight = Math.min(MAX_MARK, Math.max(MIN_MARK, rowHeight * 0.8));
  const w = round2(markWidth);
  const h = round2(markHeight);
  const parts: string[] = [];
  for (let t = 0; t < timeSteps; t++) {
    const x = round2((t + 0.5) * stepWidth - markWidth / 2);
    const row = t * neurons;
    for (let n = 0; n < neurons; n++) {
      if (!spikes[row + n]) continue;
      const y = round2(height - (n + 0.5) * rowHeight - markHeight / 2);
      parts.push(`M${x},${y}h${w}v${h}h${-w}Z`);
    }
  }
  return { path: parts.join(''), count: parts.length };
}

/** Panel height (user units) for a layer: grows with sqrt(neurons) from 36 (a few) to 130 (~800). */
function panelHeight(neurons: number): number {
  return Math.round(Math.min(130, Math.max(36, 20 + 4 * Math.sqrt(neurons))));
}

/** Room above a panel for its name, and below it for the tick labels. */
const NAME_SPACE = 18;
const TICK_SPACE = 22;

interface LayerPanel {
  frame: Frame;
  marks: Selection<SVGPathElement, unknown, null, undefined>;
  caption: Selection<SVGTextElement, unknown, null, undefined>;
}

interface Layout {
  svg: ChartSvg;
  panels: LayerPanel[];
  key: string;
}

function build(el: HTMLElement, layers: readonly SpikeRasterLayer[]): Layout {
  const svg = createSvg(el, 'Spike raster');
  const width = VIEW.width - MARGIN.left - MARGIN.right;
  let y = NAME_SPACE;
  const panels = layers.map((layer, l) => {
    const height = panelHeight(layer.neurons);
    const last = l === layers.length - 1;
    const frame = createPanel(svg, { x: MARGIN.left, y, width, height }, last ? 'time (ms)' : '', 'neuron');
    const caption = frame.plot.append('text').attr('class', 'panel-title').attr('x', 0).attr('y', -6);
    const marks = frame.plot
      .append('path')
      .attr('class', 'spikes')
      .attr('fill', seriesColour(l))
      .attr('shape-rendering', 'crispEdges');
    y += height + TICK_SPACE + NAME_SPACE;
    return { frame, marks, caption };
  });
  setViewSize(svg, VIEW.width, y - NAME_SPACE + (MARGIN.bottom - TICK_SPACE));
  return { svg, panels, key: layoutKey(layers) };
}

function layoutKey(layers: readonly SpikeRasterLayer[]): string {
  return layers.map((l) => `${l.name}:${l.neurons}`).join('|');
}

/**
 * Spikes of every layer of one sample: one panel per layer (input, hidden..., output) stacked,
 * x = time (ms), y = neuron index, each spike a small mark in its time step.
 */
export function create(el: HTMLElement): Chart<SpikeRasterData> {
  let layout: Layout | null = null;

  return {
    update(data) {
      if (!layout || layout.key !== layoutKey(data.layers)) {
        layout?.svg.remove();
        layout = build(el, data.layers);
      }
      const { timeSteps, dtMs } = data;
      const summaries: string[] = [];
      data.layers.forEach((layer, l) => {
        const { frame, marks, caption } = layout!.panels[l]!;
        const x = scaleLinear()
          .domain([0, Math.max(1, timeSteps) * dtMs])
          .range([0, frame.width]);
        const y = scaleLinear()
          .domain([0, Math.max(1, layer.neurons)])
          .range([frame.height, 0]);
        frame.plot.select<SVGGElement>('g.x-axis').call(axisBottom(x).ticks(8));
        frame.plot.select<SVGGElement>('g.y-axis').call(
          axisLeft(y)
            .tickValues(y.ticks(frame.height < 60 ? 2 : 4).filter(Number.isInteger))
            .tickFormat((v) => String(v)),
        );
        const { path, count } = spikeMarksPath(layer.spikes, {
          width: frame.width,
          height: frame.height,
          timeSteps,
          neurons: layer.neurons,
        });
        marks.attr('d', path || null);
        caption.text(`${layer.name}: ${layer.neurons} neurons, ${count} spikes`);
        summaries.push(`${layer.name} ${count} spikes`);
      });
      const of = data.label !== undefined ? ` of a sample with label ${data.label}` : '';
      setChartTitle(
        layout.svg,
        `Spike raster${of} over ${timeSteps} time steps of ${dtMs} ms: ${summaries.join(', ')}`,
      );
    },
    destroy() {
      layout?.svg.remove();
      layout = null;
    },
  };
}
