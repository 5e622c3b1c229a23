/** GET /v1/sightings: who was seen where and when (written by identify with `camera`, and by streams). */
import type { FastifyPluginAsync } from 'fastify';
import { badField } from '../errors';
import { boxSchema } from '../schemas';
import type { RouteOptions } from './analyze';

export const sightingRoutes: FastifyPluginAsync<RouteOptions> = async (app, { service }) => {
  app.get<{ Querystring: { label?: string; source?: string; from?: string; to?: string; limit?: number } }>(
    '/v1/sightings',
    {
      config: { scope: 'manage' },
      schema: {
        summary: 'Sightings, newest first, filtered by label, source and time',
        tags: ['v1'],
        querystring: {
          type: 'object',
          properties: {
            label: { type: 'string', minLength: 1 },
            source: { type: 'string', minLength: 1 },
            from: { type: 'string', format: 'date-time', description: 'Inclusive, ISO 8601' },
            to: { type: 'string', format: 'date-time', description: 'Exclusive, ISO 8601' },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              sightings: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    at: { type: 'string' },
                    node: { type: 'string' },
                    source: { type: 'string' },
                    label: { type: 'string' },
                    similarity: { type: 'number' },
                    box: boxSchema,
                    track: { type: 'string' },
                  },
                  required: ['at', 'node', 'source', 'label', 'similarity'],
                },
              },
            },
            required: ['sightings'],
          },
        },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      if (from && to && Date.parse(from) >= Date.parse(to)) throw badField('to', '"to" must be later than "from"');
      return { sightings: await service.gallery.sightings.query(request.query) };
    },
  );
};
