/** POST /v1/verify: are two faces the same person? Two images (largest face of each) or two embeddings. */
import type { FastifyPluginAsync } from 'fastify';
import { badField } from '../errors';
import { imageField } from '../images';
import { toUnitVector } from '../../gallery/embedding';
import { faceSchema, imageBody } from '../schemas';
import type { RouteOptions } from './analyze';
import { faceJson } from '../schemas';

function embeddingField(value: unknown, field: string): Float32Array | undefined {
  if (!Array.isArray(value)) return undefined;
  try {
    return toUnitVector(value, field);
  } catch (err) {
    throw badField(field, `"${field}": ${(err as Error).message}`);
  }
}

export const verifyRoutes: FastifyPluginAsync<RouteOptions> = async (app, { service }) => {
  app.post<{ Querystring: { threshold?: number } }>(
    '/v1/verify',
    {
      config: {
        scope: 'recognize',
        docsBody: imageBody(['a', 'b'], {}, {
          type: 'object',
          description: 'Each of a and b: a base64 image or a 256-number embedding',
          properties: { a: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'number' } }] }, b: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'number' } }] } },
          required: ['a', 'b'],
        }),
      },
      schema: {
        summary: 'Same person or not: similarity of the largest face of two images, or of two embeddings',
        tags: ['v1'],
        querystring: {
          type: 'object',
          properties: { threshold: { type: 'number', minimum: -1, maximum: 1, description: 'Same person at or above (default: the configured verify threshold)' } },
          additionalProperties: false,
        },
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                // No type here: ajv's type coercion inside a oneOf would turn a string into [string];
                // the handler tells images from embeddings and names the field that is neither.
                properties: { a: { description: 'base64 image or embedding' }, b: { description: 'base64 image or embedding' } },
                required: ['a', 'b'],
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { similarity: { type: 'number' }, same: { type: 'boolean' }, threshold: { type: 'number' }, a: faceSchema, b: faceSchema },
            required: ['similarity', 'same', 'threshold'],
          },
        },
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const threshold = request.query.threshold ?? service.verifyThreshold;
      const ea = embeddingField(body.a, 'a');
      const eb = embeddingField(body.b, 'b');
      if (ea && eb) {
        const similarity = service.similarity(ea, eb);
        return { similarity, same: similarity >= threshold, threshold };
      }
      if (ea || eb) throw badField(ea ? 'b' : 'a', 'give both a and b as embeddings, or both as images');
      const result = await service.verifyImages(imageField(body, 'a')!, imageField(body, 'b')!, { signal: request.workSignal, threshold });
      return { similarity: result.similarity, same: result.same, threshold, a: faceJson(result.a, false), b: faceJson(result.b, false) };
    },
  );
};
