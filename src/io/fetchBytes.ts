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

export async function fetchBytes(
  url: string,
  options: {
    signal?: AbortSignal;
    onProgress?: (p: DownloadProgress) => void;
    fetchImpl?: typeof fetch;
  } = {},
): Promise<Uint8Array> {
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
  const body = response.body;
  if (!body) return new Uint8Array(await response.arrayBuffer());
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  options.onProgress?.({ url, loaded, total });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      options.onProgress?.({ url, loaded, total });
    }
  } catch (e) {
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
