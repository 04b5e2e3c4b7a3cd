import { scaledImageRgba } from './datasetPreview.ts';
import { VIEW, createSvg, setChartTitle, setViewSize, type Chart } from './common.ts';

export interface GallerySample {
  /** rows * cols grey values (0 = background, 255 = ink); empty for data that is not images. */
  pixels: Uint8Array;
  label: number;
  /** Predicted class; -1 = no output spike. */
  predicted: number;
}

export interface SampleGalleryData {
  rows: number;
  cols: number;
  samples: GallerySample[];
  classNames?: readonly string[];
}

/** Tiles per gallery row, and the largest tile (user units). */
const PER_ROW = 10;
const MAX_TILE = 72;
const GAP = 8;
const PAD = 8;
/** Room under an image for "label → predicted" and the right / wrong mark. */
const CAPTION = 32;
const LINE = 16;
const WRONG = '#d55e00';
const RIGHT = '#1b1f24';
const MUTED = '#5b6470';

function name(classNames: readonly string[] | undefined, k: number): string {
  if (k < 0) return 'no spike';
  return classNames?.[k] ?? String(k);
}

/** The image as a PNG data URL (dark ink on white, one pixel per pixel), or null without a canvas. */
function imageUrl(pixels: Uint8Array, rows: number, cols: number): string | null {
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.putImageData(new ImageData(scaledImageRgba(pixels, 0, rows, cols, 1), cols, rows), 0, 0);
  return canvas.toDataURL('image/png');
}

/**
 * Test samples with their label and the network's prediction ("label → predicted"); wrong ones
 * get a vermillion frame and a "✗ wrong" mark (so not by colour alone). Image data shows the
 * images in rows of ten; other data (no pixels) a text list.
 */
export function create(el: HTMLElement): Chart<SampleGalleryData> {
  const svg = createSvg(el, 'Test samples with label and prediction');
  const content = svg.append('g').attr('class', 'gallery');

  function drawImages(data: SampleGalleryData): number {
    const { rows, cols, samples } = data;
    const perRow = Math.min(PER_ROW, Math.max(1, samples.length));
    const tile = Math.min(MAX_TILE, (VIEW.width - 2 * PAD - (perRow - 1) * GAP) / perRow);
    const imageHeight = (tile * rows) / Math.max(1, cols);
    samples.forEach((s, k) => {
      const wrong = s.predicted !== s.label;
      const g = content
        .append('g')
        .attr('class', wrong ? 'sample wrong' : 'sample')
        .attr(
          'transform',
          `translate(${PAD + (k % perRow) * (tile + GAP)},${PAD + Math.floor(k / perRow) * (imageHeight + CAPTION + GAP)})`,
        );
      g.append('title').text(
        `label ${name(data.classNames, s.label)}, predicted ${name(data.classNames, s.predicted)}` +
          (wrong ? ' (wrong)' : ' (right)'),
      );
      g.append('image')
        .attr('width', tile)
        .attr('height', imageHeight)
        .attr('preserveAspectRatio', 'none')
        .style('image-rendering', 'pixelated')
        .attr('href', imageUrl(s.pixels, rows, cols));
      g.append('rect')
        .attr('width', tile)
        .attr('height', imageHeight)
        .attr('fill', 'none')
        .attr('stroke', wrong ? WRONG : MUTED)
        .attr('stroke-width', wrong ? 2.5 : 0.75);
      g.append('text')
        .attr('x', tile / 2)
        .attr('y', imageHeight + 13)
        .attr('text-anchor', 'middle')
        .attr('fill', RIGHT)
        .text(`${name(data.classNames, s.label)} → ${name(data.classNames, s.predicted)}`);
      g.append('text')
        .attr('x', tile / 2)
        .attr('y', imageHeight + 27)
        .attr('text-anchor', 'middle')
        .attr('fill', wrong ? WRONG : MUTED)
        .attr('font-weight', wrong ? 'bold' : null)
        .text(wrong ? '✗ wrong' : '✓');
    });
    const galleryRows = Math.ceil(samples.length / perRow);
    return 2 * PAD + galleryRows * (imageHeight + CAPTION) + (galleryRows - 1) * GAP;
  }

  function drawList(data: SampleGalleryData): number {
    data.samples.forEach((s, k) => {
      const wrong = s.predicted !== s.label;
      content
        .append('text')
        .attr('class', wrong ? 'sample wrong' : 'sample')
        .attr('x', PAD)
        .attr('y', PAD + 12 + k * LINE)
        .attr('fill', wrong ? WRONG : RIGHT)
        .text(
          `sample ${k + 1}: label ${name(data.classNames, s.label)} → predicted ` +
            `${name(data.classNames, s.predicted)}  ${wrong ? '✗ wrong' : '✓'}`,
        );
    });
    return 2 * PAD + Math.max(1, data.samples.length) * LINE;
  }

  return {
    update(data) {
      content.selectAll('*').remove();
      const perImage = data.rows * data.cols;
      const images = perImage > 0 && data.samples.every((s) => s.pixels.length >= perImage);
      let height: number;
      if (data.samples.length === 0) {
        content
          .append('text')
          .attr('class', 'empty-note')
          .attr('x', VIEW.width / 2)
          .attr('y', 30)
          .attr('text-anchor', 'middle')
          .text('No test samples');
        height = 50;
      } else {
        height = images ? drawImages(data) : drawList(data);
      }
      setViewSize(svg, VIEW.width, height);
      const right = data.samples.filter((s) => s.predicted === s.label).length;
      setChartTitle(
        svg,
        `${data.samples.length} test samples with label and prediction: ${right} right, ` +
          `${data.samples.length - right} wrong`,
      );
    },
    destroy() {
      svg.remove();
    },
  };
}
