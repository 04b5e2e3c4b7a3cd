import { axisBottom, axisLeft, line, max, min, scaleLinear, scaleLog } from 'd3';
import { createFrame, drawLegend, type Chart } from './common.ts';

export interface LossChartData {
  /** Loss of every optimiser step so far; index = steps done before that step. */
  losses: Float64Array;
  /** Length of the run (fixes the x axis). */
  totalSteps: number;
}

/** Losses at or below zero are drawn at this floor (the y axis is logarithmic). */
export const LOSS_FLOOR = 1e-12;

const COLOUR = '#333';

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** 1e-4 -> "10⁻⁴" (tick labels of the log axis). */
export function powerOfTen(v: number): string {
  const e = Math.round(Math.log10(v));
  if (e === 0) return '1';
  return `10${[...String(e)].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/** Training loss per optimiser step, logarithmic y. */
export function create(el: HTMLElement): Chart<LossChartData> {
  const frame = createFrame(
    el,
    'Training loss per optimiser step (log scale)',
    'optimiser step',
    'loss (log)',
  );
  const { plot, width, height } = frame;
  drawLegend(frame, [{ label: 'training loss per step', colour: COLOUR, mark: 'line' }]);
  const path = plot
    .append('path')
    .attr('class', 'loss-line')
    .attr('fill', 'none')
    .attr('stroke', COLOUR)
    .attr('stroke-width', 1.5);
  const empty = plot
    .append('text')
    .attr('class', 'empty-note')
    .attr('x', width / 2)
    .attr('y', height / 2)
    .attr('text-anchor', 'middle')
    .text('Press Play to train');

  return {
    update({ losses, totalSteps }) {
      const values = Array.from(losses, (v) => (v > LOSS_FLOOR ? v : LOSS_FLOOR));
      const x = scaleLinear()
        .domain([0, Math.max(1, totalSteps)])
        .range([0, width]);
      const lo = min(values) ?? 1e-3;
      const hi = max(values) ?? 1;
      const y = scaleLog()
        .domain([Math.min(lo, hi / 10), hi])
        .range([height, 0])
        .nice()
        .clamp(true);
      plot.select<SVGGElement>('g.x-axis').call(axisBottom(x).ticks(6));
      const decades = y.ticks().filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
      const every = Math.max(1, Math.ceil(decades.length / 7));
      plot.select<SVGGElement>('g.y-axis').call(
        axisLeft(y)
          .tickValues(decades.filter((_, k) => k % every === 0))
          .tickFormat((v) => powerOfTen(+v)),
      );
      const d = line<number>()
        .x((_, i) => x(i))
        .y((v) => y(v))(values);
      path.attr('d', values.length > 0 ? d : null);
      empty.attr('display', values.length > 0 ? 'none' : null);
    },
    destroy() {
      frame.svg.remove();
    },
  };
}
