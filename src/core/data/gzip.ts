import { DataFormatError } from './types.ts';

/** True when the bytes start with the gzip signature (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The most Delay Lab unpacks from one gzip file (bytes): above any data set it reads (full EMNIST is about 0.7 GB). */
export const MAX_INFLATED_BYTES = 1024 ** 3;

export interface GunzipLimits {
  /** Absolute cap on the inflated size (bytes); MAX_INFLATED_BYTES by default. */
  maxBytes?: number;
  /**
   * The size the data declares in its first bytes (e.g. an IDX header), or null when it cannot
   * tell: the output is then preallocated at that size, and a stream that inflates past it is
   * refused at once (a 3 MB file can inflate to gigabytes).
   */
  declaredBytes?: (prefix: Uint8Array) => number | null;
}

/** Bytes of inflated output looked at for a declared size (an IDX header is at most 20). */
const PREFIX_BYTES = 64;

/**
 * Decompresses gzip bytes with the platform's DecompressionStream (browsers and Node 18+), so
 * that no library is needed, chunk by chunk into one buffer: preallocated at the declared size
 * when `limits.declaredBytes` knows it, and never past `limits.maxBytes`. A corrupt or truncated
 * stream, or one that inflates past either bound, throws DataFormatError naming `file`; the
 * decompression stops there.
 */
export async function gunzip(
  bytes: Uint8Array,
  file: string,
  limits: GunzipLimits = {},
): Promise<Uint8Array> {
  const maxBytes = limits.maxBytes ?? MAX_INFLATED_BYTES;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  // Before the declared size is known: the chunks so far. After: one buffer of that size.
  let pending: Uint8Array[] = [];
  let out: Uint8Array | null = null;
  let decided = limits.declaredBytes === undefined;
  let total = 0;
  const refuse = (why: string): never => {
    void reader.cancel().catch(() => undefined);
    throw new DataFormatError(file, why);
  };
  /** The buffer of the declared size, holding what came so far; null when nothing is declared. */
  const decide = (): Uint8Array | null => {
    decided = true;
    const declared = limits.declaredBytes!(concat(pending, Math.min(total, PREFIX_BYTES)));
    if (declared === null) return null;
    if (declared > maxBytes) {
      refuse(`declares ${declared} bytes, more than the ${maxBytes} Delay Lab unpacks from one file`);
    }
    if (total > declared) refuse(tooLong(declared));
    const buffer = new Uint8Array(declared);
    buffer.set(concat(pending, total), 0);
    pending = [];
    return buffer;
  };
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new DataFormatError(file, `corrupt or truncated gzip data (${why})`);
    }
    if (chunk.done) break;
    const value = chunk.value;
    if (out !== null) {
      if (total + value.length > out.length) refuse(tooLong(out.length));
      out.set(value, total);
      total += value.length;
      continue;
    }
    pending.push(value);
    total += value.length;
    if (total > maxBytes) refuse(`inflates past ${maxBytes} bytes, the most Delay Lab unpacks from one file`);
    if (!decided && total >= PREFIX_BYTES) out = decide();
  }
  if (!decided && total > 0) out = decide();
  if (out !== null) return total === out.length ? out : out.subarray(0, total);
  return concat(pending, total);
}

function tooLong(declared: number): string {
  return `inflates past the ${declared} bytes its header declares (a corrupt file or a decompression bomb); refused`;
}

/** The first `length` bytes of `chunks`, in one array. */
function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    if (at >= length) break;
    const part = c.subarray(0, length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The bytes themselves, or their decompression when they are gzip. */
export async function maybeGunzip(
  bytes: Uint8Array,
  file: string,
  limits: GunzipLimits = {},
): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, file, limits) : bytes;
}
