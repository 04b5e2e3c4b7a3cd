import { select, type Selection } from 'd3';

/** Every chart module has this shape: `create(el)` draws into `el` and returns these two. */
export interface Chart<D> {
  update: (data: D) => void;
  destroy: () => void;
}

export interface Frame {
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  /** The plotting area, translated by the margins. */
  plot: Selection<SVGGElement, unknown, null, undefined>;
  width: number;
  height: number;
}

export const MARGIN = { top: 30, right: 16, bottom: 40, left: 58 };
/** The SVG's user units; it scales to its container's width (viewBox). */
export const VIEW = { width: 640, height: 250 };

/** Colour of output neuron j (the same ten colours as any series). */
export function outputColour(j: number): string {
  return seriesColour(j);
}

/** An SVG with a title (its accessible name), axis groups and axis labels. */
export function createFrame(el: HTMLElement, title: string, xLabel: string, yLabel: string): Frame {
  const svg = createSvg(el, title);
  const box = {
    x: MARGIN.left,
    y: MARGIN.top,
    width: VIEW.width - MARGIN.left - MARGIN.right,
    height: VIEW.height - MARGIN.top - MARGIN.bottom,
  };
  return createPanel(svg, box, xLabel, yLabel);
}

export type ChartSvg = Selection<SVGSVGElement, unknown, null, undefined>;

/** A chart SVG of `width` x `height` user units with a title (its accessible name), no plot yet. */
export function createSvg(
  el: HTMLElement,
  title: string,
  width = VIEW.width,
  height = VIEW.height,
): ChartSvg {
  const svg = select(el)
    .append('svg')
    .attr('class', 'chart')
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('role', 'img')
    .attr('aria-label', title);
  svg.append('title').text(title);
  return svg;
}

/** Changes a chart's accessible name (aria-label and <title>) after creation. */
export function setChartTitle(svg: ChartSvg, title: string): void {
  svg.attr('aria-label', title);
  svg.select('title').text(title);
}

/** Sets the SVG's user-unit size (charts whose height follows their data, e.g. one panel per layer). */
export function setViewSize(svg: ChartSvg, width: number, height: number): void {
  svg.attr('viewBox', `0 0 ${width} ${height}`);
}

/** Position and size of a plotting area, in the SVG's user units. */
export interface PanelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A plotting area at `box` with x- and y-axis groups and axis labels: the x label 34 units below
 * the area, the y label rotated 44 units left of it (room for the tick labels). An empty label
 * draws no text. Several panels can share one SVG (small multiples, stacked layers).
 */
export function createPanel(svg: ChartSvg, box: PanelBox, xLabel: string, yLabel: string): Frame {
  const { width, height } = box;
  const plot = svg.append('g').attr('transform', `translate(${box.x},${box.y})`);
  plot.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${height})`);
  plot.append('g').attr('class', 'axis y-axis');
  if (xLabel)
    svg
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', box.x + width / 2)
      .attr('y', box.y + height + 34)
      .attr('text-anchor', 'middle')
      .text(xLabel);
  if (yLabel)
    svg
      .append('text')
      .attr('class', 'axis-label')
      .attr('transform', `translate(${box.x - 44},${box.y + height / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text(yLabel);
  return { svg, plot, width, height };
}

export type LegendMark = 'line' | 'dashed' | 'dotted' | 'dot';

export interface LegendItem {
  label: string;
  colour: string;
  mark: LegendMark;
}

/** A one-row legend above the plot, right-aligned. */
export function drawLegend(frame: Frame, items: readonly LegendItem[]): void {
  frame.svg.selectAll('g.legend').remove();
  const g = frame.svg.append('g').attr('class', 'legend');
  let x = 0;
  const positions: number[] = [];
  for (const item of items) {
    positions.push(x);
    x += legendItemWidth(item);
  }
  g.attr('transform', `translate(${Math.max(MARGIN.left, VIEW.width - MARGIN.right - x)},12)`);
  items.forEach((item, k) => {
    drawLegendItem(g, item, positions[k]!, 0);
  });
}

/**
 * Ten colours, one per output of a ten-class task: the Okabe-Ito palette without yellow (too light
 * on white), then three of Paul Tol's (wine, olive, indigo), all distinguishable with the common
 * colour-vision deficiencies.
 */
export const SERIES_COLOURS = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#e69f00',
  '#56b4e9',
  '#000000',
  '#882255',
  '#999933',
  '#332288',
] as const;

