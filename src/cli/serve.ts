/**
 * `face-reid serve`: the HTTP service (docs/service.md). Thin: reads the configuration (file,
 * environment, flags) and hands it to startService, which owns the pipeline, the gallery and the
 * shutdown on SIGTERM.
 */
import { Gallery } from '../gallery';
import { loadServiceConfig } from '../service/config';
import { startService } from '../service/server';
import { parse } from './common';

export const summary = 'Run the HTTP service (our API, CompreFace and DeepStack compatible routes)';

const usage = `Usage: face-reid serve [--config FILE] [--gallery FILE|URL] [--host HOST] [--port PORT]

  --config FILE       JSON: the library configuration plus a "service" section (docs/service.md)
  --gallery FILE|URL  gallery file (SQLite) or postgres:// URL (or FACE_REID_GALLERY)
  --host HOST         address to listen on (default 127.0.0.1; FACE_REID_HOST)
  --port PORT         port (default 8080; FACE_REID_PORT)

API keys: face-reid keys create --scope recognize|manage|admin --gallery FILE|URL`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string' },
    gallery: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const config = loadServiceConfig({
    file: values.config,
    flags: { gallery: values.gallery, host: values.host, port: values.port },
  });
  const service = await startService({
    config,
    openGallery: (location, pipeline) => Gallery.open(location, { model: pipeline.embeddingModel, node: config.node }),
  });
  service.app.log.info({ url: service.url, gallery: service.app.faceService.gallery.status.backend }, `face-reid service listening on ${service.url}`);
  // Runs until SIGTERM/SIGINT: startService's handlers close everything and exit.
  return new Promise<number>(() => {});
}
