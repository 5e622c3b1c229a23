/**
 * The gallery's identities and their samples: list, show, add a sample (from an image, with its
 * source key), remove an identity.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ServiceError, badField } from '../errors';
import { imageField, textField } from '../images';
import { checkLabel } from '../face-service';
import { boxSchema, imageBody, jsonImageBody } from '../schemas';
import type { RouteOptions } from './analyze';
import { thumbnailOf, withoutThumbnail } from '../thumbnail';

const labelParams = {
  type: 'object',
  properties: { label: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['label'],
} as const;

const identitySchema = {
  type: 'object',
  properties: {
    label: { type: 'string' },
    samples: { type: 'integer' },
    meta: { type: 'object', additionalProperties: true, description: 'The identity\'s meta, without the thumbnail bytes' },
    thumbnail: { type: 'boolean', description: 'Whether GET /v1/identities/{label}/thumbnail has a picture' },
    created: { type: 'string', format: 'date-time' },
  },
  required: ['label', 'samples', 'thumbnail', 'created'],
} as const;

export const identityRoutes: FastifyPluginAsync<RouteOptions> = async (app, { service }) => {
  const gallery = service.gallery;

  app.get(
    '/v1/identities',
    {
      config: { scope: 'recognize' },
      schema: {
        summary: 'Every identity of the gallery with its number of samples',
        tags: ['v1'],
        response: { 200: { type: 'object', properties: { identities: { type: 'array', items: identitySchema } }, required: ['identities'] } },
      },
    },
    async () => ({
      identities: (await gallery.list()).map((i) => ({ ...i, meta: withoutThumbnail(i.meta), thumbnail: thumbnailOf(i.meta) !== undefined })),
    }),
  );

  app.get<{ Params: { label: string } }>(
    '/v1/identities/:label/thumbnail',
    {
      config: { scope: 'recognize' },
      schema: {
        summary: 'The identity\'s thumbnail (96x96 JPEG of the face of its first sample added through the service); 404 when it has none',
        tags: ['v1'],
        params: labelParams,
      },
    },
    async (request, reply) => {
      const label = checkLabel(request.params.label, 'label');
      const identity = (await gallery.list()).find((i) => i.label === label);
      if (!identity) throw new ServiceError(404, 'NOT_FOUND', `no identity "${label}"`, { field: 'label' });
      const jpeg = thumbnailOf(identity.meta);
      if (!jpeg) throw new ServiceError(404, 'NOT_FOUND', `identity "${label}" has no thumbnail`, { field: 'label' });
      return reply.type('image/jpeg').header('cache-control', 'private, no-cache').send(jpeg);
    },
  );

  app.get<{ Params: { label: string } }>(
    '/v1/identities/:label',
    {
      config: { scope: 'recognize' },
      schema: {
        summary: 'One identity and the source keys of its samples',
        tags: ['v1'],
        params: labelParams,
        response: {
          200: {
            type: 'object',
            properties: {
              label: { type: 'string' },
              samples: {
                type: 'array',
                items: { type: 'object', properties: { source: { type: ['string', 'null'] }, created: { type: 'string' } }, required: ['source', 'created'] },
              },
            },
            required: ['label', 'samples'],
          },
        },
      },
    },
    async (request) => {
      const label = checkLabel(request.params.label, 'label');
      if (!(await gallery.hasLabel(label))) throw new ServiceError(404, 'NOT_FOUND', `no identity "${label}"`, { field: 'label' });
      const samples = await gallery.samples(label);
      return { label, samples: samples.map((s) => ({ source: s.source, created: s.created })) };
    },
  );

  app.post<{ Params: { label: string }; Querystring: { source?: string; min_score?: number } }>(
    '/v1/identities/:label/samples',
    {
      config: { scope: 'manage', docsBody: imageBody(['image'], { source: { type: 'string' } }) },
      schema: {
        summary: 'Add the largest face of an image as a sample of the identity (created if new); idempotent per source key',
        tags: ['v1'],
        params: labelParams,
        querystring: {
          type: 'object',
          properties: {
            source: { type: 'string', minLength: 1, maxLength: 500, description: 'Idempotency key of the sample (default: a UUID made from the image bytes)' },
            min_score: { type: 'number', minimum: 0, maximum: 1 },
          },
          additionalProperties: false,
        },
        body: jsonImageBody(['image'], { source: { type: 'string', minLength: 1, maxLength: 500 } }),
        response: {
          '2xx': {
            type: 'object',
            properties: {
              label: { type: 'string' },
              source: { type: 'string' },
              status: { type: 'string', enum: ['stored', 'duplicate', 'queued'], description: 'queued: durable in the local outbox, not yet in the database' },
              box: boxSchema,
            },
            required: ['label', 'source', 'status', 'box'],
          },
        },
      },
    },
    async (request, reply) => {
      const label = checkLabel(request.params.label, 'label');
      const bodySource = textField(request.body, 'source');
      if (bodySource !== undefined && request.query.source !== undefined && bodySource !== request.query.source) {
        throw badField('source', 'the source key is given twice (query and body) with different values');
      }
      const source = request.query.source ?? bodySource;
      if (source !== undefined && (source === '' || source.length > 500)) throw badField('source', '"source" must be 1 to 500 characters');
      const result = await service.enrol(label, imageField(request.body, 'image')!, { source, minScore: request.query.min_score, signal: request.workSignal });
      reply.code(result.status === 'stored' ? 201 : 200);
      return { label, source: result.source, status: result.status, box: result.face.box };
    },
  );

  app.delete<{ Params: { label: string } }>(
    '/v1/identities/:label',
    {
      config: { scope: 'manage' },
      schema: {
        summary: 'Remove an identity, all its samples and its sightings',
        tags: ['v1'],
        params: labelParams,
        response: { 200: { type: 'object', properties: { label: { type: 'string' }, status: { type: 'string', enum: ['removed', 'queued'] } }, required: ['label', 'status'] } },
      },
    },
    async (request) => {
      const label = checkLabel(request.params.label, 'label');
      const status = await gallery.remove(label);
      if (status === 'absent') throw new ServiceError(404, 'NOT_FOUND', `no identity "${label}"`, { field: 'label' });
      return { label, status };
    },
  );
};