/** Colour of series k; after the ten colours the cycle repeats with `seriesMark` changing. */
export function seriesColour(k: number): string {
  return SERIES_COLOURS[k % SERIES_COLOURS.length]!;
}

/** Line style of series k, so series 1 and 8 (same colour) still differ: solid, then dashed, then dotted. */
export function seriesMark(k: number): Exclude<LegendMark, 'dot'> {
  const cycle = Math.floor(k / SERIES_COLOURS.length) % 3;
  return cycle === 0 ? 'line' : cycle === 1 ? 'dashed' : 'dotted';
}

/** The stroke-dasharray of a legend mark (null = solid). */
export function dashArray(mark: LegendMark): string | null {
  return mark === 'dashed' ? '6 4' : mark === 'dotted' ? '2 3' : null;
}

/** Height (user units) of one legend row of `drawLegendRows`. */
export const LEGEND_ROW_HEIGHT = 16;

/** Approximate width of one legend item: mark, gap, label at 11px (about 6.2 units per character). */
function legendItemWidth(item: LegendItem): number {
  return 26 + item.label.length * 6.2 + 14;
}

/** One legend entry (a dot or a line in the item's style, then its label) with its mark at (x, y). */
function drawLegendItem(
  g: Selection<SVGGElement, unknown, null, undefined>,
  item: LegendItem,
  x: number,
  y: number,
): void {
  const e = g.append('g').attr('transform', `translate(${x},${y})`);
  if (item.mark === 'dot') {
    e.append('circle').attr('cx', 10).attr('cy', 0).attr('r', 4).attr('fill', item.colour);
  } else {
    e.append('line')
      .attr('x1', 0)
      .attr('x2', 20)
      .attr('y1', 0)
      .attr('y2', 0)
      .attr('stroke', item.colour)
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', dashArray(item.mark));
  }
  e.append('text').attr('x', 26).attr('y', 4).text(item.label);
}

/** Number of rows `drawLegendRows` needs for `items` within `maxWidth` units. */
export function legendRows(items: readonly LegendItem[], maxWidth: number): number {
  let rows = items.length > 0 ? 1 : 0;
  let x = 0;
  for (const item of items) {
    const w = legendItemWidth(item);
    if (x > 0 && x + w > maxWidth) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

/**
 * A legend that wraps onto several rows (for many series), left-aligned at `x`, first row centred
 * on `y`; rows are LEGEND_ROW_HEIGHT apart. Replaces any legend drawn before.
 */
export function drawLegendRows(
  svg: ChartSvg,
  items: readonly LegendItem[],
  x: number,
  y: number,
  maxWidth: number,
): void {
  svg.selectAll('g.legend').remove();
  const g = svg.append('g').attr('class', 'legend').attr('transform', `translate(${x},${y})`);
  let cx = 0;
  let row = 0;
  for (const item of items) {
    const w = legendItemWidth(item);
    if (cx > 0 && cx + w > maxWidth) {
      row++;
      cx = 0;
    }
    drawLegendItem(g, item, cx, row * LEGEND_ROW_HEIGHT);
    cx += w;
  }
}

/** Short d3 transitions (ms); none when the user asks for reduced motion. */
export function transitionMs(ms: number): number {
  const reduce = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
  return reduce ? 0 : ms;
}

/** Text in the middle of a plot shown while it has no data; hide it with `.attr('display', 'none')`. */
export function addEmptyNote(
  frame: Frame,
  text: string,
): Selection<SVGTextElement, unknown, null, undefined> {
  return frame.plot
    .append('text')
    .attr('class', 'empty-note')
    .attr('x', frame.width / 2)
    .attr('y', frame.height / 2)
    .attr('text-anchor', 'middle')
    .text(text);
}
