/** POST /v1/identify: every face of an image named from the gallery, one-to-one within the image. */
import type { FastifyPluginAsync } from 'fastify';
import { imageField } from '../images';
import { boxSchema, faceJson, imageBody, jsonImageBody, landmarksSchema, embeddingSchema } from '../schemas';
import type { RouteOptions } from './analyze';

export const identifyRoutes: FastifyPluginAsync<RouteOptions> = async (app, { service }) => {
  app.post<{ Querystring: { threshold?: number; k?: number; camera?: string; min_score?: number; limit?: number; embeddings?: boolean } }>(
    '/v1/identify',
    {
      config: { scope: 'recognize', docsBody: imageBody(['image']) },
      schema: {
        summary: 'Name every face (gallery label or Unknown); two faces of one image never get the same identity',
        tags: ['v1'],
        querystring: {
          type: 'object',
          properties: {
            threshold: { type: 'number', minimum: -1, maximum: 1, description: 'Cosine similarity below which a face is Unknown (default: the configured match threshold)' },
            k: { type: 'integer', minimum: 1, maximum: 100, description: 'Also list each face\'s k most similar identities' },
            camera: { type: 'string', minLength: 1, maxLength: 200, description: 'Record the faces as sightings of this source' },
            min_score: { type: 'number', minimum: 0, maximum: 1 },
            limit: { type: 'integer', minimum: 0 },
            embeddings: { type: 'boolean', default: false },
          },
          additionalProperties: false,
        },
        body: jsonImageBody(['image']),
        response: {
          200: {
            type: 'object',
            properties: {
              threshold: { type: 'number' },
              faces: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    box: boxSchema,
                    score: { type: 'number' },
                    landmarks: landmarksSchema,
                    embedding: embeddingSchema,
                    label: { type: 'string', description: 'Gallery label or "Unknown"' },
                    similarity: { type: 'number', description: 'Similarity to the assigned identity (0 when none was left)' },
                    candidates: {
                      type: 'array',
                      items: { type: 'object', properties: { label: { type: 'string' }, similarity: { type: 'number' } }, required: ['label', 'similarity'] },
                    },
                  },
                  required: ['box', 'score', 'landmarks', 'label', 'similarity'],
                },
              },
            },
            required: ['threshold', 'faces'],
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const image = imageField(request.body, 'image')!;
      const threshold = q.threshold ?? service.matchThreshold;
      const faces = await service.identify(image, { threshold, camera: q.camera, minScore: q.min_score, limit: q.limit, signal: request.workSignal });
      const candidates = q.k ? await service.candidatesOf(faces, q.k) : undefined;
      return {
        threshold,
        faces: faces.map((f, i) => ({
          ...faceJson(f, q.embeddings === true),
          label: f.label,
          similarity: f.similarity,
          ...(candidates ? { candidates: candidates[i] } : {}),
        })),
      };
    },
  );
};
