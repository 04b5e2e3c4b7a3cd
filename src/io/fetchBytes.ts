/**
 * Downloads a URL's bytes with progress and cancellation, turning every failure into a message
 * a user can act on (offline, unreachable or refused by CORS, HTTP status, cancelled).
 */
export class DownloadError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadProgress {
  url: string;
  /** Bytes received so far. */
  loaded: number;
  /** Content-Length when the server sent one (compressed transfers may not). */
  total: number | null;
}

/**
 * The most one download may bring (bytes): above SSC's largest file (about 1.5 GB would not fit a
 * browser tab anyway) no data set here needs more; a server that sends more is refused.
 */
export const MAX_DOWNLOAD_BYTES = 1024 ** 3;

export async function fetchBytes(
  url: string,
  options: {
    signal?: AbortSignal;
    onProgress?: (p: DownloadProgress) => void;
    fetchImpl?: typeof fetch;
    /** Cap on the bytes received (MAX_DOWNLOAD_BYTES by default). */
    maxBytes?: number;
  } = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? MAX_DOWNLOAD_BYTES;
  const tooBig = (bytes: number): DownloadError =>
    new DownloadError(
      url,
      `${url} is ${bytes} bytes or more, above the ${maxBytes} bytes Delay Lab downloads for one file`,
    );
  const doFetch = options.fetchImpl ?? fetch;
  const cancelled = (): DownloadError => new DownloadError(url, `download of ${url} was cancelled`, true);
  let response: Response;
  try {
    response = await doFetch(url, options.signal ? { signal: options.signal } : {});
  } catch (e) {
    if (options.signal?.aborted) throw cancelled();
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    throw new DownloadError(
      url,
      offline
        ? `cannot download ${url}: this browser is offline`
        : `cannot reach ${url}: the server is unreachable or does not allow this page to read it (CORS) (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (!response.ok) {
    throw new DownloadError(
      url,
      `the server refused ${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    );
  }
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  if (total !== null && total > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw tooBig(total);
  }
  const body = response.body;
  if (!body) {
    const whole = new Uint8Array(await response.arrayBuffer());
    if (whole.length > maxBytes) throw tooBig(whole.length);
    return whole;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  options.onProgress?.({ url, loaded, total });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.length;
      // A server without Content-Length (or lying about it) is stopped at the cap, not after it.
      if (loaded > maxBytes) {
        void reader.cancel().catch(() => undefined);
        throw tooBig(loaded);
      }
      chunks.push(value);
      options.onProgress?.({ url, loaded, total });
    }
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    if (options.signal?.aborted) throw cancelled();
    throw new DownloadError(
      url,
      `the download of ${url} broke off after ${loaded} bytes (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (total !== null && loaded < total) {
    throw new DownloadError(url, `the download of ${url} ended early: ${loaded} of ${total} bytes`);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
