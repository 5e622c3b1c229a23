/**
 * Opens an http(s) URL as a byte stream: follows redirects (the OMZ storage and mirrors use them),
 * fails on non-2xx, and aborts a connection that stays silent for `timeoutMs` (connecting or
 * mid-body) so a stalled mirror cannot hang `models fetch` forever.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { FaceReidError } from '../errors';

export interface HttpSourceOptions {
  /** Idle time allowed on the socket, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
}

export interface HttpSource {
  body: IncomingMessage;
  /** Content-Length when the server sent one. */
  length?: number;
  /** The URL that finally answered, after redirects. */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function openHttpSource(url: string, options: HttpSourceOptions = {}): Promise<HttpSource> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  return request(new URL(url), timeoutMs, maxRedirects, url);
}

function request(url: URL, timeoutMs: number, redirectsLeft: number, original: string): Promise<HttpSource> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) {
      reject(new FaceReidError(`Cannot download ${url.href}: only http and https URLs are supported`, 'DOWNLOAD_FAILED'));
      return;
    }
    let response: IncomingMessage | undefined;
    const req = client.get(url, { headers: { 'user-agent': 'ov-face-reid', accept: '*/*' } }, (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status) && res.headers.location) {
        res.resume(); // drain so the socket can be reused or closed
        if (redirectsLeft <= 0) {
          reject(new FaceReidError(`Too many redirects downloading ${original}`, 'DOWNLOAD_FAILED'));
          return;
        }
        request(new URL(res.headers.location, url), timeoutMs, redirectsLeft - 1, original).then(resolve, reject);
        return;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        reject(new FaceReidError(`Download of ${url.href} failed: HTTP ${status} ${res.statusMessage ?? ''}`.trim(), 'DOWNLOAD_FAILED'));
        return;
      }
      const header = res.headers['content-length'];
      const length = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      resolve({ body: res, length, url: url.href });
    });
    // The socket timeout stays armed while the body streams, so it also catches a mid-body stall.
    req.setTimeout(timeoutMs, () => {
      const err = new FaceReidError(`no data for ${timeoutMs} ms from ${url.host}`, 'DOWNLOAD_FAILED');
      // Once the body is streaming, the reader must see this reason rather than a bare "aborted".
      response?.destroy(err);
      req.destroy(err);
    });
    req.on('error', (err) => {
      reject(new FaceReidError(`Download of ${url.href} failed: ${err.message}`, 'DOWNLOAD_FAILED'));
    });
  });
}
