import { axisBottom, axisLeft, line, max, scaleLinear, type ScaleLinear } from 'd3';
import {
  MARGIN,
  VIEW,
  createPanel,
  createSvg,
  dashArray,
  drawLegendRows,
  legendRows,
  seriesColour,
  seriesMark,
  setViewSize,
  LEGEND_ROW_HEIGHT,
  type Chart,
  type Frame,
  type LegendItem,
} from './common.ts';

/** One stored run as the comparison draws it. */
export interface ComparedRun {
  name: string;
  epochs: {
    epoch: number;
    validationAccuracy: number | null;
    testAccuracy: number | null;
    trainLoss: number;
  }[];
  /** Share of the first layer's synapses per delay bin (bins over [lo, hi]); null while not loaded. */
  delays: { lo: number; hi: number; fractions: number[] } | null;
}

export interface RunComparisonData {
  runs: ComparedRun[];
}

const PANEL_GAP = 16;
const PANEL_HEIGHT = 150;
/** Vertical room of one row of panels: the plot, its x labels, a gap. */
const ROW = PANEL_HEIGHT + 58;

const finite = (v: number | null): v is number => v !== null && Number.isFinite(v);

function wholeTicks(x: ScaleLinear<number, number>) {
  return axisBottom(x)
    .tickValues(x.ticks(8).filter(Number.isInteger))
    .tickFormat((v) => String(v));
}

/** One line per run on a panel; a missing value breaks the line. */
function drawLines(
  frame: Frame,
  runs: readonly ComparedRun[],
  points: (r: ComparedRun) => { x: number; y: number | null }[],
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
): void {
  frame.plot
    .selectAll<SVGPathElement, ComparedRun>('path.run-line')
    .data(runs)
    .join('path')
    .attr('class', 'run-line')
    .attr('fill', 'none')
    .attr('stroke-width', 1.8)
    .attr('stroke', (_, k) => seriesColour(k))
    .attr('stroke-dasharray', (_, k) => dashArray(seriesMark(k)))
    .attr('d', (r) =>
      line<{ x: number; y: number | null }>()
        .defined((p) => finite(p.y))
        .x((p) => x(p.x))
        .y((p) => y(p.y ?? 0))(points(r)),
    );
}

/**
 * Two or more stored runs overlaid: validation accuracy (%) and training loss per epoch side by
 * side, and the first layer's delay distribution below (share of synapses per delay bin), one
 * colour (and, past ten runs, line style) per run with a legend of run names.
 */
export function create(el: HTMLElement): Chart<RunComparisonData> {
  const svg = createSvg(
    el,
    'Compared runs: validation accuracy, training loss and delays',
    VIEW.width,
    2 * ROW + 40,
  );
  const panelWidth = (VIEW.width - 2 * MARGIN.left - MARGIN.right - PANEL_GAP) / 2;
  const fullWidth = VIEW.width - MARGIN.left - MARGIN.right;
  let top = MARGIN.top;
  const accuracy = createPanel(
    svg,
    { x: MARGIN.left, y: top, width: panelWidth, height: PANEL_HEIGHT },
    'epoch',
    'validation accuracy (%)',
  );
  const loss = createPanel(
    svg,
    { x: 2 * MARGIN.left + panelWidth + PANEL_GAP, y: top, width: panelWidth, height: PANEL_HEIGHT },
    'epoch',
    'training loss',
  );
  top += ROW;
  const delays = createPanel(
    svg,
    { x: MARGIN.left, y: top, width: fullWidth, height: PANEL_HEIGHT },
    'delay (time steps), first layer',
    'share of synapses (%)',
  );
  return {
    update({ runs }) {
      const legend: LegendItem[] = runs.map((r, k) => ({
        label: r.name,
        colour: seriesColour(k),
        mark: seriesMark(k),
      }));
      const rows = legendRows(legend, fullWidth);
      setViewSize(svg, VIEW.width, 2 * ROW + MARGIN.top + rows * LEGEND_ROW_HEIGHT + 8);
      drawLegendRows(svg, legend, MARGIN.left, 2 * ROW + MARGIN.top + 4, fullWidth);

      const lastEpoch = max(runs, (r) => max(r.epochs, (e) => e.epoch)) ?? 1;
      const xEpoch = scaleLinear()
        .domain([1, Math.max(2, lastEpoch)])
        .range([0, panelWidth]);
      const yAccuracy = scaleLinear().domain([0, 100]).range([PANEL_HEIGHT, 0]);
      const losses = runs.flatMap((r) => r.epochs.map((e) => e.trainLoss)).filter(Number.isFinite);
      const yLoss = scaleLinear()
        .domain([0, max(losses) || 1])
        .range([PANEL_HEIGHT, 0])
        .nice();
      accuracy.plot.select<SVGGElement>('g.x-axis').call(wholeTicks(xEpoch));
      accuracy.plot.select<SVGGElement>('g.y-axis').call(axisLeft(yAccuracy).ticks(5));
      loss.plot.select<SVGGElement>('g.x-axis').call(wholeTicks(xEpoch));
      loss.plot.select<SVGGElement>('g.y-axis').call(axisLeft(yLoss).ticks(5));
      drawLines(
        accuracy,
        runs,
        (r) =>
          r.epochs.map((e) => ({
            x: e.epoch,
            y: e.validationAccuracy === null ? null : 100 * e.validationAccuracy,
          })),
        xEpoch,
        yAccuracy,
      );
      drawLines(loss, runs, (r) => r.epochs.map((e) => ({ x: e.epoch, y: e.trainLoss })), xEpoch, yLoss);

      const loaded = runs.filter((r) => r.delays !== null);
      const lo = Math.min(...loaded.map((r) => r.delays!.lo), 0);
      const hi = Math.max(...loaded.map((r) => r.delays!.hi), 1);
      const xDelay = scaleLinear().domain([lo, hi]).range([0, fullWidth]);
      const topShare = max(loaded, (r) => max(r.delays!.fractions)) ?? 0.01;
      const yShare = scaleLinear()
        .domain([0, 100 * topShare])
        .range([PANEL_HEIGHT, 0])
        .nice();
      delays.plot.select<SVGGElement>('g.x-axis').call(axisBottom(xDelay).ticks(10));
      delays.plot.select<SVGGElement>('g.y-axis').call(axisLeft(yShare).ticks(5));
      // Each run's distribution as a step line over its bins (bars of several runs would hide each other).
      drawLines(
        delays,
        runs,
        (r) => {
          if (!r.delays) return [];
          const { lo: a, hi: b, fractions } = r.delays;
          const w = (b - a) / fractions.length;
          return fractions.flatMap((f, k) => [
            { x: a + k * w, y: 100 * f },
            { x: a + (k + 1) * w, y: 100 * f },
          ]);
        },
        xDelay,
        yShare,
      );
    },
    destroy() {
      svg.remove();
    },
  };
}
