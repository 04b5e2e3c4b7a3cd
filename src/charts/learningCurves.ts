import { axisBottom, axisLeft, line, max, min, scaleLinear, type ScaleLinear } from 'd3';
import {
  MARGIN,
  VIEW,
  addEmptyNote,
  createPanel,
  createSvg,
  dashArray,
  drawLegend,
  type Chart,
  type Frame,
  type LegendMark,
} from './common.ts';

export interface LearningCurveEpoch {
  epoch: number;
  trainLoss: number;
  /** Accuracies in percent (0..100); null where not measured in that epoch. */
  trainAccuracy: number | null;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testAccuracy: number | null;
}

export interface LearningCurvesData {
  epochs: LearningCurveEpoch[];
  /** Accuracy (%) of guessing, e.g. 10 for ten classes; null draws no chance line. */
  chance: number | null;
}

interface Series {
  label: string;
  colour: string;
  mark: Exclude<LegendMark, 'dot'>;
  value: (e: LearningCurveEpoch) => number | null;
}

const TRAIN = { label: 'train', colour: '#0072b2', mark: 'line' } as const;
const VALIDATION = { label: 'validation', colour: '#d55e00', mark: 'dashed' } as const;
const TEST = { label: 'test', colour: '#009e73', mark: 'dotted' } as const;
const CHANCE_COLOUR = '#888';

const ACCURACY_SERIES: readonly Series[] = [
  { ...TRAIN, value: (e) => e.trainAccuracy },
  { ...VALIDATION, value: (e) => e.validationAccuracy },
  { ...TEST, value: (e) => e.testAccuracy },
];
const LOSS_SERIES: readonly Series[] = [
  { ...TRAIN, value: (e) => e.trainLoss },
  { ...VALIDATION, value: (e) => e.validationLoss },
];

/** Gap (user units) between the accuracy panel's right edge and the loss panel's y axis. */
const PANEL_GAP = 16;

function isNumber(v: number | null): v is number {
  return v !== null && Number.isFinite(v);
}

/** Lines and points of each series on one panel; a missing value breaks the line. */
function drawSeries(
  frame: Frame,
  series: readonly Series[],
  epochs: readonly LearningCurveEpoch[],
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
): void {
  const groups = frame.plot
    .selectAll<SVGGElement, Series>('g.series')
    .data(series, (s) => s.label)
    .join((enter) => {
      const g = enter.append('g').attr('class', 'series');
      g.append('path').attr('class', 'series-line').attr('fill', 'none').attr('stroke-width', 1.8);
      return g;
    });
  // Points inherit the group's fill; the line sets fill none.
  groups.attr('fill', (s) => s.colour);
  groups
    .select('path.series-line')
    .attr('stroke', (s) => s.colour)
    .attr('stroke-dasharray', (s) => dashArray(s.mark))
    .attr('d', (s) =>
      line<LearningCurveEpoch>()
        .defined((e) => isNumber(s.value(e)))
        .x((e) => x(e.epoch))
        .y((e) => y(s.value(e) ?? 0))(epochs),
    );
  groups
    .selectAll<SVGCircleElement, { epoch: number; value: number }>('circle')
    .data((s) =>
      epochs.flatMap((e) => {
        const value = s.value(e);
        return isNumber(value) ? [{ epoch: e.epoch, value }] : [];
      }),
    )
    .join('circle')
    .attr('r', 2.6)
    .attr('cx', (p) => x(p.epoch))
    .attr('cy', (p) => y(p.value));
}

/** Whole-number ticks only (epochs). */
function epochAxis(x: ScaleLinear<number, number>) {
  return axisBottom(x)
    .tickValues(x.ticks(8).filter(Number.isInteger))
    .tickFormat((v) => String(v));
}

/** Train / validation / test accuracy (%) and loss per epoch, on two panels side by side. */
export function create(el: HTMLElement): Chart<LearningCurvesData> {
  const svg = createSvg(el, 'Accuracy (%) and loss per epoch: train, validation and test');
  const panelWidth = (VIEW.width - 2 * MARGIN.left - MARGIN.right - PANEL_GAP) / 2;
  const panelHeight = VIEW.height - MARGIN.top - MARGIN.bottom;
  const accuracy = createPanel(
    svg,
    { x: MARGIN.left, y: MARGIN.top, width: panelWidth, height: panelHeight },
    'epoch',
    'accuracy (%)',
  );
  const loss = createPanel(
    svg,
    { x: 2 * MARGIN.left + panelWidth + PANEL_GAP, y: MARGIN.top, width: panelWidth, height: panelHeight },
    'epoch',
    'loss',
  );
  const chanceLine = accuracy.plot
    .append('line')
    .attr('class', 'chance')
    .attr('stroke', CHANCE_COLOUR)
    .attr('stroke-width', 1);
  const chanceLabel = accuracy.plot
    .append('text')
    .attr('class', 'chance-label')
    .attr('text-anchor', 'end')
    .attr('fill', CHANCE_COLOUR)
    .text('chance');
  const emptyNotes = [addEmptyNote(accuracy, 'No finished epoch yet'), addEmptyNote(loss, '')];
  let legendWithChance: boolean | null = null;

  return {
    update({ epochs, chance }) {
      const withChance = chance !== null;
      if (legendWithChance !== withChance) {
        legendWithChance = withChance;
        drawLegend(accuracy, [
          TRAIN,
          VALIDATION,
          TEST,
          ...(withChance ? [{ label: 'chance', colour: CHANCE_COLOUR, mark: 'line' as const }] : []),
        ]);
      }
      const first = min(epochs, (e) => e.epoch) ?? 0;
      const last = max(epochs, (e) => e.epoch) ?? 1;
      const x = scaleLinear()
        .domain([first, Math.max(last, first + 1)])
        .range([0, panelWidth]);
      const yAccuracy = scaleLinear().domain([0, 100]).range([panelHeight, 0]);
      const lossValues = epochs.flatMap((e) => [e.trainLoss, e.validationLoss]).filter(isNumber);
      const yLoss = scaleLinear()
        .domain([Math.min(0, min(lossValues) ?? 0), max(lossValues) || 1])
        .range([panelHeight, 0])
        .nice();

      accuracy.plot.select<SVGGElement>('g.x-axis').call(epochAxis(x));
      loss.plot.select<SVGGElement>('g.x-axis').call(epochAxis(x));
      accuracy.plot.select<SVGGElement>('g.y-axis').call(axisLeft(yAccuracy).ticks(5));
      loss.plot.select<SVGGElement>('g.y-axis').call(axisLeft(yLoss).ticks(5));

      drawSeries(accuracy, ACCURACY_SERIES, epochs, x, yAccuracy);
      drawSeries(loss, LOSS_SERIES, epochs, x, yLoss);

      const chanceY = yAccuracy(chance ?? 0);
      chanceLine
        .attr('display', withChance ? null : 'none')
        .attr('x1', 0)
        .attr('x2', panelWidth)
        .attr('y1', chanceY)
        .attr('y2', chanceY);
      chanceLabel
        .attr('display', withChance ? null : 'none')
        .attr('x', panelWidth - 2)
        .attr('y', chanceY - 3);
      for (const note of emptyNotes) note.attr('display', epochs.length > 0 ? 'none' : null);
    },
    destroy() {
      svg.remove();
    },
  };
}
