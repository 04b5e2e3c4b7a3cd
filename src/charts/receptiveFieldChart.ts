import {
  axisBottom,
  axisLeft,
  axisRight,
  interpolateRdBu,
  interpolateViridis,
  max,
  rgb,
  scaleDiverging,
  scaleLinear,
  scaleSqrt,
} from 'd3';
import type { ReceptiveFieldPoint } from '../core/analysis/receptiveFields.ts';
import {
  MARGIN,
  VIEW,
  createPanel,
  createSvg,
  drawLegend,
  setChartTitle,
  type Chart,
  type Frame,
} from './common.ts';

/** The synapses onto one hidden neuron (from `hiddenField`). */
export interface HiddenFieldData {
  kind: 'hidden';
  neuron: number;
  inputs: number;
  /** [rows, cols] when the inputs are image pixels (input = row * cols + col); ticks then mark row starts. */
  imageShape: [number, number] | null;
  /** Delays lie in [0, maxDelay - 1] time steps. */
  maxDelay: number;
  points: ReceptiveFieldPoint[];
}

/** The effective input x delay field of one output neuron (from `outputField`). */
export interface OutputFieldData {
  kind: 'output';
  neuron: number;
  inputs: number;
  /** Integer total delays 0 .. delaySpan - 1 (time steps). */
  delaySpan: number;
  /** grid[input * delaySpan + delay]: summed weight products. */
  grid: Float32Array;
  /** [rows, cols] when the inputs are image pixels: the field is then drawn as maps, one per delay bin. */
  imageShape: [number, number] | null;
}

export type ReceptiveFieldChartData = HiddenFieldData | OutputFieldData;

const POSITIVE = '#0072b2';
const NEGATIVE = '#d55e00';
/** Right of the plot: room for the heatmap's colour bar and its ticks. */
const RIGHT = 72;
const BAR_WIDTH = 10;
/** Dot radii (user units) for the smallest and largest |weight|. */
const MIN_RADIUS = 1.2;
const MAX_RADIUS = 3.5;
/** Colours in the heatmap's lookup table (odd, so 0 has its own entry). */
const LUT_SIZE = 257;

let gradientCount = 0;

/** Positive weight -> blue, zero -> near white, negative -> red (RdBu is colour-blind safe). */
function divergingScale(extent: number) {
  return scaleDiverging(interpolateRdBu).domain([-extent, 0, extent]);
}

/** A circle as a path fragment, so all dots of one colour are one element. */
function dot(x: number, y: number, r: number): string {
  const rr = Math.round(r * 100) / 100;
  return `M${(x - rr).toFixed(2)},${y.toFixed(2)}a${rr},${rr} 0 1,0 ${2 * rr},0a${rr},${rr} 0 1,0 ${-2 * rr},0`;
}

