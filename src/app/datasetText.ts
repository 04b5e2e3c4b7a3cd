import { DataFormatError, type RawDataset } from '../core/data/types.ts';
import { DownloadError, type DownloadProgress } from '../io/fetchBytes.ts';
import type { ImportStage } from '../io/importData.ts';
import { StorageQuotaError } from '../storage/datasetStore.ts';
import type { PreviewData } from '../store/index.ts';

/**
 * What the "Data sets" panel says and shows, pure: sizes, progress lines of each import stage and
 * download, a data set's name from its files, error messages, and the preview of a data set. The
 * controller (datasets.ts) runs the jobs and puts these in the store.
 */

/** Training images the preview shows. */
export const PREVIEW_IMAGES = 16;
/** Points the preview of a point set shows. */
export const PREVIEW_POINTS = 600;

/** Bytes as megabytes with one decimal (the unit the storage messages use). */
export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function amount(loaded: number, total: number | null): string {
  return total === null ? mb(loaded) : `${(loaded / 1e6).toFixed(1)} / ${mb(total)}`;
}

/**
 * A download's size as the progress bar uses it: null when unknown, or when more bytes arrived
 * than the Content-Length promised (a server that sends a .gz file with Content-Encoding: gzip
 * states the compressed size while the browser hands over the decompressed bytes).
 */
function knownTotal(loaded: number, total: number | null): number | null {
  return total !== null && loaded <= total ? total : null;
}

/** A URL's last path segment, decoded. */
function fileOf(url: string): string {
  const last = url.split(/[?#]/)[0]!.split('/').pop() ?? url;
  try {
    return decodeURIComponent(last) || url;
  } catch {
    return last || url;
  }
}

/** Job progress without `cancellable`, plus a key: a new key is always shown at once. */
export interface StageView {
  key: string;
  label: string;
  loaded: number;
  total: number | null;
}

/** How an import stage reads in the panel. */
export function describeStage(s: ImportStage): StageView {
  if (s.stage === 'parse')
    return { key: `parse:${s.file}`, label: `Parsing ${s.file}…`, loaded: 0, total: null };
  const file = fileOf(s.progress.url);
  const which = s.files > 1 ? ` (${s.file + 1} of ${s.files})` : '';
  const total = knownTotal(s.progress.loaded, s.progress.total);
  return {
    key: `download:${s.file}`,
    label: `Downloading ${file}${which}: ${amount(s.progress.loaded, total)}`,
    loaded: s.progress.loaded,
    total,
  };
}

export function describeBuiltinProgress(p: DownloadProgress): StageView {
  const file = fileOf(p.url);
  const total = knownTotal(p.loaded, p.total);
  return {
    key: `builtin:${file}`,
    label: `Loading the built-in digits, ${file}: ${amount(p.loaded, total)}`,
    loaded: p.loaded,
    total,
  };
}

const FILE_SUFFIXES = /(\.gz|\.hdf5|\.h5|\.idx\d?|[-_.]idx\d[-_.]ubyte|[-_.]ubyte)+$/i;
/** Words that name a file's part, not its data set. */
const PART_WORDS = /^(train|training|test|t10k|images|labels|data)$/i;

/**
 * A data set's name from its files' names: the words they share, less part words such as
 * "train" or "images" ("fashion-train-…", "fashion-t10k-…" -> "fashion"), or else the first
 * file's name without its extensions.
 */
export function datasetNameForFiles(names: readonly string[]): string {
  const bases = names.map((n) => n.replace(FILE_SUFFIXES, '') || n);
  const first = bases[0] ?? 'data set';
  // Words and the separators after them: "a-b_c" -> ["a", "-", "b", "_", "c"].
  const parts = bases.map((b) => b.split(/([-_.\s]+)/));
  const words = (p: string[]): string[] => p.filter((_, k) => k % 2 === 0);
  let shared = words(parts[0]!).length;
  for (const p of parts.slice(1)) {
    const a = words(parts[0]!);
    const b = words(p);
    let k = 0;
    while (k < shared && k < b.length && a[k] === b[k]) k++;
    shared = k;
  }
  const kept = words(parts[0]!).slice(0, shared);
  while (kept.length > 0 && PART_WORDS.test(kept[kept.length - 1]!)) kept.pop();
  if (kept.length === 0 || kept.join('') === '') return first;
  return parts[0]!.slice(0, 2 * kept.length - 1).join('');
}

/** A failure as the user reads it: data, download and quota errors speak for themselves. */
export function describeError(e: unknown, action: string): string {
  if (e instanceof DataFormatError || e instanceof DownloadError || e instanceof StorageQuotaError) {
    return e.message;
  }
  return `could not ${action}: ${e instanceof Error ? e.message : String(e)}`;
}

/** The part of a data set the preview draws (copies, so the whole set can be let go). */
export function previewOf(data: RawDataset): PreviewData {
  const set = data.train;
  if (set.kind === 'images') {
    const count = Math.min(PREVIEW_IMAGES, set.count);
    return {
      kind: 'images',
      rows: set.rows,
      cols: set.cols,
      count,
      pixels: set.pixels.slice(0, count * set.rows * set.cols),
      labels: Array.from(set.labels.subarray(0, count)),
    };
  }
  if (set.kind === 'events') {
    const start = set.count > 0 ? set.offsets[0]! : 0;
    const end = set.count > 0 ? set.offsets[1]! : 0;
    return {
      kind: 'events',
      channels: set.channels,
      timesMs: set.timesMs.slice(start, end),
      units: set.units.slice(start, end),
      label: set.count > 0 ? set.labels[0]! : 0,
    };
  }
  const count = Math.min(PREVIEW_POINTS, set.count);
  return {
    kind: 'points',
    coords: set.coords.slice(0, 2 * count),
    labels: Array.from(set.labels.subarray(0, count)),
    classes: set.classes,
  };
}

/**
 * A message as a sentence: its first letter capitalised, unless it starts with a name that must
 * keep its case (a file such as "train-images-idx3-ubyte.gz", a quoted name, a URL).
 */
export function asSentence(text: string): string {
  const firstWord = text.split(/\s/, 1)[0] ?? '';
  if (/^['"‘“]/.test(text) || /[-_./:\\]|\d/.test(firstWord)) return text;
  return text.charAt(0).toUpperCase() + text.slice(1);
}
