import { interpolateRdBu, max } from 'd3';
import { createSvg, setChartTitle, setViewSize, VIEW, type Chart } from './common.ts';

/** One synapse layer's parameters, [inputs][outputs]. */
export interface PictureLayer {
  weights: Float32Array;
  delays: Float32Array;
}

export interface NetworkPictureData {
  /** Neurons per layer, the inputs first. */
  sizes: number[];
  /** Td per synapse layer (delays lie in [0, Td - 1] time steps). */
  maxDelays: number[];
  /** Every synapse's weight and delay, for small networks; null draws the summary only. */
  layers: PictureLayer[] | null;
}

const HEIGHT = 300;
const TOP = 40;
const BOTTOM = 20;
const NODE_RADIUS = 5;
/** Synapses at most this many get their delay written on them. */
const LABELLED_SYNAPSES = 16;
/** A synapse at the largest delay bows out this far (user units): a longer path is a longer delay. */
const MAX_BOW = 60;

const count = (n: number): string => n.toLocaleString('en-US');

/** Summary of any network: sizes, synapse count, delay ranges. */
export function networkSummary(data: NetworkPictureData): string {
  const synapses = data.sizes.slice(1).reduce((sum, n, l) => sum + n * data.sizes[l]!, 0);
  const delays = data.maxDelays.map((td) => `0–${td - 1}`).join(', ');
  return `${data.sizes.map(count).join(' → ')} neurons, ${count(synapses)} synapses, delays ${delays} time steps`;
}

/**
 * The network as a picture: neurons as dots in one column per layer; for small networks every
 * synapse as a curve coloured by its weight (blue positive, red negative, faint when small) and
 * bowed by its delay (a longer delay draws a longer path), with the delay written on it when there
 * are few. Big networks get the summary line only.
 */
export function create(el: HTMLElement): Chart<NetworkPictureData> {
  const svg = createSvg(el, 'Network', VIEW.width, HEIGHT);
  const edges = svg.append('g').attr('class', 'synapses').attr('fill', 'none');
  const labels = svg
    .append('g')
    .attr('class', 'delay-labels')
    .attr('font-size', 10)
    .attr('text-anchor', 'middle');
  const nodes = svg.append('g').attr('class', 'neurons');
  const caption = svg
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', VIEW.width / 2)
    .attr('y', 16)
    .attr('text-anchor', 'middle');
  return {
    update(data) {
      const summary = networkSummary(data);
      caption.text(summary);
      const small = data.layers !== null;
      // A big network is its summary line only.
      setViewSize(svg, VIEW.width, small ? HEIGHT : 26);
      const columns = data.sizes.length;
      const xOf = (l: number): number => 40 + ((VIEW.width - 80) * l) / Math.max(1, columns - 1);
      const yOf = (l: number, i: number): number => {
        const n = data.sizes[l]!;
        const span = HEIGHT - TOP - BOTTOM;
        return TOP + (n === 1 ? span / 2 : (span * i) / (n - 1));
      };
      const points = small
        ? data.sizes.flatMap((n, l) => Array.from({ length: n }, (_, i) => ({ x: xOf(l), y: yOf(l, i) })))
        : [];
      nodes
        .selectAll('circle')
        .data(points)
        .join('circle')
        .attr('r', NODE_RADIUS)
        .attr('cx', (p) => p.x)
        .attr('cy', (p) => p.y)
        .attr('fill', '#fff')
        .attr('stroke', '#444');
      const synapses = (data.layers ?? []).flatMap((layer, l) => {
        const inputs = data.sizes[l]!;
        const outputs = data.sizes[l + 1]!;
        const top = max(layer.weights, (w) => Math.abs(w)) || 1;
        const td = Math.max(1, data.maxDelays[l]! - 1);
        return Array.from({ length: inputs * outputs }, (_, q) => {
          const i = Math.floor(q / outputs);
          const j = q % outputs;
          const w = layer.weights[q]!;
          const d = layer.delays[q]!;
          const x0 = xOf(l);
          const y0 = yOf(l, i);
          const x1 = xOf(l + 1);
          const y1 = yOf(l + 1, j);
          // Bow perpendicular to the straight line, by the delay's share of the kernel.
          const len = Math.hypot(x1 - x0, y1 - y0) || 1;
          const bow = (MAX_BOW * d) / td;
          const cx = (x0 + x1) / 2 + (-(y1 - y0) / len) * bow;
          const cy = (y0 + y1) / 2 + ((x1 - x0) / len) * bow;
          return {
            path: `M${x0},${y0}Q${cx.toFixed(1)},${cy.toFixed(1)} ${x1},${y1}`,
            colour: interpolateRdBu(0.5 + (0.5 * w) / top),
            opacity: 0.25 + (0.75 * Math.abs(w)) / top,
            width: 0.6 + (2 * Math.abs(w)) / top,
            label: { x: (x0 + x1) / 4 + cx / 2, y: (y0 + y1) / 4 + cy / 2, text: d.toFixed(1) },
          };
        });
      });
      edges
        .selectAll('path')
        .data(synapses)
        .join('path')
        .attr('d', (s) => s.path)
        .attr('stroke', (s) => s.colour)
        .attr('stroke-opacity', (s) => s.opacity)
        .attr('stroke-width', (s) => s.width);
      labels
        .selectAll('text')
        .data(synapses.length <= LABELLED_SYNAPSES ? synapses : [])
        .join('text')
        .attr('x', (s) => s.label.x)
        .attr('y', (s) => s.label.y - 3)
        .text((s) => s.label.text);
      setChartTitle(
        svg,
        small
          ? `Network: ${summary}; each synapse a curve, blue positive and red negative weight, bowed by its delay`
          : `Network: ${summary} (too many synapses to draw one by one)`,
      );
    },
    destroy() {
      svg.remove();
    },
  };
}