/** The grid as an image: one pixel per (input, delay), delay 0 at the bottom, as a PNG data URL. */
function gridImage(data: OutputFieldData, extent: number): string | null {
  const { inputs, delaySpan, grid } = data;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, inputs);
  canvas.height = Math.max(1, delaySpan);
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  // A 256-entry colour table: parsing a CSS colour per cell would cost 15k parses for 784 x 20.
  const colour = divergingScale(extent);
  const table = Array.from({ length: LUT_SIZE }, (_, k) =>
    rgb(colour(((2 * k) / (LUT_SIZE - 1) - 1) * extent)),
  );
  const image = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < inputs; i++) {
    for (let t = 0; t < delaySpan; t++) {
      const v = grid[i * delaySpan + t] ?? 0;
      const k = Math.round(((Math.max(-extent, Math.min(extent, v)) / extent + 1) / 2) * (LUT_SIZE - 1));
      const c = table[k]!;
      const p = ((delaySpan - 1 - t) * inputs + i) * 4;
      image.data[p] = c.r;
      image.data[p + 1] = c.g;
      image.data[p + 2] = c.b;
      image.data[p + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

/** Gap (user units) between the image maps of one chart. */
const MAP_GAP = 14;
/** Delay bins an output neuron's field of an image is split into (one map each). */
const IMAGE_DELAY_BINS = 4;

/** An image of rows x cols pixels coloured by `colourAt(pixel index)`, as a PNG data URL. */
function pixelImage(
  rows: number,
  cols: number,
  colourAt: (pixel: number) => [number, number, number],
): string | null {
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const image = ctx.createImageData(cols, rows);
  for (let p = 0; p < rows * cols; p++) {
    const [r, g, b] = colourAt(p);
    image.data[4 * p] = r;
    image.data[4 * p + 1] = g;
    image.data[4 * p + 2] = b;
    image.data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

function rgbOf(css: string): [number, number, number] {
  const c = rgb(css);
  return [c.r, c.g, c.b];
}

/** x ticks: row starts of an image (multiples of cols), else d3's ticks; whole inputs only. */
function inputTicks(inputs: number, imageShape: [number, number] | null): number[] {
  if (imageShape) {
    const cols = imageShape[1];
    const every = Math.max(1, Math.ceil(imageShape[0] / 8));
    const ticks: number[] = [];
    for (let r = 0; r < imageShape[0]; r += every) ticks.push(r * cols);
    return ticks;
  }
  return scaleLinear()
    .domain([0, inputs - 1])
    .ticks(8)
    .filter(Number.isInteger);
}

/**
 * Spatio-temporal receptive field of one neuron: for a hidden neuron, each synapse as a dot at
 * (input index, delay) coloured by its weight's sign and sized by |weight|; for an output neuron,
 * a heatmap of input x total delay through the hidden layer with a diverging colour scale.
 */
export function create(el: HTMLElement): Chart<ReceptiveFieldChartData> {
  const svg = createSvg(el, 'Spatio-temporal receptive field');
  const frame: Frame = createPanel(
    svg,
    {
      x: MARGIN.left,
      y: MARGIN.top,
      width: VIEW.width - MARGIN.left - RIGHT,
      height: VIEW.height - MARGIN.top - MARGIN.bottom,
    },
    'input index',
    'delay (time steps)',
  );
  const { plot, width, height } = frame;
  const heatmap = plot
    .append('image')
    .attr('class', 'heatmap')
    .attr('width', width)
    .attr('height', height)
    .attr('preserveAspectRatio', 'none')
    .style('image-rendering', 'pixelated');
  const scatter = plot.append('g').attr('class', 'scatter').attr('fill-opacity', 0.75);
  const positive = scatter.append('path').attr('fill', POSITIVE);
  const negative = scatter.append('path').attr('fill', NEGATIVE);
  // Image inputs: the field as pixel maps (weight and delay per pixel, or one map per delay bin).
  const maps = plot.append('g').attr('class', 'image-maps');

  const gradientId = `rf-gradient-${++gradientCount}`;
  const colourBar = plot
    .append('g')
    .attr('class', 'colour-bar')
    .attr('transform', `translate(${width + 12},0)`);
  colourBar
    .append('defs')
    .append('linearGradient')
    .attr('id', gradientId)
    .attr('x1', 0)
    .attr('x2', 0)
    .attr('y1', 1)
    .attr('y2', 0)
    .selectAll('stop')
    .data(Array.from({ length: 11 }, (_, k) => k / 10))
    .join('stop')
    .attr('offset', (f) => f)
    .attr('stop-color', (f) => interpolateRdBu(f));
  colourBar
    .append('rect')
    .attr('width', BAR_WIDTH)
    .attr('height', height)
    .attr('fill', `url(#${gradientId})`)
    .attr('stroke', '#999');
  const colourAxis = colourBar
    .append('g')
    .attr('class', 'axis')
    .attr('transform', `translate(${BAR_WIDTH},0)`);
  colourBar
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', BAR_WIDTH / 2)
    .attr('y', -8)
    .attr('text-anchor', 'middle')
    .text('summed weight');

  function drawHidden(data: HiddenFieldData): void {
    const x = scaleLinear()
      .domain([-0.5, Math.max(1, data.inputs) - 0.5])
      .range([0, width]);
    const y = scaleLinear()
      .domain([-0.5, Math.max(1, data.maxDelay) - 0.5])
      .range([height, 0]);
    plot
      .select<SVGGElement>('g.x-axis')
      .call(axisBottom(x).tickValues(inputTicks(data.inputs, data.imageShape)).tickFormat(String));
    plot.select<SVGGElement>('g.y-axis').call(axisLeft(y).ticks(Math.min(8, data.maxDelay)));
    const radius = scaleSqrt()
      .domain([0, max(data.points, (p) => Math.abs(p.weight)) || 1])
      .range([MIN_RADIUS, MAX_RADIUS]);
    let up = '';
    let down = '';
    for (const p of data.points) {
      const d = dot(x(p.input), y(p.delay), radius(Math.abs(p.weight)));
      if (p.weight > 0) up += d;
      else if (p.weight < 0) down += d;
    }
    positive.attr('d', up || null);
    negative.attr('d', down || null);
    drawLegend(frame, [
      { label: 'positive weight', colour: POSITIVE, mark: 'dot' },
      { label: 'negative weight', colour: NEGATIVE, mark: 'dot' },
    ]);
    setChartTitle(
      svg,
      `Receptive field of hidden neuron ${data.neuron}: ${data.points.length} synapses at ` +
        `(input index, delay in time steps), blue positive and vermillion negative weight, dot size |weight|`,
    );
  }

  function drawOutput(data: OutputFieldData): void {
    const x = scaleLinear()
      .domain([-0.5, Math.max(1, data.inputs) - 0.5])
      .range([0, width]);
    const y = scaleLinear()
      .domain([-0.5, Math.max(1, data.delaySpan) - 0.5])
      .range([height, 0]);
    plot
      .select<SVGGElement>('g.x-axis')
      .call(axisBottom(x).tickValues(inputTicks(data.inputs, null)).tickFormat(String));
    plot.select<SVGGElement>('g.y-axis').call(axisLeft(y).ticks(Math.min(8, data.delaySpan)));
    let extent = 0;
    for (const v of data.grid) if (Math.abs(v) > extent) extent = Math.abs(v);
    if (!(extent > 0)) extent = 1;
    heatmap.attr('href', gridImage(data, extent));
    colourAxis.call(
      axisRight(scaleLinear().domain([-extent, extent]).range([height, 0]))
        .ticks(5)
        .tickFormat((v) => Number(v).toPrecision(2)),
    );
    svg.selectAll('g.legend').remove();
    setChartTitle(
      svg,
      `Receptive field of output neuron ${data.neuron} through the hidden layer: summed weight ` +
        `products per input index and total delay (time steps), blue positive, red negative`,
    );
  }

  /** Square pixel maps side by side across the plot, each with a caption under it. */
  function drawMaps(images: { href: string | null; caption: string }[]): void {
    const side = Math.min(height - 18, (width - MAP_GAP * (images.length - 1)) / images.length);
    maps
      .selectAll<SVGGElement, { href: string | null; caption: string }>('g.map')
      .data(images)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'map');
        g.append('image').attr('preserveAspectRatio', 'none').style('image-rendering', 'pixelated');
        g.append('rect').attr('fill', 'none').attr('stroke', '#999');
        g.append('text').attr('class', 'axis-label').attr('text-anchor', 'middle');
        return g;
      })
      .attr('transform', (_, k) => `translate(${k * (side + MAP_GAP)},0)`)
      .call((g) => {
        g.select('image')
          .attr('width', side)
          .attr('height', side)
          .attr('href', (d) => d.href);
        g.select('rect').attr('width', side).attr('height', side);
        g.select('text')
          .attr('x', side / 2)
          .attr('y', side + 14)
          .text((d) => d.caption);
      });
  }

  /** A hidden neuron's synapses from image pixels: weight per pixel, and delay per pixel. */
  function drawHiddenImage(data: HiddenFieldData, [rows, cols]: [number, number]): void {
    const weight = new Float64Array(rows * cols);
    const delay = new Float64Array(rows * cols).fill(Number.NaN);
    for (const p of data.points) {
      if (p.input < 0 || p.input >= rows * cols) continue;
      weight[p.input] = p.weight;
      delay[p.input] = p.delay;
    }
    let extent = 0;
    for (const w of weight) extent = Math.max(extent, Math.abs(w));
    if (!(extent > 0)) extent = 1;
    const weightColour = divergingScale(extent);
    const lastDelay = Math.max(1, data.maxDelay - 1);
    drawMaps([
      {
        href: pixelImage(rows, cols, (p) => rgbOf(weightColour(weight[p]!))),
        caption: 'weight (blue +, red −)',
      },
      {
        // Delay as colour, faded towards white where the weight is small (those synapses matter less).
        href: pixelImage(rows, cols, (p) => {
          const d = delay[p]!;
          if (!Number.isFinite(d)) return [255, 255, 255];
          const [r, g, b] = rgbOf(interpolateViridis(d / lastDelay));
          const a = 0.15 + 0.85 * (Math.abs(weight[p]!) / extent);
          return [255 + a * (r - 255), 255 + a * (g - 255), 255 + a * (b - 255)];
        }),
        caption: `delay (dark 0 → yellow ${lastDelay} steps)`,
      },
    ]);
    svg.selectAll('g.legend').remove();
    setChartTitle(
      svg,
      `Receptive field of hidden neuron ${data.neuron} over the ${rows} x ${cols} image: each pixel's ` +
        `synapse weight (blue positive, red negative) and delay (dark 0 to yellow ${lastDelay} time steps, faded where the weight is small)`,
    );
  }

  /** An output neuron's field of an image: summed weight products per pixel, one map per delay bin. */
  function drawOutputImage(data: OutputFieldData, [rows, cols]: [number, number]): void {
    const { delaySpan, grid } = data;
    const bins = Math.min(IMAGE_DELAY_BINS, delaySpan);
    const sums = Array.from({ length: bins }, () => new Float64Array(rows * cols));
    const binOf = (t: number): number => Math.min(bins - 1, Math.floor((t * bins) / delaySpan));
    for (let i = 0; i < Math.min(data.inputs, rows * cols); i++) {
      for (let t = 0; t < delaySpan; t++) sums[binOf(t)]![i]! += grid[i * delaySpan + t] ?? 0;
    }
    let extent = 0;
    for (const m of sums) for (const v of m) extent = Math.max(extent, Math.abs(v));
    if (!(extent > 0)) extent = 1;
    const colour = divergingScale(extent);
    drawMaps(
      sums.map((m, k) => {
        const from = Math.ceil((k * delaySpan) / bins);
        const to = Math.ceil(((k + 1) * delaySpan) / bins) - 1;
        return {
          href: pixelImage(rows, cols, (p) => rgbOf(colour(m[p]!))),
          caption: from === to ? `delay ${from}` : `delays ${from}–${to}`,
        };
      }),
    );
    svg.selectAll('g.legend').remove();
    setChartTitle(
      svg,
      `Receptive field of output neuron ${data.neuron} through the hidden layer over the ${rows} x ${cols} image: ` +
        `summed weight products per pixel in ${bins} total-delay bins (time steps), blue positive, red negative`,
    );
  }

  return {
    update(data) {
      const image = data.imageShape;
      const hidden = data.kind === 'hidden';
      scatter.attr('display', hidden && !image ? null : 'none');
      heatmap.attr('display', hidden || image ? 'none' : null);
      colourBar.attr('display', hidden || image ? 'none' : null);
      maps.attr('display', image ? null : 'none');
      plot.selectAll('g.x-axis, g.y-axis').attr('display', image ? 'none' : null);
      svg
        .selectAll('text.axis-label')
        .filter(function () {
          return (this as SVGTextElement).parentNode === svg.node();
        })
        .attr('display', image ? 'none' : null);
      if (data.kind === 'hidden') {
        if (image) drawHiddenImage(data, image);
        else drawHidden(data);
      } else if (image) drawOutputImage(data, image);
      else drawOutput(data);
    },
    destroy() {
      svg.remove();
    },
  };
}
