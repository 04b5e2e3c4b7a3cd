import { axisBottom, axisLeft, interpolateBlues, scaleBand } from 'd3';
import { confusionStride } from '../core/analysis/confusion.ts';
import {
  VIEW,
  createPanel,
  createSvg,
  setChartTitle,
  type Chart,
  type ChartSvg,
  type Frame,
} from './common.ts';

export interface ConfusionChartData {
  classes: number;
  /**
   * Counts from `confusionMatrix`: `classes` rows (true class) of `classes + 1` columns
   * (predicted class, then the samples with no output spike).
   */
  matrix: ArrayLike<number>;
  /** Names of the classes for the axes; class indices when absent. */
  classNames?: readonly string[];
}

/** This chart's own height (user units): square cells need more than the standard 250. */
const HEIGHT = 380;
const BOX = { left: 70, right: 16, top: 24, bottom: 56 };
/** Gap (user units) between the predicted-class columns and the "no spike" column. */
const SILENT_GAP = 6;
const SILENT_KEY = 'silent';
const DARK_TEXT = '#1b1f24';

interface Cell {
  row: number;
  /** Predicted class, or `classes` for the silent column. */
  col: number;
  count: number;
  /** count / samples of the row's true class (0..1). */
  fraction: number;
}

interface Layout {
  svg: ChartSvg;
  frame: Frame;
  cell: number;
  key: string;
}

function className(data: ConfusionChartData, k: number): string {
  return data.classNames?.[k] ?? String(k);
}

function layoutKey(data: ConfusionChartData): string {
  return [data.classes, ...(data.classNames ?? [])].join('\u0000');
}

function build(el: HTMLElement, data: ConfusionChartData): Layout {
  const svg = createSvg(el, 'Confusion matrix', VIEW.width, HEIGHT);
  const n = Math.max(1, data.classes);
  const cell = Math.min(
    (HEIGHT - BOX.top - BOX.bottom) / n,
    (VIEW.width - BOX.left - BOX.right - SILENT_GAP) / (n + 1),
  );
  const width = cell * (n + 1) + SILENT_GAP;
  const frame = createPanel(
    svg,
    { x: BOX.left + (VIEW.width - BOX.left - BOX.right - width) / 2, y: BOX.top, width, height: cell * n },
    'predicted class',
    'true class',
  );
  frame.plot.append('g').attr('class', 'cells');
  frame.plot
    .append('text')
    .attr('class', 'axis-label silent-header')
    .attr('x', n * cell + SILENT_GAP + cell / 2)
    .attr('y', -8)
    .attr('text-anchor', 'middle')
    .text('no spike');
  return { svg, frame, cell, key: layoutKey(data) };
}

/**
 * Heatmap of a confusion matrix: rows true class, columns predicted class plus a "silent" column
 * (no output spike); shade = share of the row's samples, count written in every cell.
 */
export function create(el: HTMLElement): Chart<ConfusionChartData> {
  let layout: Layout | null = null;

  return {
    update(data) {
      if (!layout || layout.key !== layoutKey(data)) {
        layout?.svg.remove();
        layout = build(el, data);
      }
      const { frame, cell } = layout;
      const { plot } = frame;
      const n = data.classes;
      const stride = confusionStride(n);
      const cells: Cell[] = [];
      let total = 0;
      let correct = 0;
      for (let row = 0; row < n; row++) {
        let rowTotal = 0;
        for (let col = 0; col < stride; col++) rowTotal += data.matrix[row * stride + col] ?? 0;
        total += rowTotal;
        for (let col = 0; col < stride; col++) {
          const count = data.matrix[row * stride + col] ?? 0;
          cells.push({ row, col, count, fraction: rowTotal > 0 ? count / rowTotal : 0 });
          if (col === row) correct += count;
        }
      }

      const keys = [...Array.from({ length: n }, (_, k) => String(k)), SILENT_KEY];
      // The silent column's tick is a dash; its header above the matrix says what it counts.
      const label = (key: string): string => (key === SILENT_KEY ? '–' : className(data, Number(key)));
      const x = (col: number): number => col * cell + (col === n ? SILENT_GAP : 0);
      const rows = scaleBand<string>()
        .domain(keys.slice(0, n))
        .range([0, cell * n]);
      // Column bands for the axis; its ticks are then moved to the cells (the silent one sits after a gap).
      const columns = scaleBand<string>()
        .domain(keys)
        .range([0, cell * (n + 1)]);
      const longest = Math.max(...keys.map((k) => label(k).length));
      const rotate = longest * 6.2 > cell;
      const xAxis = plot
        .select<SVGGElement>('g.x-axis')
        .call(axisBottom(columns).tickFormat(label).tickSizeOuter(0));
      xAxis
        .selectAll<SVGGElement, string>('g.tick')
        .attr('transform', (key) => `translate(${x(keys.indexOf(key)) + cell / 2},0)`);
      xAxis
        .selectAll('text')
        .attr('text-anchor', rotate ? 'end' : 'middle')
        .attr('transform', rotate ? 'rotate(-35)' : null);
      plot.select<SVGGElement>('g.y-axis').call(axisLeft(rows).tickFormat(label).tickSizeOuter(0));

      const fontSize = Math.max(7, Math.min(12, cell * 0.36));
      plot
        .select('g.cells')
        .selectAll<SVGGElement, Cell>('g.cell')
        .data(cells)
        .join((enter) => {
          const g = enter.append('g').attr('class', 'cell');
          g.append('rect').attr('stroke', 'white');
          g.append('text').attr('text-anchor', 'middle').attr('dominant-baseline', 'central');
          g.append('title');
          return g;
        })
        .attr('transform', (c) => `translate(${x(c.col)},${c.row * cell})`)
        .call((g) =>
          g
            .select('rect')
            .attr('width', cell)
            .attr('height', cell)
            .attr('fill', (c) => interpolateBlues(0.05 + 0.9 * c.fraction)),
        )
        .call((g) =>
          g
            .select('text')
            .attr('x', cell / 2)
            .attr('y', cell / 2)
            .attr('font-size', fontSize)
            .attr('fill', (c) => (c.fraction > 0.5 ? 'white' : DARK_TEXT))
            .text((c) => (c.count > 0 ? String(c.count) : '')),
        )
        .call((g) =>
          g
            .select('title')
            .text(
              (c) =>
                `true ${className(data, c.row)}, ${c.col === n ? 'no output spike' : `predicted ${className(data, c.col)}`}: ` +
                `${c.count} samples (${(100 * c.fraction).toFixed(1)} % of the class)`,
            ),
        );

      // Not accuracyFromConfusion: a chart update must not throw on a matrix of the wrong size.
      const accuracy = total > 0 ? `${((100 * correct) / total).toFixed(1)} %` : 'not measured';
      setChartTitle(
        layout.svg,
        `Confusion matrix of ${total} samples, accuracy ${accuracy}: rows true class, columns ` +
          `predicted class, last column samples with no output spike`,
      );
    },
    destroy() {
      layout?.svg.remove();
      layout = null;
    },
  };
}
