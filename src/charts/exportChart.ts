/**
 * Saving a chart as a standalone SVG or PNG file. Charts are styled partly by the page's CSS
 * (font size, axis-label colours through CSS variables), which a saved file does not have, so the
 * computed values of the styles that matter are written into each element's style attribute.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

/**
 * Inherited presentation properties: written only where they differ from the parent's value, so
 * a chart of 500 elements does not repeat the same font on every tick.
 */
const INHERITED_STYLES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'visibility',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'shape-rendering',
  'image-rendering',
] as const;

/** Properties that are not inherited, with their initial values (not written when equal). */
const OWN_STYLES: readonly (readonly [string, string])[] = [
  ['opacity', '1'],
  ['stop-color', 'rgb(0, 0, 0)'],
  ['stop-opacity', '1'],
];

/** Elements whose styles do not matter for drawing. */
const UNSTYLED = new Set(['title', 'desc', 'defs', 'linearGradient', 'radialGradient']);

/** Longest file name (without extension) chartFileName makes. */
const MAX_NAME = 80;

/**
 * A chart title as a file name without extension: lower case, runs of anything but letters and
 * digits as one '-', at most 80 characters; 'chart' when nothing is left.
 */
export function chartFileName(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_NAME)
    .replace(/^-+|-+$/g, '');
  return base || 'chart';
}

/** `filename` with `.ext` appended unless it already ends so. */
function withExtension(filename: string, ext: string): string {
  return filename.toLowerCase().endsWith(`.${ext}`) ? filename : `${filename}.${ext}`;
}

/** The size of the SVG in user units (its viewBox), falling back to its laid-out size. */
function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = svg.viewBox.baseVal;
  if (box && box.width > 0 && box.height > 0) return { width: box.width, height: box.height };
  const rect = svg.getBoundingClientRect();
  return { width: Math.max(1, rect.width), height: Math.max(1, rect.height) };
}

/**
 * The chart as a standalone SVG document: namespaces, an explicit size (viewBox units) and the
 * computed drawing styles of every element inlined, so it looks the same outside the page.
 */
export function svgToString(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
  const computedOf = new Map<Element, CSSStyleDeclaration>();
  originals.forEach((original, k) => {
    const copy = copies[k];
    const computed = getComputedStyle(original);
    computedOf.set(original, computed);
    if (!copy || UNSTYLED.has(original.localName)) return;
    const parent =
      original === svg ? undefined : original.parentElement && computedOf.get(original.parentElement);
    const declarations: string[] = [];
    for (const p of INHERITED_STYLES) {
      const v = computed.getPropertyValue(p);
      if (v !== '' && (!parent || parent.getPropertyValue(p) !== v)) declarations.push(`${p}:${v}`);
    }
    for (const [p, initial] of OWN_STYLES) {
      const v = computed.getPropertyValue(p);
      if (v !== '' && v !== initial) declarations.push(`${p}:${v}`);
    }
    if (computed.getPropertyValue('display') === 'none') declarations.push('display:none');
    const own = copy.getAttribute('style');
    if (own) declarations.push(own);
    if (declarations.length > 0) copy.setAttribute('style', declarations.join(';'));
  });
  const { width, height } = svgSize(svg);
  clone.setAttribute('xmlns', SVG_NS);
  clone.setAttribute('xmlns:xlink', XLINK_NS);
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  // The page's CSS sizes the chart to its container; alone it has its own size.
  clone.style.removeProperty('max-height');
  clone.style.removeProperty('width');
  clone.style.removeProperty('height');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
}

/** Starts a download of `blob` named `filename`. */
function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads the chart as an SVG file (".svg" is added to `filename` if missing). */
export function saveSvg(svg: SVGSVGElement, filename: string): void {
  download(
    new Blob([svgToString(svg)], { type: 'image/svg+xml;charset=utf-8' }),
    withExtension(filename, 'svg'),
  );
}

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the chart could not be drawn as an image'));
    image.src = url;
  });
}

/**
 * Downloads the chart as a PNG on a white background, `scale` pixels per SVG user unit
 * (".png" is added to `filename` if missing). Rejects if the browser cannot render it.
 */
export async function savePng(svg: SVGSVGElement, filename: string, scale = 2): Promise<void> {
  const { width, height } = svgSize(svg);
  const url = URL.createObjectURL(new Blob([svgToString(svg)], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const image = await loadImage(url);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas to draw the chart on');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    const png = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
    );
    download(png, withExtension(filename, 'png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
