/**
 * The HTTP service: `createServer` builds the fastify instance (testable with `app.inject()`,
 * nothing listening); `startService` opens the pipeline and the gallery, listens, and closes all
 * of it on SIGTERM/SIGINT or `close()`: stop accepting, let in-flight requests finish, then close
 * the queue, the gallery and the pipeline.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import cors from '@fastify/cors';
import { FacePipeline } from '../pipeline';
import { KeyVerifier, registerAuth } from './auth';
import type { ServiceConfig } from './config';
import { ServiceError, toServiceError } from './errors';
import { FaceService } from './face-service';
import { RAW_IMAGE_TYPES } from './images';
import { ServiceMetrics } from './metrics';
import { DOCS_PAGE, OpenApiCollector } from './openapi';
import { InferenceQueue } from './queue';
import { registerWorkSignal } from './work-signal';
import { StreamManager, type StreamDefinition } from './streams';
import { streamRoutes } from './routes/streams';
import type { Gallery } from '../gallery';
import { analyzeRoutes } from './routes/analyze';
import { healthRoutes } from './routes/health';
import { identifyRoutes } from './routes/identify';
import { identityRoutes } from './routes/identities';
import { sightingRoutes } from './routes/sightings';
import { verifyRoutes } from './routes/verify';
import { webRoutes } from './routes/web';
import { comprefaceRoutes, COMPREFACE_NO_FACE } from './compat/compreface';
import { deepstackRoutes } from './compat/deepstack';

export interface CreateServerOptions {
  pipeline: FacePipeline;
  gallery: Gallery;
  config: ServiceConfig;
  /** A pino logger options object or false; default: the config's logLevel on stdout. */
  logger?: boolean | Record<string, unknown>;
  /**
   * Streams beyond the configuration's (which name files, URLs and devices): an embedding program
   * may give any FaceStream source here, pushed frames included.
   */
  streams?: Record<string, StreamDefinition>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service behind the routes (queue, thresholds, pipeline, gallery). */
    faceService: FaceService;
    /** The configured camera streams. */
    streams: StreamManager;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(`${__dirname}/../../package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/** The error body in our shape or in the shape of the compatibility layer that served the route. */
function errorBody(err: ServiceError, request: FastifyRequest): Record<string, unknown> {
  const format = request.routeOptions.config?.errorFormat;
  if (format === 'compreface') {
    // CompreFace clients test the numeric code 28 ("no face"); the rest carry the HTTP status.
    return { message: err.message, code: err.code === 'NO_FACE' ? COMPREFACE_NO_FACE : err.status, error_code: err.code, ...(err.field ? { field: err.field } : {}) };
  }
  if (format === 'deepstack') return { success: false, error: err.message, code: err.code, ...(err.field ? { field: err.field } : {}) };
  return { statusCode: err.status, code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}), requestId: request.id };
}

function sendError(err: ServiceError, request: FastifyRequest, reply: FastifyReply) {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  // Our error bodies never go through a route's success schema.
  return reply.code(err.status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(errorBody(err, request));
}

export async function createServer(options: CreateServerOptions): Promise<FastifyInstance> {
  const { pipeline, gallery, config } = options;
  const limits = config.limits;
  const tls = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // base64 JSON carries up to two images of bodyBytes each.
    bodyLimit: Math.ceil(limits.bodyBytes * 2.75),
    requestTimeout: limits.requestTimeoutMs,
    handlerTimeout: limits.requestTimeoutMs,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Requests arriving while the server closes get our 503 body (the onRequest hook), not fastify's.
    return503OnClosing: false,
    // A misspelt query parameter is an error naming it, not silently dropped (fastify's default).
    ajv: { customOptions: { removeAdditional: false } },
    ...(tls ? { https: tls } : {}),
  }) as unknown as FastifyInstance;

  const queue = new InferenceQueue(limits.inferenceConcurrency, limits.queueDepth);
  const metrics = new ServiceMetrics(queue);
  const service = new FaceService({
    pipeline,
    gallery,
    queue,
    metrics,
    maxPixels: limits.maxPixels,
    matchThreshold: config.matchThreshold,
    verifyThreshold: config.verifyThreshold,
    node: config.node,
  });
  app.decorate('faceService', service);
  const streams = new StreamManager(pipeline, gallery, { ...config.streams, ...options.streams });
  app.decorate('streams', streams);
  metrics.watchStreams(streams);
  let closing = false;

  const openapi = new OpenApiCollector();
  openapi.attach(app);
  metrics.register(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw new ServiceError(503, 'UNAVAILABLE', 'the service is shutting down', { retryAfter: 5 });
  });
  registerWorkSignal(app, limits.requestTimeoutMs);
  app.addHook('onClose', async () => {
    closing = true;
    await streams.close();
    await queue.close();
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  // While closing, answers to requests still in flight end their connection: otherwise a
  // keep-alive client holds the server open until its keep-alive timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  app.setErrorHandler((err, request, reply) => {
    let e = toServiceError(err);
    // The deadline passed while the body was still arriving: a slow client (408), and its
    // connection is not worth keeping.
    if ((err as { code?: string }).code === 'FST_ERR_HANDLER_TIMEOUT' && request.raw.complete === false) {
      e = new ServiceError(408, 'TIMEOUT', `the request did not arrive within ${limits.requestTimeoutMs} ms`);
      reply.header('connection', 'close');
    }
    if (e.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: e.code, field: e.field }, e.message);
    return sendError(e, request, reply);
  });
  app.setNotFoundHandler((request, reply) => sendError(new ServiceError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply));

  if (config.corsOrigins.length > 0) await app.register(cors, { origin: config.corsOrigins });

  // Bodies are JSON, multipart or raw images; fastify's plain-text parser would let text reach
  // the routes as if it were an image field, so it goes (415 instead).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([...RAW_IMAGE_TYPES], { parseAs: 'buffer', bodyLimit: limits.bodyBytes }, (_request, body, done) => done(null, body));
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    // Files become Buffers in the body; a request's file name is never looked at.
    onFile: async (part) => {
      (part as unknown as { value: Buffer }).value = await part.toBuffer();
    },
    limits: { fileSize: limits.bodyBytes, files: 8, fields: 32, parts: 40, fieldSize: 64 * 1024, headerPairs: 200 },
  });

  registerAuth(app, {
    verifier: config.auth === 'off' ? undefined : new KeyVerifier(gallery.keys, config.keyCacheMs),
    rateLimitPerMinute: limits.rateLimitPerMinute,
  });

  await app.register(healthRoutes, { service, metrics, isClosing: () => closing });
  await app.register(analyzeRoutes, { service });
  await app.register(identifyRoutes, { service });
  await app.register(verifyRoutes, { service });
  await app.register(identityRoutes, { service });
  await app.register(sightingRoutes, { service });
  await app.register(streamRoutes, { streams, metrics, isClosing: () => closing });
  await app.register(comprefaceRoutes, { service });
  await app.register(deepstackRoutes, { service });
  await app.register(webRoutes);

  app.get('/openapi.json', { config: { hidden: true } }, async () =>
    openapi.document({
      title: 'ov-face-reid service',
      version: VERSION,
      description: 'Faces, identities and verification over HTTP; CompreFace- and DeepStack-compatible routes. See docs/service.md.',
    }),
  );
  app.get('/docs', { config: { hidden: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(DOCS_PAGE));

  await app.ready();
  if (config.startStreams) for (const name of streams.names) streams.start(name);
  return app;
}

export interface StartServiceOptions {
  config: ServiceConfig;
  /** Install SIGTERM/SIGINT handlers that close everything (default true). */
  handleSignals?: boolean;
  /** The gallery opener (src/gallery's Gallery.open); given so the CLI and tests choose it. */
  openGallery: (location: string, pipeline: FacePipeline) => Promise<Gallery>;
  logger?: boolean | Record<string, unknown>;
}

export interface RunningService {
  app: FastifyInstance;
  /** http(s)://host:port */
  url: string;
  /** Stops accepting, finishes in-flight requests, closes the queue, gallery and pipeline. Idempotent. */
  close(): Promise<void>;
}

export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const { config } = options;
  // configFile '' keeps FACE_REID_CONFIG out: the service's file was already read into config.pipeline.
  const pipeline = await FacePipeline.create({ ...config.pipeline, configFile: '', maxPixels: config.limits.maxPixels });
  let gallery: Gallery;
  try {
    gallery = await options.openGallery(config.gallery, pipeline);
  } catch (err) {
    await pipeline.close();
    throw err;
  }
  let app: FastifyInstance;
  try {
    app = await createServer({ pipeline, gallery, config, logger: options.logger });
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await Promise.allSettled([gallery.close(), pipeline.close()]);
    throw err;
  }
  // Slow clients: the headers must arrive within 10 s (the whole request within requestTimeoutMs).
  app.server.headersTimeout = Math.min(10_000, config.limits.requestTimeoutMs);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;

  let closed: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'shutting down');
    void close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  function close(): Promise<void> {
    closed ??= (async () => {
      if (options.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      try {
        await app.close();
      } finally {
        await Promise.allSettled([gallery.close(), pipeline.close()]);
      }
    })();
    return closed;
  }
  if (options.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { app, url, close };
}
