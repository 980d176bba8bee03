import type { Got } from 'got';
import { FileDecodeError, decodeStructureFile } from '@defect-candidates/core';
import { createSafeHttp, isUnsafeUrlError, assertSafeUrl } from '@defect-candidates/service/net/index';

/** A structure file could not be fetched; `retryable` says whether trying again may help. */
export class DownloadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadOptions {
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** A got instance; by default the safe one (address rules checked on the connected peer). */
  http?: Got;
}

const TRANSIENT_CODES = new Set(['ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_GOT_REQUEST_ERROR']);

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the URL';
  }
}

function classify(err: unknown, url: string): DownloadError {
  if (err instanceof DownloadError) return err;
  if (isUnsafeUrlError(err)) {
    let e: unknown = err;
    while (e && !(e instanceof Error && e.name === 'UnsafeUrlError') && (e as { cause?: unknown }).cause) e = (e as { cause?: unknown }).cause;
    return new DownloadError((e as Error).message, false);
  }
  const e = err as { code?: string; name?: string; message?: string };
  if (e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT') return new DownloadError(`Download of ${describe(url)} timed out`, true);
  if (e?.name === 'AbortError') return new DownloadError(`Download of ${describe(url)} was cancelled`, true);
  const retryable = e?.code ? TRANSIENT_CODES.has(e.code) : true;
  return new DownloadError(`Download of ${describe(url)} failed: ${e?.message ?? String(err)}`, retryable);
}

/**
 * Fetches a structure file: http/https only, no redirects, internal addresses refused on the
 * address actually connected (unless allowPrivate), a size cap enforced while reading, and a
 * gzip, bzip2 or xz file unpacked (found by its magic bytes) within the same cap. Returns the
 * text and what was assumed to get it (decodeStructureFile's warnings). Every failure is a
 * DownloadError; a file that is damaged or unpacks past the cap is not retryable.
 */
export async function downloadStructure(url: string, options: DownloadOptions): Promise<{ text: string; warnings: string[] }> {
  try {
    assertSafeUrl(url, { allowPrivate: options.allowPrivate });
  } catch (err) {
    throw classify(err, url);
  }
  const http = options.http ?? createSafeHttp({ allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs });
  const chunks: Buffer[] = [];
  let total = 0;
  // Set when we stop reading on purpose; got would wrap an error given to destroy() in its own.
  let refusal: DownloadError | null = null;
  try {
    const stream = http.stream(url, {
      throwHttpErrors: false,
      decompress: true,
      headers: { 'user-agent': 'defect-candidates-worker', accept: '*/*' },
      timeout: { request: options.timeoutMs },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const refuse = (error: DownloadError) => {
      refusal = error;
      stream.destroy();
    };
    stream.on('response', (response: { statusCode: number; headers: Record<string, string | undefined> }) => {
      const status = response.statusCode;
      if (status >= 300 && status < 400) {
        refuse(new DownloadError(`${describe(url)} answered ${status} (a redirect); give the final URL, redirects are not followed`, false, status));
      } else if (status < 200 || status >= 300) {
        const transient = status === 408 || status === 429 || status >= 500;
        refuse(new DownloadError(`${describe(url)} answered HTTP ${status}`, transient, status));
      } else if (Number(response.headers['content-length'] ?? 0) > options.maxBytes) {
        refuse(new DownloadError(`${describe(url)} is larger than the limit of ${options.maxBytes} bytes`, false, status));
      }
    });
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > options.maxBytes) {
        refuse(new DownloadError(`${describe(url)} is larger than the limit of ${options.maxBytes} bytes`, false));
        break;
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw refusal ?? classify(err, url);
  }
  if (refusal) throw refusal;
  const body = Buffer.concat(chunks);
  if (body.length === 0) throw new DownloadError(`${describe(url)} is empty`, false);
  try {
    const { text, warnings } = await decodeStructureFile(body, { maxBytes: options.maxBytes, name: describe(url) });
    return { text, warnings };
  } catch (err) {
    if (err instanceof FileDecodeError) throw new DownloadError(err.message, false);
    throw err;
  }
}
