/**
 * The service's web page: `/` and its two static files, read once at start from a fixed list of
 * names (no part of a request path ever reaches the file system, so no path trick can name
 * another file). Public, like /healthz: the page holds no data; its API calls carry the key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

/** Where the page's files are: next to this module's source folder, shipped as src/service/web/. */
const WEB_DIR = join(__dirname, '..', '..', '..', 'src', 'service', 'web');

/**
 * Same-origin scripts, styles and API calls only; pictures from blob:/data: (uploads, thumbnails,
 * the camera); no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const FILES = [
  { url: '/', file: 'index.html', type: 'text/html; charset=utf-8', summary: 'The web page: identities, enrolment, identification, live events' },
  { url: '/web/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8', summary: 'The web page\'s script' },
  { url: '/web/app.css', file: 'app.css', type: 'text/css; charset=utf-8', summary: 'The web page\'s style sheet' },
] as const;

export const webRoutes: FastifyPluginAsync = async (app) => {
  for (const { url, file, type, summary } of FILES) {
    const body = readFileSync(join(WEB_DIR, file));
    app.get(url, { schema: { summary, tags: ['web'] } }, async (_request, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
};
