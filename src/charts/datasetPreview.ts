import { outputColour, type Chart } from './common.ts';

/** What the preview draws: a few training images, one event sample, or some points. */
export type PreviewData =
  | {
      kind: 'images';
      rows: number;
      cols: number;
      /** count * rows * cols bytes of the first `count` training images. */
      pixels: Uint8Array;
      labels: number[];
      count: number;
    }
  | {
      kind: 'events';
      channels: number;
      /** The first training sample's events. */
      timesMs: Float32Array;
      units: Uint16Array;
      label: number;
    }
  | {
      kind: 'points';
      /** [point][2]: x, y in [0, 1]. */
      coords: Float32Array;
      labels: number[];
      classes: number;
    };

/**
 * Preview of a stored data set on a canvas: a grid of the first training images with their
 * labels (pixels drawn with putImageData, dark ink on white), a spike raster (time x channel) of
 * the first training sample of an event set, or a scatter of a point set's first points.
 */

/** Images per grid row. */
const GRID_COLUMNS = 4;
/** Target size of one drawn image (CSS pixels); images are scaled up by whole factors. */
const IMAGE_TARGET = 84;
const GAP = 8;
const LABEL_HEIGHT = 16;
const INK = '#1b1f24';
const MUTED = '#5b6470';
const FONT = '11px system-ui, sans-serif';

/** One greyscale image scaled up `scale` times (nearest neighbour) as RGBA, value v -> grey 255 - v. */
export function scaledImageRgba(
  pixels: Uint8Array,
  offset: number,
  rows: number,
  cols: number,
  scale: number,
): Uint8ClampedArray<ArrayBuffer> {
  const w = cols * scale;
  const out = new Uint8ClampedArray(w * rows * scale * 4);
  for (let y = 0; y < rows * scale; y++) {
    const src = offset + Math.floor(y / scale) * cols;
    for (let x = 0; x < w; x++) {
      const g = 255 - pixels[src + Math.floor(x / scale)]!;
      const q = (y * w + x) * 4;
      out[q] = g;
      out[q + 1] = g;
      out[q + 2] = g;
      out[q + 3] = 255;
    }
  }
  return out;
}

function drawImages(
  canvas: HTMLCanvasElement,
  ctx: CanvasRenderingContext2D,
  d: Extract<PreviewData, { kind: 'images' }>,
): string {
  const scale = Math.max(1, Math.floor(IMAGE_TARGET / Math.max(d.rows, d.cols, 1)));
  const w = d.cols * scale;
  const h = d.rows * scale;
  const gridCols = Math.min(GRID_COLUMNS, Math.max(1, d.count));
  const gridRows = Math.max(1, Math.ceil(d.count / GRID_COLUMNS));
  canvas.width = GAP + gridCols * (w + GAP);
  canvas.height = GAP + gridRows * (h + LABEL_HEIGHT + GAP);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = FONT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = INK;
  const per = d.rows * d.cols;
  for (let s = 0; s < d.count; s++) {
    const x = GAP + (s % GRID_COLUMNS) * (w + GAP);
    const y = GAP + Math.floor(s / GRID_COLUMNS) * (h + LABEL_HEIGHT + GAP);
    const rgba = scaledImageRgba(d.pixels, s * per, d.rows, d.cols, scale);
    ctx.putImageData(new ImageData(rgba, w, h), x, y);
    ctx.fillText(`label ${d.labels[s] ?? '?'}`, x + w / 2, y + h + 3);
  }
  if (d.count === 0) {
    ctx.fillStyle = MUTED;
    ctx.fillText('no training images', canvas.width / 2, canvas.height / 2);
  }
  return `The first ${d.count} training images (${d.rows}x${d.cols}); labels ${d.labels.join(', ')}`;
}

const PLOT = { width: 392, height: 240, left: 44, right: 10, top: 10, bottom: 32 };

function drawAxes(
  ctx: CanvasRenderingContext2D,
  xLabel: string,
  yLabel: string,
  xMax: string,
  yMax: string,
): void {
  const { width, height, left, right, top, bottom } = PLOT;
  ctx.strokeStyle = MUTED;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left - 0.5, top);
  ctx.lineTo(left - 0.5, height - bottom + 0.5);
  ctx.lineTo(width - right, height - bottom + 0.5);
  ctx.stroke();
  ctx.font = FONT;
  ctx.fillStyle = MUTED;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText('0', left, height - bottom + 4);
  ctx.textAlign = 'right';
  ctx.fillText(xMax, width - right, height - bottom + 4);
  ctx.textAlign = 'center';
  ctx.fillText(xLabel, left + (width - left - right) / 2, height - bottom + 16);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  ctx.fillText('0', left - 4, height - bottom);
  ctx.fillText(yMax, left - 4, top + 4);
  ctx.save();
  ctx.translate(12, top + (height - top - bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(yLabel, 0, 0);
  ctx.restore();
}

function drawEvents(
  canvas: HTMLCanvasElement,
  ctx: CanvasRenderingContext2D,
  d: Extract<PreviewData, { kind: 'events' }>,
): string {
  const { width, height, left, right, top, bottom } = PLOT;
  canvas.width = width;
  canvas.height = height;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  let tMax = 0;
  for (const t of d.timesMs) tMax = Math.max(tMax, t);
  tMax = Math.max(1, Math.ceil(tMax));
  const channels = Math.max(1, d.channels);
  drawAxes(ctx, 'time (ms)', 'channel', `${tMax} ms`, String(channels - 1));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  ctx.fillStyle = outputColour(0);
  for (let e = 0; e < d.timesMs.length; e++) {
    const x = left + (d.timesMs[e]! / tMax) * (plotW - 1.5);
    const y = top + plotH - ((d.units[e]! + 0.5) / channels) * plotH;
    ctx.fillRect(x, y - 0.75, 1.5, 1.5);
  }
  return `Spike raster of the first training sample (label ${d.label}): ${d.timesMs.length} events on ${d.channels} channels over ${tMax} ms`;
}

function drawPoints(
  canvas: HTMLCanvasElement,
  ctx: CanvasRenderingContext2D,
  d: Extract<PreviewData, { kind: 'points' }>,
): string {
  const { width, height, left, right, top, bottom } = PLOT;
  canvas.width = width;
  canvas.height = height;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  drawAxes(ctx, 'x', 'y', '1', '1');
  const side = Math.min(width - left - right, height - top - bottom);
  const n = d.labels.length;
  for (let p = 0; p < n; p++) {
    ctx.fillStyle = outputColour(d.labels[p]!);
    ctx.beginPath();
    ctx.arc(left + d.coords[2 * p]! * side, top + side - d.coords[2 * p + 1]! * side, 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  return `Scatter of the first ${n} training points, coloured by class (${d.classes} classes)`;
}

export function create(el: HTMLElement): Chart<PreviewData> {
  const canvas = document.createElement('canvas');
  canvas.className = 'dataset-preview-canvas';
  canvas.setAttribute('role', 'img');
  canvas.width = 0;
  canvas.height = 0;
  el.appendChild(canvas);
  return {
    update(data) {
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const description =
        data.kind === 'images'
          ? drawImages(canvas, ctx, data)
          : data.kind === 'events'
            ? drawEvents(canvas, ctx, data)
            : drawPoints(canvas, ctx, data);
      canvas.setAttribute('aria-label', description);
      canvas.dataset['kind'] = data.kind;
    },
    destroy() {
      canvas.remove();
    },
  };
}
