/**
 * Operations: /healthz (the process answers), /readyz (models compiled and the gallery
 * reachable), /metrics (Prometheus). Public: they carry no face or identity data.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { FaceService } from '../face-service';
import type { ServiceMetrics } from '../metrics';

const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    models: { type: 'object', description: 'Device each model was compiled for', properties: { detector: { type: 'string' }, landmarks: { type: 'string' }, reid: { type: 'string' } } },
    gallery: {
      type: 'object',
      properties: { backend: { type: 'string' }, state: { type: 'string' }, outbox: { type: 'integer' }, lastError: { type: 'string' } },
    },
    queue: { type: 'object', properties: { running: { type: 'integer' }, waiting: { type: 'integer' }, depth: { type: 'integer' } } },
  },
  required: ['ready'],
} as const;

export const healthRoutes: FastifyPluginAsync<{ service: FaceService; metrics: ServiceMetrics; isClosing: () => boolean }> = async (app, { service, metrics, isClosing }) => {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: models compiled, gallery reachable (503 otherwise)',
        tags: ['operations'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const status = service.gallery.status;
      // 'offline' still matches from the last state, but writes only queue: not ready for clients.
      const ready = !isClosing() && status.state !== 'offline';
      reply.code(ready ? 200 : 503);
      if (!ready) reply.header('retry-after', '5');
      return {
        ready,
        models: service.pipeline.devices,
        gallery: { backend: status.backend, state: status.state, outbox: status.outbox, lastError: status.lastError },
        queue: { running: service.queue.running, waiting: service.queue.waiting, depth: service.queue.depth },
      };
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'] } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};
