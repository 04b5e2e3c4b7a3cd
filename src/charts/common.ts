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

/** Output colours (Okabe-Ito blue and vermillion: distinguishable with colour-blindness). */
export const OUTPUT_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'] as const;

export function outputColour(j: number): string {
  return OUTPUT_COLOURS[j % OUTPUT_COLOURS.length]!;
}

/** An SVG with a title (its accessible name), axis groups and axis labels. */
export function createFrame(el: HTMLElement, title: string, xLabel: string, yLabel: string): Frame {
  const width = VIEW.width - MARGIN.left - MARGIN.right;
  const height = VIEW.height - MARGIN.top - MARGIN.bottom;
  const svg = select(el)
    .append('svg')
    .attr('class', 'chart')
    .attr('viewBox', `0 0 ${VIEW.width} ${VIEW.height}`)
    .attr('role', 'img')
    .attr('aria-label', title);
  svg.append('title').text(title);
  const plot = svg.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
  plot.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${height})`);
  plot.append('g').attr('class', 'axis y-axis');
  svg
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', MARGIN.left + width / 2)
    .attr('y', VIEW.height - 6)
    .attr('text-anchor', 'middle')
    .text(xLabel);
  svg
    .append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(14,${MARGIN.top + height / 2}) rotate(-90)`)
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
    x += 26 + item.label.length * 6.2 + 14;
  }
  g.attr('transform', `translate(${Math.max(MARGIN.left, VIEW.width - MARGIN.right - x)},12)`);
  items.forEach((item, k) => {
    const e = g.append('g').attr('transform', `translate(${positions[k]!},0)`);
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
        .attr('stroke-dasharray', item.mark === 'dashed' ? '6 4' : item.mark === 'dotted' ? '2 3' : null);
    }
    e.append('text').attr('x', 26).attr('y', 4).text(item.label);
  });
}
