/**
 * The camera streams: list, start, stop, their live tracks, and the events of every stream over
 * Server-Sent Events (`GET /v1/events`, one `event: <type>` + `data: <json>` per event).
 */
import type { FastifyPluginAsync } from 'fastify';
import { EVENT_SCHEMAS } from '../../stream/events';
import type { StreamEvent } from '../../stream/events';
import type { StreamManager } from '../streams';
import type { ServiceMetrics } from '../metrics';

/** Events waiting for one SSE client; past this the oldest are dropped (and counted). */
const CLIENT_QUEUE = 256;
const HEARTBEAT_MS = 15_000;

const nameParams = { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['name'] } as const;

const infoSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    state: { type: 'string', enum: ['stopped', 'running', 'ended'] },
    startedAt: { type: ['string', 'null'] },
    frames: { type: 'integer' },
    framesDropped: { type: 'integer' },
    fps: { type: ['number', 'null'] },
    tracks: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
  },
  required: ['name', 'state', 'frames', 'framesDropped', 'tracks'],
} as const;

export const streamRoutes: FastifyPluginAsync<{ streams: StreamManager; metrics: ServiceMetrics; isClosing: () => boolean }> = async (app, { streams, metrics, isClosing }) => {
  const open = new Set<() => void>();
  // SSE responses never end by themselves: closing the server ends them, or close() would wait forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get(
    '/v1/streams',
    {
      config: { scope: 'recognize' },
      schema: { summary: 'The configured camera streams and their state', tags: ['streams'], response: { 200: { type: 'object', properties: { streams: { type: 'array', items: infoSchema } }, required: ['streams'] } } },
    },
    async () => ({ streams: streams.list() }),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/streams/:name/start',
    { config: { scope: 'manage' }, schema: { summary: 'Start a configured stream (a no-op when it runs)', tags: ['streams'], params: nameParams, response: { 200: infoSchema } } },
    async (request) => streams.start(request.params.name),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/streams/:name/stop',
    { config: { scope: 'manage' }, schema: { summary: 'Stop a stream (its decoder included)', tags: ['streams'], params: nameParams, response: { 200: infoSchema } } },
    async (request) => streams.stop(request.params.name),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/streams/:name/tracks',
    {
      config: { scope: 'recognize' },
      schema: {
        summary: 'The live tracks of a stream: who is there, since when, how sure',
        tags: ['streams'],
        params: nameParams,
        response: {
          200: {
            type: 'object',
            properties: {
              tracks: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    track: { type: 'string' },
                    since: { type: 'string' },
                    label: { type: ['string', 'null'] },
                    kind: { type: ['string', 'null'] },
                    similarity: { type: ['number', 'null'] },
                    box: { type: ['object', 'null'], properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number' }, height: { type: 'number' } } },
                  },
                  required: ['track', 'since', 'label'],
                },
              },
            },
            required: ['tracks'],
          },
        },
      },
    },
    async (request) => ({ tracks: streams.tracks(request.params.name) }),
  );

  app.get<{ Querystring: { camera?: string } }>(
    '/v1/events',
    {
      config: { scope: 'recognize' },
      schema: {
        summary: 'Server-Sent Events: track.started, track.identified, track.updated, track.ended of every stream (or one camera)',
        description: `Each event's data is JSON following its schema: ${Object.keys(EVENT_SCHEMAS).join(', ')}.`,
        tags: ['streams'],
        querystring: { type: 'object', properties: { camera: { type: 'string', minLength: 1 } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const camera = request.query.camera;
      if (camera !== undefined) streams.tracks(camera); // 404 for an unknown stream, before the response starts
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-request-id': request.id,
        'x-accel-buffering': 'no',
      });
      res.write(': face-reid events\n\n');
      const queue: StreamEvent[] = [];
      let writable = true;
      let dropped = 0;
      const flush = () => {
        while (writable && queue.length > 0) {
          const event = queue.shift()!;
          writable = res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
        }
      };
      res.on('drain', () => {
        writable = true;
        flush();
      });
      const unsubscribe = streams.subscribe({
        camera,
        push(event) {
          queue.push(event);
          if (queue.length > CLIENT_QUEUE) {
            queue.shift();
            dropped++;
            metrics.sseDropped.inc();
          }
          flush();
        },
      });
      const heartbeat = setInterval(() => res.write(dropped > 0 ? `: dropped ${dropped}\n\n` : ': ping\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      request.raw.on('close', end);
      if (isClosing()) end();
    },
  );
};
